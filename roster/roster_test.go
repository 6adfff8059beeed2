package roster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/store"
)

// testClock 是本包测试的时钟，停在 2026-11-16 09:30（上海）；存储的时间戳取自它。
var testClock = model.PinClock(time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai), nil)

// brief 把人员写成一行，便于比较：工号|姓名|网点|类型|角色|范围。
func brief(ss []model.Staff) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%s|%s|%s|%s|%s|%s", s.UserID, s.Name, s.Branch, s.BranchKind, s.Role, strings.Join(s.Scope, ";"))
		if !s.Active {
			out[i] += "|inactive"
		}
	}
	return out
}

// sameSix 是 english.csv 和 chinese-bom.csv 里的六个人。
var sameSix = []string{
	"cg_sup|王芳|城关所|county|supervisor|",
	"cg_head|刘强|城关所|county|head|东街所;河口所",
	"cg01|张三|城关所|county|staff|",
	"dj01|张三|东街所|county|staff|",
	"hk01|吴明|河口所|rural|staff|",
	"admin|周文|城关所|county|admin|*",
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFile(t *testing.T, path string) ([]model.Staff, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(path, f, testToday)
}

// testToday 是 testClock 那天。
var testToday = model.Date{Year: 2026, Month: time.November, Day: 16}

// xlsx 用 excelize 生成一个工作簿，rows 写在第一个工作表里（nil 行留空）。
func xlsx(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	for i, row := range rows {
		if row == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	// 第二个工作表不应被读取。
	if _, err := f.NewSheet("说明"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseGood(t *testing.T) {
	xlsxSix := xlsx(t, [][]any{
		{"工号", "姓名", "网点", "网点类型", "角色", "管理范围"},
		{"cg_sup", "王芳", "城关所", "县城", "主管"},
		{"cg_head", "刘强", "城关所", "县城", "所长", "东街所；河口所"},
		nil, // 空行跳过
		{"cg01", "张三", "城关所", "县城", "员工"},
		{"dj01", "张三", "东街所", "county", "staff"},
		{"hk01", "吴明", "河口所", "农村", "员工"},
		{"admin", "周文", "城关所", "县城", "管理员", "全部"},
	})
	tests := []struct {
		name string
		file string
		data []byte // 为空时读 testdata/file
		want []string
	}{
		{name: "csv english header", file: "english.csv", want: sameSix},
		{name: "csv chinese header with BOM, other column order, padding, blank line, extra column", file: "chinese-bom.csv", want: sameSix},
		{name: "xlsx chinese header", file: "roster.xlsx", data: xlsxSix, want: sameSix},
		{name: "xlsx upper-case extension", file: "ROSTER.XLSX", data: xlsxSix, want: sameSix},
		{name: "tab separated text", file: "paste.txt",
			data: []byte("工号\t姓名\t网点\t网点类型\t角色\ncg01\t张三\t城关所\t县城\t员工\n"),
			want: []string{"cg01|张三|城关所|county|staff|"}},
		{name: "header with notes in brackets and comment lines", file: "notes.csv",
			data: []byte("# 2026 年 11 月花名册\n工号（企业微信账号）,姓名,网点,网点类型,角色（员工/主管/所长/管理员）\ncg01,张三,城关所,县城,员工\n"),
			want: []string{"cg01|张三|城关所|county|staff|"}},
		{name: "control and bidi characters dropped from names", file: "bidi.csv",
			data: []byte("userid,name,branch,branch_kind,role\ncg01,\"张\u202e三\x1b[0m\",\"城关\n所\",county,staff\n"),
			want: []string{"cg01|张三[0m|城关 所|county|staff|"}},
		{name: "quoted comma-separated scope", file: "scope.csv",
			data: []byte("userid,name,branch,branch_kind,role,scope\ncg_head,刘强,城关所,county,head,\"东街所,河口所,东街所\"\ndj01,张四,东街所,county,staff,\nhk01,吴明,河口所,rural,staff,\n"),
			want: []string{"cg_head|刘强|城关所|county|head|东街所;河口所", "dj01|张四|东街所|county|staff|", "hk01|吴明|河口所|rural|staff|"}},
		{name: "spaces inside a Chinese name removed, a Latin name keeps one", file: "testdata/spaced-names.csv",
			data: mustRead(t, "testdata/spaced-names.csv"),
			want: []string{"cg01|赵七|城关所|county|staff|", "cg02|Li Ming|城关所|county|staff|", "dj_sup|孙主管|东街所|county|supervisor|城关所"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []model.Staff
			var err error
			if tt.data == nil {
				got, err = parseFile(t, filepath.Join("testdata", tt.file))
			} else {
				got, err = Parse(tt.file, bytes.NewReader(tt.data), testToday)
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if b := brief(got); !reflect.DeepEqual(b, tt.want) {
				t.Errorf("Parse =\n%s\nwant\n%s", strings.Join(b, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	var many bytes.Buffer
	many.WriteString("userid,name,branch,branch_kind,role\n")
	for i := range 25 {
		fmt.Fprintf(&many, "u%d,某人,城关所,county,经理\n", i)
	}
	tests := []struct {
		name string
		file string
		data []byte // 为空时读 testdata/file
		want []string
		not  []string
	}{
		{
			name: "every bad row reported with its line",
			file: "bad-rows.csv",
			want: []string{
				"6 行有误", "没有导入任何人",
				"第 3 行：角色“经理”无法识别",
				"第 4 行：姓名为空",
				"第 5 行：网点类型“乡镇”无法识别",
				"第 6 行：工号 cg01 与第 2 行重复",
				"第 7 行：网点“城关所”在第 2 行是县城，这里是农村",
				"第 8 行：工号“张 三”只能由字母",
			},
			not: []string{"第 2 行：", "第 9 行"},
		},
		{
			name: "xlsx bad row numbered as in Excel",
			file: "roster.xlsx",
			data: xlsx(t, [][]any{
				{"userid", "name", "branch", "branch_kind", "role"},
				nil,
				{"cg01", "张三", "城关所", "county", "staff"},
				{"cg02", "李四", "城关所", "county", "组长"},
			}),
			want: []string{"第 4 行：角色“组长”无法识别"},
		},
		{
			name: "duplicate userid ignoring case",
			file: "dup.csv",
			data: []byte("userid,name,branch,branch_kind,role\nZhangSan,张三,城关所,county,staff\nzhangsan,张三,东街所,county,staff\n"),
			want: []string{"第 3 行：工号 zhangsan 与第 2 行重复"},
		},
		{
			name: "scope naming a branch that does not exist",
			file: "scope.csv",
			data: []byte("userid,name,branch,branch_kind,role,scope\ndj01,张四,东街所,county,staff,\ncg_head,刘强,城关所,county,head,东街;河西所\n"),
			want: []string{"1 行有误，没有导入任何人", "第 3 行：管理范围里的网点“东街”不存在（是不是东街所？）；管理范围里的网点“河西所”不存在"},
		},
		{
			name: "staff cannot have a scope",
			file: "scope.csv",
			data: []byte("userid,name,branch,branch_kind,role,scope\ncg01,张三,城关所,county,staff,东街所\n"),
			want: []string{"第 2 行：员工不能有管理范围"},
		},
		{
			name: "only the first 20 bad rows are listed",
			file: "many.csv",
			data: many.Bytes(),
			want: []string{"25 行有误", "第 21 行：", "另有 5 行有误未列出"},
			not:  []string{"第 22 行："},
		},
		{name: "missing header columns are named", file: "missing-columns.csv",
			want: []string{"缺少列：网点类型（branch_kind）、角色（role）"}},
		{name: "empty file", file: "empty.csv", want: []string{"花名册是空的", "表头应为"}},
		{name: "header only", file: "header-only.csv", want: []string{"只有表头，没有人员"}},
		{name: "gbk csv", file: "gbk.csv", want: []string{"不是 UTF-8 编码", "CSV UTF-8"}},
		{name: "duplicate header column", file: "h.csv",
			data: []byte("userid,工号,name,branch,branch_kind,role\n"), want: []string{"“工号”列出现了两次"}},
		{name: "old xls", file: "roster.xls", data: []byte("x"), want: []string{".xls", "另存为"}},
		{name: "bad dates and status", file: "dates.csv",
			data: []byte("工号,姓名,网点,网点类型,角色,入职日期,状态,离职日期\n" +
				"cg01,张三,城关所,县城,员工,11月2日,在职,\n" +
				"cg02,李四,城关所,县城,员工,2026-11-02,休假,\n" +
				"cg03,王五,城关所,县城,员工,,在职,2026-10-31\n" +
				"cg04,赵六,城关所,县城,员工,,离职,2026-12-01\n" +
				"cg05,钱七,城关所,县城,员工,2026-10-01,离职,2026-09-30\n"),
			want: []string{
				"第 2 行：入职日期“11月2日”看不懂",
				"第 3 行：状态“休假”应为 在职 或 离职",
				"第 4 行：状态是在职，却写了离职日期",
				"第 5 行：离职日期 2026-12-01 还没到",
				"第 6 行：离职日期 2026-09-30 早于入职日期 2026-10-01",
			}},
		{name: "unknown extension", file: "roster.json", data: []byte("[]"), want: []string{"只支持 .csv 和 .xlsx"}},
		{name: "corrupt xlsx", file: "roster.xlsx", data: []byte("not a zip"), want: []string{"无法读取 XLSX"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []model.Staff
			var err error
			if tt.data == nil {
				got, err = parseFile(t, filepath.Join("testdata", tt.file))
			} else {
				got, err = Parse(tt.file, bytes.NewReader(tt.data), testToday)
			}
			if err == nil {
				t.Fatalf("Parse 成功了（%d 人），应当报错", len(got))
			}
			if got != nil {
				t.Errorf("出错时仍返回了 %d 人", len(got))
			}
			if c := model.ErrorCode(err); c != model.EINVALID {
				t.Errorf("错误码 %s，应为 EINVALID", c)
			}
			msg := model.ErrorMessage(err)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("错误消息缺少 %q：\n%s", w, msg)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(msg, w) {
					t.Errorf("错误消息不应含 %q：\n%s", w, msg)
				}
			}
		})
	}
}

// TestParseDates 读入职日期、状态和离职日期：写了离职日期而没写状态的算离职；XLSX 的日期单元格是序号。
func TestParseDates(t *testing.T) {
	data := xlsx(t, [][]any{
		{"userid", "name", "branch", "branch_kind", "role", "joined", "status", "left"},
		{"cg01", "张三", "城关所", "county", "staff", "2026-01-01", "active", ""},
		{"cg02", "李四", "城关所", "county", "staff", "", "left", ""},
		{"cg03", "王五", "城关所", "county", "staff", "2025-03-01", "", "2026-06-30"},
		{"cg04", "赵六", "城关所", "county", "staff", 46328, "在职", ""},
	})
	got, err := Parse("dates.xlsx", bytes.NewReader(data), testToday)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range got {
		lines = append(lines, fmt.Sprintf("%s %s joined=%s left=%s", s.UserID, s.StatusLabel(), s.Joined, s.Left))
	}
	want := []string{
		"cg01 在职 joined=2026-01-01 left=0000-00-00",
		"cg02 离职 joined=0000-00-00 left=0000-00-00",
		"cg03 离职 joined=2025-03-01 left=2026-06-30",
		"cg04 在职 joined=2026-11-02 left=0000-00-00",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("Parse =\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestImportDates：没写入职日期的人从第一次导入那天起在花名册上，以后再导入（时钟已过了几天）不改；
// 标为离职而没写日期的记导入那天，再导入一次保留原来的离职日期；历史记录不受影响。
func TestImportDates(t *testing.T) {
	ctx := context.Background()
	clk := model.PinClock(time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai), nil)
	db, err := store.Open(ctx, testenv.MySQL(t), clk, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	show := func(id string) string {
		t.Helper()
		s, err := db.Staff(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s joined=%s left=%s", s.StatusLabel(), s.Joined, s.Left)
	}
	head := "工号,姓名,网点,网点类型,角色,入职日期,状态\n"
	first := write("a.csv", head+"cg01,张三,城关所,县城,员工,,\ncg02,李四,城关所,县城,员工,2025-07-01,\n")
	if _, _, err := Import(ctx, db, first, model.DateOf(clk.Now(), clk.Location())); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 12, 3, 10, 0, 0, 0, model.Shanghai))
	today := model.DateOf(clk.Now(), clk.Location())
	second := write("b.csv", head+"cg01,张三,城关所,县城,员工,,\ncg02,李四,城关所,县城,员工,,离职\n")
	if _, _, err := Import(ctx, db, second, today); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 12, 20, 10, 0, 0, 0, model.Shanghai))
	if _, _, err := Import(ctx, db, second, model.DateOf(clk.Now(), clk.Location())); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"cg01": "在职 joined=2026-11-16 left=0000-00-00",
		"cg02": "离职 joined=2025-07-01 left=2026-12-03",
	} {
		if got := show(id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
}

func TestExampleRoster(t *testing.T) {
	got, err := parseFile(t, "../testdata/roster-example.csv")
	if err != nil {
		t.Fatalf("示例花名册解析失败：%v", err)
	}
	branches := map[string]model.BranchKind{}
	roles := map[string]map[model.Role]int{}
	names := map[string][]string{}
	admins := 0
	for _, s := range got {
		branches[s.Branch] = s.BranchKind
		if roles[s.Branch] == nil {
			roles[s.Branch] = map[model.Role]int{}
		}
		roles[s.Branch][s.Role]++
		names[s.Name] = append(names[s.Name], s.Branch)
		if s.Role == model.RoleAdmin {
			admins++
		}
	}
	wantBranches := map[string]model.BranchKind{"城关所": model.BranchCounty, "东街所": model.BranchCounty, "河口所": model.BranchRural, "中心": model.BranchCounty}
	if !reflect.DeepEqual(branches, wantBranches) {
		t.Errorf("网点 = %v，应为 %v", branches, wantBranches)
	}
	for _, b := range []string{"城关所", "东街所", "河口所"} {
		if r := roles[b]; r[model.RoleSupervisor] != 1 || r[model.RoleHead] != 1 || r[model.RoleStaff] < 2 {
			t.Errorf("%s 的角色 %v：应有一名主管、一名所长和至少两名员工", b, r)
		}
	}
	if admins != 1 {
		t.Errorf("管理员 %d 名，应为 1", admins)
	}
	if zs := names["张三"]; len(zs) != 2 || zs[0] == zs[1] {
		t.Errorf("张三在 %v，应是不同网点的两个人", zs)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestImport(t *testing.T) {
	ctx := context.Background()
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	db, err := store.Open(openCtx, testenv.MySQL(t), testClock, quiet)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	defer db.Close()
	list := func() []string {
		t.Helper()
		ss, err := db.ListStaff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := brief(ss)
		slices.Sort(out)
		return out
	}
	steps := []struct {
		name        string
		file        string
		wantAdded   int
		wantUpdated int
		wantCode    string
		// change 是本步之后名单相对上一步的变化：工号 → 新的一行（空串表示不变）。
		change map[string]string
	}{
		{name: "first import adds everyone", file: "testdata/english.csv", wantAdded: 6,
			change: map[string]string{
				"cg_sup": sameSix[0], "cg_head": sameSix[1], "cg01": sameSix[2],
				"dj01": sameSix[3], "hk01": sameSix[4], "admin": sameSix[5],
			}},
		{name: "same file again updates by userid", file: "testdata/chinese-bom.csv", wantUpdated: 6},
		{name: "re-import changes a role and adds one, keeps the rest", file: "testdata/update.csv", wantAdded: 1, wantUpdated: 1,
			change: map[string]string{
				"cg01": "cg01|张三|城关所|county|supervisor|",
				"hk02": "hk02|钱七|河口所|rural|staff|",
			}},
		{name: "one bad row writes nothing", file: "testdata/one-bad-row.csv", wantCode: model.EINVALID},
		{name: "missing file", file: "testdata/nope.csv", wantCode: model.ENOTFOUND},
	}
	want := map[string]string{}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			added, updated, err := Import(ctx, db, st.file, testToday)
			if st.wantCode != "" {
				if model.ErrorCode(err) != st.wantCode {
					t.Fatalf("Import 错误 = %v，应为 %s", err, st.wantCode)
				}
			} else if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if added != st.wantAdded || updated != st.wantUpdated {
				t.Errorf("新增 %d、更新 %d，应为 %d、%d", added, updated, st.wantAdded, st.wantUpdated)
			}
			for id, row := range st.change {
				want[id] = row
			}
			var w []string
			for _, row := range want {
				w = append(w, row)
			}
			slices.Sort(w)
			if got := list(); !reflect.DeepEqual(got, w) {
				t.Errorf("花名册 =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(w, "\n"))
			}
		})
	}
}

// TestImportReport 导入时去掉中文姓名里的空格并说明（之后“查 赵七”找得到）；管理范围里的网点在花名册上
// 已有（之前导入过）也算存在，都没有时拒绝，什么也不写。
func TestImportReport(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, testenv.MySQL(t), testClock, quiet)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	defer db.Close()

	r, err := ImportReport(ctx, db, "testdata/spaced-names.csv", testToday)
	if err != nil {
		t.Fatal(err)
	}
	if r.Added != 3 || !slices.Equal(r.Notes, []string{
		"第 2 行：姓名“赵 七”中间的空格已去掉，记为“赵七”",
		"第 4 行：姓名“孙 主管”中间的空格已去掉，记为“孙主管”",
	}) {
		t.Errorf("导入结果 = %+v", r)
	}
	if got, err := db.FindStaff(ctx, "赵七"); err != nil || len(got) != 1 || got[0].UserID != "cg01" {
		t.Errorf("按“赵七”找人 = %+v, %v", got, err)
	}
	// 城关所已在花名册上：另一个文件里的主管可以管它。
	if r, err := ImportReport(ctx, db, "testdata/scope-known.csv", testToday); err != nil || r.Added != 1 {
		t.Errorf("管理范围是已有的网点：%+v, %v", r, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("userid,name,branch,branch_kind,role,scope\nx1,某某,城关所,county,supervisor,东街;河西\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ImportReport(ctx, db, bad, testToday)
	if model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), "管理范围里的网点“东街”不存在（是不是东街所？）") {
		t.Errorf("不存在的网点：%v", err)
	}
	if _, err := db.Staff(ctx, "x1"); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("有误的文件不应写入：%v", err)
	}
}
