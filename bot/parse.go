package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/model"
)

// Parse 把一条消息拆成命令和参数。它容忍主管在手机上的各种写法：
//   - 全角空格（U+3000）、企业微信 @ 之后的 U+2005，以及其他 Unicode 空白、零宽字符；
//   - 开头的 @提及（“@红旗 扣 张三 迟到”），可以有多个；
//   - 全角字母数字和标点（ＡＢ１２、，：；。、！？）：标点当作分隔符；
//   - 括号（全角或半角）保留在所属的词里：“张三（zs01）”“张三 (zs01)”“张三( zs01 )”都得到 张三(zs01)；
//   - 命令前多余的“/”；
//   - 控制字符和 Unicode 双向控制符（U+202E 等）去掉（model.CleanText）。
//
// 命令和第一个参数粘在一起（“扣张三”）不拆开。返回的参数都不含空白。
func Parse(text string) (command string, args []string) {
	fields := strings.Fields(normalize(model.CleanText(text)))
	// 去掉开头的 @提及。
	for len(fields) > 0 && strings.HasPrefix(fields[0], "@") {
		fields = fields[1:]
	}
	if len(fields) == 0 {
		return "", nil
	}
	command = strings.TrimLeft(fields[0], "/")
	if command == "" {
		// 只有“/”的命令：把后面的词当命令。
		fields = fields[1:]
		if len(fields) == 0 {
			return "", nil
		}
		command = fields[0]
	}
	for _, f := range fields[1:] {
		n := len(args)
		switch {
		// 上一个词的括号还没合上：接在它后面（“张三(” “zs01” “)”）。
		case n > 0 && strings.Count(args[n-1], "(") > strings.Count(args[n-1], ")"):
			args[n-1] += f
		// 以括号开头的词属于前一个参数（“张三 (zs01)”）。
		case n > 0 && strings.HasPrefix(f, "("):
			args[n-1] += f
		default:
			args = append(args, f)
		}
	}
	return command, args
}

// normalize 把各种空白、全角字符和分隔标点统一成半角，分隔处换成空格。
func normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for len(text) > 0 {
		r, size := utf8.DecodeRuneInString(text)
		text = text[size:]
		if r == utf8.RuneError && size <= 1 {
			b.WriteByte(' ')
			continue
		}
		// 全角 ASCII（！到～）转半角。
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		switch {
		case unicode.IsSpace(r), isInvisible(r):
			b.WriteByte(' ')
		case isSeparator(r):
			b.WriteByte(' ')
		case r == '【' || r == '〔':
			b.WriteByte('(')
		case r == '】' || r == '〕':
			b.WriteByte(')')
		case unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isInvisible 报告零宽字符等看不见、但会把词粘坏的字符。
func isInvisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return unicode.Is(unicode.Zs, r)
}

// isSeparator 报告当作参数分隔的标点。“-”“.”“#”不在内：2026-10、2026.10、#12 要保持完整。
func isSeparator(r rune) bool {
	switch r {
	case ',', ';', ':', '!', '?', '、', '。', '，', '；', '：', '！', '？', '…', '｡', '､':
		return true
	}
	return false
}
