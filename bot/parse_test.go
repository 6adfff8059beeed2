package bot

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		text string
		cmd  string
		args []string
	}{
		{"plain", "扣 张三 迟到", "扣", []string{"张三", "迟到"}},
		{"full-width spaces", "扣\u3000张三\u3000\u3000迟到", "扣", []string{"张三", "迟到"}},
		{"mention with U+2005", "@红旗\u2005扣 张三 迟到", "扣", []string{"张三", "迟到"}},
		{"mention with space", "@红旗 扣 张三 迟到", "扣", []string{"张三", "迟到"}},
		{"two mentions", "@红旗 @小助手 查", "查", nil},
		{"full-width at", "＠红旗\u2005查 上月", "查", []string{"上月"}},
		{"stray whitespace", "  \t扣   张三 \n 迟到 \r\n", "扣", []string{"张三", "迟到"}},
		{"full-width comma", "扣 张三，李四，卫生", "扣", []string{"张三", "李四", "卫生"}},
		{"enumeration comma", "扣 张三、李四 卫生", "扣", []string{"张三", "李四", "卫生"}},
		{"colon after command", "扣：张三 迟到", "扣", []string{"张三", "迟到"}},
		{"semicolons and full stop", "奖；李四；信息采纳。", "奖", []string{"李四", "信息采纳"}},
		{"full-width parens kept", "扣 张三（zs01） 迟到", "扣", []string{"张三(zs01)", "迟到"}},
		{"half-width parens kept", "扣 张三(zs01) 迟到", "扣", []string{"张三(zs01)", "迟到"}},
		{"space before paren", "扣 张三 （zs01） 迟到", "扣", []string{"张三(zs01)", "迟到"}},
		{"spaces inside parens", "扣 张三( zs01 ) 迟到", "扣", []string{"张三(zs01)", "迟到"}},
		{"full-width letters and digits", "查 ＺＳ０１ １０月", "查", []string{"ZS01", "10月"}},
		{"month with dash kept", "查 张三 2026-10", "查", []string{"张三", "2026-10"}},
		{"hash number kept", "撤销 ＃12 记错了", "撤销", []string{"#12", "记错了"}},
		{"zero-width space", "扣\u200b张三 迟到", "扣", []string{"张三", "迟到"}},
		{"no-break space", "扣\u00a0张三\u00a0迟到", "扣", []string{"张三", "迟到"}},
		{"ideographic space only", "\u3000\u3000", "", nil},
		{"empty", "", "", nil},
		{"only mention", "@红旗\u2005", "", nil},
		{"leading slash", "/帮助", "帮助", nil},
		{"glued command stays glued", "扣张三 迟到", "扣张三", []string{"迟到"}},
		{"right-to-left override removed", "请假 1 天 家中\u202e准批\u202c有事", "请假", []string{"1", "天", "家中准批有事"}},
		{"bidi isolates and marks removed", "扣 张三\u2066\u200f 迟到\u2069", "扣", []string{"张三", "迟到"}},
		{"control characters removed", "扣 张\x00三\x1b[31m 迟到\x7f", "扣", []string{"张三[31m", "迟到"}},
		{"note kept as one word per field", "扣 张三 迟到 长 9点半才到", "扣", []string{"张三", "迟到", "长", "9点半才到"}},
		{"time stays one word", "缺岗 城关社保窗口 10:20 抽查无人", "缺岗", []string{"城关社保窗口", "10:20", "抽查无人"}},
		{"full-width colon in a time", "缺岗 社保窗口 10：20", "缺岗", []string{"社保窗口", "10:20"}},
		{"colon after a word still separates", "扣 张三 迟到 备注：门口没人", "扣", []string{"张三", "迟到", "备注", "门口没人"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, args := Parse(tt.text)
			if cmd != tt.cmd || !reflect.DeepEqual(args, tt.args) {
				t.Errorf("Parse(%q) = %q %q，应为 %q %q", tt.text, cmd, args, tt.cmd, tt.args)
			}
		})
	}
}

// TestSplitTails 每个参数起的原文：标点照写的保留（备注、事由用它），空白并成一个空格。
func TestSplitTails(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		tails []string
	}{
		{"colon and comma in a note", "缺岗 城关社保窗口 10:20，抽查无人。", []string{"城关社保窗口 10:20，抽查无人。", "10:20，抽查无人。", "抽查无人。"}},
		{"full-width punctuation kept", "扣 张三，李四 卫生：门口没扫！", []string{"张三，李四 卫生：门口没扫！", "李四 卫生：门口没扫！", "卫生：门口没扫！", "门口没扫！"}},
		{"mention and odd spaces", "@红旗\u2005请假\u30001 天  家中\u200b有事", []string{"1 天 家中 有事", "天 家中 有事", "家中 有事", "有事"}},
		{"parens merged", "扣 张三 (zs01) 迟到", []string{"张三 (zs01) 迟到", "迟到"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Split(tt.text)
			if !reflect.DeepEqual(p.Tails, tt.tails) || len(p.Tails) != len(p.Args) {
				t.Errorf("Split(%q).Tails = %q（参数 %q），应为 %q", tt.text, p.Tails, p.Args, tt.tails)
			}
		})
	}
}

// FuzzParse 检查解析器对任意输入不 panic、结果确定、命令和参数都不含空白且不为空。
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"扣 张三 迟到", "@红旗\u2005扣 张三（zs01） 迟到 长", "查 上月", "撤销 #12 记错了",
		"扣 张三( zs01 ) 李四，卫生", "\u3000", "((((", "))) 扣", "@", "/", "扣 (zs01)", "\xff\xfe扣",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, args := Parse(text)
		cmd2, args2 := Parse(text)
		if cmd != cmd2 || !reflect.DeepEqual(args, args2) {
			t.Fatalf("Parse(%q) 两次结果不同", text)
		}
		if cmd == "" && len(args) > 0 {
			t.Fatalf("Parse(%q) 没有命令却有参数 %q", text, args)
		}
		for _, s := range append([]string{cmd}, args...) {
			if s == "" && cmd != "" {
				t.Fatalf("Parse(%q) 得到空参数: %q %q", text, cmd, args)
			}
			if strings.IndexFunc(s, unicode.IsSpace) >= 0 || strings.ContainsAny(s, "\u200b\ufeff") {
				t.Fatalf("Parse(%q) 的结果含空白: %q %q", text, cmd, args)
			}
		}
	})
}
