package redflag

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/internal/sheet"
	"github.com/hongqi-dev/hongqi/model"
)

// 年中启用 hongqi 的中心，用 `hongqi flags import FILE` 带入本年已评出的红旗，年度次数从第一天起就对。
// 文件（CSV 或 XLSX）表头：kind,period,who（或 种类,期别,获旗者），可另加 branch（网点）：
//   - kind：weekly/周/周旗 或 dekad/旬/旬旗；
//   - period：周为 2026-W45，旬为 2026-11-1（11 月上旬）；
//   - who：周旗写员工工号（或唯一的姓名），旬旗写农村网点名；
//   - branch：周旗获旗时此人所在的网点（后来调动过的人要写），不写时为花名册上现在的网点。
//     红旗记在这个网点名下，并记下这个网点的所长：以后撤销这面红旗（虚假信息），扣的是这位所长。
//
// 文件里说的都要核对，有一处不对就什么也不写，有误的行按行号列出：期别还没开始的不收；一期的红旗
// 连同已有的不能多于配置的面数（flags.weekly.winners、flags.dekad.winners，默认每周 2 面、每旬 1 面）；
// 周旗的获旗者在那一周必须是县城网点的窗口员工（按花名册的入职、离职日期）。
// 同一 (种类, 期别, 获旗者) 再导入不会重复。

var importHeaders = [4][]string{
	{"kind", "种类", "类型"},
	{"period", "期别", "期间"},
	{"who", "获旗者", "获旗人", "获旗网点", "userid", "工号"},
	{"branch", "网点", "所在网点"},
}

const (
	colKind = iota
	colPeriod
	colWho
	colBranch
)

// importColumns 找出表头里种类、期别、获旗者、网点四列的位置（没有为 -1）。早先的文件旬旗写“网点”当获旗者。
func importColumns(cells []string) []int {
	col := []int{-1, -1, -1, -1}
	for i, c := range cells {
		for k, names := range importHeaders {
			for _, n := range names {
				if sheet.NormHeader(c) == n && col[k] < 0 {
					col[k] = i
				}
			}
		}
	}
	if col[colWho] < 0 && col[colBranch] >= 0 {
		col[colWho], col[colBranch] = col[colBranch], -1
	}
	return col
}

// FlagImport 是导入时用来核对的情况。
type FlagImport struct {
	Roster []model.Staff
	// Existing 返回某一期已有的（未撤销的）红旗，用于核对每期的面数。
	Existing func(kind model.FlagKind, period string) ([]model.Flag, error)
	Now      time.Time
	Loc      *time.Location
	// Weekly、Dekad 是每期红旗的面数上限（flags.weekly.winners、flags.dekad.winners）。
	Weekly, Dekad int
}

