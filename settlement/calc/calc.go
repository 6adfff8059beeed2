// Package calc 是考核结算的计算核心：把一个月的台账、流动红旗和服务明星算成每人的结算单，
// 把一年的周服务红旗算成年度奖惩和年度服务明星证书。
//
// 这里只有纯计算：不读数据库、不发消息、不写台账。输入由调用方从存储中取出（可以多给，
// 撤销的记录、撤销的红旗、其他月份的红旗都会在这里排除），输出是确定的：同样的输入总是
// 得到同样顺序的同样结果。金额一律是整数元，取自规则目录（拷贝名称和金额）。
//
// 原文没有说清、由本包决定的读法：
//   - 同一人同一期（如 2026-W45）有多面未撤销的周旗只算一次；旬旗同理（同一网点同一旬算一次）。
//   - 旬旗所长奖励给“达到门槛的那一面旗”（按期间排序的第 DekadPerMonth 面，默认第 3 面）上记录的
//     所长（Flag.HeadID）：那一刻该所长所在的网点挣到了这份奖励。月中换了所长时，奖励给第 3 面旗
//     的所长，而不是现在花名册上的所长。旗上没有记录所长（如导入的历史红旗）时，用花名册上该网点
//     唯一的在职所长；找不到或不止一位时不计，并在 Warnings 中说明。
//   - 年度服务明星的所长奖励同理：给该员工第“门槛”面周旗上记录的所长，没有记录时用花名册。
//     年度未获旗的所长扣款用花名册上该员工所在网点的在职所长（没有旗可看）。
//   - 年度奖惩只看县城网点员工（Role 为员工、网点为县城）。扣款的几档（少于 2 次、0 次及其所长）只对
//     全年都在花名册上的人（入职不晚于 1 月 1 日，在职或离职不早于 12 月 31 日）；年中入职、离职的人
//     达到门槛照样是年度服务明星，没达到的“不满一年，不参加年度考核”。这一年一天也不在花名册上的人、
//     农村员工、所长、主管、中心领导都不参加；他们名下的周旗不计。
//   - 分网点汇总按“当时”的网点：台账记录用记录上的网点，红旗奖励用旗上的网点，
//     服务明星和年度扣款用花名册上的网点。
package calc

