package calc

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/hongqi-dev/hongqi/model"
)

// MonthInput 是一个月结算的全部输入。
type MonthInput struct {
	Month model.Month
	// Staff 是花名册（含已停用的人）：姓名、角色、网点、所长。
	Staff []model.Staff
	// Entries 是该月的台账（可含已撤销的，这里排除）；Month 不是本月的记录不计。
	Entries []model.Entry
	// Flags 是计入该月的红旗（可含已撤销的，这里排除）；Flag.Month 不是本月的不计。
	Flags []model.Flag
	// Star 是当月服务明星的 userid，没有评定时为空。
	Star string
}

// MonthResult 是一个月的结算结果。
type MonthResult struct {
	Month model.Month
	// Statements 是每人的结算单，按网点、姓名、userid 排序：有任何明细的人，
	// 以及这个月在花名册上但没有明细的人（合计为 0）。
	Statements []Statement
	// Dekads 是各网点当月计入的旬服务红旗，按网点排序。
	Dekads  []BranchFlags
	Summary Summary
	// Warnings 是需要管理员处理的问题（如旬旗奖励找不到所长），给人看的中文句子。
	Warnings []string
}

// Statement 返回 userID 的结算单。
func (r MonthResult) Statement(userID string) (Statement, bool) {
	for _, st := range r.Statements {
		if st.Staff.UserID == userID {
			return st, true
		}
	}
	return Statement{}, false
}

// Delivered 表示发布 month 时这张结算单是否私信给本人：月初之前已离职的人不收（记录照样算进汇总）；
// 这个月在花名册上的员工、主管、所长每人一张（没有明细的也有一张“合计 0 元”，知道本月已结算）；
// 中心领导有明细时才有。
func (st Statement) Delivered(month model.Month) bool {
	if st.Staff.LeftBefore(month.First()) {
		return false
	}
	if len(st.Lines) > 0 {
		return true
	}
	return st.Staff.OnRosterIn(month.First(), month.Last()) && !st.Staff.IsLeadership()
}

// Counts 是一个月的结算单数：草稿、发布回复、汇总、网页都用这一对数，说法也一样——
// “结算单 Sent 张，其中 WithLines 人有奖扣”。
type Counts struct {
	Sent      int // 发布时私信的结算单张数（见 Statement.Delivered）
	WithLines int // 其中有奖扣明细的张数
}

// Counts 数出 r 的结算单。
func (r MonthResult) Counts() Counts {
	var c Counts
	for _, st := range r.Statements {
		if st.Delivered(r.Month) {
			c.Sent++
			if len(st.Lines) > 0 {
				c.WithLines++
			}
		}
	}
	return c
}

// Text 是“结算单 13 张，其中 1 人有奖扣”。
func (c Counts) Text() string {
	if c.WithLines == 0 {
		return fmt.Sprintf("结算单 %d 张，都没有奖扣", c.Sent)
	}
	return fmt.Sprintf("结算单 %d 张，其中 %d 人有奖扣", c.Sent, c.WithLines)
}

