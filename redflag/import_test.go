package redflag_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
)

// importFile 把 body 写成 CSV 并经服务导入（时钟停在 2026-11-09 08:00，W46 的周一）。
func importFile(t *testing.T, e *env, body string) (int, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "flags.csv")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	added, _, err := e.svc.ImportFile(context.Background(), p)
	return added, err
}

// addPeople 在测试花名册上再加几个人（带入职、离职日期）。
func addPeople(t *testing.T, e *env, people ...model.Staff) {
	t.Helper()
	if _, _, err := e.db.UpsertRoster(context.Background(), people); err != nil {
		t.Fatal(err)
	}
}

func day(s string) model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestImportChecksWhatItIsTold：导入的红旗文件每一行都要核对，有一行不对就一面也不写，并按行号说清楚。
func TestImportChecksWhatItIsTold(t *testing.T) {
	e := setup(t)
	addPeople(t, e,
		model.Staff{UserID: "cg09", Name: "新人", Branch: "城关所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true, Joined: day("2026-11-01")},
		model.Staff{UserID: "cg08", Name: "走了", Branch: "城关所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Joined: day("2020-01-01"), Left: day("2026-10-10")},
	)
	if n, err := importFile(t, e, "种类,期别,获旗者\n周,2026-W43,cg01\n"); err != nil || n != 1 {
		t.Fatalf("导入一面已有的周旗：%d %v", n, err)
	}
	head := "种类,期别,获旗者,网点\n"
	cases := []struct {
		name, rows, want string
	}{
		{"a week that has not started", "周,2026-W47,cg01,\n", "第 2 行：2026-W47 即11月第3周（11月16日–22日），还没开始（2026年11月16日起）"},
		{"a dekad that has not started", "旬,2026-11-2,东山所,\n", "第 2 行：2026-11-2 即11月中旬，还没开始（2026年11月11日起）"},
		{"three weekly winners in one week", "周,2026-W44,cg01,\n周,2026-W44,cg02,\n周,2026-W44,dj01,\n", "第 4 行：2026-W44 即10月第5周（10月26日–11月1日），连同已有的共 3 面周服务红旗标杆岗，多于每期 2 面"},
		{"two more on top of one already imported", "周,2026-W43,cg02,\n周,2026-W43,dj01,\n", "第 3 行：2026-W43 即10月第4周（10月19日–25日），连同已有的共 3 面"},
		{"two dekad winners in one dekad", "旬,2026-10-3,东山所,\n旬,2026-10-3,河西所,\n", "第 3 行：2026-10-3 即10月下旬，连同已有的共 2 面旬服务红旗标杆所，多于每期 1 面"},
		{"a rural staff member cannot win a weekly flag", "周,2026-W44,hx01,\n", "赵六（河西所·员工）不是县城网点的窗口员工"},
		{"a head cannot win a weekly flag", "周,2026-W44,cg_head,\n", "不是县城网点的窗口员工"},
		{"not yet on the roster that week", "周,2026-W43,cg09,\n", "第 2 行：2026-W43 那一周（10月19日–10月25日）新人不在花名册上（2026年11月1日入职）"},
		{"already left that week", "周,2026-W43,cg08,\n", "走了不在花名册上（2020年1月1日入职，2026年10月10日离职）"},
		{"a branch that is not on the roster", "周,2026-W44,dj01,北关所\n", "网点“北关所”不在花名册里"},
		{"a weekly winner recorded at a rural branch", "周,2026-W44,dj01,河西所\n", "王五（河西所·员工）不是县城网点的窗口员工"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := e.db.Flags(context.Background(), model.FlagFilter{IncludeCancelled: true})
			_, err := importFile(t, e, head+c.rows)
			if model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), c.want) {
				t.Fatalf("导入 %q：%v；想要含 %q", c.rows, err, c.want)
			}
			if !strings.Contains(model.ErrorMessage(err), "什么也没有导入") {
				t.Errorf("提示没说什么也没写：%s", model.ErrorMessage(err))
			}
			after, _ := e.db.Flags(context.Background(), model.FlagFilter{IncludeCancelled: true})
			if len(after) != len(before) {
				t.Errorf("有误的文件写入了 %d 面红旗", len(after)-len(before))
			}
		})
	}
	// 进行中的一周（已经开始）、两面正好是上限、一面旬旗：都收下；再导入一次不重复。
	good := head + "周,2026-W46,cg01,\n周,2026-W44,cg01,\n周,2026-W44,dj01,城关所\n旬,2026-10-3,东山所,\n"
	if n, err := importFile(t, e, good); err != nil || n != 4 {
		t.Fatalf("导入 4 面：%d %v", n, err)
	}
	if n, err := importFile(t, e, good); err != nil || n != 0 {
		t.Fatalf("再导入一次：新增 %d，%v；想要 0", n, err)
	}
	fs, _ := e.db.Flags(context.Background(), model.FlagFilter{Period: "2026-W44", StaffID: "dj01"})
	if len(fs) != 1 || fs[0].Branch != "城关所" || fs[0].HeadID != "cg_head" || fs[0].Source != "import" {
		t.Errorf("写了网点的周旗 = %+v；想要记在城关所、所长 cg_head 名下", fs)
	}
}

