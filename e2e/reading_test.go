package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// readingApp 装配一个完整的 hongqi（生产装配，签名回调、真实 SDK 发到假企业微信）：评选小组是吴主任和王主管，
// 结果公布到群机器人“全员群”，证书落款“城关镇便民服务中心”，2026 年度服务明星门槛 3 次。
// 花名册 testdata/reading-roster.csv 有两位张三（城关所 cg01、东街所 dj01）和名字里有“堃”的王堃。
func readingApp(t *testing.T, at time.Time, announce bool) (*appReplica, *wecomtest.Server, *model.Clock) {
	t.Helper()
	fake := wecomtest.NewServer(t)
	yaml := "flags:\n  group: [boss, cg_sup]\n"
	if announce {
		yaml += "  announce:\n    - {kind: robot, name: 全员群, key: robot-key-all}\n"
		fake.AddRobot("robot-key-all")
	}
	yaml += "settle:\n  year_threshold: {2026: 3}\n  centre_name: 城关镇便民服务中心\n"
	cfg := filepath.Join(t.TempDir(), "hongqi.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fakeWeCom(fake, map[string]string{
		"HONGQI_CONFIG": cfg,
		"HONGQI_DB":     testenv.MySQL(t),
	})
	clk := model.PinClock(at, nil)
	_, prefix := testenv.Redis(t)
	r := startAppReplica(t, env, prefix, clk)
	if _, _, err := roster.Import(context.Background(), r.m.DB, "testdata/reading-roster.csv", model.DateOf(clk.Now(), clk.Location())); err != nil {
		t.Fatalf("import roster: %v", err)
	}
	return r, fake, clk
}

// reply 是签名回调送进去、企业微信收到的被动回复；缺 want 里的任何一段都算错。
func (r *appReplica) reply(t *testing.T, clk *model.Clock, from, text string, want ...string) string {
	t.Helper()
	got := r.say(t, clk, from, text)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s：%q\n回复：%s\n缺少：%s", from, text, got, w)
		}
	}
	return got
}

// received 返回假企业微信这以后收到的、发给 to 的应用消息内容（to 为空时是全部）。
func received(fake *wecomtest.Server, from int, to string) []string {
	var out []string
	for _, m := range fake.Messages()[from:] {
		if to == "" || m.ToUser == to {
			out = append(out, m.Content)
		}
	}
	return out
}

// noCodes 检查给人读的文字里没有内部代码：期别（2026-W45、2026-11-1）、关联（flags:…、star:…）。
func noCodes(t *testing.T, what, text string) {
	t.Helper()
	for _, code := range []string{"2026-W", "2026-11-1", "2026-11-2", "2026-11-3", "flags:", "star:", "leave:"} {
		if strings.Contains(text, code) {
			t.Errorf("%s 里有内部代码 %q：\n%s", what, code, text)
		}
	}
}

