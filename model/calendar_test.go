package model

import (
	"testing"
	"time"
)

func TestWeekBoundaries(t *testing.T) {
	tests := []struct {
		name      string
		at        time.Time // Shanghai wall time
		want      string
		wantMonth string
		wantStart string
	}{
		{"sunday night is still the old week", time.Date(2026, 11, 8, 23, 59, 59, 0, shanghai), "2026-W45", "2026-11", "2026-11-02"},
		{"monday midnight starts a new week", time.Date(2026, 11, 9, 0, 0, 0, 0, shanghai), "2026-W46", "2026-11", "2026-11-09"},
		{"W44 belongs to October (Thursday 29 Oct)", time.Date(2026, 11, 1, 12, 0, 0, 0, shanghai), "2026-W44", "2026-10", "2026-10-26"},
		{"W49 belongs to December (Thursday 3 Dec)", time.Date(2026, 11, 30, 12, 0, 0, 0, shanghai), "2026-W49", "2026-12", "2026-11-30"},
		{"year end: 31 Dec 2026 is W53", time.Date(2026, 12, 31, 12, 0, 0, 0, shanghai), "2026-W53", "2026-12", "2026-12-28"},
		{"1 Jan 2027 is still 2026-W53", time.Date(2027, 1, 1, 12, 0, 0, 0, shanghai), "2026-W53", "2026-12", "2026-12-28"},
		{"4 Jan 2027 is 2027-W01", time.Date(2027, 1, 4, 0, 0, 0, 0, shanghai), "2027-W01", "2027-01", "2027-01-04"},
		{"29 Dec 2025 is 2026-W01 (counts in January 2026)", time.Date(2025, 12, 29, 8, 0, 0, 0, shanghai), "2026-W01", "2026-01", "2025-12-29"},
		{"UTC Sunday evening is Shanghai Monday", time.Date(2026, 11, 8, 17, 0, 0, 0, time.UTC), "2026-W46", "2026-11", "2026-11-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := WeekOf(tt.at, shanghai)
			if w.String() != tt.want {
				t.Fatalf("WeekOf = %s, want %s", w, tt.want)
			}
			if got := w.Month(shanghai).String(); got != tt.wantMonth {
				t.Errorf("Month = %s, want %s", got, tt.wantMonth)
			}
			if got := w.Start(shanghai).Format("2006-01-02"); got != tt.wantStart {
				t.Errorf("Start = %s, want %s", got, tt.wantStart)
			}
			if w.Start(shanghai).Weekday() != time.Monday || w.End(shanghai).Sub(w.Start(shanghai)) != 7*24*time.Hour {
				t.Errorf("week %s is not Monday + 7 days", w)
			}
			back, err := ParseWeek(w.String())
			if err != nil || back != w {
				t.Errorf("ParseWeek(%s) = %v, %v", w, back, err)
			}
		})
	}
}

func TestWeekAddAndParse(t *testing.T) {
	if got := (Week{2026, 53}).Add(1).String(); got != "2027-W01" {
		t.Errorf("2026-W53 + 1 = %s", got)
	}
	if got := (Week{2026, 1}).Add(-1).String(); got != "2025-W52" {
		t.Errorf("2026-W01 - 1 = %s, want 2025-W52", got)
	}
	for _, bad := range []string{"2025-W53", "2026-W54", "2026-W00", "W45", "2026-45"} {
		if _, err := ParseWeek(bad); err == nil {
			t.Errorf("ParseWeek(%q) accepted", bad)
		}
	}
}

