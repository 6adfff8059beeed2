package sched

import (
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// 常用的到点规则：每周、每旬、每月在某一时刻处理上一期。Due 给出 now 时最近一次到点所处理的那一期，
// At 给出处理某一期的时刻（在下一期之内）。

// WeeklySchedule 是“每周某天某时刻提名上一周”。
type WeeklySchedule struct {
	Weekday   time.Weekday
	Hour, Min int
	Loc       *time.Location
}

// At 返回在周 w 之内的提名时刻（提名的是 w 的上一周）。
func (ws WeeklySchedule) At(w model.Week) time.Time {
	off := (int(ws.Weekday) + 6) % 7 // 周一为 0
	d := w.Start(ws.Loc).AddDate(0, 0, off)
	return time.Date(d.Year(), d.Month(), d.Day(), ws.Hour, ws.Min, 0, 0, ws.Loc)
}

// Due 返回 now 时最近一次已到点的提名所针对的周。
func (ws WeeklySchedule) Due(now time.Time) model.Week {
	cur := model.WeekOf(now, ws.Loc)
	if now.Before(ws.At(cur)) {
		cur = cur.Add(-1)
	}
	return cur.Add(-1)
}

// DekadSchedule 是“每旬第一天某时刻提名上一旬”。
type DekadSchedule struct {
	Hour, Min int
	Loc       *time.Location
}

// At 返回在旬 d 之内的提名时刻（提名的是 d 的上一旬）。
func (ds DekadSchedule) At(d model.Dekad) time.Time {
	s := d.Start(ds.Loc)
	return time.Date(s.Year(), s.Month(), s.Day(), ds.Hour, ds.Min, 0, 0, ds.Loc)
}

// Due 返回 now 时最近一次已到点的提名所针对的旬。
func (ds DekadSchedule) Due(now time.Time) model.Dekad {
	cur := model.DekadOf(now, ds.Loc)
	if now.Before(ds.At(cur)) {
		cur = cur.Add(-1)
	}
	return cur.Add(-1)
}

// MonthlySchedule 是“每月某日某时刻处理上一个月”。
type MonthlySchedule struct {
	Day, Hour, Min int
	Loc            *time.Location
}

// At 返回在月份 m 之内的到点时刻（处理的是 m 的上一个月）。
func (ms MonthlySchedule) At(m model.Month) time.Time {
	return time.Date(m.Year, m.Month, ms.Day, ms.Hour, ms.Min, 0, 0, ms.Loc)
}

// Due 返回 now 时最近一次已到点所处理的月份。
func (ms MonthlySchedule) Due(now time.Time) model.Month {
	cur := model.MonthOf(now, ms.Loc)
	if now.Before(ms.At(cur)) {
		cur = cur.Add(-1)
	}
	return cur.Add(-1)
}
