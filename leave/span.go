package leave

import (
	"regexp"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
)

// Span 是请假命令里写的时间和事由。
type Span struct {
	Start, End model.Date
	HalfDays   int
	Half       model.HalfDay // 半天假写了上午或下午时
	Reason     string
}

// maxSpanDays 是“请假 N 天”里 N 能读的上限；再大的数不是请假天数（实际的上限见 Service.MaxDays）。
const maxSpanDays = 366

const spanHint = "请写天数或日期，例如：请假 1 天 家中有事；请假 12月20日 下午 看病；请假 11月28日-11月30日 探亲；请假 2026-12-01 2026-12-03 探亲"

var (
	reDays = regexp.MustCompile(`^(\d+(?:\.5)?|[一二两三四五六七八九十]+)(?:个)?(半)?(?:天|日)?$`)
)

var cnDigits = map[rune]int{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// cnNumber 解析一到九十九的中文数字（十、十二、二十、二十五）。
func cnNumber(s string) (int, bool) {
	r := []rune(s)
	switch {
	case len(r) == 1 && r[0] == '十':
		return 10, true
	case len(r) == 1:
		n, ok := cnDigits[r[0]]
		return n, ok
	case len(r) == 2 && r[0] == '十':
		n, ok := cnDigits[r[1]]
		return 10 + n, ok
	case len(r) == 2 && r[1] == '十':
		n, ok := cnDigits[r[0]]
		return n * 10, ok
	case len(r) == 3 && r[1] == '十':
		a, ok1 := cnDigits[r[0]]
		b, ok2 := cnDigits[r[2]]
		return a*10 + b, ok1 && ok2
	}
	return 0, false
}

// parseHalfDays 把“1”“1天”“半天”“1.5天”“两天”“三天半”解析成半天数。
func parseHalfDays(s string) (int, bool) {
	if s == "半天" || s == "半日" || s == "半" {
		return 1, true
	}
	if strings.HasSuffix(s, "天半") { // 三天半 → 三半天
		s = strings.TrimSuffix(s, "天半") + "半天"
	}
	m := reDays.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	var half int
	if n, ok := cnNumber(m[1]); ok {
		half = 2 * n
	} else if strings.HasSuffix(m[1], ".5") {
		n, ok := model.ParseCount(strings.TrimSuffix(m[1], ".5"), 0, maxSpanDays)
		if !ok {
			return 0, false
		}
		half = 2*n + 1
	} else {
		n, ok := model.ParseCount(m[1], 0, maxSpanDays)
		if !ok {
			return 0, false
		}
		half = 2 * n
	}
	if m[2] != "" {
		half++
	}
	return half, half > 0
}

// parseDay 解析一个日期（model.ParseDayChecked）：只写月日时取离今天最近的那一年（跨年请假）；
// from 非零时是区间起点，只写日（“30日”）时用它的年月。写的是日期、但这一天不存在时（2月30日、
// 13月1日）返回 EINVALID，说明哪里不对。
func parseDay(s string, today, from model.Date) (model.Date, bool, error) {
	return model.ParseDayChecked(s, model.DayRef{Today: today, From: from})
}

// dayAndHalf 解析一个日期，后面可以粘着“上午”“下午”（“12月20日下午”“明天上午”）。
func dayAndHalf(s string, today, base model.Date) (model.Date, model.HalfDay, bool, error) {
	for _, w := range []string{"上午", "下午", "早上"} {
		if rest, ok := strings.CutSuffix(s, w); ok && rest != "" {
			h, _ := model.ParseHalfDay(w)
			d, ok, err := parseDay(rest, today, base)
			return d, h, ok, err
		}
	}
	d, ok, err := parseDay(s, today, base)
	return d, "", ok, err
}

// splitRange 把“11月28日-11月30日”“2026-12-01至2026-12-03”拆成两个日期。开始日期读得懂、
// 结束日期写的那一天不存在时（“11月28日-31日”）返回那个错误。
func splitRange(s string, today model.Date) (model.Date, model.Date, bool, error) {
	var bad error
	for _, sep := range []string{"至", "到", "~", "～", "—", "–", "-"} {
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], sep)
			if j < 0 {
				break
			}
			j += i
			if a, ok, _ := parseDay(s[:j], today, model.Date{}); ok {
				b, ok, err := parseDay(s[j+len(sep):], today, a)
				if ok {
					return a, b, true, nil
				}
				if err != nil && bad == nil {
					bad = err
				}
			}
			i = j + len(sep)
		}
	}
	return model.Date{}, model.Date{}, false, bad
}