// ParseFlags 解析红旗导入文件并核对（见本文件开头）；全部无误时返回要导入的红旗。
func ParseFlags(name string, r io.Reader, in FlagImport) ([]model.Flag, error) {
	rows, err := sheet.Read(name, r, sheet.Options{What: "红旗文件", Header: func(cells []string) bool {
		return !slices.Contains(importColumns(cells)[:colBranch], -1)
	}})
	if err != nil {
		return nil, err
	}
	h := 0
	for h < len(rows) && sheet.Blank(rows[h].Cells) {
		h++
	}
	if h == len(rows) {
		return nil, model.Errorf(model.EINVALID, "红旗文件是空的。表头应为 kind,period,who（或 种类,期别,获旗者），可另加 branch（网点）。")
	}
	col := importColumns(rows[h].Cells)
	for _, c := range col[:3] {
		if c < 0 {
			return nil, model.Errorf(model.EINVALID, "红旗文件第 %d 行的表头应为 kind,period,who（或 种类,期别,获旗者），可另加 branch（网点）。", rows[h].Line)
		}
	}
	heads := branchHeads(in.Roster)
	byID := map[string]model.Staff{}
	byName := map[string][]model.Staff{}
	kinds := map[string]model.BranchKind{}
	for _, st := range in.Roster {
		byID[strings.ToLower(st.UserID)] = st
		byName[st.Name] = append(byName[st.Name], st)
		if _, ok := kinds[st.Branch]; !ok {
			kinds[st.Branch] = st.BranchKind
		}
	}
	var out []model.Flag
	var problems []string
	seen := map[string]int{}
	winners := map[string]map[string]bool{} // 种类|期别 → 获旗者（已有的加上文件里的）
	for _, row := range rows[h+1:] {
		if sheet.Blank(row.Cells) {
			continue
		}
		get := func(k int) string {
			if col[k] >= 0 && col[k] < len(row.Cells) {
				return strings.TrimSpace(row.Cells[col[k]])
			}
			return ""
		}
		bad := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf("第 %d 行：", row.Line)+fmt.Sprintf(format, args...))
		}
		var kind model.FlagKind
		switch strings.ToLower(get(colKind)) {
		case "weekly", "周", "周旗", "周红旗":
			kind = model.FlagWeekly
		case "dekad", "旬", "旬旗", "旬红旗":
			kind = model.FlagDekad
		default:
			bad("种类“%s”应为 周（weekly）或 旬（dekad）", get(colKind))
			continue
		}
		pk, period, err := ParsePeriod(get(colPeriod))
		if err != nil || pk != kind {
			bad("期别“%s”不是%s的写法：周写 2026-W45，旬写 2026-11-1（11月上旬）", get(colPeriod), kind.Label())
			continue
		}
		month, start, end := periodSpan(kind, period, in.Loc)
		if !in.Now.IsZero() && in.Now.Before(start) {
			bad("%s 即%s，还没开始（%s起），不能导入", period, model.SpokenPeriod(period, in.Now.In(in.Loc).Year()), start.Format("2006年1月2日"))
			continue
		}
		who := get(colWho)
		f := model.Flag{Kind: kind, Period: period, Month: month, Source: "import"}
		if kind == model.FlagWeekly {
			st, ok := byID[strings.ToLower(who)]
			if !ok {
				switch same := byName[who]; len(same) {
				case 1:
					st, ok = same[0], true
				case 0:
					bad("花名册里没有“%s”", who)
					continue
				default:
					var ids []string
					for _, s := range same {
						ids = append(ids, s.Display())
					}
					bad("有 %d 位“%s”（%s），请写工号", len(same), who, strings.Join(ids, "、"))
					continue
				}
			}
			branch, kindThen := st.Branch, st.BranchKind
			if b := get(colBranch); b != "" {
				k, known := kinds[b]
				if !known {
					bad("网点“%s”不在花名册里", b)
					continue
				}
				branch, kindThen = b, k
			}
			first, last := model.DateOf(start, in.Loc), model.DateOf(end.Add(-time.Second), in.Loc)
			switch {
			case st.Role != model.RoleStaff || kindThen != model.BranchCounty:
				bad("%s（%s·%s）不是县城网点的窗口员工，不能获周服务红旗", st.Name, branch, st.Role.Label())
				continue
			case !st.OnRosterIn(first, last):
				bad("%s 那一周（%s–%s）%s不在花名册上（%s），不能获周服务红旗；如果花名册上的入职、离职日期不对，请先改正花名册",
					period, first.Label(), last.Label(), st.Name, rosterDates(st))
				continue
			}
			f.StaffID, f.Name, f.Branch = st.UserID, st.Name, branch
		} else {
			if kinds[who] != model.BranchRural {
				bad("“%s”不是花名册中的农村网点", who)
				continue
			}
			if b := get(colBranch); b != "" && b != who {
				bad("旬旗的获旗者就是网点，网点一列应为“%s”或不写", who)
				continue
			}
			f.Name, f.Branch = who, who
		}
		f.HeadID = heads[f.Branch]
		key := string(kind) + "|" + period + "|" + f.Name + f.StaffID
		if prev, dup := seen[key]; dup {
			bad("与第 %d 行重复", prev)
			continue
		}
		seen[key] = row.Line
		pkey := string(kind) + "|" + period
		if winners[pkey] == nil {
			winners[pkey] = map[string]bool{}
			if in.Existing != nil {
				have, err := in.Existing(kind, period)
				if err != nil {
					return nil, err
				}
				for _, g := range have {
					winners[pkey][flagSubject(g)] = true
				}
			}
		}
		winners[pkey][flagSubject(f)] = true
		if limit := in.limit(kind); len(winners[pkey]) > limit {
			bad("%s 即%s，连同已有的共 %d 面%s，多于每期 %d 面（flags.%s.winners）", period, model.SpokenPeriod(period, in.Now.In(in.Loc).Year()), len(winners[pkey]), kind.Label(), limit, kind)
			continue
		}
		out = append(out, f)
	}
	if len(problems) > 0 {
		shown := problems
		if len(shown) > 20 {
			shown = shown[:20]
		}
		msg := fmt.Sprintf("红旗文件有 %d 行有误，什么也没有导入：\n%s", len(problems), strings.Join(shown, "\n"))
		if len(problems) > 20 {
			msg += fmt.Sprintf("\n……另有 %d 行未列出", len(problems)-20)
		}
		return nil, model.Errorf(model.EINVALID, "%s", msg)
	}
	if len(out) == 0 {
		return nil, model.Errorf(model.EINVALID, "红旗文件里没有红旗。")
	}
	return out, nil
}

func (in FlagImport) limit(kind model.FlagKind) int {
	n := in.Weekly
	if kind == model.FlagDekad {
		n = in.Dekad
	}
	if n < 1 {
		n = 1
	}
	return n
}

// periodSpan 返回一期计入的月份和它的起止（止不含）。
func periodSpan(kind model.FlagKind, period string, loc *time.Location) (model.Month, time.Time, time.Time) {
	if kind == model.FlagDekad {
		d, _ := model.ParseDekad(period)
		return d.MonthOf(), d.Start(loc), d.End(loc)
	}
	w, _ := model.ParseWeek(period)
	return w.Month(loc), w.Start(loc), w.End(loc)
}

// rosterDates 说明此人在花名册上的日子。
func rosterDates(st model.Staff) string {
	if d := st.Dates(); d != "" {
		return d
	}
	return "花名册上没有日期"
}

// ImportFile 读 path 并导入历史红旗（全部成功或全部不写），返回新增数和已存在而跳过的数。
// 按服务的时钟核对期别是否已经开始，按 Cfg 核对每期的面数。
func (s *Service) ImportFile(ctx context.Context, path string) (added, skipped int, err error) {
	f, err := sheet.Open(path, "红旗文件")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	roster, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return 0, 0, err
	}
	flags, err := ParseFlags(path, f, FlagImport{
		Roster: roster, Now: s.now(), Loc: s.loc(), Weekly: s.Cfg.Weekly.Winners, Dekad: s.Cfg.Dekad.Winners,
		Existing: func(kind model.FlagKind, period string) ([]model.Flag, error) {
			return s.Store.Flags(ctx, model.FlagFilter{Kind: kind, Period: period})
		},
	})
	if err != nil {
		return 0, 0, err
	}
	added, err = s.Store.ImportFlags(ctx, flags)
	return added, len(flags) - added, err
}
