package calc

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
)

var (
	jia    = person("jia", "甲", "城关所", model.BranchCounty, model.RoleStaff)
	yi     = person("yi", "乙", "城关所", model.BranchCounty, model.RoleStaff)
	bing   = person("bing", "丙", "城关所", model.BranchCounty, model.RoleStaff)
	ding   = person("ding", "丁", "城东所", model.BranchCounty, model.RoleStaff)
	wu     = person("wu", "戊", "城东所", model.BranchCounty, model.RoleStaff)
	geng   = inactive(person("geng", "庚", "城东所", model.BranchCounty, model.RoleStaff))
	ji     = person("ji", "己", "河口所", model.BranchRural, model.RoleStaff)
	cgHead = person("cghead", "城关所长", "城关所", model.BranchCounty, model.RoleHead)
	cdHead = person("cdhead", "城东所长", "城东所", model.BranchCounty, model.RoleHead)
	hkHead = person("hkhead", "河口所长", "河口所", model.BranchRural, model.RoleHead)
	sqHead = person("sqhead", "石桥所长", "石桥所", model.BranchRural, model.RoleHead)
	sup    = person("sup", "赵主管", "城关所", model.BranchCounty, model.RoleSupervisor)
	admin  = person("admin", "钱主任", "便民服务中心", model.BranchCounty, model.RoleDirector)
)

func roster() []model.Staff {
	return []model.Staff{jia, yi, bing, ding, wu, geng, ji, cgHead, cdHead, hkHead, sqHead, sup, admin}
}

// november2026 是 rules-from-seed.md 中 2026 年 11 月的算例，另加 W44、W49 的周旗
// （分别计入 10 月和 12 月，不能算进 11 月）。
func november2026(t *testing.T) MonthInput {
	t.Helper()
	return MonthInput{
		Month: nov2026,
		Staff: roster(),
		Entries: []model.Entry{
			entry(t, 1, yi, "late"),
			entry(t, 2, yi, "late"),
			entry(t, 3, bing, "circular"),
			entry(t, 4, ding, "info_adopted"),
			revoked(entry(t, 5, wu, "hygiene")),
		},
		Flags: []model.Flag{
			weekFlag(1, jia, 2026, 44, cgHead.UserID), // 10 月
			weekFlag(2, yi, 2026, 44, cgHead.UserID),  // 10 月
			weekFlag(3, jia, 2026, 45, cgHead.UserID),
			weekFlag(4, ding, 2026, 45, cdHead.UserID),
			weekFlag(5, jia, 2026, 46, cgHead.UserID),
			weekFlag(6, yi, 2026, 46, cgHead.UserID),
			weekFlag(7, jia, 2026, 47, cgHead.UserID),
			weekFlag(8, ding, 2026, 47, cdHead.UserID),
			weekFlag(9, yi, 2026, 48, cgHead.UserID),
			weekFlag(10, ding, 2026, 48, cdHead.UserID),
			weekFlag(11, jia, 2026, 49, cgHead.UserID), // 12 月
			weekFlag(12, yi, 2026, 49, cgHead.UserID),  // 12 月
			dekadFlag(13, "河口所", 1, hkHead.UserID),
			dekadFlag(14, "河口所", 2, hkHead.UserID),
			dekadFlag(15, "河口所", 3, hkHead.UserID),
		},
		Star: yi.UserID,
	}
}

