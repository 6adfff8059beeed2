package model

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

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

// Label 返回“第45周（11月2日–11月8日）”形式。
func (w Week) Label(loc *time.Location) string {
	s := w.Start(loc)
	e := w.End(loc).AddDate(0, 0, -1)
	return fmt.Sprintf("%d年第%d周（%d月%d日–%d月%d日）", w.Year, w.Week, int(s.Month()), s.Day(), int(e.Month()), e.Day())
}

// Spoken 返回人们说的周，如“11月第4周（11月23日–29日）”、跨月的“12月第1周（11月30日–12月6日）”：
// 一周属于它的周四所在的月，第几周按该月的周四数。
func (w Week) Spoken(loc *time.Location) string {
	s, e, th := w.Start(loc), w.End(loc).AddDate(0, 0, -1), w.Thursday(loc)
	end := fmt.Sprintf("%d日", e.Day())
	if e.Month() != s.Month() {
		end = fmt.Sprintf("%d月%d日", int(e.Month()), e.Day())
	}
	return fmt.Sprintf("%d月第%d周（%d月%d日–%s）", int(th.Month()), (th.Day()-1)/7+1, int(s.Month()), s.Day(), end)
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
