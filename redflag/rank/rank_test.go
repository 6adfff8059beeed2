package rank

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/model"
)

type fixtureStaff struct {
	UserID   string `yaml:"userid"`
	Name     string `yaml:"name"`
	Branch   string `yaml:"branch"`
	Kind     string `yaml:"kind"`
	Role     string `yaml:"role"`
	Inactive bool   `yaml:"inactive"`
}

func (f fixtureStaff) staff() model.Staff {
	return model.Staff{UserID: f.UserID, Name: f.Name, Branch: f.Branch, BranchKind: model.BranchKind(f.Kind), Role: model.Role(f.Role), Active: !f.Inactive}
}

type weeklyFixture struct {
	Staff  []fixtureStaff `yaml:"staff"`
	Inputs []struct {
		Staff              string `yaml:"staff"`
		S, B, U            int
		SpotSum            int `yaml:"spot_sum"`
		SpotN              int `yaml:"spot_n"`
		Praise, Complaints int
		Deductions         int
	} `yaml:"inputs"`
	Cases []struct {
		Name                  string           `yaml:"name"`
		DeductionDisqualifies bool             `yaml:"deduction_disqualifies"`
		BasicNotHalf          bool             `yaml:"basic_not_half"`
		Order                 []string         `yaml:"order"`
		Scores                map[string]int64 `yaml:"scores"`
		Winners               []string         `yaml:"winners"`
		Ineligible            []string         `yaml:"ineligible"`
	} `yaml:"cases"`
}

type dekadFixture struct {
	Staff       []fixtureStaff `yaml:"staff"`
	Inspections []struct {
		Branch, Item string
		Sum          int
		N            int
	} `yaml:"inspections"`
	Order      []string         `yaml:"order"`
	Scores     map[string]int64 `yaml:"scores"`
	Winners    []string         `yaml:"winners"`
	Ineligible []string         `yaml:"ineligible"`
}

func loadYAML(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func subjects(rs []model.Ranked) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Subject)
	}
	return out
}

// checkRanking 比较名次、分数、提名和不合格者。
func checkRanking(t *testing.T, entries, winners []model.Ranked, order []string, scores map[string]int64, wantWinners, ineligible []string) {
	t.Helper()
	if got := subjects(entries); !slices.Equal(got, order) {
		t.Errorf("排序 = %v\n想要   %v", got, order)
	}
	if got := subjects(winners); !slices.Equal(got, wantWinners) {
		t.Errorf("提名 = %v，想要 %v", got, wantWinners)
	}
	for i, e := range entries {
		if want, ok := scores[e.Subject]; ok && e.Score != want {
			t.Errorf("%s 综合分 = %d，想要 %d（%v）", e.Subject, e.Score, want, e.Parts)
		}
		bad := slices.Contains(ineligible, e.Subject)
		switch {
		case bad && (e.Eligible || e.Rank != 0 || e.Reason == ""):
			t.Errorf("%s 应不合格并说明原因：%+v", e.Subject, e)
		case !bad && (!e.Eligible || e.Rank != i+1):
			t.Errorf("%s 应合格且名次为 %d：%+v", e.Subject, i+1, e)
		}
	}
}

func TestWeeklyFixture(t *testing.T) {
	var fx weeklyFixture
	loadYAML(t, "weekly.yaml", &fx)
	var staff []model.Staff
	for _, s := range fx.Staff {
		staff = append(staff, s.staff())
	}
	var in []model.StaffInputs
	for _, r := range fx.Inputs {
		in = append(in, model.StaffInputs{StaffID: r.Staff, Satisfied: r.S, Basic: r.B, Unsatisfied: r.U,
			SpotSum: r.SpotSum, SpotCount: r.SpotN, Praise: r.Praise, Complaints: r.Complaints, Deductions: r.Deductions})
	}
	for _, tc := range fx.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			cfg := config.DefaultFlags().Weekly
			cfg.DeductionDisqualifies = tc.DeductionDisqualifies
			cfg.BasicCountsAsHalf = !tc.BasicNotHalf
			entries, winners := Weekly(cfg, staff, in)
			checkRanking(t, entries, winners, tc.Order, tc.Scores, tc.Winners, tc.Ineligible)
		})
	}
}

func TestWeeklyParts(t *testing.T) {
	cfg := config.DefaultFlags().Weekly
	staff := []model.Staff{
		{UserID: "zhangsan", Name: "张三", Branch: "城关所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true},
		{UserID: "lisi", Name: "李四", Branch: "城关所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true},
	}
	staff = append(staff, model.Staff{UserID: "wangwu", Name: "王五", Branch: "城关所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true})
	in := []model.StaffInputs{
		{StaffID: "zhangsan", Satisfied: 38, Basic: 2, SpotSum: 275, SpotCount: 3, Praise: 1},
		{StaffID: "lisi", Satisfied: 5, Deductions: 2},
		{StaffID: "wangwu", Satisfied: 40, Unsatisfied: 5},
	}
	cfg.DeductionDisqualifies = true
	entries, _ := Weekly(cfg, staff, in)
	cases := []struct {
		name    string
		entry   model.Ranked
		want    []string
		wantWhy string
	}{
		{"合格者各项", entries[0], []string{"满意率 97.50%（满意 38、基本 2、不满意 0）", "抽查 91.67 分（3 次）", "客户反映 60 分（表扬 1、有效投诉 0）"}, ""},
		{"不合格者的原因", entries[2], []string{"抽查 未抽查（权重分给其他两项）"}, "测评不足 20 次（只有 5 次）；本周有 2 条扣款"},
		{"40/45 四舍五入为 88.89%", entries[1], []string{"满意率 88.89%（满意 40、基本 0、不满意 5）"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var parts []string
			for _, p := range tc.entry.Parts {
				parts = append(parts, p.Name+" "+p.Value)
			}
			all := strings.Join(parts, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("得分构成缺少“%s”：\n%s", w, all)
				}
			}
			if tc.entry.Reason != tc.wantWhy {
				t.Errorf("原因 = %q，想要 %q", tc.entry.Reason, tc.wantWhy)
			}
		})
	}
}

func TestDekadFixture(t *testing.T) {
	var fx dekadFixture
	loadYAML(t, "dekad.yaml", &fx)
	var staff []model.Staff
	for _, s := range fx.Staff {
		staff = append(staff, s.staff())
	}
	var in []model.BranchItemInputs
	for _, r := range fx.Inspections {
		in = append(in, model.BranchItemInputs{Branch: r.Branch, Item: r.Item, Sum: r.Sum, Count: r.N})
	}
	entries, winners := Dekad(config.DefaultFlags().Dekad, RuralBranches(staff), in)
	checkRanking(t, entries, winners, fx.Order, fx.Scores, fx.Winners, fx.Ineligible)
	for _, e := range entries {
		if e.Subject == "河东所" && e.Parts[3].Value != "未检查（计 0 分）" {
			t.Errorf("河东所晨会应显示未检查：%v", e.Parts)
		}
	}
}
