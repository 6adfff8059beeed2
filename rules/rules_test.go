package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

// TestDefaultHasEverySeedRule 核对内嵌目录与考核细则原文一一对应：编码、方向、金额。
func TestDefaultHasEverySeedRule(t *testing.T) {
	c := Default()
	tests := []struct {
		code   string
		kind   model.RuleKind
		amount int64
		manual bool
	}{
		{"late", model.Deduction, 10, false},
		{"late_long", model.Deduction, 30, false},
		{"window_absent", model.Deduction, 50, false},
		{"false_leave", model.Deduction, 50, false},
		{"off_task", model.Deduction, 10, false},
		{"conduct", model.Deduction, 10, false},
		{"leave_post", model.Deduction, 10, false},
		{"absence", model.Deduction, 100, false},
		{"attitude", model.Deduction, 10, false},
		{"disobey", model.Deduction, 50, false},
		{"hygiene", model.Deduction, 20, false},
		{"untidy", model.Deduction, 10, false},
		{"refuse_case", model.Deduction, 50, false},
		{"delay_case", model.Deduction, 20, false},
		{"irregular_case", model.Deduction, 20, false},
		{"unauthorised_fee", model.Deduction, 50, false},
		{"circular", model.Deduction, 100, false},
		{"serious_fault", model.Deduction, 100, false},
		{"info_adopted", model.Reward, 50, false},
		{"service_star", model.Reward, 200, true},
		{"flag_week_month", model.Reward, 100, true},
		{"flag_dekad_month", model.Reward, 100, true},
		{"flag_year_star", model.Reward, 600, true},
		{"flag_year_star_head", model.Reward, 200, true},
		{"flag_year_few", model.Deduction, 200, true},
		{"flag_year_none", model.Deduction, 300, true},
		{"flag_year_none_head", model.Deduction, 200, true},
		{"flag_false_info", model.Deduction, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			r, ok := c.Rule(tt.code)
			if !ok {
				t.Fatalf("默认目录缺少规则 %s", tt.code)
			}
			if r.Kind != tt.kind || r.Amount != tt.amount || r.Manual != tt.manual {
				t.Errorf("%s = %s %d manual=%v，应为 %s %d manual=%v", tt.code, r.Kind, r.Amount, r.Manual, tt.kind, tt.amount, tt.manual)
			}
		})
	}
	if got, want := len(c.Rules()), len(tests); got != want {
		t.Errorf("默认目录有 %d 条规则，测试只核对了 %d 条：新增规则请补进上表", got, want)
	}
}

// TestDefaultWords 核对主管常打的词（包括两个词连写）落到正确的规则。
func TestDefaultWords(t *testing.T) {
	c := Default()
	tests := []struct {
		name  string
		kind  model.RuleKind
		words []string
		code  string
		used  int
	}{
		{"迟到", model.Deduction, []string{"迟到"}, "late", 1},
		{"早退", model.Deduction, []string{"早退", "10分钟"}, "late", 1},
		{"迟到 长", model.Deduction, []string{"迟到", "长"}, "late_long", 2},
		{"早退 长", model.Deduction, []string{"早退", "长"}, "late_long", 2},
		{"长时间迟到", model.Deduction, []string{"长时间迟到"}, "late_long", 1},
		{"迟到时间长", model.Deduction, []string{"迟到时间长"}, "late_long", 1},
		{"离岗", model.Deduction, []string{"离岗"}, "leave_post", 1},
		{"离岗 超1小时", model.Deduction, []string{"离岗", "超1小时"}, "absence", 2},
		{"离岗超过1小时", model.Deduction, []string{"离岗超过1小时"}, "absence", 1},
		{"离岗 长", model.Deduction, []string{"离岗", "长"}, "absence", 2},
		{"旷工", model.Deduction, []string{"旷工"}, "absence", 1},
		{"态度", model.Deduction, []string{"态度"}, "attitude", 1},
		{"卫生", model.Deduction, []string{"卫生"}, "hygiene", 1},
		{"乱收费", model.Deduction, []string{"乱收费"}, "unauthorised_fee", 1},
		{"通报", model.Deduction, []string{"通报"}, "circular", 1},
		{"信息采纳", model.Reward, []string{"信息采纳"}, "info_adopted", 1},
		{"明星", model.Reward, []string{"明星"}, "service_star", 1},
		{"编码也行", model.Deduction, []string{"LATE_LONG"}, "late_long", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, n, err := c.Match(tt.kind, tt.words)
			if err != nil {
				t.Fatalf("Match(%v) 出错: %v", tt.words, err)
			}
			if r.Code != tt.code || n != tt.used {
				t.Errorf("Match(%v) = %s 用了 %d 个词，应为 %s 用 %d 个", tt.words, r.Code, n, tt.code, tt.used)
			}
		})
	}
}