// Monthly 结算一个月：每人当月未撤销的台账记录（按编号），加上周旗达到次数的奖励、
// 所长的旬旗奖励和服务明星奖励。红旗奖励和服务明星的名称、金额取自规则目录。
func Monthly(in MonthInput, cat *model.Catalog, cfg Config) (MonthResult, error) {
	if in.Month.IsZero() {
		return MonthResult{}, model.Errorf(model.EINVALID, "没有指定结算月份")
	}
	if err := cfg.Validate(); err != nil {
		return MonthResult{}, err
	}
	rules, err := rulesFor(cat, RuleWeekMonth, RuleDekadMonth, RuleStar)
	if err != nil {
		return MonthResult{}, err
	}
	b := newBook(in.Staff)
	if in.Star != "" {
		if _, ok := b.roster[in.Star]; !ok {
			return MonthResult{}, model.Errorf(model.EINVALID, "%s服务明星（%s）不在花名册中，请重新评定后再结算", in.Month.Label(), in.Star)
		}
	}
	res := MonthResult{Month: in.Month}
	month := in.Month.String()

	// 台账记录：本月、未撤销，按编号。
	entries := make([]model.Entry, 0, len(in.Entries))
	for _, e := range in.Entries {
		if e.Month == in.Month && !e.Revoked() {
			entries = append(entries, e)
		}
	}
	slices.SortFunc(entries, func(x, y model.Entry) int { return cmp.Compare(x.ID, y.ID) })
	entries = slices.CompactFunc(entries, func(x, y model.Entry) bool { return x.ID == y.ID })
	for _, e := range entries {
		text := e.RuleName
		if e.Note != "" {
			text += "（" + e.Note + "）"
		}
		b.add(e.StaffID, model.Staff{Name: e.StaffName, Branch: e.Branch, Role: model.RoleStaff},
			Line{Kind: LineEntry, Text: text, Amount: e.Amount, EntryID: e.ID, At: e.CreatedAt, RuleCode: e.RuleCode, RuleName: e.RuleName, Ref: e.Ref, Branch: e.Branch, Status: e.StatusLabel()})
	}

	inMonth := func(k model.FlagKind) func(model.Flag) bool {
		return func(f model.Flag) bool { return f.Kind == k && f.Month == in.Month }
	}

	// 周旗：每人计入本月的次数；达到门槛奖励一次，计入达到门槛那面旗上的网点。
	weekly := countFlags(in.Flags, inMonth(model.FlagWeekly), func(f model.Flag) string { return f.StaffID })
	for _, id := range sortedKeys(weekly) {
		fs := weekly[id]
		fallback := model.Staff{Name: fs[0].Name, Branch: fs[0].Branch, BranchKind: model.BranchCounty, Role: model.RoleStaff}
		st := b.get(id, fallback)
		st.WeeklyFlags = periods(fs)
		if len(fs) >= cfg.WeeklyPerMonth {
			r := rules[RuleWeekMonth]
			text := fmt.Sprintf("%s：本月 %d 次（%s）", r.Name, len(fs), model.PeriodsInMonth(periods(fs)))
			b.add(id, fallback, newLine(LineFlagReward, r, text, "flags:weekly:"+month, fs[cfg.WeeklyPerMonth-1].Branch))
		}
	}

	// 旬旗：每个网点计入本月的次数；达到门槛时，达到门槛那面旗上的所长奖励一次。
	dekad := countFlags(in.Flags, inMonth(model.FlagDekad), func(f model.Flag) string { return cmp.Or(f.Branch, f.Name) })
	for _, branch := range sortedKeys(dekad) {
		fs := dekad[branch]
		bf := BranchFlags{Branch: branch, Periods: periods(fs)}
		if len(fs) >= cfg.DekadPerMonth {
			r := rules[RuleDekadMonth]
			head := fs[cfg.DekadPerMonth-1].HeadID
			if head == "" {
				head, _ = b.rosterHead(branch)
			}
			if head == "" {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s本月获旬服务红旗标杆所 %d 次，但旗上没有记录所长，花名册上也找不到唯一的在职所长，所长奖励 %d 元没有计入。请在花名册中补上所长后重新结算。", branch, len(fs), r.Amount))
			} else {
				bf.HeadID = head
				text := fmt.Sprintf("%s：%s本月 %d 次（%s）", r.Name, branch, len(fs), model.PeriodsInMonth(bf.Periods))
				b.add(head, model.Staff{Branch: branch, BranchKind: model.BranchRural, Role: model.RoleHead},
					newLine(LineDekadHead, r, text, "flags:dekad:"+month+":"+branch, branch))
			}
		}
		res.Dekads = append(res.Dekads, bf)
	}

	// 服务明星。
	if in.Star != "" {
		r := rules[RuleStar]
		s := b.roster[in.Star]
		b.add(in.Star, s, newLine(LineStar, r, r.Name+"："+in.Month.Label(), "star:"+month, s.Branch))
	}

	// 这个月在花名册上（入职不晚于月底、没有在月初之前离职）而没有任何明细的人也有一张（合计为 0 的）结算单。
	var branches []string
	first, last := in.Month.First(), in.Month.Last()
	for _, s := range in.Staff {
		if s.OnRosterIn(first, last) {
			b.get(s.UserID, s)
			branches = append(branches, s.Branch)
		}
	}
	res.Statements = b.statements()
	res.Summary = summarize(res.Statements, branches)
	return res, nil
}
