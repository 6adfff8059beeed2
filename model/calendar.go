package model

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// 本文件是红旗唯一的日历：考核时区（默认 Shanghai）、日（Date）、考核月（Month）、ISO 周（Week）、
// 旬（Dekad），以及用户和文件里各种写法的解析。别的包不自己解析日期、月份、周和旬。

// Month 是一个考核月，如 2026-11。零值无效。
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf 返回 t 在 loc 时区所在的月。
func MonthOf(t time.Time, loc *time.Location) Month {
	t = t.In(loc)
	return Month{Year: t.Year(), Month: t.Month()}
}

// String 返回 2026-11 形式。
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Label 返回“2026年11月”形式。
func (m Month) Label() string { return fmt.Sprintf("%d年%d月", m.Year, int(m.Month)) }

// IsZero 表示是否为零值。
func (m Month) IsZero() bool { return m.Year == 0 }

// Add 返回 n 个月之后（n 可为负）的月份。
func (m Month) Add(n int) Month {
	t := time.Date(m.Year, m.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return Month{Year: t.Year(), Month: t.Month()}
}

// Start 返回该月在 loc 中的第一刻。
func (m Month) Start(loc *time.Location) time.Time {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, loc)
}

// End 返回下月第一刻（不含）。
func (m Month) End(loc *time.Location) time.Time { return m.Add(1).Start(loc) }

