package redflag

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/internal/sheet"
	"github.com/hongqi-dev/hongqi/model"
)

// 年中启用 hongqi 的中心，用 `hongqi flags import FILE` 带入本年已评出的红旗，年度次数从第一天起就对。
// 文件（CSV 或 XLSX）表头：kind,period,who（或 种类,期别,获旗者）：
//   - kind：weekly/周/周旗 或 dekad/旬/旬旗；
//   - period：周为 2026-W45，旬为 2026-11-1（11 月上旬）；
//   - who：周旗写员工工号（或唯一的姓名），旬旗写农村网点名。
// 全部成功或全部不写；有误的行按行号列出；同一 (种类, 期别, 获旗者) 再导入不会重复。

var importHeaders = [3][]string{
	{"kind", "种类", "类型"},
	{"period", "期别", "期间"},
	{"who", "获旗者", "获旗人", "获旗网点", "userid", "工号", "网点"},
}

// ParseFlags 解析红旗导入文件；roster 是花名册，用来核对获旗者并记下其网点和所长。
func ParseFlags(name string, r io.Reader, roster []model.Staff, loc *time.Location) ([]model.Flag, error) {
	rows, err := sheet.Read(name, r, sheet.Options{What: "红旗文件"})
	if err != nil {
		return nil, err
	}
	h := 0
	for h < len(rows) && sheet.Blank(rows[h].Cells) {
		h++
	}
	if h == len(rows) {
		return nil, model.Errorf(model.EINVALID, "红旗文件是空的。表头应为 kind,period,who（或 种类,期别,获旗者）。")
	}
	col := [3]int{-1, -1, -1}
	for i, c := range rows[h].Cells {
		for k, names := range importHeaders {
			for _, n := range names {
				if sheet.NormHeader(c) == n && col[k] < 0 {
					col[k] = i
				}
			}
		}
	}
	for _, c := range col {
		if c < 0 {
			return nil, model.Errorf(model.EINVALID, "红旗文件第 %d 行的表头应为 kind,period,who（或 种类,期别,获旗者）。", rows[h].Line)
		}
	}
	heads := branchHeads(roster)
	byID := map[string]model.Staff{}
	byName := map[string][]model.Staff{}
	rural := map[string]bool{}
	for _, st := range roster {
		byID[strings.ToLower(st.UserID)] = st
		byName[st.Name] = append(byName[st.Name], st)
		if st.BranchKind == model.BranchRural {
			rural[st.Branch] = true
		}
	}
	var out []model.Flag
	var problems []string
	seen := map[string]int{}
	for _, row := range rows[h+1:] {
		if sheet.Blank(row.Cells) {
			continue
		}
		get := func(k int) string {
			if col[k] < len(row.Cells) {
				return strings.TrimSpace(row.Cells[col[k]])
			}
			return ""
		}
		bad := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf("第 %d 行：", row.Line)+fmt.Sprintf(format, args...))
		}
		var kind model.FlagKind
		switch strings.ToLower(get(0)) {
		case "weekly", "周", "周旗", "周红旗":
			kind = model.FlagWeekly
		case "dekad", "旬", "旬旗", "旬红旗":
			kind = model.FlagDekad
		default:
			bad("种类“%s”应为 周（weekly）或 旬（dekad）", get(0))
			continue
		}
		period := get(1)
		month, err := periodMonth(kind, period, loc)
		if err != nil {
			bad("%s", model.ErrorMessage(err))
			continue
		}
		who := get(2)
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
			if st.Role != model.RoleStaff || st.BranchKind != model.BranchCounty {
				bad("%s（%s·%s）不是县城网点的窗口员工，不能获周红旗", st.Name, st.Branch, st.Role.Label())
				continue
			}
			f.StaffID, f.Name, f.Branch = st.UserID, st.Name, st.Branch
		} else {
			if !rural[who] {
				bad("“%s”不是花名册中的农村网点", who)
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

// ImportFlagsFile 读 path 并导入历史红旗，返回新增数和已存在而跳过的数。
func ImportFlagsFile(ctx context.Context, staff model.StaffStore, store model.FlagStore, path string, loc *time.Location) (added, skipped int, err error) {
	f, err := sheet.Open(path, "红旗文件")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	roster, err := staff.ListStaff(ctx)
	if err != nil {
		return 0, 0, err
	}
	flags, err := ParseFlags(path, f, roster, loc)
	if err != nil {
		return 0, 0, err
	}
	added, err = store.ImportFlags(ctx, flags)
	return added, len(flags) - added, err
}
