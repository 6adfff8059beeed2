package web

import (
	"net/http"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
)

// boardTab 是排行页的一个标签。
type boardTab struct {
	Key, Label string
	Current    bool
}

// boardData 是排行页的数据。
type boardData struct {
	Tabs     []boardTab
	Period   string // 人们说的期别，如“11月第4周（11月23日–29日）”
	Kind     model.FlagKind
	Standing redflag.Standing
	Eligible []model.Ranked
	Out      []model.Ranked
	Chart    string
	Mine     string // 本人（周）或本所（旬）的标识，突出显示
	Running  bool   // 这一期还没结束
}

// boardPage 是“排行”：本周、上周的县城窗口员工排行，本旬、上旬的农村网点排行——每项得分、
// 已评出或目前领先的人选和横条图。排行来自与“排行”命令相同的 Ranker。
func (s *Server) boardPage(w http.ResponseWriter, r *http.Request, v *visit) {
	loc := s.d.Clock.Location()
	now := s.d.Clock.Now()
	which := r.URL.Query().Get("p")
	tabs := []boardTab{{"week", "本周", false}, {"lastweek", "上周", false}, {"dekad", "本旬", false}, {"lastdekad", "上旬", false}}
	valid := false
	for i := range tabs {
		if tabs[i].Key == which {
			tabs[i].Current, valid = true, true
		}
	}
	if !valid {
		which, tabs[0].Current = "week", true
	}
	d := boardData{Tabs: tabs}
	var err error
	switch which {
	case "week", "lastweek":
		wk := model.WeekOf(now, loc)
		if which == "lastweek" {
			wk = wk.Add(-1)
		}
		d.Kind, d.Period, d.Mine, d.Running = model.FlagWeekly, wk.Spoken(loc), v.Actor.UserID, now.Before(wk.End(loc))
		d.Standing, err = s.d.Flags.WeeklyStanding(r.Context(), wk)
	default:
		dk := model.DekadOf(now, loc)
		if which == "lastdekad" {
			dk = dk.Add(-1)
		}
		d.Kind, d.Period, d.Mine, d.Running = model.FlagDekad, dk.Spoken(), v.Actor.Branch, now.Before(dk.End(loc))
		d.Standing, err = s.d.Flags.DekadStanding(r.Context(), dk)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	won := map[string]bool{}
	for _, f := range d.Standing.Awarded {
		if f.StaffID != "" {
			won[f.StaffID] = true
		} else {
			won[f.Name] = true
		}
	}
	if len(won) == 0 {
		for _, e := range d.Standing.Ranking.Winners {
			won[e.Subject] = true
		}
	}
	var bars []bar
	for _, e := range d.Standing.Ranking.Entries {
		if !e.Eligible {
			d.Out = append(d.Out, e)
			continue
		}
		d.Eligible = append(d.Eligible, e)
		if len(bars) < 12 {
			bars = append(bars, bar{Label: d.Standing.Name(e), Value: e.Score, Text: score(e.Score), Mark: won[e.Subject] || e.Subject == d.Mine})
		}
	}
	d.Chart = barChart(d.Period+"排行", bars)
	s.render(w, r, "board", v, d)
}
