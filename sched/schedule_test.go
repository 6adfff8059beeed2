package sched

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

var (
	shanghai = mustLoc("Asia/Shanghai")
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai)
}

func TestWeeklyDue(t *testing.T) {
	ws := WeeklySchedule{Weekday: time.Monday, Hour: 8, Min: 0, Loc: shanghai}
	cases := []struct {
		name string
		now  time.Time
		want string
	}{
		{"Monday 07:59 still proposes the week before last", at(2026, 11, 9, 7, 59), "2026-W44"},
		{"Monday 08:00 proposes last week", at(2026, 11, 9, 8, 0), "2026-W45"},
		{"Sunday night still last week's proposal", at(2026, 11, 15, 23, 59), "2026-W45"},
		{"year end: Monday 4 Jan 2027 proposes 2026-W53", at(2027, 1, 4, 8, 0), "2026-W53"},
		{"1 Jan 2027 (in W53) proposes W52", at(2027, 1, 1, 12, 0), "2026-W52"},
		{"UTC Monday 00:00 is Shanghai 08:00", time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), "2026-W45"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ws.Due(c.now).String(); got != c.want {
				t.Errorf("Due(%v) = %s, want %s", c.now, got, c.want)
			}
		})
	}
	friday := WeeklySchedule{Weekday: time.Friday, Hour: 17, Min: 30, Loc: shanghai}
	if got := friday.Due(at(2026, 11, 13, 17, 30)).String(); got != "2026-W45" {
		t.Errorf("周五 17:30 的配置：到点后提名 %s，想要上一周 2026-W45", got)
	}
}

func TestDekadDue(t *testing.T) {
	ds := DekadSchedule{Hour: 8, Loc: shanghai}
	cases := []struct {
		name string
		now  time.Time
		want string
	}{
		{"11th 08:00 proposes 上旬", at(2026, 11, 11, 8, 0), "2026-11-1"},
		{"11th 07:59 still the previous month's 下旬", at(2026, 11, 11, 7, 59), "2026-10-3"},
		{"21st proposes 中旬", at(2026, 11, 21, 9, 0), "2026-11-2"},
		{"1 March proposes February 下旬 (28 days)", at(2026, 3, 1, 8, 0), "2026-02-3"},
		{"1 March 2028 proposes February 下旬 (29 days)", at(2028, 3, 1, 8, 0), "2028-02-3"},
		{"31st of a month is still 下旬's proposal", at(2026, 1, 31, 23, 0), "2026-01-2"},
		{"1 Jan proposes December 下旬", at(2027, 1, 1, 8, 0), "2026-12-3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ds.Due(c.now).String(); got != c.want {
				t.Errorf("Due(%v) = %s, want %s", c.now, got, c.want)
			}
		})
	}
}

func TestMonthlyDue(t *testing.T) {
	ms := MonthlySchedule{Day: 1, Hour: 9, Loc: shanghai}
	cases := []struct {
		name string
		now  time.Time
		want string
	}{
		{"1st 08:59 is still the month before last", at(2026, 11, 1, 8, 59), "2026-09"},
		{"1st 09:00 is last month", at(2026, 11, 1, 9, 0), "2026-10"},
		{"end of month", at(2026, 11, 30, 23, 59), "2026-10"},
		{"new year", at(2027, 1, 1, 9, 0), "2026-12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ms.Due(c.now).String(); got != c.want {
				t.Errorf("Due(%v) = %s，想要 %s", c.now, got, c.want)
			}
		})
	}
}