import (
	"cmp"
	"slices"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// 结算用到的规则编码（规则目录中必须有）。
const (
	RuleWeekMonth    = "flag_week_month"     // 当月获周服务红旗标杆岗达到次数
	RuleDekadMonth   = "flag_dekad_month"    // 当月本所获旬服务红旗标杆所达到次数（所长）
	RuleStar         = "service_star"        // 当月政务服务明星
	RuleYearStar     = "flag_year_star"      // 年度服务明星
	RuleYearStarHead = "flag_year_star_head" // 本所营业人员获年度服务明星（所长，每人次）
	RuleYearFew      = "flag_year_few"       // 年度获周旗少于 FewBelow 次（至少 1 次）
	RuleYearNone     = "flag_year_none"      // 年度未获周旗
	RuleYearNoneHead = "flag_year_none_head" // 本所营业人员年度未获周旗（所长）
)

// 结算单明细的种类（Line.Kind）。
const (
	LineEntry        = "entry"             // 台账上的一条记录
	LineFlagReward   = "flag_reward"       // 当月周旗达到次数的奖励
	LineDekadHead    = "dekad_head_reward" // 本所当月旬旗达到次数，所长奖励
	LineStar         = "star"              // 当月服务明星
	LineYearStar     = "year_star"         // 年度服务明星
	LineYearStarHead = "year_star_head"    // 所长：本所员工获年度服务明星
	LineYearFew      = "year_few"          // 年度获周旗次数不足
	LineYearNone     = "year_none"         // 年度未获周旗
	LineYearNoneHead = "year_none_head"    // 所长：本所员工年度未获周旗
)

// Config 是结算的门槛设置。金额不在这里：金额来自规则目录。
type Config struct {
	// WeeklyPerMonth 是一人当月获周服务红旗标杆岗达到多少次得奖励（默认 3）。
	WeeklyPerMonth int
	// DekadPerMonth 是一个网点当月获旬服务红旗标杆所达到多少次其所长得奖励（默认 3）。
	DekadPerMonth int
	// YearThreshold 按年份设定年度服务明星的周旗次数门槛（如 2010 年为 20）。
	YearThreshold map[int]int
	// DefaultYearThreshold 是 YearThreshold 中没有的年份所用的门槛（默认 30）。
	DefaultYearThreshold int
	// FewBelow：年度周旗少于这个次数（但至少 1 次）扣款（默认 2）。
	FewBelow int
	// NoneHeadPerPerson 为 true 时，本所每有一名年度未获周旗的员工，所长扣一次；
	// 为 false 时每位所长最多扣一次。
	NoneHeadPerPerson bool
}

// DefaultConfig 返回原文规定的门槛：月 3 次、旬 3 次、年 30 次（2010 年 20 次）、少于 2 次，
// 所长按人次扣款。
func DefaultConfig() Config {
	return Config{
		WeeklyPerMonth:       3,
		DekadPerMonth:        3,
		YearThreshold:        map[int]int{2010: 20},
		DefaultYearThreshold: 30,
		FewBelow:             2,
		NoneHeadPerPerson:    true,
	}
}

// Threshold 返回 year 年的年度服务明星门槛。
func (c Config) Threshold(year int) int {
	if n, ok := c.YearThreshold[year]; ok {
		return n
	}
	return c.DefaultYearThreshold
}

// Validate 检查门槛都是正整数。
func (c Config) Validate() error {
	check := func(name string, n int) error {
		if n < 1 {
			return model.Errorf(model.EINVALID, "结算设置有误：%s 应为正整数，现在是 %d", name, n)
		}
		return nil
	}
	if err := check("每月周旗次数", c.WeeklyPerMonth); err != nil {
		return err
	}
	if err := check("每月旬旗次数", c.DekadPerMonth); err != nil {
		return err
	}
	if err := check("年度服务明星默认门槛", c.DefaultYearThreshold); err != nil {
		return err
	}
	if err := check("年度周旗少于几次扣款", c.FewBelow); err != nil {
		return err
	}
	for _, y := range sortedKeys(c.YearThreshold) {
		if c.YearThreshold[y] < 1 {
			return model.Errorf(model.EINVALID, "结算设置有误：%d 年的年度服务明星门槛应为正整数，现在是 %d", y, c.YearThreshold[y])
		}
	}
	return nil
}

// Line 是结算单上的一行。
type Line struct {
	Kind    string // LineEntry、LineFlagReward 等
	Text    string // 给人看的说明，如“到岗迟到或者早退（9:20 到）”
	Amount  int64  // 带方向的金额（元）：扣款为负
	EntryID int64  // 台账记录编号：LineEntry 为记录自己的；结算产生的行在发布（写入台账）之前为 0
	// At 是记入台账的时间（LineEntry 为记录时间）；结算产生的行在发布之前为零值。
	At       time.Time
	RuleCode string
	RuleName string
	// Ref 是这一行的关联标识：台账记录为记录自己的 Ref；结算产生的行是写入台账时应带的 Ref，
	// 如 "flags:weekly:2026-11"、"flags:dekad:2026-11:河口所"、"star:2026-11"、"flags:year:2026"。
	Ref string
	// Branch 是这一行计入的网点（分网点汇总用）：记录当时、授旗当时的网点。
	Branch string
	// Status 是台账记录的申诉状态（model.Entry.StatusLabel：申诉中、申诉维持、申诉后撤销），其他为空。
	Status string
}

// Statement 是一个人的结算单。
type Statement struct {
	Staff model.Staff
	Lines []Line
	Total int64 // Lines 金额之和
	// WeeklyFlags 是计入的周服务红旗的期间（如 2026-W45），按期间排序；年度结算为全年的。
	WeeklyFlags []string
}

// BranchTotal 是一个网点的合计。
type BranchTotal struct {
	Branch   string
	Rewarded int64 // 奖励合计（≥0）
	Deducted int64 // 扣款合计（≤0）
	Total    int64
}

// Summary 是分网点和全部的合计。
type Summary struct {
	Branches []BranchTotal // 按网点名排序
	Rewarded int64
	Deducted int64
	Total    int64
	People   int // 结算单人数
}

// BranchFlags 是一个网点在一个月里计入的旬服务红旗。
type BranchFlags struct {
	Branch  string
	Periods []string // 如 2026-11-1，按期间排序
	// HeadID 是得到所长奖励的人；未达到次数或找不到所长时为空。
	HeadID string
}

// newLine 按规则生成一行结算产生的明细（名称、金额拷贝自规则）。
func newLine(kind string, r model.Rule, text, ref, branch string) Line {
	return Line{Kind: kind, Text: text, Amount: r.Signed(), RuleCode: r.Code, RuleName: r.Name, Ref: ref, Branch: branch}
}

// rulesFor 从目录中取出结算要用的规则；缺一条就无法结算。
func rulesFor(cat *model.Catalog, codes ...string) (map[string]model.Rule, error) {
	if cat == nil {
		return nil, model.Errorf(model.EINVALID, "没有规则目录，无法结算")
	}
	out := make(map[string]model.Rule, len(codes))
	for _, c := range codes {
		r, ok := cat.Rule(c)
		if !ok {
			return nil, model.Errorf(model.EINVALID, "规则目录中没有 %s 这条规则，无法结算。请在规则文件中补上（可参考 hongqi rules 输出的默认目录）。", c)
		}
		out[c] = r
	}
	return out, nil
}

// book 收集每人的结算单，按 userid 索引。
type book struct {
	roster map[string]model.Staff
	heads  map[string][]string // 网点 → 在职所长 userid（排序）
	byID   map[string]*Statement
}

func newBook(staff []model.Staff) *book {
	b := &book{roster: map[string]model.Staff{}, heads: map[string][]string{}, byID: map[string]*Statement{}}
	for _, s := range staff {
		b.roster[s.UserID] = s
		if s.Active && s.Role == model.RoleHead {
			b.heads[s.Branch] = append(b.heads[s.Branch], s.UserID)
		}
	}
	for _, ids := range b.heads {
		slices.Sort(ids)
	}
	return b
}

// get 返回 id 的结算单；不在花名册中的人用 fallback 的资料。
func (b *book) get(id string, fallback model.Staff) *Statement {
	if st, ok := b.byID[id]; ok {
		return st
	}
	s, ok := b.roster[id]
	if !ok {
		s = fallback
		s.UserID = id
		if s.Name == "" {
			s.Name = id
		}
	}
	st := &Statement{Staff: s}
	b.byID[id] = st
	return st
}

// add 在 id 的结算单上加一行。
func (b *book) add(id string, fallback model.Staff, l Line) {
	st := b.get(id, fallback)
	st.Lines = append(st.Lines, l)
	st.Total += l.Amount
}

// rosterHead 返回花名册上网点 branch 唯一的在职所长。
func (b *book) rosterHead(branch string) (string, bool) {
	if ids := b.heads[branch]; len(ids) == 1 {
		return ids[0], true
	}
	return "", false
}

// statements 返回按网点、姓名、userid 排序的结算单。
func (b *book) statements() []Statement {
	out := make([]Statement, 0, len(b.byID))
	for _, st := range b.byID {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(x, y Statement) int { return compareStaff(x.Staff, y.Staff) })
	return out
}

// summarize 按行的网点汇总。
func summarize(sts []Statement, branches []string) Summary {
	totals := map[string]*BranchTotal{}
	touch := func(name string) *BranchTotal {
		t, ok := totals[name]
		if !ok {
			t = &BranchTotal{Branch: name}
			totals[name] = t
		}
		return t
	}
	for _, name := range branches {
		touch(name)
	}
	var s Summary
	for _, st := range sts {
		for _, l := range st.Lines {
			t := touch(l.Branch)
			if l.Amount >= 0 {
				t.Rewarded += l.Amount
				s.Rewarded += l.Amount
			} else {
				t.Deducted += l.Amount
				s.Deducted += l.Amount
			}
			t.Total += l.Amount
			s.Total += l.Amount
		}
	}
	for _, name := range sortedKeys(totals) {
		s.Branches = append(s.Branches, *totals[name])
	}
	s.People = len(sts)
	return s
}

// countFlags 把未撤销、keep 为真的红旗按 key 分组，每组按期间、编号排序，同一期只留第一面。
func countFlags(flags []model.Flag, keep func(model.Flag) bool, key func(model.Flag) string) map[string][]model.Flag {
	groups := map[string][]model.Flag{}
	for _, f := range flags {
		if f.Cancelled || !keep(f) {
			continue
		}
		k := key(f)
		if k == "" {
			continue
		}
		groups[k] = append(groups[k], f)
	}
	for k, fs := range groups {
		slices.SortFunc(fs, func(x, y model.Flag) int {
			return cmp.Or(cmp.Compare(x.Period, y.Period), cmp.Compare(x.ID, y.ID))
		})
		groups[k] = slices.CompactFunc(fs, func(x, y model.Flag) bool { return x.Period == y.Period })
	}
	return groups
}

func periods(fs []model.Flag) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Period
	}
	return out
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
