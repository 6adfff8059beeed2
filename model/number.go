package model

import (
	"math"
	"strconv"
	"strings"
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