func TestDekadBoundaries(t *testing.T) {
	tests := []struct {
		name     string
		at       time.Time
		want     string
		lastDay  int // last day of the dekad
		wantNext string
	}{
		{"1st is 上旬", time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai), "2026-11-1", 10, "2026-11-2"},
		{"10th evening is still 上旬", time.Date(2026, 11, 10, 23, 59, 0, 0, shanghai), "2026-11-1", 10, "2026-11-2"},
		{"11th is 中旬", time.Date(2026, 11, 11, 0, 0, 0, 0, shanghai), "2026-11-2", 20, "2026-11-3"},
		{"21st is 下旬", time.Date(2026, 11, 21, 0, 0, 0, 0, shanghai), "2026-11-3", 30, "2026-12-1"},
		{"28-day February 下旬 ends on the 28th", time.Date(2026, 2, 28, 12, 0, 0, 0, shanghai), "2026-02-3", 28, "2026-03-1"},
		{"29-day February 下旬 ends on the 29th", time.Date(2028, 2, 29, 12, 0, 0, 0, shanghai), "2028-02-3", 29, "2028-03-1"},
		{"30-day month", time.Date(2026, 4, 30, 12, 0, 0, 0, shanghai), "2026-04-3", 30, "2026-05-1"},
		{"31-day month: the 31st is 下旬", time.Date(2026, 1, 31, 23, 0, 0, 0, shanghai), "2026-01-3", 31, "2026-02-1"},
		{"year end", time.Date(2026, 12, 31, 23, 59, 0, 0, shanghai), "2026-12-3", 31, "2027-01-1"},
		{"UTC 31 Dec 16:30 is Shanghai 1 Jan", time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC), "2027-01-1", 10, "2027-01-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DekadOf(tt.at, shanghai)
			if d.String() != tt.want {
				t.Fatalf("DekadOf = %s, want %s", d, tt.want)
			}
			if last := d.End(shanghai).AddDate(0, 0, -1).Day(); last != tt.lastDay {
				t.Errorf("last day = %d, want %d", last, tt.lastDay)
			}
			if got := d.Add(1).String(); got != tt.wantNext {
				t.Errorf("next = %s, want %s", got, tt.wantNext)
			}
			if got := d.Add(1).Add(-1); got != d {
				t.Errorf("Add(1).Add(-1) = %s, want %s", got, d)
			}
			back, err := ParseDekad(d.String())
			if err != nil || back != d {
				t.Errorf("ParseDekad(%s) = %v, %v", d, back, err)
			}
		})
	}
}

func TestSpokenPeriods(t *testing.T) {
	loc := Shanghai
	weeks := []struct {
		name string
		week Week
		want string
	}{
		{"within November", Week{Year: 2026, Week: 48}, "11月第4周（11月23日–29日）"},
		{"first week of November starts in October", Week{Year: 2026, Week: 44}, "10月第5周（10月26日–11月1日）"},
		{"Thursday decides the month", Week{Year: 2026, Week: 49}, "12月第1周（11月30日–12月6日）"},
		{"ISO week 1 of 2027 starts in 2026", Week{Year: 2027, Week: 1}, "1月第1周（1月4日–10日）"},
		{"week 53 of 2026", Week{Year: 2026, Week: 53}, "12月第5周（12月28日–1月3日）"},
	}
	for _, c := range weeks {
		t.Run(c.name, func(t *testing.T) {
			if got := c.week.Spoken(loc); got != c.want {
				t.Errorf("%s.Spoken() = %q, want %q", c.week, got, c.want)
			}
		})
	}
	if got := (Dekad{Year: 2026, Month: 12, N: 1}).Spoken(); got != "12月上旬" {
		t.Errorf("dekad spoken = %q", got)
	}
	if got := (Dekad{Year: 2026, Month: 2, N: 3}).Spoken(); got != "2月下旬" {
		t.Errorf("dekad spoken = %q", got)
	}
}

