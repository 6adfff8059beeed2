package e2e

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/app"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
)

// authzApp 是生产装配（app.Main）的一个实例，花名册 testdata/authz-roster.csv：
//
//	中心：林主任（主任）、高副主任（副主任）、郑分管（分管领导）
//	城关所：所长刘强，主管王芳、赵敏，员工张三、李四
//	东街所：主管孙丽，员工王五；河口所（农村）：所长何平，主管郑芳，员工吴明；东山所（农村）：所长钱所长，员工周七
type authzApp struct {
	m   *app.Main
	seq int
}

func openAuthzApp(t *testing.T, at time.Time) *authzApp {
	t.Helper()
	m := openWithClock(t, map[string]string{"HONGQI_DB": testenv.MySQL(t)}, model.PinClock(at, nil))
	if _, _, err := roster.Import(context.Background(), m.DB, "testdata/authz-roster.csv", model.DateOf(m.Clock.Now(), m.Clock.Location())); err != nil {
		t.Fatalf("import roster: %v", err)
	}
	return &authzApp{m: m}
}

// say 以 from 的身份经机器人（中间件、命令表、服务，与企业微信回调同一条路）发一条消息，返回回复。
func (a *authzApp) say(t *testing.T, from, text string) string {
	t.Helper()
	a.seq++
	reply, err := a.m.Bot.Process(context.Background(), model.Message{
		Key: fmt.Sprintf("msg:authz:%d", a.seq), From: from, Text: text, CreateTime: a.m.Clock.Now(),
	})
	if err != nil {
		t.Fatalf("%s：%q 出错：%v", from, text, err)
	}
	return reply
}

var reNumber = regexp.MustCompile(`(?:#|编号 )(\d+)`)

