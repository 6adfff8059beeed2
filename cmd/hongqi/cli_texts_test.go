package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/hongqi-dev/hongqi/model"
)

// runCLIOut 运行一次命令行，返回标准输出、标准错误（日志）和错误。
func runCLIOut(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return out.String(), errOut.String(), err
}

// 每个子命令都有 -h 和 --help，说明来自同一张命令表；只打印说明，什么也不做——serve 不启动服务、
// staff import 不把“--help”当成文件名，连数据库文件都不建。
func TestEverySubcommandHasHelp(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "hongqi.db")
	env := map[string]string{"HONGQI_DB": "sqlite:" + dbFile}
	for _, c := range subcommands {
		for _, flag := range []string{"--help", "-h"} {
			t.Run(c.words+" "+flag, func(t *testing.T) {
				args := append(strings.Fields(c.words), flag)
				out, _, err := runCLIOut(t, env, "", args...)
				if err != nil {
					t.Fatalf("%v: %v (%s)", args, err, model.ErrorMessage(err))
				}
				if !strings.HasPrefix(out, "用法："+c.usageLine()+"\n"+c.summary) {
					t.Errorf("%v printed:\n%s\nwant the usage line and summary from the table", args, out)
				}
			})
		}
	}
	// 选项后面的 --help 也一样：不执行。
	for _, args := range [][]string{{"staff", "import", "roster.csv", "--help"}, {"report", "--month", "2026-11", "-h"}, {"help", "cert"}} {
		out, _, err := runCLIOut(t, env, "", args...)
		if err != nil || !strings.HasPrefix(out, "用法：hongqi ") {
			t.Errorf("%v → %q, %v; want the usage", args, out, err)
		}
	}
	if _, err := os.Stat(dbFile); !os.IsNotExist(err) {
		t.Errorf("asking for help created or opened the database (%v)", err)
	}
	out, _, err := runCLIOut(t, env, "", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range subcommands {
		if !strings.Contains(out, c.usageLine()) {
			t.Errorf("hongqi --help lacks %q:\n%s", c.usageLine(), out)
		}
	}
}