func isRangeWord(s string) bool {
	switch s {
	case "至", "到", "~", "～", "-", "—", "–":
		return true
	}
	return false
}

// ParseSpan 解析“请假”后面的参数：天数（从今天起）或日期、日期范围，其余是事由。
// 日期范围含首尾两天。一天的日期后面写“上午”“下午”或“半天”是半天假（“12月20日 下午 看病”）；
// 只写“上午”“下午”是今天的半天。格式看不懂时返回 EINVALID，说明可以怎么写；日期不存在时说哪里不对。
func ParseSpan(args []string, today model.Date) (Span, error) {
	return ParseSpanText(args, nil, today)
}

// ParseSpanText 与 ParseSpan 相同；tails[i] 是从第 i 个参数起的原文（见 bot.Parsed.Tails），
// 有时事由用原文（标点照写的保留）。
func ParseSpanText(args, tails []string, today model.Date) (Span, error) {
	if len(args) == 0 {
		return Span{}, model.Errorf(model.EINVALID, "%s。", spanHint)
	}
	var sp Span
	rest := args[1:]
	if m := reDays.FindStringSubmatch(args[0]); m != nil && model.LooksNumeric(strings.TrimSuffix(m[1], ".5")) {
		if _, ok := model.ParseCount(strings.TrimSuffix(m[1], ".5"), 0, maxSpanDays); !ok {
			return Span{}, model.Errorf(model.EINVALID, "请假“%s”天不对，请写实际的天数，例如：请假 3 天 探亲。这次没有提交。", m[1])
		}
	}
	if n, ok := parseHalfDays(args[0]); ok {
		sp.HalfDays = n
		if len(rest) > 0 && (rest[0] == "天" || rest[0] == "日") {
			rest = rest[1:]
		}
		if n > 1 && len(rest) > 0 && rest[0] == "半" {
			sp.HalfDays++
			rest = rest[1:]
		}
		if n == 1 && len(rest) > 0 { // 半天 下午
			if h, ok := model.ParseHalfDay(rest[0]); ok {
				sp.Half, rest = h, rest[1:]
			}
		}
		sp.Start = today
		sp.End = today.AddDays((sp.HalfDays+1)/2 - 1)
	} else if h, ok := model.ParseHalfDay(args[0]); ok {
		sp.Start, sp.End, sp.HalfDays, sp.Half = today, today, 1, h
	} else if a, b, ok, err := splitRange(args[0], today); ok || err != nil {
		if err != nil {
			return Span{}, model.Errorf(model.EINVALID, "%s这次没有提交。", model.ErrorMessage(err))
		}
		sp.Start, sp.End = a, b
	} else if a, h, ok, err := dayAndHalf(args[0], today, model.Date{}); ok || err != nil {
		if err != nil {
			return Span{}, model.Errorf(model.EINVALID, "%s这次没有提交。", model.ErrorMessage(err))
		}
		sp.Start, sp.End, sp.Half = a, a, h
		if h != "" {
			sp.HalfDays = 1
		}
		r := rest
		if len(r) > 0 && isRangeWord(r[0]) {
			r = r[1:]
		}
		if len(r) > 0 && h == "" {
			b, ok, err := parseDay(r[0], today, a)
			if err != nil {
				return Span{}, model.Errorf(model.EINVALID, "%s这次没有提交。", model.ErrorMessage(err))
			}
			if ok {
				sp.End, rest = b, r[1:]
			}
		}
		if len(rest) > 0 && sp.Start == sp.End && sp.HalfDays == 0 {
			if rest[0] == "半天" || rest[0] == "半日" {
				sp.HalfDays, rest = 1, rest[1:]
			} else if h, ok := model.ParseHalfDay(rest[0]); ok {
				sp.HalfDays, sp.Half, rest = 1, h, rest[1:]
			}
		}
	} else {
		return Span{}, model.Errorf(model.EINVALID, "“%s”看不懂。%s。", args[0], spanHint)
	}
	if sp.End.Before(sp.Start) {
		return Span{}, model.Errorf(model.EINVALID, "结束日期 %s 早于开始日期 %s，请检查。", sp.End.Label(), sp.Start.Label())
	}
	if sp.HalfDays == 0 {
		sp.HalfDays = 2 * (sp.Start.DaysUntil(sp.End) + 1)
	}
	sp.Reason = strings.Join(rest, " ")
	if at := len(args) - len(rest); len(rest) > 0 && len(tails) == len(args) {
		sp.Reason = tails[at]
	}
	return sp, nil
}
