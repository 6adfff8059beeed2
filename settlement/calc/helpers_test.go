package calc

import (
	"fmt"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
)

// cst 是 Asia/Shanghai 的固定时区（不依赖系统的时区数据库）。
var cst = time.FixedZone("CST", 8*3600)

var nov2026 = model.Month{Year: 2026, Month: time.November}

func person(id, name, branch string, kind model.BranchKind, role model.Role) model.Staff {
	return model.Staff{UserID: id, Name: name, Branch: branch, BranchKind: kind, Role: role, Active: true}
}

func inactive(s model.Staff) model.Staff {
	s.Active = false
	return s
}

// weekFlag 是 s 在 year 年第 week 周获得的周旗，计入该周周四所在的月。
func weekFlag(id int64, s model.Staff, year, week int, head string) model.Flag {
	w := model.Week{Year: year, Week: week}
	return model.Flag{ID: id, Kind: model.FlagWeekly, Period: w.String(), Month: w.Month(cst),
		StaffID: s.UserID, Name: s.Name, Branch: s.Branch, HeadID: head, Source: "round"}
}

// dekadFlag 是网点 branch 在 2026 年 11 月第 n 旬获得的旬旗。
func dekadFlag(id int64, branch string, n int, head string) model.Flag {
	d := model.Dekad{Year: 2026, Month: time.November, N: n}
	return model.Flag{ID: id, Kind: model.FlagDekad, Period: d.String(), Month: d.MonthOf(),
		Name: branch, Branch: branch, HeadID: head, Source: "round"}
}

func cancelled(f model.Flag) model.Flag {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, cst)
	f.Cancelled, f.CancelledBy, f.CancelledAt, f.CancelNote = true, "admin", &at, "虚假信息"
	return f
}

// entry 是 s 在 2026 年 11 月按规则 code 记的一条记录，名称和金额取自默认目录。
func entry(t *testing.T, id int64, s model.Staff, code string) model.Entry {
	t.Helper()
	r, ok := rules.Default().Rule(code)
	if !ok {
		t.Fatalf("default catalog has no rule %s", code)
	}
	return model.Entry{ID: id, StaffID: s.UserID, StaffName: s.Name, Branch: s.Branch, RuleCode: r.Code,
		RuleName: r.Name, Kind: r.Kind, Amount: r.Signed(), ActorID: "sup", ActorName: "赵主管",
		MsgKey: fmt.Sprintf("msg:%d", id), Month: nov2026, CreatedAt: time.Date(2026, 11, 3, 9, 0, 0, 0, cst)}
}

func revoked(e model.Entry) model.Entry {
	e.Revocation = &model.Revocation{EntryID: e.ID, ActorID: "sup", ActorName: "赵主管", MsgKey: "msg:rev", CreatedAt: e.CreatedAt.Add(time.Hour)}
	return e
}

// lineKeys 把明细写成“种类 金额 网点[ #记录号]”，便于对照手算结果。
func lineKeys(ls []Line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = fmt.Sprintf("%s %+d %s", l.Kind, l.Amount, l.Branch)
		if l.EntryID != 0 {
			out[i] += fmt.Sprintf(" #%d", l.EntryID)
		}
	}
	return out
}

// totals 返回每人的合计。
func totals(sts []Statement) map[string]int64 {
	out := map[string]int64{}
	for _, st := range sts {
		out[st.Staff.UserID] = st.Total
	}
	return out
}

func branchTotals(s Summary) map[string]int64 {
	out := map[string]int64{}
	for _, b := range s.Branches {
		out[b.Branch] = b.Total
	}
	return out
}

// checkConsistent 检查结算结果自身一致：每张结算单的合计等于明细之和，汇总等于各单之和。
func checkConsistent(t *testing.T, sts []Statement, sum Summary) {
	t.Helper()
	var all, branches, rewarded, deducted int64
	for _, st := range sts {
		var s int64
		for _, l := range st.Lines {
			s += l.Amount
			if l.Amount > 0 {
				rewarded += l.Amount
			} else {
				deducted += l.Amount
			}
		}
		if s != st.Total {
			t.Errorf("%s: Total %d, lines sum to %d", st.Staff.Name, st.Total, s)
		}
		all += st.Total
	}
	for _, b := range sum.Branches {
		if b.Total != b.Rewarded+b.Deducted {
			t.Errorf("branch %s: total %d != %d + %d", b.Branch, b.Total, b.Rewarded, b.Deducted)
		}
		branches += b.Total
	}
	if sum.Total != all || branches != all || sum.Rewarded != rewarded || sum.Deducted != deducted {
		t.Errorf("summary total %d (+%d %d), branches %d; statements sum to %d (+%d %d)", sum.Total, sum.Rewarded, sum.Deducted, branches, all, rewarded, deducted)
	}
	if sum.People != len(sts) {
		t.Errorf("summary people %d, %d statements", sum.People, len(sts))
	}
}