// TestCancelChargesTheHeadTheFlagWasRecordedUnder：撤销（虚假信息）扣的是红旗上记下的所长，
// 不是获旗人现在所在网点的所长，也不是那个网点现在的所长。
func TestCancelChargesTheHeadTheFlagWasRecordedUnder(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	if _, err := importFile(t, e, "种类,期别,获旗者,网点\n周,2026-W44,dj01,城关所\n"); err != nil {
		t.Fatal(err)
	}
	// 之后：城关所换了所长，原所长调去东街所当所长（王五现在所在的网点）。
	addPeople(t, e,
		model.Staff{UserID: "cg_head2", Name: "新所长", Branch: "城关所", BranchKind: model.BranchCounty, Role: model.RoleHead, Active: true},
		model.Staff{UserID: "cg_head", Name: "陈所长", Branch: "东街所", BranchKind: model.BranchCounty, Role: model.RoleHead, Active: true},
	)
	if _, err := e.svc.CancelFlag(ctx, e.staff(t, "boss"), "2026-W44", "王五", "测评数据造假"); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int{"cg_head": 1, "cg_head2": 0} {
		es, _ := e.db.Entries(ctx, model.EntryFilter{StaffID: id})
		if len(es) != want {
			t.Errorf("%s 有 %d 条扣款，想要 %d：%+v", id, len(es), want, es)
		}
		if want == 1 && (es[0].Amount != -200 || es[0].RuleCode != "flag_false_info" ||
			!strings.Contains(es[0].Note, "10月第5周（10月26日–11月1日） 王五 的周服务红旗标杆岗因虚假信息撤销")) {
			t.Errorf("扣款 = %+v", es[0])
		}
	}
}

// TestCancelDekadFlag：原文只对周红旗规定了所长因虚假信息扣 200 元；撤销旬红旗时默认所长不扣（旗不再计数），
// settle.dekad_false_info 设了金额时按它扣，说明里写的是旬服务红旗标杆所。
func TestCancelDekadFlag(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	if _, err := importFile(t, e, "种类,期别,获旗者\n旬,2026-10-2,东山所\n旬,2026-10-3,东山所\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CancelFlag(ctx, e.staff(t, "boss"), "2026-10-2", "东山所", "检查分数造假"); err != nil {
		t.Fatal(err)
	}
	if es, _ := e.db.Entries(ctx, model.EntryFilter{StaffID: "ds_head"}); len(es) != 0 {
		t.Fatalf("默认不应扣所长：%+v", es)
	}
	left, _ := e.db.Flags(ctx, model.FlagFilter{Kind: model.FlagDekad})
	if len(left) != 1 || left[0].Period != "2026-10-3" {
		t.Errorf("撤销后还计数的旬旗 = %+v；想要只剩 2026-10-3", left)
	}
	ns, _ := e.db.Notices(ctx, "")
	announced := false
	for _, n := range ns {
		if strings.Contains(n.Key, ":cancel:") && strings.Contains(n.Title, "10月中旬 旬服务红旗标杆所") && strings.Contains(n.Body, "东山所 的旬服务红旗标杆所已撤销") {
			announced = true
		}
	}
	if !announced {
		t.Errorf("撤销公布没有写明 10月中旬 的旬服务红旗标杆所：%+v", ns)
	}

	e.svc.DekadFalseInfo = 150
	if _, err := e.svc.CancelFlag(ctx, e.staff(t, "boss"), "2026-10-3", "东山所", "检查分数造假"); err != nil {
		t.Fatal(err)
	}
	es, _ := e.db.Entries(ctx, model.EntryFilter{StaffID: "ds_head"})
	if len(es) != 1 || es[0].Amount != -150 || es[0].RuleCode != redflag.DekadFalseInfoRule ||
		!strings.Contains(es[0].RuleName, "旬服务红旗标杆所") || !strings.Contains(es[0].Note, "10月下旬 东山所 的旬服务红旗标杆所因虚假信息撤销") {
		t.Fatalf("设了 dekad_false_info = 150 后所长的扣款 = %+v", es)
	}
}
