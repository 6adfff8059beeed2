package model

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text unchanged", "家中有事，请假一天", "家中有事，请假一天"},
		{"newlines and tabs kept", "第一行\n第二行\t结束", "第一行\n第二行\t结束"},
		{"CRLF becomes LF", "甲\r\n乙\r丙", "甲\n乙\n丙"},
		{"right-to-left override removed", "准批\u202e已", "准批已"},
		{"all bidi controls removed", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c批准", "批准"},
		{"C0 and C1 controls removed", "a\x00b\x1bc\x7fd\u0085e", "abcde"},
		{"line separators become newlines", "甲\u2028乙\u2029丙", "甲\n乙\n丙"},
		{"invalid UTF-8 dropped", "甲\xff\xfe乙", "甲乙"},
		{"markdown left alone", "[链接](//x) <font>", "[链接](//x) <font>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in); got != tt.want {
				t.Errorf("CleanText(%q) = %q，应为 %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMarkdownText 是企业微信 markdown 的注入测试：用户写的每一种 markdown 写法都要原样显示为文字。
func TestMarkdownText(t *testing.T) {
	tests := []struct {
		name, in, want string
		// banned 是结果里不能出现的片段（出现就会被企业微信解析）。
		banned []string
	}{
		{"plain text unchanged", "家中有事（看病）", "家中有事（看病）", nil},
		{"link", "[点此批准](//evil.example)", "［点此批准］(//evil.example)", []string{"[", "]("}},
		{"font and bold", `<font color="info">**已由主任预先批准**</font>`, `＜font color="info"＞＊＊已由主任预先批准＊＊＜/font＞`,
			[]string{"<font", "**", "</font>"}},
		{"mention all", "<@all> 请大家注意", "＜@all＞ 请大家注意", []string{"<@"}},
		{"mention a user", "<@zr>", "＜@zr＞", []string{"<@"}},
		{"heading and quote on a new line", "有事\n# 已批准\n> 主任：同意", "有事 ＃ 已批准 ＞ 主任：同意", []string{"\n", "#", ">"}},
		{"inline code", "`rm -rf`", "｀rm -rf｀", []string{"`"}},
		{"entity", "&lt;font color=\"info\"&gt;", "＆lt;font color=\"info\"＆gt;", []string{"&"}},
		{"backslash escape", `\[x\]`, `＼［x＼］`, []string{`\`, "["}},
		{"bidi removed", "同意\u202e准批", "同意准批", []string{"\u202e"}},
		{"zero-width removed", "批\u200b准", "批准", []string{"\u200b"}},
		{"runs of space collapse", "  甲 \t\n  乙  ", "甲 乙", nil},
		{"control removed", "甲\x1b[31m乙", "甲［31m乙", []string{"\x1b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MarkdownText(tt.in)
			if got != tt.want {
				t.Errorf("MarkdownText(%q) = %q，应为 %q", tt.in, got, tt.want)
			}
			for _, b := range tt.banned {
				if strings.Contains(got, b) {
					t.Errorf("MarkdownText(%q) = %q 仍含 %q", tt.in, got, b)
				}
			}
			if !utf8.ValidString(got) {
				t.Errorf("MarkdownText(%q) 不是有效的 UTF-8", tt.in)
			}
		})
	}
}

func TestMarkdownLines(t *testing.T) {
	in := "11月结算：3 人\n\n<@all>（城关所）−10 元\n# 张三 [x](y)"
	want := "11月结算：3 人\n\n＜@all＞（城关所）−10 元\n＃ 张三 ［x］(y)"
	if got := MarkdownLines(in); got != want {
		t.Errorf("MarkdownLines(%q) = %q，应为 %q", in, got, want)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"one line", "家中\n有事\u202e", "家中 有事"},
		{"markdown kept as text", "[点此批准](//evil.example)", "[点此批准](//evil.example)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q，应为 %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzMarkdownText 检查任意输入的结果都是一行、有效的 UTF-8，且不含任何 markdown 特殊字符和双向控制符。
func FuzzMarkdownText(f *testing.F) {
	for _, s := range []string{"[a](b)", "<font>", "<@all>", "**x**", "# h", "> q", "`c`", "\u202e", "\xff", "a\r\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := MarkdownText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("MarkdownText(%q) = %q 不是有效的 UTF-8", s, got)
		}
		if strings.ContainsAny(got, "[]<>*#`&\\\n\r\u202e\u2066") {
			t.Fatalf("MarkdownText(%q) = %q 含特殊字符", s, got)
		}
	})
}
