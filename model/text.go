package model

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxMessageBytes 是企业微信文本、markdown 消息和被动回复内容的上限（字节）：更长的内容会被企业微信截掉。
const MaxMessageBytes = 2048

// MaxNoteRunes 是用户写的一段自由文字（备注、事由、理由、表扬或投诉的内容）最多的字数。
// 更长的不截断、不存一半：整条命令不办理，回复说明上限（见 CheckNote）。
const MaxNoteRunes = 200

// CheckNote 检查用户写的自由文字 s 不超过 max 个字（max 为 0 时用 MaxNoteRunes）；超过时返回 EINVALID，
// 说明 label（如“备注”“事由”）最多几个字、这次写了几个字，什么也没有办理。
func CheckNote(label, s string, max int) error {
	if max <= 0 {
		max = MaxNoteRunes
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Errorf(EINVALID, "%s最多 %d 个字，这次写了 %d 个字。请写短一些再发，这次什么也没有办理。", label, max, n)
	}
	return nil
}

// SplitText 把 s 分成每段不超过 limit 字节的几段：尽量在换行处分开（不把一行拆到两段里），
// 一行本身超过 limit 时在字符边界处分开（不切断 UTF-8 字符）。s 不超过 limit 时原样返回一段。
func SplitText(s string, limit int) []string {
	if limit < utf8.UTFMax {
		limit = utf8.UTFMax
	}
	var parts []string
	for len(s) > limit {
		if cut := strings.LastIndexByte(s[:limit+1], '\n'); cut > 0 {
			parts = append(parts, s[:cut])
			s = s[cut+1:]
			continue
		}
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		parts = append(parts, s[:cut])
		s = s[cut:]
	}
	return append(parts, s)
}

// CleanText 去掉用户文字里不该保存的字符：控制字符（保留换行和制表符）、Unicode 双向控制符
// （U+202A–U+202E、U+2066–U+2069、U+200E、U+200F、U+061C，能把“批准”显示成倒序等）、
// 行/段分隔符（换成换行）和无效的 UTF-8。其余文字原样保留。
// 消息进入机器人时先经过它，所以存下来的事由、备注、理由都是干净的。
func CleanText(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\r':
			// "\r\n" 留下 "\n"；单独的 "\r" 当换行。
			if !strings.HasPrefix(s, "\n") {
				b.WriteByte('\n')
			}
		case r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case unicode.IsControl(r), isBidi(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isClean 表示 s 不含 CleanText 要去掉或改写的字符（常见情形不必重建字符串）。
func isClean(s string) bool {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r == utf8.RuneError, r == '\r', r == '\u2028', r == '\u2029', unicode.IsControl(r), isBidi(r):
			return false
		}
	}
	return true
}

// isBidi 报告 Unicode 双向控制符（会改变文字显示顺序，却看不见）。
func isBidi(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// markdownSpecial 把企业微信 markdown 里有含义的字符换成外形相同的全角字符，这样用户写的
// “[点此批准](//evil.example)”“<font color="info">”“<@all>”“**加粗**”“# 标题”“> 引用”“`代码`”
// 都照原样显示为文字，不成为链接、颜色、@所有人、加粗、标题、引用或代码。
// 企业微信的 markdown 没有公开的转义写法（反斜杠、&lt; 是否生效没有保证），全角字符一定不会被解析。
// “&”也换掉，免得“&lt;font&gt;”被当作实体还原成标签。
var markdownSpecial = strings.NewReplacer(
	"[", "［", "]", "］",
	"<", "＜", ">", "＞",
	"*", "＊", "#", "＃",
	"`", "｀", "&", "＆",
	"\\", "＼", "~", "～",
	"_", "＿", "|", "｜",
)

// MarkdownText 把一段用户写的文字（事由、备注、理由、姓名、网点名）变成可以嵌进企业微信 markdown
// 的一行：先按 PlainText 清理成一行（换行、制表符换成空格，不能另起一行写标题或引用，
// 也不能跳出“> ”引用行；去掉零宽字符），再把 markdown 的特殊字符换成全角（见 markdownSpecial）。
// 生成 markdown 通知的地方，凡是嵌入用户文字都要经过它；我们自己写的格式（**标题**、> 引用、
// <font>）不经过它。
func MarkdownText(s string) string {
	return markdownSpecial.Replace(PlainText(s))
}

// MarkdownLines 是多行版的 MarkdownText：用于把一整段不含 markdown 格式的文字（如结算汇总）
// 当作 markdown 发送。每行各自按 MarkdownText 处理，行与行之间的换行保留。
func MarkdownLines(s string) string {
	lines := strings.Split(CleanText(s), "\n")
	for i, l := range lines {
		lines[i] = MarkdownText(l)
	}
	return strings.Join(lines, "\n")
}

// PlainText 把用户文字变成可以放进模板卡片字段（纯文本、单行）的样子：按 CleanText 清理，
// 连续的空白（含换行）并成一个空格，去掉零宽字符。卡片字段不解析 markdown，特殊字符原样保留。
// 用户写的“{id}”不会被当作记录编号的占位符（见 escapeID）。
func PlainText(s string) string {
	return escapeID(plainText(s))
}

// idEscaped 是用户文字里的“{id}”在通知模板中的写法：中间夹一个看不见的 U+2060（WORD JOINER），
// 就不是占位符 IDPlaceholder 了。Notice.WithID 换完占位符后把它还原成“{id}”，所以收到的人看到的
// 正是用户写的字。用户自己打的 U+2060 在 plainText 里已经去掉，伪造不了占位符。
const idEscaped = "{\u2060id}"

// escapeID 让用户文字里的“{id}”不再是占位符（见 idEscaped）。
func escapeID(s string) string {
	if !strings.Contains(s, IDPlaceholder) {
		return s
	}
	return strings.ReplaceAll(s, IDPlaceholder, idEscaped)
}

func plainText(s string) string {
	s = CleanText(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.Is(unicode.Cf, r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
