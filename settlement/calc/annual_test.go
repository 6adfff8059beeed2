package calc

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
)

// weeks 给 s 在 year 年第 1 到 n 周各一面周旗，旗上的所长为 head。
func weeks(s model.Staff, year, n int, head string) []model.Flag {
	out := make([]model.Flag, 0, n)
	for w := 1; w <= n; w++ {
		out = append(out, weekFlag(int64(len(s.UserID)*1000+w), s, year, w, head))
	}
	return out
}

func county(id, name string) model.Staff {
	return person(id, name, "城关所", model.BranchCounty, model.RoleStaff)
}

func TestAnnualCases(t *testing.T) {
	s0, s1, s2 := county("s0", "零旗"), county("s1", "一旗"), county("s2", "两旗")
	s29, s30, s31 := county("s29", "二十九旗"), county("s30", "三十旗"), county("s31", "三十一旗")
	a0, b0 := county("a0", "甲零"), county("b0", "乙零")
	oldHead := person("oldhead", "原城关所长", "城东所", model.BranchCounty, model.RoleHead) // 年中调到城东所
	cdStaff := person("cd0", "城东零旗", "城东所", model.BranchCounty, model.RoleStaff)
	ruralStaff := person("r0", "农村员工", "河口所", model.BranchRural, model.RoleStaff)
	gone := inactive(county("gone", "已离职"))
	dated := func(s model.Staff, joined, left string) model.Staff {
		if joined != "" {
			s.Joined, _ = model.ParseDate(joined)
		}
		if left != "" {
			s.Left, _ = model.ParseDate(left)
			s.Active = false
		}
		return s
	}
	novJoiner := dated(county("nov", "十一月入职"), "2026-11-10", "")
	juneLeaver := dated(county("june", "六月离职"), "2025-01-01", "2026-06-30")
	partStar := dated(county("pstar", "年中明星"), "2026-02-01", "")
	wholeYear := dated(county("whole", "全年在册"), "2026-01-01", "")
	decLeaver := dated(county("dec31", "年末离职"), "2020-01-01", "2026-12-31")
	lastYear := dated(county("ly", "去年离职"), "2020-01-01", "2025-12-31")
	cat := func(fs ...[]model.Flag) []model.Flag { return slices.Concat(fs...) }

	tests := []struct {
		name      string
		year      int
		staff     []model.Staff
		flags     []model.Flag
		cfg       func(*Config)
		want      map[string]int64    // 全部结算单的合计（没有列出的人不应有结算单）
		wantLines map[string][]string // 只检查列出的人
		wantTiers map[string]string   // 全部参加考核的人
		wantPart  []string            // 不满一年、不参加考核的人
		wantCerts []Certificate
		warnings  int
	}{
		{
			name:  "tiers at 0, 1, 2, threshold−1, threshold and above in 2026 (threshold 30)",
			year:  2026,
			staff: []model.Staff{s0, s1, s2, s29, s30, s31, cgHead},
			flags: cat(weeks(s1, 2026, 1, "cghead"), weeks(s2, 2026, 2, "cghead"), weeks(s29, 2026, 29, "cghead"),
				weeks(s30, 2026, 30, "cghead"), weeks(s31, 2026, 31, "cghead")),
			// 0 次只扣 300（不是 300+200）；所长：两名明星 +400，一名零旗 −200。
			want:      map[string]int64{"s0": -300, "s1": -200, "s30": 600, "s31": 600, "cghead": 200},
			wantLines: map[string][]string{"s0": {"year_none -300 城关所"}, "cghead": {"year_star_head +200 城关所", "year_star_head +200 城关所", "year_none_head -200 城关所"}},
			wantTiers: map[string]string{"s0": TierNone, "s1": TierFew, "s2": TierNormal, "s29": TierNormal, "s30": TierStar, "s31": TierStar},
			// 证书按网点、姓名排序（“三十一旗”在“三十旗”之前）。
			wantCerts: []Certificate{{UserID: "s31", Name: "三十一旗", Branch: "城关所", Year: 2026, Count: 31}, {UserID: "s30", Name: "三十旗", Branch: "城关所", Year: 2026, Count: 30}},
		},
		{
			name:      "2010 threshold is 20: 19 flags is nothing, 20 is a star",
			year:      2010,
			staff:     []model.Staff{s29, s30, cgHead},
			flags:     cat(weeks(s29, 2010, 19, "cghead"), weeks(s30, 2010, 20, "cghead")),
			want:      map[string]int64{"s30": 600, "cghead": 200},
			wantTiers: map[string]string{"s29": TierNormal, "s30": TierStar},
			wantCerts: []Certificate{{UserID: "s30", Name: "三十旗", Branch: "城关所", Year: 2010, Count: 20}},
		},
		{
			name:      "flags of other years do not count",
			year:      2026,
			staff:     []model.Staff{s1, cgHead},
			flags:     cat(weeks(s1, 2025, 30, "cghead"), weeks(s1, 2027, 3, "cghead")),
			want:      map[string]int64{"s1": -300, "cghead": -200},
			wantTiers: map[string]string{"s1": TierNone},
		},
		{
			name:      "cancelled flags do not count: 30 with one cancelled is 29, one cancelled flag is none",
			year:      2026,
			staff:     []model.Staff{s1, s30, cgHead},
			flags:     cat(weeks(s30, 2026, 29, "cghead"), []model.Flag{cancelled(weekFlag(1, s30, 2026, 40, "cghead")), cancelled(weekFlag(2, s1, 2026, 41, "cghead"))}),
			want:      map[string]int64{"s1": -300, "cghead": -200},
			wantTiers: map[string]string{"s1": TierNone, "s30": TierNormal},
		},
		{
			name:      "no-flag head penalty per person",
			year:      2026,
			staff:     []model.Staff{s0, a0, b0, cgHead},
			want:      map[string]int64{"s0": -300, "a0": -300, "b0": -300, "cghead": -600},
			wantLines: map[string][]string{"cghead": {"year_none_head -200 城关所", "year_none_head -200 城关所", "year_none_head -200 城关所"}},
			wantTiers: map[string]string{"s0": TierNone, "a0": TierNone, "b0": TierNone},
		},
		{
			name:      "no-flag head penalty once per head",
			year:      2026,
			staff:     []model.Staff{s0, a0, b0, cgHead, cdStaff, cdHead},
			cfg:       func(c *Config) { c.NoneHeadPerPerson = false },
			want:      map[string]int64{"s0": -300, "a0": -300, "b0": -300, "cd0": -300, "cghead": -200, "cdhead": -200},
			wantLines: map[string][]string{"cghead": {"year_none_head -200 城关所"}, "cdhead": {"year_none_head -200 城东所"}},
			wantTiers: map[string]string{"s0": TierNone, "a0": TierNone, "b0": TierNone, "cd0": TierNone},
		},
		{
			name:      "rural staff, heads, supervisors, leadership and people who left are not assessed",
			year:      2026,
			staff:     []model.Staff{ruralStaff, hkHead, cgHead, sup, admin, gone},
			flags:     weeks(gone, 2026, 30, "cghead"),
			want:      map[string]int64{},
			wantTiers: map[string]string{},
		},
		{
			name:  "the star's head is the one recorded on the threshold flag, even after a transfer",
			year:  2026,
			staff: []model.Staff{s30, oldHead, cgHead},
			flags: cat(weeks(s30, 2026, 29, "oldhead"), []model.Flag{weekFlag(99, s30, 2026, 30, "oldhead"), weekFlag(100, s30, 2026, 31, "cghead")}),
			want:  map[string]int64{"s30": 600, "oldhead": 200},
			// 奖励计入授旗当时的网点（城关所），不是所长现在的网点。
			wantLines: map[string][]string{"oldhead": {"year_star_head +200 城关所"}},
			wantTiers: map[string]string{"s30": TierStar},
			wantCerts: []Certificate{{UserID: "s30", Name: "三十旗", Branch: "城关所", Year: 2026, Count: 31}},
		},
		{
			name:      "imported flags without a head fall back to the roster head",
			year:      2026,
			staff:     []model.Staff{s30, cgHead},
			flags:     weeks(s30, 2026, 30, ""),
			want:      map[string]int64{"s30": 600, "cghead": 200},
			wantTiers: map[string]string{"s30": TierStar},
			wantCerts: []Certificate{{UserID: "s30", Name: "三十旗", Branch: "城关所", Year: 2026, Count: 30}},
		},
		{
			name:      "a branch without a head: staff still settled, the admin is told about the head",
			year:      2026,
			staff:     []model.Staff{s0, s30},
			flags:     weeks(s30, 2026, 30, ""),
			want:      map[string]int64{"s0": -300, "s30": 600},
			wantTiers: map[string]string{"s0": TierNone, "s30": TierStar},
			wantCerts: []Certificate{{UserID: "s30", Name: "三十旗", Branch: "城关所", Year: 2026, Count: 30}},
			warnings:  2,
		},
		{
			name:      "a threshold set for this year in config",
			year:      2026,
			staff:     []model.Staff{s2, cgHead},
			flags:     weeks(s2, 2026, 2, "cghead"),
			cfg:       func(c *Config) { c.YearThreshold = map[int]int{2026: 2} },
			want:      map[string]int64{"s2": 600, "cghead": 200},
			wantTiers: map[string]string{"s2": TierStar},
			wantCerts: []Certificate{{UserID: "s2", Name: "两旗", Branch: "城关所", Year: 2026, Count: 2}},
		},
		{
			name:  "only county staff on the roster the whole year are charged; a partial-year star is still rewarded",
			year:  2026,
			staff: []model.Staff{novJoiner, juneLeaver, partStar, wholeYear, decLeaver, lastYear, cgHead},
			flags: cat(weeks(juneLeaver, 2026, 1, "cghead"), weeks(partStar, 2026, 30, "cghead")),
			// 十一月入职、六月离职的不扣，其所长也不扣；全年在册（含 12 月 31 日离职的）0 次照扣；去年离职的不参加。
			want:      map[string]int64{"whole": -300, "dec31": -300, "pstar": 600, "cghead": 200 - 400},
			wantTiers: map[string]string{"whole": TierNone, "dec31": TierNone, "pstar": TierStar},
			wantPart:  []string{"june", "nov"},
			wantCerts: []Certificate{{UserID: "pstar", Name: "年中明星", Branch: "城关所", Year: 2026, Count: 30}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			res, err := Annual(YearInput{Year: tt.year, Staff: tt.staff, Flags: tt.flags}, rules.Default(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkConsistent(t, res.Statements, res.Summary)
			if got := totals(res.Statements); !maps.Equal(got, tt.want) {
				t.Errorf("totals\n got %v\nwant %v", got, tt.want)
			}
			for id, want := range tt.wantLines {
				var got []string
				for _, st := range res.Statements {
					if st.Staff.UserID == id {
						got = lineKeys(st.Lines)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s lines\n got %q\nwant %q", id, got, want)
				}
			}
			tiers := map[string]string{}
			for _, c := range res.Counts {
				tiers[c.Staff.UserID] = c.Tier
				if len(c.Periods) != c.Count {
					t.Errorf("%s: count %d but %d periods", c.Staff.Name, c.Count, len(c.Periods))
				}
			}
			if !maps.Equal(tiers, tt.wantTiers) {
				t.Errorf("tiers\n got %v\nwant %v", tiers, tt.wantTiers)
			}
			var part []string
			for _, c := range res.Partial {
				part = append(part, c.Staff.UserID)
			}
			slices.Sort(part)
			if !slices.Equal(part, tt.wantPart) {
				t.Errorf("partial year\n got %v\nwant %v", part, tt.wantPart)
			}
			if !slices.Equal(res.Certificates, tt.wantCerts) {
				t.Errorf("certificates\n got %+v\nwant %+v", res.Certificates, tt.wantCerts)
			}
			if len(res.Warnings) != tt.warnings {
				t.Errorf("warnings = %q, want %d", res.Warnings, tt.warnings)
			}
		})
	}
}

func TestAnnualLinesCopyTheCatalog(t *testing.T) {
	s1, s30 := county("s1", "一旗"), county("s30", "三十旗")
	res, err := Annual(YearInput{Year: 2026, Staff: []model.Staff{s1, s30, cgHead}, Flags: slices.Concat(weeks(s1, 2026, 1, "cghead"), weeks(s30, 2026, 30, "cghead"))},
		rules.Default(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if res.Threshold != 30 {
		t.Errorf("threshold %d, want 30", res.Threshold)
	}
	byID := map[string]Statement{}
	for _, st := range res.Statements {
		byID[st.Staff.UserID] = st
	}
	tests := []struct {
		name                string
		st                  Statement
		code, ruleName, ref string
		textHas             string
		wantWeeklyFlags     int
	}{
		{"star", byID["s30"], "flag_year_star", "年度获周服务红旗标杆岗达到规定次数（年度服务明星）", "flags:year:2026", "2026 年 30 次（门槛 30 次）", 30},
		{"few", byID["s1"], "flag_year_few", "年度获周服务红旗标杆岗少于2次（1次）", "flags:year:2026", "2026 年 1 次", 1},
		{"head of a star", byID["cghead"], "flag_year_star_head", "本所营业人员获年度服务明星（所长，每人次）", "flags:year:2026:s30", "三十旗（30 次）", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.st.Lines) == 0 {
				t.Fatal("no lines")
			}
			l := tt.st.Lines[0]
			if l.RuleCode != tt.code || l.RuleName != tt.ruleName || l.Ref != tt.ref || !strings.Contains(l.Text, tt.textHas) {
				t.Errorf("line = %+v", l)
			}
			if n := len(tt.st.WeeklyFlags); n != tt.wantWeeklyFlags {
				t.Errorf("statement lists %d weekly flags, want %d", n, tt.wantWeeklyFlags)
			}
		})
	}
}

func TestAnnualRefusesBadInput(t *testing.T) {
	var kept []model.Rule
	for _, r := range rules.Default().Rules() {
		if r.Code != RuleYearNoneHead {
			kept = append(kept, r)
		}
	}
	partial, err := model.NewCatalog(kept)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		year    int
		cat     *model.Catalog
		cfg     func(*Config)
		wantMsg string
	}{
		{"no year", 0, rules.Default(), nil, "没有指定结算年份"},
		{"catalog without the head penalty", 2026, partial, nil, "flag_year_none_head"},
		{"zero threshold for a year", 2026, rules.Default(), func(c *Config) { c.YearThreshold = map[int]int{2011: 0} }, "2011 年"},
		{"zero few-below", 2026, rules.Default(), func(c *Config) { c.FewBelow = 0 }, "少于几次"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			_, err := Annual(YearInput{Year: tt.year}, tt.cat, cfg)
			if model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), tt.wantMsg) {
				t.Errorf("err = %v, want EINVALID mentioning %q", err, tt.wantMsg)
			}
		})
	}
}

func TestConfigThreshold(t *testing.T) {
	cfg := DefaultConfig()
	for year, want := range map[int]int{2010: 20, 2009: 30, 2011: 30, 2026: 30} {
		if got := cfg.Threshold(year); got != want {
			t.Errorf("Threshold(%d) = %d, want %d", year, got, want)
		}
	}
}
