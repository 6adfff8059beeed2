package model

import (
	"strings"
	"testing"
)

func TestParseInt(t *testing.T) {
	tests := []struct {
		in     string
		lo, hi int64
		want   int64
		ok     bool
	}{
		{"95", 0, 100, 95, true},
		{" 95 ", 0, 100, 95, true},
		{"０", 0, 100, 0, true},
		{"９５", 0, 100, 95, true},
		{"＋１２", 0, 100, 12, true},
		{"+12", 0, 100, 12, true},
		{"100", 0, 100, 100, true},
		{"101", 0, 100, 0, false},
		{"-1", 0, 100, 0, false},
		{"－1", 0, 100, 0, false},
		{"−1", -5, 100, -1, true},
		{"1e9", 0, MaxID, 0, false},
		{"3.5", 0, 100, 0, false},
		{"1,000", 0, 10000, 0, false},
		{"99999999999999999999", 0, MaxID, 0, false},
		{"9223372036854775807", 0, MaxID, MaxID, true},
		{"", 0, 100, 0, false},
		{"九十", 0, 100, 0, false},
		{"0x10", 0, 100, 0, false},
		{"٣", 0, 100, 0, false}, // 阿拉伯-印度数字不读
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseInt(tt.in, tt.lo, tt.hi)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseInt(%q, %d, %d) = %d, %v；应为 %d, %v", tt.in, tt.lo, tt.hi, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLooksNumeric(t *testing.T) {
	for in, want := range map[string]bool{
		"12": true, "99999999999999999999": true, "-1": true, "－１": true, "０": true,
		"": false, "abc": false, "12号": false, "1e9": false, "-": false, "记错了": false,
	} {
		if got := LooksNumeric(in); got != want {
			t.Errorf("LooksNumeric(%q) = %v，应为 %v", in, got, want)
		}
	}
}

// TestParseSerial 是“撤销”等命令读编号的表：认得的写法给出编号和用掉的词数；不是编号的词（理由）
// 给 0、0、没有错误，由调用方决定（“撤销”先问清撤哪一条）；像编号却读不出的拒绝，绝不当作理由。
// 参数是 bot.Parse 之后的样子（全角已转半角，“：”已拆开），也直接给全角的写法。
func TestParseSerial(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int64
		used int
		err  string // 非空：应拒绝，提示含这一段
	}{
		{"bare number", []string{"8"}, 8, 1, ""},
		{"number and reason", []string{"8", "记错人了"}, 8, 1, ""},
		{"hash", []string{"#8"}, 8, 1, ""},
		{"full-width hash", []string{"＃8"}, 8, 1, ""},
		{"full-width digits", []string{"＃１２"}, 12, 1, ""},
		{"hao suffix", []string{"8号", "记错人了"}, 8, 1, ""},
		{"hash and hao", []string{"#8号"}, 8, 1, ""},
		{"bianhao prefix", []string{"编号8"}, 8, 1, ""},
		{"bianhao colon in one word", []string{"编号：8"}, 8, 1, ""},
		{"bianhao colon split by Parse", []string{"编号", "8", "理由"}, 8, 2, ""},
		{"No.", []string{"No.8"}, 8, 1, ""},
		{"no without dot", []string{"no8"}, 8, 1, ""},
		{"No. split", []string{"No.", "8"}, 8, 2, ""},
		{"hash split", []string{"#", "8"}, 8, 2, ""},
		{"number then hao", []string{"8", "号", "记错了"}, 8, 2, ""},
		{"di tiao", []string{"第8条"}, 8, 1, ""},
		{"leading zero", []string{"08"}, 8, 1, ""},
		{"largest id", []string{"9223372036854775807"}, MaxID, 1, ""},
		{"no argument", nil, 0, 0, ""},
		{"a reason, not a number", []string{"abc"}, 0, 0, ""},
		{"a Chinese reason", []string{"记错人了"}, 0, 0, ""},
		{"a reason starting with a numeral character", []string{"十分抱歉"}, 0, 0, ""},
		{"zero", []string{"0"}, 0, 0, "编号“0”不对"},
		{"negative", []string{"-3"}, 0, 0, "编号“-3”不对"},
		{"hash zero", []string{"#0"}, 0, 0, "编号“#0”不对"},
		{"overflow", []string{"99999999999999999999"}, 0, 0, "编号“99999999999999999999”不对"},
		{"letters after digits", []string{"8a"}, 0, 0, "编号“8a”不对"},
		{"digits inside a word", []string{"8点到的"}, 0, 0, "编号“8点到的”不对"},
		{"decimal", []string{"8.5"}, 0, 0, "编号“8.5”不对"},
		{"hash and letters", []string{"#abc"}, 0, 0, "编号“#abc”不对"},
		{"bianhao alone", []string{"编号"}, 0, 0, "“编号”后面要写编号的数字"},
		{"bianhao and a word", []string{"编号", "八"}, 0, 0, "“编号”后面要写编号的数字"},
		{"hash alone", []string{"#"}, 0, 0, "“#”后面要写编号的数字"},
		{"Chinese numerals", []string{"十二"}, 0, 0, "编号请用数字写"},
		{"Chinese numerals with hao", []string{"八号"}, 0, 0, "编号请用数字写"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, used, err := ParseSerial(tt.args, "撤销 12 记错人了")
			if tt.err != "" {
				if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.err) {
					t.Fatalf("ParseSerial(%q) = %d, %d, %v；应拒绝并说“%s”", tt.args, n, used, err, tt.err)
				}
				return
			}
			if err != nil || n != tt.want || used != tt.used {
				t.Fatalf("ParseSerial(%q) = %d, %d, %v；应为 %d, %d", tt.args, n, used, err, tt.want, tt.used)
			}
		})
	}
}