var (
	reMonthISO = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})月?$`)
	reMonthCN  = regexp.MustCompile(`^(\d{1,2})月(份)?$`)
	reMonthNum = regexp.MustCompile(`^(\d{6})$`)
)

// ParseMonth 解析用户写的月份：本月、上月、10月、2026-10、2026年10月、202610。
// 只写月份时取今年；若该月在 now 之后，取去年（一月份查“12月”即去年 12 月）。
func ParseMonth(s string, now time.Time, loc *time.Location) (Month, error) {
	s = strings.TrimSpace(s)
	cur := MonthOf(now, loc)
	switch s {
	case "", "本月", "这个月", "当月":
		return cur, nil
	case "上月", "上个月":
		return cur.Add(-1), nil
	}
	var y, mo int
	if m := reMonthISO.FindStringSubmatch(s); m != nil {
		y, _ = strconv.Atoi(m[1])
		mo, _ = strconv.Atoi(m[2])
	} else if m := reMonthNum.FindStringSubmatch(s); m != nil {
		y, _ = strconv.Atoi(m[1][:4])
		mo, _ = strconv.Atoi(m[1][4:])
	} else if m := reMonthCN.FindStringSubmatch(s); m != nil {
		mo, _ = strconv.Atoi(m[1])
		y = cur.Year
		if mo > int(cur.Month) {
			y--
		}
	} else {
		return Month{}, Errorf(EINVALID, "月份“%s”看不懂，可以写：本月、上月、10月、2026-10", s)
	}
	if mo < 1 || mo > 12 || y < 2000 || y > 2100 {
		return Month{}, Errorf(EINVALID, "月份“%s”不存在，可以写：本月、上月、10月、2026-10", s)
	}
	return Month{Year: y, Month: time.Month(mo)}, nil
}

// LooksLikeMonth 表示 s 是否像一个月份写法（用于区分“查 张三 10月”中的人名和月份）。
func LooksLikeMonth(s string) bool {
	s = strings.TrimSpace(s)
	switch s {
	case "本月", "这个月", "当月", "上月", "上个月":
		return true
	}
	return reMonthISO.MatchString(s) || reMonthCN.MatchString(s) || reMonthNum.MatchString(s)
}

// Shanghai 是默认的考核时区 Asia/Shanghai。二进制编入了时区数据（time/tzdata）；
// 万一仍读不到，用固定的 UTC+8（中国不实行夏令时，结果相同）。
var Shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// Week 是 ISO 周（周一至周日）。一周属于它的周四所在的月和年，所以每周只计入一个月。
type Week struct {
	Year int // ISO 年
	Week int // 1–53
}

// WeekOf 返回 t 在 loc 时区所在的 ISO 周。
func WeekOf(t time.Time, loc *time.Location) Week {
	y, w := t.In(loc).ISOWeek()
	return Week{Year: y, Week: w}
}

// Start 返回该周周一 00:00（loc）。
func (w Week) Start(loc *time.Location) time.Time {
	// 1 月 4 日总在第 1 周。
	jan4 := time.Date(w.Year, 1, 4, 0, 0, 0, 0, loc)
	offset := (int(jan4.Weekday()) + 6) % 7 // 周一为 0
	monday := jan4.AddDate(0, 0, -offset)
	return monday.AddDate(0, 0, 7*(w.Week-1))
}

// End 返回下周一 00:00（不含）。
func (w Week) End(loc *time.Location) time.Time { return w.Start(loc).AddDate(0, 0, 7) }

// Thursday 返回该周周四的日期（决定所属月份）。
func (w Week) Thursday(loc *time.Location) time.Time { return w.Start(loc).AddDate(0, 0, 3) }

// Month 返回该周计入的月份：周四所在的月。
func (w Week) Month(loc *time.Location) Month { return MonthOf(w.Thursday(loc), loc) }

// Add 返回 n 周之后（n 可为负）的周。
func (w Week) Add(n int) Week {
	loc := time.UTC
	return WeekOf(w.Start(loc).AddDate(0, 0, 7*n), loc)
}

// String 返回 2026-W45 形式。
func (w Week) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Week) }

// Label 返回带年份的人们说的周，如“2026年11月第4周（11月23日–29日）”（年份是该周计入的月份的年份）：
// 存档、不知道读者在哪一年时用它；给人读的消息用 SpokenIn。
func (w Week) Label(loc *time.Location) string {
	return fmt.Sprintf("%d年", w.Month(loc).Year) + w.Spoken(loc)
}

// Spoken 返回人们说的周，如“11月第4周（11月23日–29日）”、跨月的“12月第1周（11月30日–12月6日）”：
// 一周属于它的周四所在的月，第几周按该月的周四数。
func (w Week) Spoken(loc *time.Location) string {
	s, e := w.Start(loc), w.End(loc).AddDate(0, 0, -1)
	end := fmt.Sprintf("%d日", e.Day())
	if e.Month() != s.Month() {
		end = fmt.Sprintf("%d月%d日", int(e.Month()), e.Day())
	}
	m, n := w.MonthWeek(loc)
	return fmt.Sprintf("%d月第%d周（%d月%d日–%s）", int(m.Month), n, int(s.Month()), s.Day(), end)
}

// MonthWeek 返回该周计入的月份（周四所在的月）和它是那个月的第几周（按该月的周四数，从 1 起）。
func (w Week) MonthWeek(loc *time.Location) (Month, int) {
	th := w.Thursday(loc)
	return MonthOf(th, loc), (th.Day()-1)/7 + 1
}

// SpokenIn 返回对 year 年的读者说的周：该周计入的月份在 year 年时与 Spoken 相同，否则前面加上年份，
// 如“2025年12月第5周（12月29日–1月4日）”。通知、回复用当前年份，结算单和表格用它们所属的年份。
func (w Week) SpokenIn(year int, loc *time.Location) string {
	if m := w.Month(loc); m.Year != year {
		return fmt.Sprintf("%d年", m.Year) + w.Spoken(loc)
	}
	return w.Spoken(loc)
}

// IsZero 表示是否为零值。
func (w Week) IsZero() bool { return w.Year == 0 }

var reWeek = regexp.MustCompile(`^(\d{4})-?[Ww](\d{1,2})$`)

// ParseWeek 解析 2026-W45（也接受 2026W45）。
func ParseWeek(s string) (Week, error) {
	m := reWeek.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Week{}, Errorf(EINVALID, "周“%s”看不懂，应写成 2026-W45", s)
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	w := Week{Year: y, Week: n}
	if n < 1 || n > 53 || WeekOf(w.Start(time.UTC), time.UTC) != w {
		return Week{}, Errorf(EINVALID, "%d 年没有第 %d 周", y, n)
	}
	return w, nil
}

// Dekad 是一旬：每月 1–10 日为上旬（1），11–20 日为中旬（2），21 日至月末为下旬（3）。
type Dekad struct {
	Year  int
	Month time.Month
	N     int // 1、2、3
}

// DekadOf 返回 t 在 loc 时区所在的旬。
func DekadOf(t time.Time, loc *time.Location) Dekad {
	t = t.In(loc)
	n := (t.Day()-1)/10 + 1
	if n > 3 {
		n = 3
	}
	return Dekad{Year: t.Year(), Month: t.Month(), N: n}
}

// Start 返回该旬第一天 00:00（loc）。
func (d Dekad) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, 1+10*(d.N-1), 0, 0, 0, 0, loc)
}

// End 返回下一旬第一天 00:00（不含）。
func (d Dekad) End(loc *time.Location) time.Time { return d.Add(1).Start(loc) }

// Add 返回 n 旬之后（n 可为负）的旬。
func (d Dekad) Add(n int) Dekad {
	idx := d.Year*36 + (int(d.Month)-1)*3 + (d.N - 1) + n
	return Dekad{Year: idx / 36, Month: time.Month(idx%36/3 + 1), N: idx%3 + 1}
}

// MonthOf 返回该旬所在的月份。
func (d Dekad) MonthOf() Month { return Month{Year: d.Year, Month: d.Month} }

// String 返回 2026-11-1 形式（11 月上旬）。
func (d Dekad) String() string { return fmt.Sprintf("%04d-%02d-%d", d.Year, int(d.Month), d.N) }

// Label 返回“2026年11月上旬”形式。
func (d Dekad) Label() string {
	return fmt.Sprintf("%d年%d月%s", d.Year, int(d.Month), [...]string{"", "上旬", "中旬", "下旬"}[d.N])
}

// Spoken 返回人们说的旬，如“12月上旬”（不带年份）。
func (d Dekad) Spoken() string {
	return fmt.Sprintf("%d月%s", int(d.Month), [...]string{"", "上旬", "中旬", "下旬"}[d.N])
}

// SpokenIn 返回对 year 年的读者说的旬：同一年时与 Spoken 相同（“12月上旬”），否则带年份（“2025年12月上旬”）。
func (d Dekad) SpokenIn(year int) string {
	if d.Year != year {
		return fmt.Sprintf("%d年", d.Year) + d.Spoken()
	}
	return d.Spoken()
}

// IsZero 表示是否为零值。
func (d Dekad) IsZero() bool { return d.Year == 0 }

var reDekad = regexp.MustCompile(`^(\d{4})-(\d{1,2})-([123])$`)

// ParseDekad 解析 2026-11-1（11 月上旬）。
func ParseDekad(s string) (Dekad, error) {
	m := reDekad.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Dekad{}, Errorf(EINVALID, "旬“%s”看不懂，应写成 2026-11-1（11月上旬）、2026-11-2、2026-11-3", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	n, _ := strconv.Atoi(m[3])
	if mo < 1 || mo > 12 {
		return Dekad{}, Errorf(EINVALID, "旬“%s”的月份不存在", s)
	}
	return Dekad{Year: y, Month: time.Month(mo), N: n}, nil
}

// SpokenPeriod 把红旗期别的代码（周 2026-W45、旬 2026-11-1）写成人们说的样子，年份的写法见 Week.SpokenIn：
// 对 year 年的读者，同一年的期不写年份。认不出的原样返回。周的日期与时区无关，这里按 UTC 算。
func SpokenPeriod(period string, year int) string {
	if w, err := ParseWeek(period); err == nil {
		return w.SpokenIn(year, time.UTC)
	}
	if d, err := ParseDekad(period); err == nil {
		return d.SpokenIn(year)
	}
	return period
}

// PeriodsInMonth 把同一个月里的几期写成月内的说法，用“、”连接：周为“第1周、第3周”，旬为“上旬、下旬”。
// 用在已经说明了是哪个月的地方（结算单、结算的明细）。认不出的原样写。
func PeriodsInMonth(periods []string) string {
	out := make([]string, len(periods))
	for i, p := range periods {
		out[i] = p
		if w, err := ParseWeek(p); err == nil {
			_, n := w.MonthWeek(time.UTC)
			out[i] = fmt.Sprintf("第%d周", n)
		} else if d, err := ParseDekad(p); err == nil {
			out[i] = [...]string{"", "上旬", "中旬", "下旬"}[d.N]
		}
	}
	return strings.Join(out, "、")
}

var (
	reSpokenWeek  = regexp.MustCompile(`^(?:(\d{4})年)?(\d{1,2})月第(\d)周$`)
	reSpokenDekad = regexp.MustCompile(`^(?:(\d{4})年)?(\d{1,2})月(上|中|下)旬$`)
)

// ParseSpokenPeriod 解析用户写的红旗期别，返回种类和期别代码：本周、上周、本旬、上旬（now 所在的周、旬及其前一期），
// 人们说的“11月第4周”“2025年12月第5周”“12月上旬”，以及代码 2026-W45、2026-11-1。
// 不写年份时取今年；该期在 now 之后时取去年（一月里说“12月第4周”是去年 12 月）。
func ParseSpokenPeriod(s string, now time.Time, loc *time.Location) (FlagKind, string, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "本周", "这周":
		return FlagWeekly, WeekOf(now, loc).String(), nil
	case "上周":
		return FlagWeekly, WeekOf(now, loc).Add(-1).String(), nil
	case "本旬", "这旬":
		return FlagDekad, DekadOf(now, loc).String(), nil
	case "上旬", "上一旬":
		return FlagDekad, DekadOf(now, loc).Add(-1).String(), nil
	}
	if w, err := ParseWeek(s); err == nil {
		return FlagWeekly, w.String(), nil
	}
	if d, err := ParseDekad(s); err == nil {
		return FlagDekad, d.String(), nil
	}
	cur := MonthOf(now, loc)
	year := func(y string, mo int) int {
		if y != "" {
			n, _ := strconv.Atoi(y)
			return n
		}
		if mo > int(cur.Month) {
			return cur.Year - 1
		}
		return cur.Year
	}
	if m := reSpokenWeek.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[2])
		n, _ := strconv.Atoi(m[3])
		if mo >= 1 && mo <= 12 && n >= 1 {
			y := year(m[1], mo)
			// 第 n 周是该月第 n 个周四所在的周。
			first := time.Date(y, time.Month(mo), 1, 12, 0, 0, 0, loc)
			th := first.AddDate(0, 0, (int(time.Thursday)-int(first.Weekday())+7)%7+7*(n-1))
			if th.Month() == time.Month(mo) {
				return FlagWeekly, WeekOf(th, loc).String(), nil
			}
			return "", "", Errorf(EINVALID, "%d年%d月没有第%d周（一周算在它的周四所在的月）。", y, mo, n)
		}
	}
	if m := reSpokenDekad.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[2])
		if mo >= 1 && mo <= 12 {
			n := strings.Index("上中下", m[3])/len("上") + 1
			return FlagDekad, Dekad{Year: year(m[1], mo), Month: time.Month(mo), N: n}.String(), nil
		}
	}
	return "", "", Errorf(EINVALID, "期别“%s”看不懂：周写 上周、11月第4周 或 2026-W45，旬写 上旬、12月上旬 或 2026-12-1。", s)
}

// Date 是考核时区里的一个日历日，如 2026-11-28。零值无效。
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf 返回 t 在 loc 时区的日期。
func DateOf(t time.Time, loc *time.Location) Date {
	t = t.In(loc)
	return Date{t.Year(), t.Month(), t.Day()}
}

// MakeDate 返回规范化后的日期（如 11月31日 变成 12月1日）。
func MakeDate(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

var reISODate = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$`)