// 写错的命令行说清楚错在哪、正确的写法是什么。
func TestCLIUsageErrors(t *testing.T) {
	env := map[string]string{"HONGQI_DB": "sqlite:" + filepath.Join(t.TempDir(), "hongqi.db")}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"staff", "import"}, "缺少 FILE。用法：hongqi staff import FILE"},
		{[]string{"staff", "import", "a.csv", "b.csv"}, "多写了“b.csv”"},
		{[]string{"staff", "list", "--all"}, "hongqi staff list 没有“--all”这个选项"},
		{[]string{"staff"}, "请写全子命令：\n  hongqi staff import FILE"},
		{[]string{"staff", "remove"}, "没有“staff remove”这个子命令"},
		{[]string{"report", "--month"}, "--month 后面要写 M"},
		{[]string{"report", "-o", "x.xlsx"}, "缺少 --month M"},
		{[]string{"cert", "-o", "out"}, "缺少 YEAR [USERID]"},
		{[]string{"health", "now"}, "hongqi health 不带参数"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, _, err := runCLIOut(t, env, "", tt.args...)
			if err == nil || !strings.Contains(model.ErrorMessage(err), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

// writeFile 在 dir 里写一个测试文件，返回路径。
func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rosterOnSecondSheet 写一个 XLSX：第一个工作表是填表说明，花名册在第二个工作表“人员”，上面有一行合并的标题。
func rosterOnSecondSheet(t *testing.T, dir string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetCellValue("Sheet1", "A1", "填表说明：每人一行，工号即企业微信账号"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("人员"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"2026年花名册"},
		{"工号", "姓名", "网点", "网点类型", "角色"},
		{"cg01", "张三", "城关所", "县城", "员工"},
		{"cg02", "李四", "城关所", "县城", "员工"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("人员", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.MergeCell("人员", "A1", "E1"); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "roster.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// 命令行里人们会碰到的几处：工号不分大小写；中文姓名的列对齐；命令行不打印企业微信的 INFO 日志；
// 导入报的行号就是表格里的行号；岗位表可以写姓名；第二个工作表上的花名册读得到，并说读了哪里。
func TestCLIAsPeopleUseIt(t *testing.T) {
	dir := t.TempDir()
	// 时钟停在演练的 2026-11-16 09:30（HONGQI_CLOCK）：结果不随真实日期变。
	env := map[string]string{"HONGQI_DB": "sqlite:" + filepath.Join(dir, "hongqi.db"), "HONGQI_CLOCK": "2026-11-16T09:30:00+08:00"}
	meter := writeFile(t, dir, "meter.csv", "城关所测评仪导出\n\n工号,姓名,时间,评价\n,李四,2026-11-02 09:15:00,满意\n\n,钱八,2026-11-02 09:17:00,满意\n")
	posts := writeFile(t, dir, "posts.csv", "窗口,A岗,B岗\n城关社保窗口,李四,王五、张三(cg01)\n城关医保窗口,张三,李四\n,cg03,cg01\n")
	tests := []struct {
		name       string
		args       []string
		stdin      string
		want       []string
		wantErr    string
		quietStder bool
	}{
		{name: "roster on the second sheet under a title row", args: []string{"staff", "import", rosterOnSecondSheet(t, dir)},
			want: []string{"（工作表“人员”第 2 行起）：新增 2 人"}},
		{name: "the example roster", args: []string{"staff", "import", "../../testdata/roster-example.csv"}, want: []string{"新增 15 人，更新 2 人"}},
		{name: "chat --as in capitals", args: []string{"chat", "--as", "CG_SUP"}, stdin: "查 李四\n",
			want: []string{"您好，王芳（城关所·主管）", "李四"}, quietStder: true},
		{name: "meter import names the lines people see", args: []string{"meter", "import", meter},
			wantErr: "第 6 行：“钱八”不在花名册里"},
		{name: "post import lists every problem at once and takes unique names", args: []string{"post", "import", posts},
			wantErr: "岗位表有 2 行有误"},
		{name: "report says the one count", args: []string{"report", "--month", "本月", "-o", filepath.Join(dir, "m.xlsx")},
			want: []string{"表中 17 人（结算单 13 张，都没有奖扣）"}, quietStder: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runCLIOut(t, env, tt.stdin, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(model.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v (%s)", err, model.ErrorMessage(err))
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tt.quietStder && strings.Contains(errOut, "未配置企业微信") {
				t.Errorf("the command logged about WeCom:\n%s", errOut)
			}
		})
	}
	// 岗位表的两处问题在一次里都报出来：第 3 行的张三重名、第 4 行的窗口为空。
	_, _, err := runCLIOut(t, env, "", "post", "import", posts)
	msg := model.ErrorMessage(err)
	for _, w := range []string{"第 3 行（城关医保窗口）：A岗：有 2 位“张三”", "第 4 行：窗口为空"} {
		if !strings.Contains(msg, w) {
			t.Errorf("post import error lacks %q:\n%s", w, msg)
		}
	}

	// staff list：每一列按显示宽度对齐（汉字占两格），中文姓名不会把后面的列挤歪。
	out, _, err := runCLIOut(t, env, "", "staff", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	col := func(line string, n int) int { // 第 n 列（从 0 起）开始的显示位置
		fields := strings.Fields(line)
		i := strings.Index(line, fields[n])
		return displayWidth(line[:i])
	}
	want := col(lines[0], 3) // 表头里“网点类型”的位置
	for _, l := range lines[1 : len(lines)-1] {
		if got := col(l, 3); got != want {
			t.Errorf("column 网点类型 starts at %d in %q, want %d like the header", got, l, want)
		}
	}
}

// hongqi cert：按年度结算的同一套计算画证书，落款是设置里的中心；只写文件。不是年度服务明星的人说明次数和门槛。
func TestCLICertificates(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "hongqi.yaml", "settle:\n  year_threshold: {2026: 2}\n  centre_name: 城关镇便民服务中心\n")
	env := map[string]string{"HONGQI_DB": "sqlite:" + filepath.Join(dir, "hongqi.db"), "HONGQI_CONFIG": cfg, "HONGQI_CLOCK": "2026-11-16T09:30:00+08:00"}
	for _, args := range [][]string{
		{"staff", "import", "../../testdata/roster-example.csv"},
		{"flags", "import", "../../testdata/flags-example.csv"}, // cg01 张三 2026 年 2 面周旗，李四 1 面
	} {
		if _, _, err := runCLIOut(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	out := filepath.Join(dir, "证书")
	stdout, stderr, err := runCLIOut(t, env, "", "cert", "2026", "cg01", "-o", out)
	if err != nil {
		t.Fatalf("cert: %v (%s)", err, model.ErrorMessage(err))
	}
	png, err := os.ReadFile(filepath.Join(out, "2026年度服务明星证书-张三.png"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("no PNG certificate written (%v); stdout:\n%s", err, stdout)
	}
	for _, w := range []string{"张三（城关所）全年 2 次", "预览"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("cert output lacks %q:\n%s", w, stdout)
		}
	}
	if strings.Contains(stderr, "未配置企业微信") || strings.Contains(stderr, "level=WARN") {
		t.Errorf("cert logged:\n%s", stderr)
	}
	_, _, err = runCLIOut(t, env, "", "cert", "2026", "李四", "-o", out)
	if want := "李四（城关所）2026 年获周服务红旗标杆岗 1 次，门槛是 2 次，不是年度服务明星"; err == nil || !strings.Contains(model.ErrorMessage(err), want) {
		t.Errorf("cert for 李四: %v, want %q", err, want)
	}
}

// 设置写错时，hongqi 说是哪一项（键名和中文名）、应写什么，不转述 Go 的内部报错；配置里的评选小组、
// 公布群成员不在花名册上时，启动就拒绝（导入花名册不受影响，好先把花名册导进来）。
func TestCLISettingsErrorsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "hongqi.db")
	clock := "2026-11-16T09:30:00+08:00"
	if _, _, err := runCLIOut(t, map[string]string{"HONGQI_DB": db, "HONGQI_CLOCK": clock}, "", "staff", "import", "../../testdata/roster-example.csv"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		yaml string
		args []string
		want string
	}{
		{"misspelt key", "flgas:\n  group: [cg_head]\n", []string{"staff", "list"}, "第 1 行：这里没有“flgas”这一项，是不是 flags（流动红旗）？"},
		{"a word for a number", "flags:\n  weekly:\n    winners: two\n", []string{"staff", "list"}, "flags.weekly.winners（每周评几面周红旗）应为整数，现在写的是“two”"},
		{"group member not on the roster", "flags:\n  group: [cg_haed, admin]\n", []string{"chat", "--as", "cg_sup"},
			"flags.group（评选小组，或 HONGQI_FLAG_GROUP）里的“cg_haed”不在花名册上（是不是 cg_head？）"},
		{"chat member not on the roster", "flags:\n  announce:\n    - {kind: appchat, name: 红旗公布群, chat_id: hq01, owner: admin, members: [admin, zx_boss]}\n",
			[]string{"report", "--month", "本月", "-o", filepath.Join(dir, "r.xlsx")}, "flags.announce 第 1 项（红旗公布群）的 members（群成员）里的“zx_boss”不在花名册上"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeFile(t, dir, fmt.Sprintf("c%d.yaml", i), tt.yaml)
			_, _, err := runCLIOut(t, map[string]string{"HONGQI_DB": db, "HONGQI_CLOCK": clock, "HONGQI_CONFIG": cfg}, "", tt.args...)
			msg := model.ErrorMessage(err)
			if err == nil || !strings.Contains(msg, tt.want) {
				t.Fatalf("error = %v\nwant %q", msg, tt.want)
			}
			for _, leak := range []string{"config.Config", "unmarshal", "!!str", "pool.go"} {
				if strings.Contains(msg, leak) {
					t.Errorf("the message leaks %q:\n%s", leak, msg)
				}
			}
		})
	}
	// 工号的大小写不算错：CG_HEAD 就是 cg_head。
	cfg := writeFile(t, dir, "ok.yaml", "flags:\n  group: [CG_HEAD, admin]\n")
	if _, _, err := runCLIOut(t, map[string]string{"HONGQI_DB": db, "HONGQI_CLOCK": clock, "HONGQI_CONFIG": cfg}, "", "chat", "--as", "cg_head"); err != nil {
		t.Errorf("a group member written in capitals was refused: %v", model.ErrorMessage(err))
	}
}
