package redflag

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag/rank"
)

// Standing 是一期的排行，连同这一期的评选和已经评出的红旗（评选小组确认、改选或到期生效之后才有）。
type Standing struct {
	Ranking model.Ranking
	Awarded []model.Flag // 这一期已授予、未撤销的红旗；还没评出时为空
	// Round 是这一期的评选（已提名时才有），nil 表示还没提名。
	Round *model.Round
	// Ended 表示这一期已经结束（分数不会再变）。
	Ended bool
	names map[string]string
}

// WeeklyStanding 返回周 w 的县城窗口员工排行和已评出的周服务红旗。所有在册人员都可以看排行。
func (s *Service) WeeklyStanding(ctx context.Context, w model.Week) (Standing, error) {
	rk, err := s.Ranker.Weekly(ctx, w)
	if err != nil {
		return Standing{}, err
	}
	return s.standing(ctx, rk, model.FlagWeekly, w.String(), w.End(s.loc()))
}

// DekadStanding 返回旬 d 的农村网点排行和已评出的旬服务红旗。
func (s *Service) DekadStanding(ctx context.Context, d model.Dekad) (Standing, error) {
	rk, err := s.Ranker.Dekad(ctx, d)
	if err != nil {
		return Standing{}, err
	}
	return s.standing(ctx, rk, model.FlagDekad, d.String(), d.End(s.loc()))
}

func (s *Service) standing(ctx context.Context, rk model.Ranking, kind model.FlagKind, period string, end time.Time) (Standing, error) {
	flags, err := s.Store.Flags(ctx, model.FlagFilter{Kind: kind, Period: period})
	if err != nil {
		return Standing{}, err
	}
	st := Standing{Ranking: rk, Awarded: flags, Ended: !s.now().Before(end), names: displayNames(rk.Entries)}
	r, err := s.Store.Round(ctx, kind, period)
	switch model.ErrorCode(err) {
	case "":
		st.Round = &r
	case model.ENOTFOUND:
	default:
		return Standing{}, err
	}
	return st, nil
}

// displayNames 给排行里的每个人起给人看的名字（按 Subject）：不重名的就是姓名；重名的加网点，
// 同一网点里也重名的加工号，如“张三（城关所）”“张三（cg01）”。网点（旬排行）本身不会重名。
func displayNames(entries []model.Ranked) map[string]string {
	byName := map[string]int{}
	byNameBranch := map[[2]string]int{}
	for _, e := range entries {
		byName[e.Name]++
		byNameBranch[[2]string{e.Name, e.Branch}]++
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		switch {
		case byName[e.Name] == 1:
			out[e.Subject] = e.Name
		case byNameBranch[[2]string{e.Name, e.Branch}] == 1:
			out[e.Subject] = e.Name + "（" + e.Branch + "）"
		default:
			out[e.Subject] = e.Name + "（" + e.Subject + "）"
		}
	}
	return out
}

// Name 返回排行里这一行给人看的名字：重名时带网点或工号，见 displayNames。
func (st Standing) Name(e model.Ranked) string {
	if n, ok := st.names[e.Subject]; ok {
		return n
	}
	return e.Name
}

// FlagName 返回一面已授予的红旗给人看的获旗者名字（与排行里的名字一致，重名时带网点或工号）。
func (st Standing) FlagName(f model.Flag) string {
	if n, ok := st.names[flagSubject(f)]; ok {
		return n
	}
	return f.Name
}

// fullName 是排行主列表里的名字：周排行写上网点，如“张三（城关所）”；同一网点里重名时再加工号。
func (st Standing) fullName(e model.Ranked) string {
	if st.Ranking.Kind != model.FlagWeekly {
		return e.Name
	}
	n := st.Name(e)
	switch {
	case n == e.Name:
		return e.Name + "（" + e.Branch + "）"
	case strings.HasSuffix(n, "（"+e.Branch+"）"):
		return n
	}
	return e.Name + "（" + e.Branch + "·" + e.Subject + "）"
}

