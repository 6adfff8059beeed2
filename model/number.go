package model

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// 用户输入的数的上下限。命令、导入和存储都用这些常量检查，排行也只计入范围内的数。
const (
	// MaxMeterCount 是一个人一天某一项测评（满意、基本满意、不满意）最多的次数。
	MaxMeterCount = 10000
	// MaxScore 是抽查、检查的满分。
	MaxScore = 100
	// MaxID 是用户写的编号（台账记录、请假单、投诉）的上限。
	MaxID = math.MaxInt64
)

// ParseInt 读用户写的一个整数，在 [lo, hi] 之内时返回它和 true。
// 只接受十进制数字（可带 + 或 -）；全角数字和正负号按半角读（＋１２ 即 12）。
// 空串、小数（3.5）、科学计数法（1e9）、千分位（1,000）、超出 int64 的数（99999999999999999999）
// 和范围以外的数都返回 false：调用方据此说明应写什么，而不是猜一个数。
func ParseInt(s string, lo, hi int64) (int64, bool) {
	s = strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		switch r {
		case '＋':
			return '+'
		case '－', '−':
			return '-'
		}
		return r
	}, strings.TrimSpace(s))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// ParseCount 是 ParseInt 的 int 版本，用于次数、分数、天数这些小的数。
func ParseCount(s string, lo, hi int) (int, bool) {
	n, ok := ParseInt(s, int64(lo), int64(hi))
	return int(n), ok
}

// LooksNumeric 表示 s 是否像是想写一个数（去掉全角后只有数字，可带正负号）——
// 用来把“撤销 99999999999999999999”当作写错的编号拒绝，而不是当作理由。
func LooksNumeric(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "+-＋－−")
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < '０' || r > '９') {
			return false
		}
	}
	return true
}

// 编号的写法（见 ParseSerial）。全角的数字、“＃”“：”先换成半角。
var (
	// reSerial 是写在一个词里的编号：12、#12、12号、编号12、编号:12、No.12、第12条。
	reSerial = regexp.MustCompile(`^(?i:#|编号|no\.?|№|第)?:?(\d+)(?:号|条)?$`)
	// reSerialPrefix 是单独写的前缀（“编号：12”“# 12”“No. 12”拆开后的第一个词）。
	reSerialPrefix = regexp.MustCompile(`^(?i:#|编号|no\.?|№|第):?$`)
	// reSerialNumber 是前缀之后的那个词：12、12号。
	reSerialNumber = regexp.MustCompile(`^(\d+)(?:号|条)?$`)
	// reSerialCN 是用汉字写的编号（十二、八号、#八、编号八、第八条）：看得出是编号，但要请对方写数字。
	reSerialCN = regexp.MustCompile(`^(?:#|编号|第)?:?[零〇一二两三四五六七八九十百千]+(?:号|条)?$`)
)

// serialWord 把一个词里的全角数字和“＃”“：”“．”换成半角，去掉两端空白。
func serialWord(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '＃':
			return '#'
		case r == '：':
			return ':'
		case r == '．':
			return '.'
		}
		return r
	}, strings.TrimSpace(s))
}

// ParseSerial 读命令参数开头写的编号（台账记录、请假单、投诉的编号），认人们常见的写法：
// 12、#12、＃12、12号、编号12、编号：12、No.12、第12条，以及拆成两个词的“编号 12”“# 12”“12 号”
// （bot.Parse 把“：”当作分隔，“编号：12”到这里是“编号”“12”两个词）。
//
// 返回编号和用掉的参数个数。args 为空或 args[0] 不像编号（不含数字，也不是编号的写法，如“记错人了”）时
// 返回 0, 0, nil：调用方据此决定怎么办（如“撤销”先问清撤销哪一条），而不是猜一个编号。
// 像是想写编号却读不出（12a、8点、#abc、编号、十二、0、-3、超出 MaxID）时返回 EINVALID，提示用 example 举例。
func ParseSerial(args []string, example string) (n int64, used int, err error) {
	if len(args) == 0 {
		return 0, 0, nil
	}
	w := serialWord(args[0])
	bad := func() (int64, int, error) {
		return 0, 0, Errorf(EINVALID, "编号“%s”不对，编号是正整数，例如：%s", args[0], example)
	}
	num := ""
	switch {
	case reSerial.MatchString(w):
		num, used = reSerial.FindStringSubmatch(w)[1], 1
		if len(args) > 1 && strings.TrimSpace(args[1]) == "号" && reSerialNumber.MatchString(w) && !strings.HasSuffix(w, "号") {
			used = 2 // “12 号”
		}
	case reSerialPrefix.MatchString(w):
		if len(args) < 2 || !reSerialNumber.MatchString(serialWord(args[1])) {
			return 0, 0, Errorf(EINVALID, "“%s”后面要写编号的数字，例如：%s", args[0], example)
		}
		num, used = reSerialNumber.FindStringSubmatch(serialWord(args[1]))[1], 2
	case reSerialCN.MatchString(w):
		return 0, 0, Errorf(EINVALID, "编号请用数字写，例如：%s", example)
	case strings.ContainsFunc(w, unicode.IsDigit) || LooksNumeric(w) ||
		strings.HasPrefix(w, "#") || strings.HasPrefix(w, "编号") || strings.HasPrefix(w, "№"):
		return bad()
	default:
		return 0, 0, nil
	}
	n, ok := ParseInt(num, 1, MaxID)
	if !ok {
		return bad()
	}
	return n, used, nil
}