// id 让 from 发 text，回复须含 want，返回回复里的第一个编号（“#12”或“编号 12”）。
func (a *authzApp) id(t *testing.T, from, text, want string) int64 {
	t.Helper()
	reply := a.say(t, from, text)
	m := reNumber.FindStringSubmatch(reply)
	if !strings.Contains(reply, want) || m == nil {
		t.Fatalf("%s：%q → %s；想要“%s”和编号", from, text, reply, want)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// state 是台账、评分依据和服务明星的全貌：被拒绝的命令之后它不变，允许的命令之后它变。
func (a *authzApp) state(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db := a.m.DB
	entries, err := db.Entries(ctx, model.EntryFilter{IncludeRevoked: true})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&sb, "#%d %s %s %d %s revoked=%v;", e.ID, e.StaffID, e.RuleCode, e.Amount, e.Ref, e.Revoked())
	}
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, model.Shanghai)
	to := time.Date(2027, 2, 1, 0, 0, 0, 0, model.Shanghai)
	in, err := db.StaffInputs(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(in, func(x, y model.StaffInputs) int { return strings.Compare(x.StaffID, y.StaffID) })
	fmt.Fprintf(&sb, "\n%+v", in)
	br, err := db.BranchInputs(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&sb, "\n%+v", br)
	for _, m := range []model.Month{{Year: 2026, Month: 11}, {Year: 2026, Month: 12}} {
		s, err := db.Star(ctx, m)
		if model.ErrorCode(err) != model.ENOTFOUND && err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sb, "\nstar %s %s", m, s.StaffID)
	}
	leaves, err := db.Leaves(ctx, model.LeaveFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leaves {
		fmt.Fprintf(&sb, "\nleave #%d %s %s %s", l.ID, l.StaffID, l.Route, l.Status)
	}
	appeals, err := db.Appeals(ctx, model.AppealFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ap := range appeals {
		fmt.Fprintf(&sb, "\nappeal #%d #%d %s %s", ap.ID, ap.EntryID, ap.Status, ap.DecidedBy)
	}
	flags, err := db.Flags(ctx, model.FlagFilter{IncludeCancelled: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flags {
		fmt.Fprintf(&sb, "\nflag #%d %s %s cancelled=%v", f.ID, f.Period, f.StaffID, f.Cancelled)
	}
	return sb.String()
}

// authzCase 是授权表的一行：命令 × 操作人的角色 × 与对象的关系。
type authzCase struct {
	command  string // 命令名，用于分组和命名
	role     string // 操作人的角色
	relation string // 对象与操作人的关系：本人、上级、同级、下级、范围外……
	as       string // 操作人 userid
	text     string // 发的消息
	allowed  bool
	want     []string // 回复应有的片段
}

func (c authzCase) name() string { return c.command + "/" + c.role + "/" + c.relation }

// TestNobodySettlesTheirOwnCase 是授权表：每条会给人记录、撤销、评分或作决定的命令，由主管、所长、中心领导
// （和员工）分别对本人、上级（或同级）、下级、管理范围外的人发，经机器人走真实的命令路径、写真实的 MariaDB。
// 允许的那些写进了台账或评分依据；被拒绝的什么也没写，回复说明应由谁处理。
func TestNobodySettlesTheirOwnCase(t *testing.T) {
	a := openAuthzApp(t, time.Date(2026, 11, 20, 10, 0, 0, 0, model.Shanghai))
	ctx := context.Background()
	clk := a.m.Clock

	// 11 月：王芳记张三迟到（发布后由主任撤销，成为 12 月的一笔调整）；张三是 11 月的服务明星。
	nov := a.id(t, "cg_sup", "扣 张三 迟到", "已记录")
	if r := a.say(t, "dir", "明星 张三 2026-11"); !strings.Contains(r, "已评定 张三") {
		t.Fatalf("明星 → %s", r)
	}
	// 12 月 2 日发布 11 月：张三的明星奖励 +200 记入 11 月（系统生成）。
	clk.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, model.Shanghai))
	if r := a.say(t, "dir", "发布 2026-11"); !strings.Contains(r, "已发布2026年11月结算") {
		t.Fatalf("发布 → %s", r)
	}
	stars, err := a.m.DB.Entries(ctx, model.EntryFilter{Ref: "star:2026-11"})
	if err != nil || len(stars) != 1 || stars[0].Amount != 200 {
		t.Fatalf("明星奖励 = %+v, %v", stars, err)
	}
	star := stars[0].ID
	if r := a.say(t, "dir", fmt.Sprintf("撤销 %d 记错了", nov)); !strings.Contains(r, "已结账") {
		t.Fatalf("撤销 11 月的记录 → %s", r)
	}
	adjs, err := a.m.DB.Entries(ctx, model.EntryFilter{Ref: fmt.Sprintf("adjusts:#%d", nov)})
	if err != nil || len(adjs) != 1 || adjs[0].Month.String() != "2026-12" {
		t.Fatalf("调整 = %+v, %v", adjs, err)
	}
	adjust := adjs[0].ID
	// 张三的周红旗因虚假信息被撤销：所长刘强被扣“提供虚假信息”−200（系统生成）。
	if _, err := a.m.DB.ImportFlags(ctx, []model.Flag{{Kind: model.FlagWeekly, Period: "2026-W49", Month: model.Month{Year: 2026, Month: 12},
		StaffID: "cg01", Name: "张三", Branch: "城关所", HeadID: "cg_head", Source: "import"}}); err != nil {
		t.Fatal(err)
	}
	if r := a.say(t, "dir", "撤销红旗 2026-W49 张三 测评数据造假"); !strings.Contains(r, "撤销") {
		t.Fatalf("撤销红旗 → %s", r)
	}
	penalties, err := a.m.DB.Entries(ctx, model.EntryFilter{StaffID: "cg_head", RuleCode: "flag_false_info"})
	if err != nil || len(penalties) != 1 {
		t.Fatalf("所长的虚假信息扣款 = %+v, %v", penalties, err)
	}
	penalty := penalties[0].ID

	// 12 月的记录，供撤销用：谁记在谁身上。
	dirOnSup := a.id(t, "dir", "扣 王芳 离岗 超1小时", "旷工")
	dirOnHead := a.id(t, "dir", "扣 刘强 迟到", "已记录")
	depOnDir := a.id(t, "dep", "扣 林主任 迟到", "已记录")
	supOnStaff := a.id(t, "cg_sup", "扣 张三 卫生", "已记录")
	headOnStaff := a.id(t, "cg_head", "扣 李四 卫生", "已记录")
	peerOnStaff := a.id(t, "cg_sup2", "扣 李四 态度", "已记录")
	peerOnStaff2 := a.id(t, "cg_sup2", "扣 张三 态度", "已记录")
	headOnSup := a.id(t, "cg_head", "扣 王芳 态度", "已记录")
	depOnStaff := a.id(t, "dep", "扣 张三 通报", "已记录")
	outside := a.id(t, "dj_sup", "扣 王五 迟到", "已记录")

	// 投诉，供“投诉无效”用：对每个人各一条（对林主任的由高副主任记）。
	complaint := map[string]int64{}
	for _, who := range []string{"王芳", "刘强", "赵敏", "张三", "李四", "王五", "吴明", "高副主任"} {
		complaint[who] = a.id(t, "dir", "投诉 "+who+" 态度生硬", "的投诉")
	}
	complaint["林主任"] = a.id(t, "dep", "投诉 林主任 态度生硬", "的投诉")
	praiseBySup := a.id(t, "cg_sup", "表扬 张三 主动引导", "的表扬")
	spotByHead := a.id(t, "cg_head", "抽查 李四 88", "抽查 88 分")

	// 请假，供“批准”“驳回”用：1 天以内的归主任、副主任；超过 1 天的和主任本人的归分管领导。
	staffShort := a.id(t, "cg01", "请假 半天 看病", "已提交请假")
	staffShort2 := a.id(t, "cg02", "请假 半天 看病", "已提交请假")
	staffLong := a.id(t, "dj01", "请假 12月8日-12月10日 探亲", "超过 1 天，由分管领导审批")
	depLeave := a.id(t, "dep", "请假 半天 体检", "由中心主任或副主任审批")
	dirLeave := a.id(t, "dir", "请假 半天 体检", "您的请假由分管领导审批，已通知郑分管")
	// 升级前交给“主任或副主任”的主任本人的请假（旧的路线）：副主任在主任之下，仍不能批。
	oldDirLeave, err := a.m.DB.CreateLeave(ctx, model.Message{Key: "msg:authz:old-leave", From: "dir", Text: "请假 1 天 开会", CreateTime: clk.Now()},
		model.Leave{StaffID: "dir", StaffName: "林主任", Branch: "中心", Start: model.DateOf(clk.Now(), clk.Location()).AddDays(3),
			End: model.DateOf(clk.Now(), clk.Location()).AddDays(3), HalfDays: 2, Reason: "开会", Route: model.RouteDirector, Status: model.LeavePending}, nil)
	if err != nil {
		t.Fatal(err)
	}

	// 申诉，供“申诉 维持|撤销”用：主管记的交所长，所长记的、主任记的交中心领导（记录人之外）。
	bySup := a.id(t, "cg_sup", "扣 张三 迟到", "已记录")
	appealBySup := a.id(t, "cg01", fmt.Sprintf("申诉 %d 当时在窗口办理业务", bySup), "刘强（城关所所长）")
	byHead := a.id(t, "cg_head", "扣 王芳 卫生", "已记录")
	appealByHead := a.id(t, "cg_sup", fmt.Sprintf("申诉 %d 当天不是我当班", byHead), "中心领导")
	byDir := a.id(t, "dir", "扣 刘强 迟到", "已记录")
	appealByDir := a.id(t, "cg_head", fmt.Sprintf("申诉 %d 当天在县里开会", byDir), "中心领导")

	// 红旗，供“撤销红旗”用：李四的周红旗记在所长刘强名下；另一面张三的，导入时记在林主任名下
	// （导入写错了所长：撤销时“提供虚假信息”会扣到林主任头上，所以林主任不能撤销它）。
	if _, err := a.m.DB.ImportFlags(ctx, []model.Flag{
		{Kind: model.FlagWeekly, Period: "2026-W49", Month: model.Month{Year: 2026, Month: 12}, StaffID: "cg02", Name: "李四", Branch: "城关所", HeadID: "cg_head", Source: "import"},
		{Kind: model.FlagWeekly, Period: "2026-W48", Month: model.Month{Year: 2026, Month: 11}, StaffID: "cg01", Name: "张三", Branch: "城关所", HeadID: "dir", Source: "import"},
	}); err != nil {
		t.Fatal(err)
	}

	// 岗位，供“缺岗”用。
	if _, _, err := a.m.DB.ReplacePosts(ctx, []model.Post{
		{Window: "城关甲窗口", A: "cg_sup", B: []string{"cg01"}},
		{Window: "城关乙窗口", A: "cg_head", B: []string{"cg02"}},
		{Window: "城关丙窗口", A: "cg01", B: []string{"cg02"}},
		{Window: "东街窗口", A: "dj01", B: []string{"dj_sup"}},
	}); err != nil {
		t.Fatal(err)
	}

	// 对人的命令：对象写在 %s，phrase 是拒绝时说的那件事（对象写在 %s）。
	commands := []struct {
		name, text, phrase, ok string
	}{
		{"扣", "扣 %s 迟到", "给%s记扣款或奖励", "已记录 #"},
		{"奖", "奖 %s 信息采纳", "给%s记扣款或奖励", "已记录 #"},
		{"测评", "测评 %s 满意 %d 基本满意 0 不满意 0", "给%s录入测评", "的测评"},
		{"抽查", "抽查 %s 90", "给%s记抽查", "抽查 90 分"},
		{"表扬", "表扬 %s 耐心解答", "给%s记表扬", "的表扬"},
		{"投诉", "投诉 %s 态度生硬", "给%s记投诉", "的投诉"},
		{"投诉无效", "投诉无效 %s 核实不成立", "认定对%s的投诉无效", "已认定无效"},
	}
	// 操作人与对象：refuse 为空表示允许；否则是拒绝时的称呼（本人为“自己”），who 是“应由……处理”。
	type pair struct {
		role, relation, as, target string
		object, who                string // object 非空：在范围内却不在其下；who：应由谁处理
		outside                    string // 非空：范围外，提示以它开头
	}
	pairs := []pair{
		{"主管", "本人", "cg_sup", "王芳", "自己", "城关所的所长或中心领导", ""},
		{"主管", "上级（本所所长）", "cg_sup", "刘强", "所长刘强", "中心领导", ""},
		{"主管", "同级（本所另一位主管）", "cg_sup", "赵敏", "主管赵敏", "城关所的所长或中心领导", ""},
		{"主管", "下级（本所员工）", "cg_sup", "张三", "", "", ""},
		{"主管", "范围外（别所员工）", "cg_sup", "王五", "", "东街所的主管、所长或中心领导", "王五（东街所）不在您的管理范围内"},
		{"所长", "本人", "cg_head", "刘强", "自己", "中心领导", ""},
		{"所长", "上级（主任）", "cg_head", "林主任", "", "其他中心领导", "林主任（中心）不在您的管理范围内"},
		{"所长", "下级（本所主管）", "cg_head", "王芳", "", "", ""},
		{"所长", "下级（本所员工）", "cg_head", "李四", "", "", ""},
		{"所长", "范围外（别所员工）", "cg_head", "吴明", "", "河口所的主管、所长或中心领导", "吴明（河口所）不在您的管理范围内"},
		{"中心领导", "本人", "dir", "林主任", "自己", "其他中心领导", ""},
		{"中心领导", "其他中心领导", "dir", "高副主任", "", "", ""},
		{"中心领导", "下级（所长）", "dir", "刘强", "", "", ""},
		{"中心领导", "下级（员工）", "dir", "王五", "", "", ""},
	}
	var cases []authzCase
	for _, c := range commands {
		for i, p := range pairs {
			text := fmt.Sprintf(c.text, p.target)
			switch c.name {
			case "测评":
				text = fmt.Sprintf(c.text, p.target, 20+i) // 每行不同的次数：同一天再录会覆盖，也要看得出写了
			case "投诉无效":
				text = fmt.Sprintf(c.text, strconv.FormatInt(complaint[p.target], 10))
			}
			row := authzCase{command: c.name, role: p.role, relation: p.relation, as: p.as, text: text}
			switch {
			case p.outside != "":
				row.want = []string{p.outside, "应由" + p.who + "处理"}
			case p.object != "":
				row.want = []string{"您不能" + fmt.Sprintf(c.phrase, p.object) + "，应由" + p.who + "处理"}
			default:
				row.allowed, row.want = true, []string{c.ok}
			}
			cases = append(cases, row)
		}
		// 员工谁也不能记。
		cases = append(cases, authzCase{command: c.name, role: "员工", relation: "同事", as: "cg01",
			text: strings.NewReplacer("%s", "李四", "%d", "20").Replace(c.text), want: []string{"只有主管、所长和中心领导可以使用“" + c.name + "”"}})
	}
	cases = append(cases,
		// 检查：对象是网点；网点的分数关系到所长的奖励，只有所长之上的人（中心领导）能检查，
		// 所以命令表里“检查”只给中心领导（主管、所长的帮助里也不列）；服务里的谓词另有单元测试。
		authzCase{"检查", "主管", "本人所在的网点", "hk_sup", "检查 河口所 卫生 90", false, []string{"只有中心领导可以使用“检查”"}},
		authzCase{"检查", "主管", "范围外的网点", "hk_sup", "检查 东山所 卫生 90", false, []string{"只有中心领导可以使用“检查”"}},
		authzCase{"检查", "所长", "本人的网点", "hk_head", "检查 河口所 卫生 90", false, []string{"只有中心领导可以使用“检查”"}},
		authzCase{"检查", "所长", "范围外的网点", "hk_head", "检查 东山所 卫生 90", false, []string{"只有中心领导可以使用“检查”"}},
		authzCase{"检查", "中心领导", "下级的网点", "dir", "检查 河口所 卫生 90", true, []string{"已记录 河口所 卫生状况 90 分"}},
		authzCase{"检查", "员工", "本人所在的网点", "hk01", "检查 河口所 卫生 90", false, []string{"只有中心领导可以使用“检查”"}},
		// 缺岗：扣的是窗口的 A、B 岗。
		authzCase{"缺岗", "主管", "本人在岗", "cg_sup", "缺岗 城关甲窗口", false, []string{"您不能给自己记扣款或奖励，应由城关所的所长或中心领导处理"}},
		authzCase{"缺岗", "主管", "上级（所长）在岗", "cg_sup", "缺岗 城关乙窗口", false, []string{"您不能给所长刘强记扣款或奖励，应由中心领导处理"}},
		authzCase{"缺岗", "主管", "下级在岗", "cg_sup", "缺岗 城关丙窗口", true, []string{"已记录缺岗"}},
		authzCase{"缺岗", "主管", "范围外的窗口", "cg_sup", "缺岗 东街窗口", false, []string{"王五（东街所）不在您的管理范围内"}},
		authzCase{"缺岗", "所长", "本人在岗", "cg_head", "缺岗 城关乙窗口", false, []string{"您不能给自己记扣款或奖励，应由中心领导处理"}},
		authzCase{"缺岗", "所长", "下级（主管）在岗", "cg_head", "缺岗 城关甲窗口", true, []string{"已记录缺岗"}},
		// 服务明星：中心领导评，不能评自己。
		authzCase{"明星", "中心领导", "本人", "dir", "明星 林主任", false, []string{"您不能把自己评为服务明星，应由其他中心领导处理。"}},
		authzCase{"明星", "中心领导", "下级（员工）", "dir", "明星 李四", true, []string{"已评定 李四"}},
		authzCase{"明星", "主管", "下级（员工）", "cg_sup", "明星 张三", false, []string{"只有中心领导可以使用“明星”"}},
	)
	rev := func(id int64) string { return "撤销 " + strconv.FormatInt(id, 10) + " 我不服" }
	cases = append(cases,
		// 撤销：被记录人与操作人的关系 × 记录人与操作人的关系 × 人记的还是系统生成的。
		authzCase{"撤销", "主管", "本人（主任记的旷工）", "cg_sup", rev(dirOnSup), false, []string{fmt.Sprintf("#%d 记的是您本人，您不能撤销，应由记录人林主任及其上级（其他中心领导）处理。", dirOnSup)}},
		authzCase{"撤销", "主管", "上级（主任记在所长名下）", "cg_sup", rev(dirOnHead), false, []string{fmt.Sprintf("#%d 记的是所长刘强，您不能撤销", dirOnHead)}},
		authzCase{"撤销", "主管", "下级、上级记的", "cg_sup", rev(headOnStaff), false, []string{fmt.Sprintf("#%d 是所长刘强记的，您不能撤销，应由记录人刘强及其上级（中心领导）处理。", headOnStaff)}},
		authzCase{"撤销", "主管", "下级、同级记的", "cg_sup", rev(peerOnStaff), false, []string{fmt.Sprintf("#%d 是主管赵敏记的，您不能撤销，应由记录人赵敏及其上级（城关所的所长或中心领导）处理。", peerOnStaff)}},
		authzCase{"撤销", "主管", "范围外", "cg_sup", rev(outside), false, []string{fmt.Sprintf("#%d 是王五（东街所）的记录，不在您的管理范围内，不能撤销", outside)}},
		authzCase{"撤销", "主管", "已结账月份的服务明星（系统生成）", "cg_sup", rev(star), false, []string{fmt.Sprintf("#%d 是系统生成的记录（", star), "+200 元），只有中心领导可以撤销。"}},
		authzCase{"撤销", "主管", "结账后的调整（系统生成）", "cg_sup", rev(adjust), false, []string{"只有中心领导可以撤销"}},
		authzCase{"撤销", "主管", "下级、本人记的", "cg_sup", rev(supOnStaff), true, []string{fmt.Sprintf("已撤销 #%d", supOnStaff)}},
		authzCase{"撤销", "所长", "本人（虚假信息扣款，系统生成）", "cg_head", rev(penalty), false, []string{fmt.Sprintf("#%d 记的是您本人，您不能撤销，应由中心领导处理。", penalty)}},
		authzCase{"撤销", "所长", "本人（主任记的）", "cg_head", rev(dirOnHead), false, []string{fmt.Sprintf("#%d 记的是您本人", dirOnHead)}},
		authzCase{"撤销", "所长", "下级、上级（副主任）记的", "cg_head", rev(depOnStaff), false, []string{fmt.Sprintf("#%d 是副主任高副主任记的，您不能撤销", depOnStaff)}},
		authzCase{"撤销", "所长", "范围外", "cg_head", rev(outside), false, []string{"不在您的管理范围内，不能撤销"}},
		authzCase{"撤销", "所长", "下级、下级主管记的", "cg_head", rev(peerOnStaff), true, []string{fmt.Sprintf("已撤销 #%d", peerOnStaff)}},
		authzCase{"撤销", "所长", "下级（主管）、本人记的", "cg_head", rev(headOnSup), true, []string{fmt.Sprintf("已撤销 #%d", headOnSup)}},
		authzCase{"撤销", "中心领导", "本人（副主任记的）", "dir", rev(depOnDir), false, []string{fmt.Sprintf("#%d 记的是您本人，您不能撤销，应由记录人高副主任及其上级（其他中心领导）处理。", depOnDir)}},
		authzCase{"撤销", "中心领导", "下级、其他中心领导记的", "dir", rev(depOnStaff), true, []string{fmt.Sprintf("已撤销 #%d", depOnStaff)}},
		authzCase{"撤销", "中心领导", "所长的虚假信息扣款（系统生成）", "dir", rev(penalty), true, []string{fmt.Sprintf("已撤销 #%d", penalty)}},
		authzCase{"撤销", "中心领导", "已结账月份的服务明星（系统生成）", "dir", rev(star), true, []string{"已结账", "调整 #"}},
		authzCase{"撤销", "中心领导", "下级、本人记的", "dir", rev(dirOnSup), true, []string{fmt.Sprintf("已撤销 #%d", dirOnSup)}},
		authzCase{"撤销", "员工", "下级记的", "cg01", rev(peerOnStaff2), false, []string{"只有主管、所长和中心领导可以使用“撤销”"}},
		// 撤销评分依据（撤销 投诉 12）：同一个判断。
		authzCase{"撤销评分依据", "主管", "本人（对自己的投诉）", "cg_sup", fmt.Sprintf("撤销 投诉 %d", complaint["王芳"]), false,
			[]string{fmt.Sprintf("投诉 %d 记的是您本人，您不能撤销，应由记录人林主任及其上级（其他中心领导）处理。", complaint["王芳"])}},
		authzCase{"撤销评分依据", "主管", "上级（对所长的投诉）", "cg_sup", fmt.Sprintf("撤销 投诉 %d", complaint["刘强"]), false,
			[]string{fmt.Sprintf("投诉 %d 记的是所长刘强，您不能撤销", complaint["刘强"])}},
		authzCase{"撤销评分依据", "主管", "下级、上级录入的", "cg_sup", fmt.Sprintf("撤销 抽查 %d", spotByHead), false,
			[]string{fmt.Sprintf("抽查 %d 是所长刘强记的，您不能撤销", spotByHead)}},
		authzCase{"撤销评分依据", "主管", "下级、本人录入的", "cg_sup", fmt.Sprintf("撤销 表扬 %d", praiseBySup), true,
			[]string{fmt.Sprintf("已撤销表扬 %d", praiseBySup)}},
		authzCase{"撤销评分依据", "所长", "本人（对自己的投诉）", "cg_head", fmt.Sprintf("撤销 投诉 %d", complaint["刘强"]), false,
			[]string{fmt.Sprintf("投诉 %d 记的是您本人", complaint["刘强"])}},
		authzCase{"撤销评分依据", "所长", "下级、本人录入的", "cg_head", fmt.Sprintf("撤销 抽查 %d", spotByHead), true,
			[]string{fmt.Sprintf("已撤销抽查 %d", spotByHead)}},
	)

	approve := func(id int64) string { return "批准 " + strconv.FormatInt(id, 10) }
	decide := func(how string, id int64) string { return fmt.Sprintf("申诉 %s %d 已核实", how, id) }
	cases = append(cases,
		// 批准、驳回请假：审批链 副主任 < 中心主任 < 分管领导；谁也不批自己的、不批在自己之上的人的。
		authzCase{"批准", "中心领导（主任）", "本人", "dir", approve(dirLeave), false, []string{fmt.Sprintf("请假 #%d 共 半天，您不能审批自己的请假，应由分管领导审批。", dirLeave)}},
		authzCase{"批准", "中心领导（副主任）", "上级（主任）", "dep", approve(dirLeave), false, []string{"应由分管领导审批；您是副主任，不能审批。"}},
		authzCase{"批准", "中心领导（副主任）", "上级（主任，旧的 1 天路线）", "dep", approve(oldDirLeave.ID), false, []string{"这是中心主任林主任的请假，中心主任在您之上，您不能审批，应由分管领导审批。"}},
		authzCase{"批准", "中心领导（副主任）", "本人", "dep", approve(depLeave), false, []string{"您不能审批自己的请假，应由其他中心主任或副主任审批。"}},
		authzCase{"批准", "中心领导（主任）", "超过 1 天（分管领导的）", "dir", approve(staffLong), false, []string{"应由分管领导审批；您是中心主任，不能审批。"}},
		authzCase{"批准", "中心领导（分管领导）", "1 天以内（主任、副主任的）", "lead", approve(staffShort2), false, []string{"应由中心主任或副主任审批；您是分管领导，不能审批。"}},
		authzCase{"批准", "主管", "下级（员工）", "cg_sup", approve(staffShort), false, []string{"只有中心主任、副主任和分管领导可以使用“批准”"}},
		authzCase{"批准", "中心领导（主任）", "下级（副主任）", "dir", approve(depLeave), true, []string{fmt.Sprintf("已批准请假 #%d", depLeave)}},
		authzCase{"批准", "中心领导（副主任）", "下级（员工）", "dep", approve(staffShort), true, []string{fmt.Sprintf("已批准请假 #%d", staffShort)}},
		authzCase{"批准", "中心领导（分管领导）", "下级（主任）", "lead", approve(dirLeave), true, []string{fmt.Sprintf("已批准请假 #%d", dirLeave)}},
		authzCase{"驳回", "中心领导（分管领导）", "下级（员工，超过 1 天）", "lead", "驳回 " + strconv.FormatInt(staffLong, 10) + " 月底人手紧", true, []string{fmt.Sprintf("已驳回请假 #%d", staffLong)}},
		authzCase{"请假", "中心领导（分管领导）", "本人，没有在其之上的人", "lead", "请假 半天 体检", false, []string{"花名册里没有可以审批这张请假单的分管领导"}},
		// 裁决申诉：在申诉人和记录人之上，不是他们本人。
		authzCase{"申诉裁决", "员工", "本人的申诉", "cg01", decide("撤销", appealBySup), false, []string{"不能处理自己的申诉"}},
		authzCase{"申诉裁决", "主管", "记录人", "cg_sup", decide("维持", appealBySup), false, []string{"记录人不能处理"}},
		authzCase{"申诉裁决", "主管", "同级（本所另一位主管）", "cg_sup2", decide("撤销", appealBySup), false, []string{fmt.Sprintf("申诉 #%d 由城关所所长或中心领导处理，您不能处理。", appealBySup)}},
		authzCase{"申诉裁决", "所长", "范围外（别所的申诉）", "hk_head", decide("撤销", appealBySup), false, []string{"由城关所所长或中心领导处理，您不能处理"}},
		authzCase{"申诉裁决", "所长", "记录人（所长记的）", "cg_head", decide("撤销", appealByHead), false, []string{"记录人不能处理"}},
		authzCase{"申诉裁决", "主管", "本人的申诉（所长记的）", "cg_sup", decide("撤销", appealByHead), false, []string{"不能处理自己的申诉"}},
		authzCase{"申诉裁决", "中心领导", "记录人（主任记的）", "dir", decide("撤销", appealByDir), false, []string{"记录人不能处理"}},
		authzCase{"申诉裁决", "所长", "本人的申诉（主任记的）", "cg_head", decide("撤销", appealByDir), false, []string{"不能处理自己的申诉"}},
		authzCase{"申诉裁决", "所长", "下级、下级主管记的", "cg_head", decide("维持", appealBySup), true, []string{"不成立：维持"}},
		authzCase{"申诉裁决", "中心领导（副主任）", "下级、所长记的", "dep", decide("撤销", appealByHead), true, []string{"成立：已撤销"}},
		authzCase{"申诉裁决", "中心领导（分管领导）", "下级、其他中心领导记的", "lead", decide("维持", appealByDir), true, []string{"不成立：维持"}},
		// 撤销红旗：中心领导撤销；涉及本人的（红旗记在本人名下的所长要被扣款）不能撤。
		authzCase{"撤销红旗", "所长", "下级（本所员工）", "cg_head", "撤销红旗 2026-W49 李四 测评数据造假", false, []string{"只有中心领导可以使用“撤销红旗”"}},
		authzCase{"撤销红旗", "中心领导", "本人（红旗记在本人名下）", "dir", "撤销红旗 2026-W48 张三 测评数据造假", false, []string{"您不能撤销涉及自己的红旗，应由其他中心领导处理。"}},
		authzCase{"撤销红旗", "中心领导", "其他中心领导（红旗记在主任名下）", "dep", "撤销红旗 2026-W48 张三 测评数据造假", true, []string{"已撤销"}},
		authzCase{"撤销红旗", "中心领导", "下级（员工和所长）", "dir", "撤销红旗 2026-W49 李四 测评数据造假", true, []string{"已撤销"}},
	)

	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			before := a.state(t)
			reply := a.say(t, c.as, c.text)
			for _, w := range c.want {
				if !strings.Contains(reply, w) {
					t.Errorf("%s 发“%s”\n回复：%s\n缺少：%s", c.as, c.text, reply, w)
				}
			}
			after := a.state(t)
			if c.allowed && after == before {
				t.Errorf("%s 发“%s”应当生效，却什么也没写：%s", c.as, c.text, reply)
			}
			if !c.allowed && after != before {
				t.Errorf("%s 发“%s”被拒绝，却改了数据：%s\n之前：%s\n之后：%s", c.as, c.text, reply, before, after)
			}
		})
	}
	t.Logf("授权表 %d 行", len(cases))
}