// Outcome 说这一期的人选现在是什么状态：已评出（谁）、已提名待确认、排行前列（期已结束、还没提名）
// 或目前领先（期还没结束）。没有合格人选时为空。
func (st Standing) Outcome() string {
	if len(st.Awarded) > 0 {
		var ws []string
		for _, f := range st.Awarded {
			ws = append(ws, st.FlagName(f))
		}
		how := "评选小组已确认"
		if st.Round != nil {
			switch st.Round.Status {
			case model.RoundOverridden:
				how = "评选小组改选"
			case model.RoundAuto:
				how = "到期自动生效"
			}
		}
		return fmt.Sprintf("已评出：%s（%s）", strings.Join(ws, "、"), how)
	}
	if st.Round != nil && st.Round.Status == model.RoundProposed {
		var ws []string
		for _, w := range st.Round.Proposed {
			ws = append(ws, st.Name(w))
		}
		return "已提名，待评选小组确认：" + strings.Join(ws, "、")
	}
	if st.Round != nil {
		return "这一期评出的红旗已全部撤销。"
	}
	if len(st.Ranking.Winners) == 0 {
		return ""
	}
	var ws []string
	for _, w := range st.Ranking.Winners {
		ws = append(ws, st.Name(w))
	}
	if st.Ended {
		return "排行前列（待提名）：" + strings.Join(ws, "、")
	}
	return "目前领先：" + strings.Join(ws, "、")
}

// rankShown 是排行里详细列出的合格者人数（手机上一屏能看完）。
const rankShown = 10

// StandingText 是“排行”命令的文字：期别（人们说的）、合格者的名次、分数和各项得分（至多 rankShown 名，
// 本人或本所总列出）、不参评的人或网点及原因、人选的状态（见 Outcome）和同分规则。
// mine 是看排行的人（周：userid；旬：网点名）。
func (s *Service) StandingText(st Standing, mine string) string {
	rk := st.Ranking
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s排行\n", s.Said(rk.Period), rk.Kind.Label())
	shown, eligible, self := 0, 0, -1
	var out []model.Ranked
	for i, e := range rk.Entries {
		if e.Eligible {
			eligible++
		} else {
			out = append(out, e)
		}
		if e.Subject == mine {
			self = i
		}
	}
	for i, e := range rk.Entries {
		if !e.Eligible || (shown >= rankShown && i != self) {
			continue
		}
		if shown == rankShown && i == self {
			sb.WriteString("……\n")
		}
		shown++
		var ps []string
		for _, p := range e.Parts {
			ps = append(ps, p.Name+" "+p.Value)
		}
		fmt.Fprintf(&sb, "%d. %s %s 分\n   %s\n", e.Rank, st.fullName(e), rank.Score(e.Score), strings.Join(ps, "；"))
	}
	if eligible == 0 {
		sb.WriteString("暂无符合条件的人选。\n")
	} else if eligible > shown {
		fmt.Fprintf(&sb, "（合格 %d %s，只列前 %d 名）\n", eligible, unit(rk.Kind), rankShown)
	}
	if len(out) > 0 {
		var names []string
		for i, e := range out {
			if i < 5 || e.Subject == mine {
				names = append(names, st.Name(e)+"："+e.Reason)
			}
		}
		fmt.Fprintf(&sb, "不参评 %d %s：%s", len(out), unit(rk.Kind), strings.Join(names, "；"))
		if len(out) > len(names) {
			sb.WriteString(" 等")
		}
		sb.WriteString("\n")
	}
	if o := st.Outcome(); o != "" {
		sb.WriteString(o + "\n")
	}
	sb.WriteString(rk.TieRule)
	return sb.String()
}

// unit 是排行里数人或网点用的量词。
func unit(k model.FlagKind) string {
	if k == model.FlagDekad {
		return "个网点"
	}
	return "人"
}

// MonthText 是“排行 本月”：计入本月的各周（周四在本月、已经开始的周）的人选——已评出的写获旗者，
// 还没评出的写领先者和分数。
func (s *Service) MonthText(ctx context.Context) (string, error) {
	loc, now := s.loc(), s.now()
	m := model.MonthOf(now, loc)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s\n", m.Label(), model.FlagWeekly.Label())
	w := model.WeekOf(time.Date(m.Year, m.Month, 1, 12, 0, 0, 0, loc), loc)
	for ; !w.Start(loc).After(now); w = w.Add(1) {
		if w.Month(loc) != m {
			continue
		}
		st, err := s.WeeklyStanding(ctx, w)
		if err != nil {
			return "", err
		}
		line := "暂无合格人选"
		if len(st.Awarded) > 0 {
			var ws []string
			for _, f := range st.Awarded {
				ws = append(ws, st.FlagName(f))
			}
			line = "已评出 " + strings.Join(ws, "、")
		} else if len(st.Ranking.Winners) > 0 {
			var ws []string
			for _, e := range st.Ranking.Winners {
				ws = append(ws, st.Name(e)+" "+rank.Score(e.Score))
			}
			line = strings.Join(ws, "、")
		}
		state := ""
		if !st.Ended {
			state = "，进行中"
		}
		fmt.Fprintf(&sb, "%s%s：%s\n", s.Said(w.String()), state, line)
	}
	sb.WriteString("各周详细得分：发“排行 本周”或“排行 上周”。")
	return sb.String(), nil
}
