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
//   - 全角字母数字和标点（ＡＢ１２、，：；。、！？）：标点当作分隔符，但两个数字之间的冒号
//     （10:20、10：20）是时间，留在词里；
//   - 括号（全角或半角）保留在所属的词里：“张三（zs01）”“张三 (zs01)”“张三( zs01 )”都得到 张三(zs01)；
//   - 命令前多余的“/”；
//   - 控制字符和 Unicode 双向控制符（U+202E 等）去掉（model.CleanText）。
//
// 命令和第一个参数粘在一起（“扣张三”）不在这里拆开：机器人在找不到这个命令时再试（见 Bot.route）。
// 返回的参数都不含空白。备注、理由等自由文字要保留标点，用 Split 得到的 Tail。
func Parse(text string) (command string, args []string) {
	p := Split(text)
	return p.Command, p.Args
}

// Parsed 是 Split 的结果。
type Parsed struct {
	Command string
	Args    []string
	// Tails[i] 是从第 i 个参数起的原文（标点照用户写的保留，连续空白并成一个空格），
	// 用作备注、事由、理由这类自由文字：“10:20，门口没人。”不会变成“10 20 门口没人”。
	Tails []string
	// commandTail 是从命令（去掉开头的“/”）起的原文，机器人拆开粘连的命令时用。
	commandTail string
}

// field 是一个词和它在原文里的起点（字节）。
type field struct {
	text  string
	start int
}

// Split 与 Parse 相同，另给出每个参数起的原文（Parsed.Tails）。
func Split(text string) Parsed {
	clean := model.CleanText(text)
	fields := splitFields(clean)
	// 去掉开头的 @提及。
	for len(fields) > 0 && strings.HasPrefix(fields[0].text, "@") {
		fields = fields[1:]
	}
	if len(fields) == 0 {
		return Parsed{}
	}
	command := strings.TrimLeft(fields[0].text, "/")
	cmdTail := skipRunes(clean[fields[0].start:], utf8.RuneCountInString(fields[0].text)-utf8.RuneCountInString(command))
	if command == "" {
		// 只有“/”的命令：把后面的词当命令。
		fields = fields[1:]
		if len(fields) == 0 {
			return Parsed{}
		}
		command = fields[0].text
		cmdTail = collapseSpace(clean[fields[0].start:])
	}
	var args []field
	for _, f := range fields[1:] {
		n := len(args)
		switch {
		// 上一个词的括号还没合上：接在它后面（“张三(” “zs01” “)”）。
		case n > 0 && strings.Count(args[n-1].text, "(") > strings.Count(args[n-1].text, ")"):
			args[n-1].text += f.text
		// 以括号开头的词属于前一个参数（“张三 (zs01)”）。
		case n > 0 && strings.HasPrefix(f.text, "("):
			args[n-1].text += f.text
		default:
			args = append(args, f)
		}
	}
	p := Parsed{Command: command, commandTail: collapseSpace(cmdTail)}
	for _, a := range args {
		p.Args = append(p.Args, a.text)
		p.Tails = append(p.Tails, collapseSpace(clean[a.start:]))
	}
	return p
}

// splitFields 按空白和分隔标点把 clean 拆成词（已规范化，见 normalize），记下每个词在 clean 里的起点。
func splitFields(clean string) []field {
	var out []field
	var cur strings.Builder
	start := -1
	flush := func() {
		if start >= 0 && cur.Len() > 0 {
			out = append(out, field{cur.String(), start})
		}
		cur.Reset()
		start = -1
	}
	for i := 0; i < len(clean); {
		r, size := utf8.DecodeRuneInString(clean[i:])
		var next, prev rune
		if i+size < len(clean) {
			next, _ = utf8.DecodeRuneInString(clean[i+size:])
		}
		if i > 0 {
			prev, _ = utf8.DecodeLastRuneInString(clean[:i])
		}
		out1, sep := normalizeRune(r, size, prev, next)
		if sep {
			flush()
		} else {
			if start < 0 {
				start = i
			}
			cur.WriteString(out1)
		}
		i += size
	}
	flush()
	return out
}

// normalizeRune 返回 r 规范化后的写法，或 sep 为 true 表示它是分隔（空白、分隔标点、看不见的字符）。
// prev、next 是前后的字符：两个数字之间的冒号（时间 10:20）不算分隔。
func normalizeRune(r rune, size int, prev, next rune) (string, bool) {
	if r == utf8.RuneError && size <= 1 {
		return "", true
	}
	// 全角 ASCII（！到～）转半角。
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0
	}
	switch {
	case (r == ':') && isDigit(prev) && isDigit(next):
		return ":", false
	case unicode.IsSpace(r), isInvisible(r), isSeparator(r), unicode.IsControl(r):
		return "", true
	case r == '【' || r == '〔':
		return "(", false
	case r == '】' || r == '〕':
		return ")", false
	}
	return string(r), false
}

// isDigit 报告半角或全角的数字。
func isDigit(r rune) bool { return (r >= '0' && r <= '9') || (r >= '０' && r <= '９') }

// collapseSpace 把 s 里的空白和看不见的字符并成一个空格，去掉首尾空白。
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || isInvisible(r) || unicode.IsControl(r) {
			space = true
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