func TestMonthlyWorkedExampleNovember2026(t *testing.T) {
	res, err := Monthly(november2026(t), rules.Default(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, res.Statements, res.Summary)

	// rules-from-seed.md：甲 +100，乙 −20+200 = +180，丙 −100，丁 +50+100 = +150，戊 0，河口所所长 +100；
	// 其余在职的人 0，停用的庚没有结算单。
	want := map[string]int64{
		"jia": 100, "yi": 180, "bing": -100, "ding": 150, "wu": 0, "hkhead": 100,
		"ji": 0, "cghead": 0, "cdhead": 0, "sqhead": 0, "sup": 0, "admin": 0,
	}
	if got := totals(res.Statements); !maps.Equal(got, want) {
		t.Errorf("totals\n got %v\nwant %v", got, want)
	}

	wantLines := map[string][]string{
		"jia":    {"flag_reward +100 城关所"},
		"yi":     {"entry -10 城关所 #1", "entry -10 城关所 #2", "star +200 城关所"},
		"bing":   {"entry -100 城关所 #3"},
		"ding":   {"entry +50 城东所 #4", "flag_reward +100 城东所"},
		"wu":     {},
		"hkhead": {"dekad_head_reward +100 河口所"},
	}
	for id, want := range wantLines {
		st, ok := res.Statement(id)
		if !ok {
			t.Errorf("no statement for %s", id)
			continue
		}
		if got := lineKeys(st.Lines); !slices.Equal(got, want) {
			t.Errorf("%s lines\n got %q\nwant %q", st.Staff.Name, got, want)
		}
	}

	// W44 与 W49 不计入 11 月：甲是 W45–W47 三次，乙只有两次（算上 W44、W49 会是四次，就会得奖）。
	jiaSt, _ := res.Statement("jia")
	if want := []string{"2026-W45", "2026-W46", "2026-W47"}; !slices.Equal(jiaSt.WeeklyFlags, want) {
		t.Errorf("甲 weekly flags %v, want %v", jiaSt.WeeklyFlags, want)
	}
	yiSt, _ := res.Statement("yi")
	if want := []string{"2026-W46", "2026-W48"}; !slices.Equal(yiSt.WeeklyFlags, want) {
		t.Errorf("乙 weekly flags %v, want %v", yiSt.WeeklyFlags, want)
	}

	// 名称和金额拷贝自规则目录，Ref 是写入台账时用的关联标识。
	l := jiaSt.Lines[0]
	if l.RuleCode != "flag_week_month" || l.RuleName != "当月获周服务红旗标杆岗3次以上（营业人员）" || l.Ref != "flags:weekly:2026-11" ||
		!strings.Contains(l.Text, "本月 3 次（第1周、第2周、第3周）") {
		t.Errorf("甲 flag line = %+v", l)
	}
	if l := yiSt.Lines[2]; l.RuleCode != "service_star" || l.RuleName != "当月政务服务明星" || l.Ref != "star:2026-11" || l.Text != "当月政务服务明星：2026年11月" {
		t.Errorf("乙 star line = %+v", l)
	}
	if l := yiSt.Lines[0]; l.RuleName != "到岗迟到或者早退" || l.RuleCode != "late" || l.Text != "到岗迟到或者早退" {
		t.Errorf("乙 entry line = %+v", l)
	}
	hk, _ := res.Statement("hkhead")
	if l := hk.Lines[0]; l.Ref != "flags:dekad:2026-11:河口所" || !strings.Contains(l.Text, "河口所本月 3 次（上旬、中旬、下旬）") {
		t.Errorf("河口所长 line = %+v", l)
	}
	if want := []BranchFlags{{Branch: "河口所", Periods: []string{"2026-11-1", "2026-11-2", "2026-11-3"}, HeadID: "hkhead"}}; !slices.EqualFunc(res.Dekads, want, func(a, b BranchFlags) bool {
		return a.Branch == b.Branch && a.HeadID == b.HeadID && slices.Equal(a.Periods, b.Periods)
	}) {
		t.Errorf("dekads = %+v", res.Dekads)
	}

	// 汇总：城关所 100+180−100，城东所 150，河口所 100；奖励 550，扣款 −120。
	wantBranches := map[string]int64{"城关所": 180, "城东所": 150, "河口所": 100, "石桥所": 0, "便民服务中心": 0}
	if got := branchTotals(res.Summary); !maps.Equal(got, wantBranches) {
		t.Errorf("branch totals\n got %v\nwant %v", got, wantBranches)
	}
	if s := res.Summary; s.Total != 430 || s.Rewarded != 550 || s.Deducted != -120 || s.People != 12 {
		t.Errorf("summary = total %d rewarded %d deducted %d people %d, want 430 550 -120 12", s.Total, s.Rewarded, s.Deducted, s.People)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}

	// 结算单按网点、姓名排序，同样的输入得到同样的结果（输入顺序打乱也一样）。
	var order []string
	for _, st := range res.Statements {
		order = append(order, st.Staff.Name)
	}
	wantOrder := []string{"钱主任", "丁", "城东所长", "戊", "丙", "乙", "城关所长", "甲", "赵主管", "己", "河口所长", "石桥所长"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("order\n got %q\nwant %q", order, wantOrder)
	}
	in := november2026(t)
	slices.Reverse(in.Entries)
	slices.Reverse(in.Flags)
	slices.Reverse(in.Staff)
	again, err := Monthly(in, rules.Default(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Statements {
		if a, b := res.Statements[i], again.Statements[i]; a.Staff.UserID != b.Staff.UserID || !slices.Equal(a.Lines, b.Lines) {
			t.Errorf("statement %d differs with reversed input: %+v vs %+v", i, a, b)
		}
	}
}

func TestMonthlyCases(t *testing.T) {
	newHK := person("hknew", "河口新所长", "河口所", model.BranchRural, model.RoleHead)
	movedHead := hkHead
	movedHead.Branch = "石桥所" // 月底已调到石桥所
	zhang := person("zhang", "张三", "城东所", model.BranchCounty, model.RoleStaff)
	zhangBefore := zhang
	zhangBefore.Branch = "城关所" // 月中从城关所调到城东所

	tests := []struct {
		name         string
		staff        []model.Staff // 为空时用 roster()
		entries      func(t *testing.T) []model.Entry
		flags        []model.Flag
		star         string
		cfg          func(*Config)
		want         map[string]int64    // 只检查列出的人
		wantLines    map[string][]string // 只检查列出的人
		wantBranches map[string]int64    // 只检查列出的网点
		wantWarnings int
	}{
		{
			name: "a revoked entry counts for nothing",
			entries: func(t *testing.T) []model.Entry {
				return []model.Entry{entry(t, 1, wu, "late"), revoked(entry(t, 2, wu, "hygiene")), entry(t, 3, wu, "untidy")}
			},
			want:      map[string]int64{"wu": -20},
			wantLines: map[string][]string{"wu": {"entry -10 城东所 #1", "entry -10 城东所 #3"}},
		},
		{
			name: "entries are listed by ID whatever the input order, another month's entries are left out",
			entries: func(t *testing.T) []model.Entry {
				oct := entry(t, 1, wu, "circular")
				oct.Month = nov2026.Add(-1)
				return []model.Entry{entry(t, 9, wu, "info_adopted"), oct, entry(t, 4, wu, "late")}
			},
			want:      map[string]int64{"wu": 40},
			wantLines: map[string][]string{"wu": {"entry -10 城东所 #4", "entry +50 城东所 #9"}},
		},
		{
			name:      "three weekly flags with one cancelled earn nothing",
			flags:     []model.Flag{weekFlag(1, jia, 2026, 45, ""), cancelled(weekFlag(2, jia, 2026, 46, "")), weekFlag(3, jia, 2026, 47, "")},
			want:      map[string]int64{"jia": 0},
			wantLines: map[string][]string{"jia": {}},
		},
		{
			name:      "W44 and W49 belong to October and December, so two November flags earn nothing",
			flags:     []model.Flag{weekFlag(1, jia, 2026, 44, ""), weekFlag(2, jia, 2026, 45, ""), weekFlag(3, jia, 2026, 46, ""), weekFlag(4, jia, 2026, 49, "")},
			want:      map[string]int64{"jia": 0},
			wantLines: map[string][]string{"jia": {}},
		},
		{
			name:      "four weekly flags earn the reward once",
			flags:     []model.Flag{weekFlag(1, jia, 2026, 45, ""), weekFlag(2, jia, 2026, 46, ""), weekFlag(3, jia, 2026, 47, ""), weekFlag(4, jia, 2026, 48, "")},
			want:      map[string]int64{"jia": 100},
			wantLines: map[string][]string{"jia": {"flag_reward +100 城关所"}},
		},
		{
			name:      "the same week recorded twice counts once",
			flags:     []model.Flag{weekFlag(1, jia, 2026, 45, ""), weekFlag(2, jia, 2026, 45, ""), weekFlag(3, jia, 2026, 46, "")},
			want:      map[string]int64{"jia": 0},
			wantLines: map[string][]string{"jia": {}},
		},
		{
			name:      "a lower monthly threshold from config",
			flags:     []model.Flag{weekFlag(1, jia, 2026, 45, ""), weekFlag(2, jia, 2026, 46, "")},
			cfg:       func(c *Config) { c.WeeklyPerMonth = 2 },
			want:      map[string]int64{"jia": 100},
			wantLines: map[string][]string{"jia": {"flag_reward +100 城关所"}},
		},
		{
			name:      "a cancelled dekad flag leaves the branch at two: no head reward",
			flags:     []model.Flag{dekadFlag(1, "河口所", 1, "hkhead"), cancelled(dekadFlag(2, "河口所", 2, "hkhead")), dekadFlag(3, "河口所", 3, "hkhead")},
			want:      map[string]int64{"hkhead": 0},
			wantLines: map[string][]string{"hkhead": {}},
		},
		{
			name:  "transfer mid-month: the head recorded on the flags is paid, under the branch of the flags; entries keep their branch",
			staff: []model.Staff{movedHead, newHK, sqHead, zhang, ji},
			entries: func(t *testing.T) []model.Entry {
				return []model.Entry{entry(t, 1, zhangBefore, "late"), entry(t, 2, zhang, "hygiene")}
			},
			flags: []model.Flag{dekadFlag(1, "河口所", 1, "hkhead"), dekadFlag(2, "河口所", 2, "hkhead"), dekadFlag(3, "河口所", 3, "hkhead")},
			want:  map[string]int64{"hkhead": 100, "hknew": 0, "zhang": -30},
			wantLines: map[string][]string{
				"hkhead": {"dekad_head_reward +100 河口所"},
				"zhang":  {"entry -10 城关所 #1", "entry -20 城东所 #2"},
			},
			wantBranches: map[string]int64{"河口所": 100, "石桥所": 0, "城关所": -10, "城东所": -20},
		},
		{
			name:         "weekly flags won before a transfer count under the branch on the flags",
			staff:        []model.Staff{zhang},
			flags:        []model.Flag{weekFlag(1, zhangBefore, 2026, 45, ""), weekFlag(2, zhangBefore, 2026, 46, ""), weekFlag(3, zhangBefore, 2026, 47, "")},
			want:         map[string]int64{"zhang": 100},
			wantLines:    map[string][]string{"zhang": {"flag_reward +100 城关所"}},
			wantBranches: map[string]int64{"城关所": 100, "城东所": 0},
		},
		{
			name:      "heads changed between dekads: the head on the third flag is paid",
			flags:     []model.Flag{dekadFlag(1, "河口所", 1, "hkhead"), dekadFlag(2, "河口所", 2, "hkhead"), dekadFlag(3, "河口所", 3, "hknew")},
			staff:     []model.Staff{movedHead, newHK},
			want:      map[string]int64{"hkhead": 0, "hknew": 100},
			wantLines: map[string][]string{"hknew": {"dekad_head_reward +100 河口所"}},
		},
		{
			name:      "dekad flags without a recorded head pay the branch's head from the roster",
			flags:     []model.Flag{dekadFlag(1, "河口所", 1, ""), dekadFlag(2, "河口所", 2, ""), dekadFlag(3, "河口所", 3, "")},
			want:      map[string]int64{"hkhead": 100},
			wantLines: map[string][]string{"hkhead": {"dekad_head_reward +100 河口所"}},
		},
		{
			name:         "no head on the flags nor in the roster: nobody is paid and the admin is told",
			staff:        []model.Staff{ji},
			flags:        []model.Flag{dekadFlag(1, "河口所", 1, ""), dekadFlag(2, "河口所", 2, ""), dekadFlag(3, "河口所", 3, "")},
			want:         map[string]int64{"ji": 0},
			wantBranches: map[string]int64{"河口所": 0},
			wantWarnings: 1,
		},
		{
			name: "a staff member missing from the roster is settled from the entry's name and branch",
			entries: func(t *testing.T) []model.Entry {
				gone := person("gone", "辛", "城东所", model.BranchCounty, model.RoleStaff)
				return []model.Entry{entry(t, 1, gone, "late")}
			},
			want:         map[string]int64{"gone": -10},
			wantBranches: map[string]int64{"城东所": -10},
		},
		{
			name:      "an inactive person with entries still gets a statement",
			entries:   func(t *testing.T) []model.Entry { return []model.Entry{entry(t, 1, geng, "late")} },
			want:      map[string]int64{"geng": -10},
			wantLines: map[string][]string{"geng": {"entry -10 城东所 #1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := MonthInput{Month: nov2026, Staff: tt.staff, Flags: tt.flags, Star: tt.star}
			if in.Staff == nil {
				in.Staff = roster()
			}
			if tt.entries != nil {
				in.Entries = tt.entries(t)
			}
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			res, err := Monthly(in, rules.Default(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkConsistent(t, res.Statements, res.Summary)
			got := totals(res.Statements)
			for id, want := range tt.want {
				if g, ok := got[id]; !ok || g != want {
					t.Errorf("%s total = %d (statement %v), want %d", id, g, ok, want)
				}
			}
			for id, want := range tt.wantLines {
				st, _ := res.Statement(id)
				if g := lineKeys(st.Lines); !slices.Equal(g, want) {
					t.Errorf("%s lines\n got %q\nwant %q", id, g, want)
				}
			}
			gotBranches := branchTotals(res.Summary)
			for b, want := range tt.wantBranches {
				if g, ok := gotBranches[b]; !ok || g != want {
					t.Errorf("branch %s = %d (present %v), want %d", b, g, ok, want)
				}
			}
			if len(res.Warnings) != tt.wantWarnings {
				t.Errorf("warnings = %q, want %d", res.Warnings, tt.wantWarnings)
			}
		})
	}
}

func TestMonthlyNoStatementForInactiveWithoutEntries(t *testing.T) {
	res, err := Monthly(MonthInput{Month: nov2026, Staff: roster()}, rules.Default(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Statement("geng"); ok {
		t.Error("inactive 庚 with nothing this month got a statement")
	}
	if len(res.Statements) != 12 {
		t.Errorf("%d statements, want one for each of the 12 active people", len(res.Statements))
	}
}

// TestMonthlyStatementsFollowTheRosterDates：这个月在花名册上的人才有“合计 0 元”的结算单——
// 六月离职的人有六月的，没有七月的；十二月入职的人没有十一月的，有十二月的。
func TestMonthlyStatementsFollowTheRosterDates(t *testing.T) {
	leaver := person("leaver", "六月离职", "城关所", model.BranchCounty, model.RoleStaff)
	leaver.Joined, leaver.Left, leaver.Active = model.Date{Year: 2025, Month: 3, Day: 1}, model.Date{Year: 2026, Month: 6, Day: 20}, false
	joiner := person("joiner", "十二月入职", "城关所", model.BranchCounty, model.RoleStaff)
	joiner.Joined = model.Date{Year: 2026, Month: 12, Day: 1}
	for _, tt := range []struct {
		month model.Month
		want  []string
	}{
		{model.Month{Year: 2026, Month: 6}, []string{"leaver"}},
		{model.Month{Year: 2026, Month: 7}, nil},
		{nov2026, nil},
		{model.Month{Year: 2026, Month: 12}, []string{"joiner"}},
	} {
		res, err := Monthly(MonthInput{Month: tt.month, Staff: []model.Staff{leaver, joiner}}, rules.Default(), DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, st := range res.Statements {
			got = append(got, st.Staff.UserID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: statements for %v, want %v", tt.month, got, tt.want)
		}
	}
}

func TestMonthlyAmountsComeFromTheCatalog(t *testing.T) {
	list := rules.Default().Rules()
	for i := range list {
		switch list[i].Code {
		case RuleWeekMonth:
			list[i].Amount, list[i].Name = 150, "周旗月度奖"
		case RuleStar:
			list[i].Amount = 300
		}
	}
	cat, err := model.NewCatalog(list)
	if err != nil {
		t.Fatal(err)
	}
	in := november2026(t)
	res, err := Monthly(in, cat, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	// 甲 +150；乙 −20 + 300。
	if got := totals(res.Statements); got["jia"] != 150 || got["yi"] != 280 {
		t.Errorf("甲 %d 乙 %d, want 150 and 280", got["jia"], got["yi"])
	}
	if st, _ := res.Statement("jia"); st.Lines[0].RuleName != "周旗月度奖" {
		t.Errorf("rule name not copied from the catalog: %+v", st.Lines[0])
	}
}

func TestMonthlyRefusesBadInput(t *testing.T) {
	var noFlagRules []model.Rule
	for _, r := range rules.Default().Rules() {
		if r.Code != RuleDekadMonth {
			noFlagRules = append(noFlagRules, r)
		}
	}
	partial, err := model.NewCatalog(noFlagRules)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      MonthInput
		cat     *model.Catalog
		cfg     func(*Config)
		wantMsg string
	}{
		{"no month", MonthInput{Staff: roster()}, rules.Default(), nil, "没有指定结算月份"},
		{"catalog without the dekad rule", MonthInput{Month: nov2026}, partial, nil, "flag_dekad_month"},
		{"no catalog", MonthInput{Month: nov2026}, nil, nil, "没有规则目录"},
		{"zero weekly threshold", MonthInput{Month: nov2026}, rules.Default(), func(c *Config) { c.WeeklyPerMonth = 0 }, "每月周旗次数"},
		{"star not in the roster", MonthInput{Month: nov2026, Staff: roster(), Star: "nobody"}, rules.Default(), nil, "不在花名册中"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			_, err := Monthly(tt.in, tt.cat, cfg)
			if model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), tt.wantMsg) {
				t.Errorf("err = %v, want EINVALID mentioning %q", err, tt.wantMsg)
			}
		})
	}
}