// ParseDate 解析 2026-11-28 形式（也接受 / . 和 2026年11月28日）的日期；日期不存在时返回 EINVALID，
// 说明哪里不对（“2月没有30日”，见 CheckDate）。
func ParseDate(s string) (Date, error) {
	m := reISODate.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Date{}, Errorf(EINVALID, "日期“%s”看不懂，应写成 2026-11-28 或 11月28日", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	return CheckDate(y, mo, d)
}

// CheckDate 返回 y 年 mo 月 d 日；这一天不存在时返回 EINVALID，用人说的话说明：
// “没有13月，月份是 1 到 12。”“2月没有30日。”“2027年不是闰年，2月没有29日。”
func CheckDate(y, mo, d int) (Date, error) {
	if mo < 1 || mo > 12 {
		return Date{}, Errorf(EINVALID, "没有%d月，月份是 1 到 12。", mo)
	}
	out := MakeDate(y, time.Month(mo), d)
	if d >= 1 && out.Year == y && int(out.Month) == mo && out.Day == d {
		return out, nil
	}
	if mo == 2 && d == 29 {
		return Date{}, Errorf(EINVALID, "%d年不是闰年，2月没有29日。", y)
	}
	return Date{}, Errorf(EINVALID, "%d月没有%d日。", mo, d)
}

// String 返回 2026-11-28 形式（也是存储形式，可按字符串比较先后）。
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Label 返回“11月28日”形式。
func (d Date) Label() string { return fmt.Sprintf("%d月%d日", int(d.Month), d.Day) }

// IsZero 表示是否为零值。
func (d Date) IsZero() bool { return d.Year == 0 }

// AddDays 返回 n 天之后（n 可为负）的日期。
func (d Date) AddDays(n int) Date { return MakeDate(d.Year, d.Month, d.Day+n) }

// Before 表示 d 是否早于 o。
func (d Date) Before(o Date) bool { return d.String() < o.String() }

// After 表示 d 是否晚于 o。
func (d Date) After(o Date) bool { return d.String() > o.String() }

// DaysUntil 返回从 d 到 o 相差的天数（o 早于 d 时为负）。
func (d Date) DaysUntil(o Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	b := time.Date(o.Year, o.Month, o.Day, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// YearMonth 返回 d 所在的考核月。
func (d Date) YearMonth() Month { return Month{Year: d.Year, Month: d.Month} }

// Start 返回该日在 loc 中的 00:00。
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// End 返回次日 00:00（不含）。
func (d Date) End(loc *time.Location) time.Time { return d.AddDays(1).Start(loc) }

// LongLabel 返回“2026年11月28日”形式（跨年时用）。
func (d Date) LongLabel() string { return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day) }

// DayRef 是解析用户写的日期时的参照。
type DayRef struct {
	// Today 是今天（考核时区）：今天、明天、昨天由它算出。
	Today Date
	// Past 为 true 时只写月日的日期取不晚于今天的那一年（补录测评：一月份写“12月30日”指去年）；
	// 为 false 时取离今天最近的那一年（请假：十二月底请“1月2日”指明年）。
	Past bool
	// From 非零时是一段日期的起点：只写日（“30日”）时用它的年月，早于起点则算下个月（11月28日-2日）。
	From Date
}

var (
	reMonthDay = regexp.MustCompile(`^(\d{1,2})(?:月|/|\.|-)(\d{1,2})[日号]?$`)
	reDayOnly  = regexp.MustCompile(`^(\d{1,2})[日号]$`)
)

// relativeDays 是相对今天的说法。
var relativeDays = map[string]int{
	"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "昨天": -1, "昨日": -1, "前天": -2,
}

// ParseDay 解析用户写的一天：今天、明天、后天、昨天、前天，2026-11-28（也接受 / . 和 2026年11月28日），
// 11月28日、11/28、11-28、11.28（年份见 DayRef.Past），ref.From 非零时还接受“30日”。看不懂或日期不存在时 ok 为 false。
func ParseDay(s string, ref DayRef) (Date, bool) {
	d, ok, _ := ParseDayChecked(s, ref)
	return d, ok
}

// ParseDayChecked 与 ParseDay 相同；写的是日期、但这一天不存在时（2月30日、13月1日、2026-02-29、
// 11月28日之后的“31日”）另返回 EINVALID，用人说的话说明哪里不对（见 CheckDate），不只说“看不懂”。
// 根本不像日期时 ok 为 false、err 为 nil。
func ParseDayChecked(s string, ref DayRef) (Date, bool, error) {
	s = strings.TrimSpace(s)
	if n, ok := relativeDays[s]; ok {
		return ref.Today.AddDays(n), true, nil
	}
	if reISODate.MatchString(s) {
		d, err := ParseDate(s)
		return d, err == nil, err
	}
	if m := reMonthDay.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[1])
		dd, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			_, err := CheckDate(ref.Today.Year, mo, dd)
			return Date{}, false, err
		}
		years := []int{ref.Today.Year - 1, ref.Today.Year, ref.Today.Year + 1}
		best, found := Date{}, false
		var bad error
		for _, y := range years {
			d, err := CheckDate(y, mo, dd)
			if err != nil {
				if bad == nil || y == ref.Today.Year {
					bad = err
				}
				continue // 这一年没有这一天（2月29日只在闰年）
			}
			if ref.Past {
				if !d.After(ref.Today) {
					best, found = d, true // 年份从小到大，留下不晚于今天的最后一个
				}
				continue
			}
			if !found || absDays(ref.Today.DaysUntil(d)) < absDays(ref.Today.DaysUntil(best)) {
				best, found = d, true
			}
		}
		if !found && bad != nil {
			return Date{}, false, bad
		}
		return best, found, nil
	}
	if m := reDayOnly.FindStringSubmatch(s); m != nil && !ref.From.IsZero() {
		dd, _ := strconv.Atoi(m[1])
		d, err := CheckDate(ref.From.Year, int(ref.From.Month), dd)
		if err != nil {
			return Date{}, false, err
		}
		if d.Before(ref.From) { // 11月30日-2日：跨到下个月
			next := MakeDate(ref.From.Year, ref.From.Month+1, 1)
			d, err = CheckDate(next.Year, int(next.Month), dd)
			if err != nil {
				return Date{}, false, err
			}
		}
		return d, true, nil
	}
	return Date{}, false, nil
}