// TestAbsenceSaysTheAmountAndWhy 旷工金额原文没有：回复要说明按旷工处理、扣多少、这个数从哪来，
// 说的金额与规则的金额一致。
func TestAbsenceSaysTheAmountAndWhy(t *testing.T) {
	r, _ := Default().Rule("absence")
	want := fmt.Sprintf("扣 %d 元", r.Amount)
	for _, w := range []string{"按旷工处理", want, "管理办法没写旷工扣多少"} {
		if !strings.Contains(r.Note, w) {
			t.Errorf("旷工的 Note = %q，应说明“%s”", r.Note, w)
		}
	}
	if strings.Contains(r.Note, "配置默认值") {
		t.Errorf("旷工的 Note = %q 用了内部说法", r.Note)
	}
}

func TestLoadCustom(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "custom.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r, n, err := c.Match(model.Deduction, []string{"离岗", "长"})
	if err != nil || r.Code != "absence" || r.Amount != 200 || n != 2 {
		t.Errorf("自定义目录中 离岗 长 = %+v, %d, %v；应为 absence 200 元", r, n, err)
	}
	if _, ok := c.Rule("hygiene"); ok {
		t.Error("自定义目录不应带上默认目录的规则")
	}
}

// TestBadFiles 每个坏文件都要得到 EINVALID，并在提示里说出文件、位置和问题。
func TestBadFiles(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"unknown_field.yaml", []string{"unknown_field.yaml", "第 6 行", "未知字段“colour”"}},
		{"bad_amount_type.yaml", []string{"第 5 行", "十元", "整数"}},
		{"zero_amount.yaml", []string{"第 7 行", "hygiene", "amount 必须是正整数"}},
		{"bad_kind.yaml", []string{"第 2 行", "late", "penalty", "deduct"}},
		{"dup_code.yaml", []string{"第 7 行", "late", "第 2 行", "重复"}},
		{"dup_word.yaml", []string{"第 7 行", "late_long", "“迟到”已被规则 late 使用"}},
		{"no_words.yaml", []string{"第 2 行", "没有 words"}},
		{"bad_indent.yaml", []string{"bad_indent.yaml", "第 1 行", "缩进不一致"}},
		{"tab_indent.yaml", []string{"第 2 行", "Tab"}},
		{"empty.yaml", []string{"empty.yaml", "空的"}},
		{"no_rules.yaml", []string{"没有规则"}},
		{"missing_code.yaml", []string{"第 2 行", "缺少 code"}},
		{"does_not_exist.yaml", []string{"does_not_exist.yaml", "不存在"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := Load(filepath.Join("testdata", tt.file))
			if err == nil {
				t.Fatal("坏文件没有报错")
			}
			if code := model.ErrorCode(err); code != model.EINVALID {
				t.Errorf("错误码 = %s，应为 EINVALID", code)
			}
			msg := model.ErrorMessage(err)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("提示 %q 中缺少 %q", msg, w)
				}
			}
		})
	}
}

// TestDefaultYAMLPointsToDocsThatExist：内置规则文件开头指给读者的文档都在仓库里。
func TestDefaultYAMLPointsToDocsThatExist(t *testing.T) {
	refs := regexp.MustCompile(`docs/[\w.-]+\.md`).FindAllString(string(DefaultYAML()), -1)
	if len(refs) == 0 {
		t.Fatal("default.yaml 没有指向任何文档")
	}
	for _, ref := range refs {
		if _, err := os.Stat(filepath.Join("..", ref)); err != nil {
			t.Errorf("default.yaml 指向 %s，但仓库里没有：%v", ref, err)
		}
	}
}