func TestParseDay(t *testing.T) {
	dec30 := Date{2026, time.December, 30}
	jan2 := Date{2027, time.January, 2}
	tests := []struct {
		name string
		in   string
		ref  DayRef
		want Date // 零值表示看不懂
	}{
		{"today", "今天", DayRef{Today: dec30}, dec30},
		{"tomorrow crosses the year", "明天", DayRef{Today: Date{2026, time.December, 31}}, Date{2027, time.January, 1}},
		{"day before yesterday", "前天", DayRef{Today: jan2}, Date{2026, time.December, 31}},
		{"ISO date", "2026-11-28", DayRef{Today: dec30}, Date{2026, time.November, 28}},
		{"Chinese full date", "2026年2月1日", DayRef{Today: dec30}, Date{2026, time.February, 1}},
		{"leave in late December for 2 January is next year", "1月2日", DayRef{Today: dec30}, jan2},
		{"typed count in January for 30 December is last year", "12月30日", DayRef{Today: jan2, Past: true}, dec30},
		{"past policy never gives a future day", "1/3", DayRef{Today: jan2, Past: true}, Date{2026, time.January, 3}},
		{"dash form", "11-02", DayRef{Today: dec30, Past: true}, Date{2026, time.November, 2}},
		{"leap day exists in 2028", "2月29日", DayRef{Today: Date{2028, time.March, 1}, Past: true}, Date{2028, time.February, 29}},
		{"no 30 February", "2月30日", DayRef{Today: dec30}, Date{}},
		{"day only needs a start", "30日", DayRef{Today: dec30}, Date{}},
		{"day only after the start", "30日", DayRef{Today: dec30, From: Date{2026, time.November, 28}}, Date{2026, time.November, 30}},
		{"day only crosses into next month", "2日", DayRef{Today: dec30, From: Date{2026, time.December, 30}}, jan2},
		{"nonsense", "下周", DayRef{Today: dec30}, Date{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseDay(tt.in, tt.ref)
			if ok != !tt.want.IsZero() || got != tt.want {
				t.Errorf("ParseDay(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestParseMonthKeyAndYear(t *testing.T) {
	if m, err := ParseMonthKey("2026-11"); err != nil || m != (Month{2026, time.November}) {
		t.Errorf("ParseMonthKey(2026-11) = %v, %v", m, err)
	}
	if _, err := ParseMonthKey("2026-13"); err == nil {
		t.Error("2026-13 accepted")
	}
	if y, err := ParseYear("2026年"); err != nil || y != 2026 {
		t.Errorf("ParseYear(2026年) = %d, %v", y, err)
	}
	if _, err := ParseYear("二〇二六"); err == nil {
		t.Error("二〇二六 accepted")
	}
}

// 年份只在不是读者所在的那一年时才说：一月里公布的去年最后一周带“2025年”，同一年的不带。
func TestSpokenPeriodSaysTheYearOnlyWhenItDiffers(t *testing.T) {
	tests := []struct {
		name   string
		period string
		year   int
		want   string
	}{
		{"same year week", "2026-W48", 2026, "11月第4周（11月23日–29日）"},
		{"last year's week", "2025-W52", 2026, "2025年12月第4周（12月22日–28日）"},
		{"ISO week 1 counts in January", "2026-W01", 2026, "1月第1周（12月29日–1月4日）"},
		{"ISO week 1 read in the old year", "2026-W01", 2025, "2026年1月第1周（12月29日–1月4日）"},
		{"same year dekad", "2026-12-1", 2026, "12月上旬"},
		{"last year's dekad", "2025-12-3", 2026, "2025年12月下旬"},
		{"unknown stays as written", "河口所", 2026, "河口所"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SpokenPeriod(tt.period, tt.year); got != tt.want {
				t.Errorf("SpokenPeriod(%s, %d) = %q, want %q", tt.period, tt.year, got, tt.want)
			}
		})
	}
}

func TestPeriodsInMonth(t *testing.T) {
	if got := PeriodsInMonth([]string{"2026-W45", "2026-W46", "2026-W48"}); got != "第1周、第2周、第4周" {
		t.Errorf("weeks = %q", got)
	}
	if got := PeriodsInMonth([]string{"2026-11-1", "2026-11-3"}); got != "上旬、下旬" {
		t.Errorf("dekads = %q", got)
	}
}

// 期别可以照回复里的说法写回来（“11月第4周”“12月上旬”），也可以写“上周”“上旬”或代码。
func TestParseSpokenPeriod(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, shanghai) // 12月第1周的周三，12月上旬
	tests := []struct {
		in       string
		kind     FlagKind
		period   string
		wantFail bool
	}{
		{in: "11月第4周", kind: FlagWeekly, period: "2026-W48"},
		{in: "2026年11月第4周", kind: FlagWeekly, period: "2026-W48"},
		{in: "10月第5周", kind: FlagWeekly, period: "2026-W44"},
		{in: "12月第1周", kind: FlagWeekly, period: "2026-W49"},
		{in: "本周", kind: FlagWeekly, period: "2026-W49"},
		{in: "上周", kind: FlagWeekly, period: "2026-W48"},
		{in: "2026-W45", kind: FlagWeekly, period: "2026-W45"},
		{in: "12月上旬", kind: FlagDekad, period: "2026-12-1"},
		{in: "2025年12月下旬", kind: FlagDekad, period: "2025-12-3"},
		{in: "上旬", kind: FlagDekad, period: "2026-11-3"},
		{in: "2026-11-2", kind: FlagDekad, period: "2026-11-2"},
		{in: "11月第5周", wantFail: true},
		{in: "第4周", wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			kind, p, err := ParseSpokenPeriod(tt.in, now, shanghai)
			if tt.wantFail {
				if err == nil {
					t.Fatalf("ParseSpokenPeriod(%q) = %s %s, want an error", tt.in, kind, p)
				}
				return
			}
			if err != nil || kind != tt.kind || p != tt.period {
				t.Fatalf("ParseSpokenPeriod(%q) = %s %s %v, want %s %s", tt.in, kind, p, err, tt.kind, tt.period)
			}
		})
	}
}