// TestWhatPeopleReadThroughWeCom 走一遍 11 月：扣款、测评、排行（两位张三）、周一提名和确认、群里的公布、
// 上周的排行、撤销红旗（您）、服务明星、发布结算、导出的表格——检查的都是假企业微信收到的：被动回复、私信、群消息和文件。
func TestWhatPeopleReadThroughWeCom(t *testing.T) {
	loc := model.Shanghai
	r, fake, clk := readingApp(t, time.Date(2026, 11, 2, 9, 0, 0, 0, loc), true) // 11月第1周的周一
	ctx := context.Background()

	// 扣款通知（私信张三 cg01）。
	r.reply(t, clk, "cg_sup", "扣 张三(cg01) 迟到", "已记录 #1")
	drainApp(t, r)
	deduction := received(fake, 0, "cg01")
	if len(deduction) != 1 || !strings.HasPrefix(deduction[0], "**扣款通知**\n") || !strings.Contains(deduction[0], "2026年11月合计：−10 元") {
		t.Fatalf("张三收到的扣款通知：%q", deduction)
	}
	t.Logf("扣款通知（发给 cg01，markdown）：\n%s", deduction[0])
	r.reply(t, clk, "cg_sup", "规则", "旷工", "100 元", "按旷工处理，扣 100 元（管理办法没写旷工扣多少，这是中心考核规则定的数）")

	// 一周的测评：城关所张三 40/45 满意，李四 30/30，东街所张三 25/25（吴主任录入）。
	r.reply(t, clk, "cg_sup", "测评 张三(cg01) 满意 40 基本满意 0 不满意 5", "共 45 次")
	r.reply(t, clk, "cg_sup", "测评 李四 满意 30 基本满意 0 不满意 0", "共 30 次")
	r.reply(t, clk, "boss", "测评 张三(dj01) 满意 25 基本满意 0 不满意 0", "共 25 次")
	// 城关所张三 (60×8889 + 10×5000)/70 = 8333.4 → 83.33；李四、东街所张三都是 (60×10000 + 10×5000)/70 = 92.86，
	// 满意率相同，测评次数多的李四在前。
	week := r.reply(t, clk, "cg01", "排行",
		"11月第1周（11月2日–8日） 周服务红旗标杆岗排行",
		"1. 李四（城关所） 92.86 分", "2. 张三（东街所） 92.86 分", "3. 张三（城关所） 83.33 分",
		"满意率 88.89%（满意 40、基本 0、不满意 5）",
		"目前领先：李四、张三（东街所）")
	noCodes(t, "排行", week)
	t.Logf("“排行”的回复：\n%s", week)

	// 周一 08:01：提名发给评选小组；吴主任确认，结果公布到全员群。
	clk.Set(time.Date(2026, 11, 9, 8, 1, 0, 0, loc))
	if err := r.m.Sched.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	drainApp(t, r)
	r.reply(t, clk, "boss", "确认红旗", "已确认 11月第1周（11月2日–8日） 周服务红旗标杆岗：李四、张三。结果将发到公布群。")
	drainApp(t, r)
	var ann []wecomtest.RobotMessage
	images := 0
	for _, m := range fake.RobotMessages() {
		switch m.MsgType {
		case "markdown":
			ann = append(ann, m)
		case "image":
			images++
		}
	}
	if len(ann) != 1 || images != 1 {
		t.Fatalf("全员群收到 %d 条文字、%d 张图，想要一条公布和它的排行图：%+v", len(ann), images, fake.RobotMessages())
	}
	for _, w := range []string{"流动红旗｜11月第1周（11月2日–8日） 周服务红旗标杆岗", "获旗：李四（城关所） 92.86 分", "获旗：张三（东街所） 92.86 分", "评选小组已确认"} {
		if !strings.Contains(ann[0].Content, w) {
			t.Errorf("公布缺少 %q：\n%s", w, ann[0].Content)
		}
	}
	noCodes(t, "公布", ann[0].Content)
	t.Logf("每周公布（群机器人“全员群”收到的 markdown）：\n%s", ann[0].Content)

	// 定了以后看上周：说谁评上了，不再说“目前领先”；“不参评 N 人”。
	last := r.reply(t, clk, "cg02", "排行 上周", "已评出：李四、张三（东街所）（评选小组已确认）")
	if strings.Contains(last, "目前领先") {
		t.Errorf("定了以后还说“目前领先”：\n%s", last)
	}
	r.reply(t, clk, "cg02", "排行 本周", "11月第2周（11月9日–15日）", "不参评 4 人")

	// 撤销东街所张三的红旗：期别照回复里的说法写；本人收到的私信称“您”；回复说清告诉了谁。
	before := len(fake.Messages())
	r.reply(t, clk, "boss", "撤销红旗 11月第1周 张三 测评数据不实",
		"已撤销 11月第1周（11月2日–8日） 张三 的周服务红旗标杆岗（记录保留）。", "已通知公布群（全员群）、张三本人。")
	drainApp(t, r)
	cancel := received(fake, before, "dj01")
	if len(cancel) != 1 || !strings.HasPrefix(cancel[0], "您11月第1周（11月2日–8日）的周服务红旗标杆岗已被 吴主任 撤销") {
		t.Errorf("东街所张三收到：%q", cancel)
	}

	// 李四 11 月另有第2、3周的周旗（导入），够 3 次；吴主任评他为 11 月服务明星。
	if _, err := r.m.DB.ImportFlags(ctx, []model.Flag{
		{Kind: model.FlagWeekly, Period: "2026-W46", Month: model.Month{Year: 2026, Month: 11}, StaffID: "cg02", Name: "李四", Branch: "城关所", HeadID: "cg_head", Source: "import"},
		{Kind: model.FlagWeekly, Period: "2026-W47", Month: model.Month{Year: 2026, Month: 11}, StaffID: "cg02", Name: "李四", Branch: "城关所", HeadID: "cg_head", Source: "import"},
	}); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, loc))
	r.reply(t, clk, "boss", "明星 李四 11月", "已评定 李四（城关所）为2026年11月政务服务明星")
	// 草稿、发布的回复、领导的汇总：同一对数，同一个意思。在册的员工、主管、所长各一张（6 张），有奖扣的 2 人（张三、李四）。
	draft := r.reply(t, clk, "boss", "结算 11月", "【草稿】2026年11月结算：结算单 6 张，其中 2 人有奖扣",
		"李四：当月获周服务红旗标杆岗3次以上（营业人员）：本月 3 次（第1周、第2周、第3周） +100 元", "发送“发布 11月”，结算单私信给每个人")
	noCodes(t, "草稿", draft)
	before = len(fake.Messages())
	r.reply(t, clk, "boss", "发布 11月", "已发布2026年11月结算：6 张结算单正在私信发送（其中 2 人有奖扣），汇总已发给 2 位中心领导")
	drainApp(t, r)
	summary := received(fake, before, "dep")
	if len(summary) != 1 || !strings.Contains(summary[0], "2026年11月结算：结算单 6 张，其中 2 人有奖扣") {
		t.Errorf("孙副主任收到的汇总：%q", summary)
	}
	statement := received(fake, before, "cg02")
	if len(statement) != 1 {
		t.Fatalf("李四收到 %d 条，想要一张结算单：%q", len(statement), statement)
	}
	for _, w := range []string{"**2026年11月考核结算单**", "> 李四（城关所）", "本月 3 次（第1周、第2周、第3周） +100 元",
		"> 当月政务服务明星：2026年11月 +200 元", "> 本月周服务红旗：3 次（第1周、第2周、第3周）", "+300 元", "回复“查 2026年11月”可以核对明细"} {
		if !strings.Contains(statement[0], w) {
			t.Errorf("李四的结算单缺少 %q：\n%s", w, statement[0])
		}
	}
	noCodes(t, "结算单", statement[0])
	t.Logf("月度结算单（发给 cg02，markdown）：\n%s", statement[0])
	if zero := received(fake, before, "wk01"); len(zero) != 1 || !strings.Contains(zero[0], "本月没有扣款和奖励记录") {
		t.Errorf("没有记录的王堃收到：%q", zero)
	}

	// 台账里服务明星那一条的编号，与导出的表格里是同一个。
	query := r.reply(t, clk, "cg02", "查 11月", "12月2日 明星 +200 元（2026年11月）")
	starID := ""
	for _, line := range strings.Split(query, "\n") {
		if strings.Contains(line, "明星 +200 元") {
			if i := strings.Index(line, "#"); i >= 0 {
				starID = strings.Fields(line[i+1:])[0]
			}
		}
	}
	if starID == "" {
		t.Fatalf("“查 11月”没有给出服务明星的编号：\n%s", query)
	}
	uploads := len(fake.Uploads())
	r.reply(t, clk, "boss", "导出 11月", "已生成2026年11月考核结算（已发布）")
	drainApp(t, r)
	ups := fake.Uploads()[uploads:]
	if len(ups) != 1 {
		t.Fatalf("假企业微信收到 %d 个文件，想要一张表格", len(ups))
	}
	f, err := excelize.OpenReader(bytes.NewReader(ups[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("明细")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[1], ","); got != "工号,姓名,网点,日期,类别,事项,金额,记录编号,关联,状态" {
		t.Errorf("明细的表头：%s", got)
	}
	var star []string
	for _, row := range rows[2:] {
		if len(row) > 4 && row[4] == "服务明星" {
			star = row
		}
		if len(row) > 8 {
			noCodes(t, "明细的关联", row[8])
		}
	}
	if len(star) < 9 || star[3] != "2026年12月2日" || star[7] != starID || star[8] != "2026年11月政务服务明星" {
		t.Errorf("明细里服务明星那一行 %q，想要 日期 2026年12月2日、记录编号 %s（与“查”一致）、关联 2026年11月政务服务明星", star, starID)
	}
	flagRows, _ := f.GetRows("红旗")
	if len(flagRows) < 3 || flagRows[2][1] != "11月第1周（11月2日–8日）" {
		t.Errorf("红旗表的期别：%q", flagRows)
	}

	// 一个什么也没有的月份：不列空的“分网点：”。
	empty := r.reply(t, clk, "boss", "结算 本月", "【草稿】2026年12月结算：结算单 6 张，都没有奖扣", "本月没有奖扣记录，合计 0 元。")
	if strings.Contains(empty, "分网点") {
		t.Errorf("空的草稿列了分网点：\n%s", empty)
	}
}

// 没有配置公布群时，确认和撤销红旗的回复不说“已通知公布群”，而是说没有公布。
func TestFlagRepliesWithoutAGroupDoNotClaimOne(t *testing.T) {
	loc := model.Shanghai
	r, fake, clk := readingApp(t, time.Date(2026, 11, 2, 9, 0, 0, 0, loc), false)
	r.reply(t, clk, "cg_sup", "测评 李四 满意 30 基本满意 0 不满意 0", "共 30 次")
	clk.Set(time.Date(2026, 11, 9, 8, 1, 0, 0, loc))
	if err := r.m.Sched.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	drainApp(t, r)
	got := r.reply(t, clk, "boss", "确认红旗 上周", "已确认 11月第1周（11月2日–8日） 周服务红旗标杆岗：李四。", "没有配置公布群（flags.announce），结果不公布")
	if strings.Contains(got, "结果将发到公布群") {
		t.Errorf("没有公布群却说会发到公布群：%s", got)
	}
	before := len(fake.Messages())
	got = r.reply(t, clk, "boss", "撤销红旗 上周 李四 测评数据不实", "已通知李四本人", "没有配置公布群（flags.announce），撤销没有公布。")
	if strings.Contains(got, "已通知公布群") {
		t.Errorf("没有公布群却说已通知公布群：%s", got)
	}
	drainApp(t, r)
	if n := len(fake.RobotMessages()) + len(fake.ChatMessages()); n != 0 {
		t.Errorf("没有公布群，群里却收到 %d 条", n)
	}
	if m := received(fake, before, "cg02"); len(m) != 1 || !strings.HasPrefix(m[0], "您11月第1周") {
		t.Errorf("李四收到：%q", m)
	}
}

// 王堃的“堃”不在内置字体里：发布年度时证书画不出来——不挡发布，记日志，领导在回复和汇总里看到怎么补发；
// 装好字体后，吴主任发“补发证书 王堃”，证书（落款是中心、日期是发布那天）作为图片发给王堃和两位中心领导。
func TestCertificateIsReissuedOnceTheFontIsThere(t *testing.T) {
	loc := model.Shanghai
	r, fake, clk := readingApp(t, time.Date(2026, 12, 20, 9, 0, 0, 0, loc), true)
	ctx := context.Background()
	var flags []model.Flag
	for _, p := range []string{"2026-W10", "2026-W20", "2026-W30"} {
		w, _ := model.ParseWeek(p)
		flags = append(flags, model.Flag{Kind: model.FlagWeekly, Period: p, Month: w.Month(loc), StaffID: "wk01", Name: "王堃", Branch: "城关所", HeadID: "cg_head", Source: "import"})
	}
	if _, err := r.m.DB.ImportFlags(ctx, flags); err != nil {
		t.Fatal(err)
	}
	r.m.Settle.Fonts = []string{"testdata/no-such-font.ttc"} // 这台机器上没有含“堃”的字体

	clk.Set(time.Date(2027, 1, 5, 10, 0, 0, 0, loc))
	before, uploads := len(fake.Messages()), len(fake.Uploads())
	r.reply(t, clk, "boss", "发布年度 2026", "已发布 2026 年年度结算",
		"证书没有生成：无法生成王堃的年度服务明星证书：“王堃”中的“堃”字在内置字体里没有", "装好后发“补发证书 王堃 2026”补发")
	drainApp(t, r)
	if sum := received(fake, before, "dep"); len(sum) != 1 || !strings.Contains(sum[0], "补发证书 王堃 2026") {
		t.Errorf("孙副主任的年度汇总没有说怎么补发：%q", sum)
	}
	if n := len(fake.Uploads()) - uploads; n != 0 {
		t.Errorf("画不出来的证书也上传了 %d 个文件", n)
	}

	r.reply(t, clk, "cg_sup", "补发证书 王堃", "只有中心领导可以使用“补发证书”")
	r.m.Settle.Fonts = []string{"../settlement/cert/testdata/rare-sc.otf"} // 装好了含“堃”的字体
	before, uploads = len(fake.Messages()), len(fake.Uploads())
	r.reply(t, clk, "boss", "补发证书 王堃", "已重新生成 王堃（城关所）2026 年度服务明星证书（全年 3 次），稍后以图片私信给本人和 2 位中心领导。")
	drainApp(t, r)
	ups := fake.Uploads()[uploads:]
	if len(ups) != 1 || ups[0].Type != "image" || ups[0].Name != "2026年度服务明星证书-王堃.png" || !bytes.HasPrefix(ups[0].Data, []byte("\x89PNG")) {
		t.Fatalf("补发后上传的文件：%+v", ups)
	}
	var imgs []string
	for _, m := range fake.Messages()[before:] {
		if m.MsgType == "image" {
			imgs = append(imgs, m.ToUser)
		}
	}
	if len(imgs) != 1 || imgs[0] != "wk01|boss|dep" {
		t.Errorf("证书图片发给了 %q，想要王堃和两位中心领导", imgs)
	}
	r.reply(t, clk, "boss", "补发证书 张三(cg01) 2026", "张三（城关所）2026 年获周服务红旗标杆岗 0 次，门槛是 3 次，不是年度服务明星，没有证书。")
}