func absDays(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// fileTimeLayouts 是导入文件（测评仪导出等）里时间和日期的写法。
var fileTimeLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04",
	"2006-01-02T15:04:05", "2006-01-02", "2006/1/2", "2006.1.2", "2006年1月2日", "2006年1月2日 15:04",
}

// ParseFileDay 解析导入文件里的时间或日期，返回在 loc 中的日期；也接受 Excel 的日期序号（如 46328.39）。
func ParseFileDay(s string, loc *time.Location) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, Errorf(EINVALID, "没有写时间")
	}
	for _, l := range fileTimeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return DateOf(t, loc), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 20000 && f < 80000 {
		// Excel 序号：1899-12-30 起的天数，小数部分是时刻（只要日期）。
		return MakeDate(1899, time.December, 30+int(f)), nil
	}
	return Date{}, Errorf(EINVALID, "时间“%s”看不懂，应写成 2026-11-02 09:30", s)
}

var reMonthKey = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// ParseMonthKey 解析存储和任务登记用的 2026-11（也接受年度结算的 2026-00，得到 Month 为 0 的值）。
func ParseMonthKey(s string) (Month, error) {
	m := reMonthKey.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Month{}, Errorf(EINVALID, "月份“%s”应写成 2026-11", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if mo > 12 {
		return Month{}, Errorf(EINVALID, "月份“%s”不存在", s)
	}
	return Month{Year: y, Month: time.Month(mo)}, nil
}

// ParseYear 解析用户写的年份：2026 或 2026年。
func ParseYear(s string) (int, error) {
	y, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "年"))
	if err != nil || y < 2000 || y > 2100 {
		return 0, Errorf(EINVALID, "年份“%s”看不懂，请写成四位数，例如 2026", s)
	}
	return y, nil
}

// Ended 表示月份 m 在 now 时是否已经结束。
func (m Month) Ended(now time.Time, loc *time.Location) bool { return !now.Before(m.End(loc)) }

// Last 返回该月最后一天。
func (m Month) Last() Date { return MakeDate(m.Year, m.Month+1, 0) }

// First 返回该月第一天。
func (m Month) First() Date { return Date{m.Year, m.Month, 1} }
