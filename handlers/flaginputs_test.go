package handlers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/redflag/rank"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/store"
)

// setupFlagInputs 在全新的 MariaDB 上组装带评分命令的机器人：花名册 testdata/flag-roster.csv，
// 时钟在 2026-11-05（周四，第 45 周、11 月上旬）9:30。
func setupFlagInputs(t *testing.T) (*bot.Bot, *store.DB, *model.Clock) {
	t.Helper()
	clk := model.PinClock(at(5), nil)
	db := openStore(t, "testdata/flag-roster.csv", clk)
	cat := rules.Default()
	svc := &ledger.Service{Staff: db, Ledger: db, Catalog: cat, Clock: clk}
	b := newBot(t, bot.Options{Staff: db, Units: db, Log: quietLog, Clock: clk})
	cfg := config.DefaultFlags()
	ranker := &rank.Service{Inputs: db, Staff: db, Cfg: cfg, Loc: shanghaiLoc}
	Register(b, Deps{Ledger: svc, Clock: clk,
		Inputs: &redflag.Inputs{Store: db, Ledger: svc, Items: cfg.Dekad.Items, Clock: clk},
		Flags:  &redflag.Service{Store: db, Outbox: db, Staff: db, Ranker: ranker, Ledger: svc, Cfg: cfg, Clock: clk, Log: quietLog},
	})
	return b, db, clk
}

type flagStep struct {
	as, text string
	key      string // 非空时用这个消息 Key（模拟重复投递）
	want     []string
	notWant  []string
}

func runFlagSteps(t *testing.T, b *bot.Bot, steps []flagStep) {
	t.Helper()
	for i, s := range steps {
		key := s.key
		if key == "" {
			key = fmt.Sprintf("msg:%s:%d", t.Name(), i)
		}
		sayStep(t, b, i, model.Message{Key: key, From: s.as, Text: s.text, CreateTime: at(5)}, s.want, s.notWant)
	}
}

// TestFlagInputsAndRanking 录入一周的评分依据，再看排行：
//
//	李四 满意 38 基本 2 → 97.50%；抽查 92；表扬 1、投诉 1 但已认定无效 → 反映 60
//	     (60×9750 + 30×9200 + 10×6000)/100 = (585000+276000+60000)/100 = 9210 → 92.10
//	周九 满意 19 不满意 1 → 95.00%；未抽查，权重分给其他两项；反映 50
//	     (60×9500 + 10×5000)/70 = 620000/70 = 8857.14 → 88.57
//	孙八 只有 5 次测评 → 不参评
//	河口所 卫生 90，其余未检查 → 30×9000/100 = 2700 → 27.00
func TestFlagInputsAndRanking(t *testing.T) {
	b, db, _ := setupFlagInputs(t)
	runFlagSteps(t, b, []flagStep{
		{as: "wzg", text: "测评 李四 满意 38 基本满意 2 不满意 0", key: "msg:m1",
			want: []string{"已记录 李四 11月5日 的测评（编号 1）：满意 38、基本满意 2、不满意 0（共 40 次）。", "录错了请发“撤销 测评 1”"}},
		// 企业微信重试同一消息：回复与第一次相同，排行里只计一次（见下面的得分）。
		{as: "wzg", text: "测评 李四 满意 38 基本满意 2 不满意 0", key: "msg:m1",
			want: []string{"已记录 李四 11月5日 的测评（编号 1）：满意 38、基本满意 2、不满意 0（共 40 次）。", "录错了请发“撤销 测评 1”"}},
		{as: "wzg", text: "测评 周九 满意19 不满意1 昨天", want: []string{"还缺“基本满意”的次数，这次没有记录。三项都要写，没有的写 0"}},
		{as: "wzg", text: "测评 周九 满意19 基本满意0 不满意1 昨天", want: []string{"周九 11月4日 的测评（编号 2）：满意 19、基本满意 0、不满意 1（共 20 次）"}},
		{as: "wzg", text: "测评 孙八 满意 5 基本 0 不满意 0", want: []string{"满意 5、基本满意 0、不满意 0（共 5 次）"}},
		{as: "wzg", text: "测评 孙八 满意5 基本0 不满意0", want: []string{"满意 5、基本满意 0、不满意 0（共 5 次）"}},
		{as: "wzg", text: "测评 钱七 满意 30 基本满意 0 不满意 0", want: []string{"钱七（东街所）不在您的管理范围内"}},
		{as: "wzg", text: "测评 李四 很好 30", want: []string{"“很好”看不懂"}},
		{as: "wzg", text: "测评 李四 满意 3 基本满意 0 不满意 0 明天", want: []string{"还没到，不能录入测评"}},
		{as: "wzg", text: "抽查 李四 92 着装规范", want: []string{"已记录 李四 抽查 92 分（编号 1）。录错了请发“撤销 抽查 1”。"}},
		{as: "wzg", text: "抽查 李四 120", want: []string{"应为 0 到 100 的整数"}},
		{as: "ls01", text: "抽查 周九 90", want: []string{"只有", "可以使用“抽查”"}},
		{as: "wzg", text: "投诉 李四 态度生硬", want: []string{"已记录对 李四 的投诉（编号 1）", "投诉无效 1 理由", "撤销 投诉 1"}},
		{as: "wzg", text: "表扬 李四 耐心解答", want: []string{"已记录对 李四 的表扬（编号 2）。录错了请发“撤销 表扬 2”。"}},
		{as: "lsz", text: "投诉无效 1", want: []string{"不在您的管理范围内"}},
		{as: "wzg", text: "投诉无效 2", want: []string{"编号 2 是表扬，不是投诉"}},
		{as: "wzg", text: "投诉无效 1 录像显示服务规范", want: []string{"对 李四 的投诉（编号 1）已认定无效：记录保留，不再计入评分"}},
		{as: "wzg", text: "投诉无效 1", want: []string{"已经认定无效"}},
		{as: "lsz", text: "检查 河口所 卫生 90", want: []string{"只有中心领导可以使用“检查”。"}},
		{as: "gly", text: "检查 河口所 卫生 90", want: []string{"已记录 河口所 卫生状况 90 分（编号 1）", "计入11月上旬", "撤销 检查 1"}},
		{as: "gly", text: "检查 河口所 打扫 90", want: []string{"“打扫”看不懂", "卫生、综合服务、基础管理、晨会"}},
		{as: "wzg", text: "检查 河口所 卫生 80", want: []string{"只有中心领导可以使用“检查”。"}},
		{as: "gly", text: "检查 城关所 卫生 80", want: []string{"“城关所”不是花名册里的农村网点", "河口所"}},
		{as: "ls01", text: "排行", want: []string{
			"11月第1周（11月2日–8日） 周服务红旗标杆岗排行",
			"1. 李四（城关所） 92.10 分",
			"满意率 97.50%（满意 38、基本 2、不满意 0）；抽查 92.00 分（1 次）；客户反映 60 分（表扬 1、有效投诉 0）",
			"2. 周九（城关所） 88.57 分",
			"抽查 未抽查（权重分给其他两项）",
			"不参评 2 人：", "孙八：测评不足 20 次（只有 5 次）",
			"目前领先：李四、周九",
			rank.WeeklyTieRule,
		}, notWant: []string{"王主管", "何一"}},
		{as: "hk01", text: "排行 本旬", want: []string{"11月上旬 旬服务红旗标杆所排行", "1. 河口所 27.00 分", "晨会组织 未检查（计 0 分）"}},
		{as: "ls01", text: "排行 本月", want: []string{"2026年11月 周服务红旗标杆岗", "11月第1周（11月2日–8日），进行中：李四 92.10、周九 88.57"}, notWant: []string{"10月第5周", "11月第2周", "2026-W"}},
		{as: "ls01", text: "排行 上周", want: []string{"10月第5周（10月26日–11月1日）", "暂无符合条件的人选", "不参评 4 人"}},
		{as: "ls01", text: "排行 明年", want: []string{"请写 本周、上周、本旬、上旬 或 本月"}},
	})
	// 重复投递只写了一次：李四本周仍是 40 次测评。
	w := model.Week{Year: 2026, Week: 45}
	in, err := db.StaffInputs(context.Background(), w.Start(shanghaiLoc), w.End(shanghaiLoc).Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range in {
		if s.StaffID == "ls01" && s.Ratings() != 40 {
			t.Errorf("李四测评 %d 次，想要 40（重复投递不应再写）", s.Ratings())
		}
	}
}

func TestFlagInputsHelp(t *testing.T) {
	b, _, _ := setupFlagInputs(t)
	runFlagSteps(t, b, []flagStep{
		{as: "wzg", text: "帮助 红旗", want: []string{"【红旗评分】", "测评 <人> 满意", "投诉无效 <编号>", "排行 [本周|上周|本旬|上旬|本月]", "撤销 抽查 12"}},
		{as: "ls01", text: "帮助 红旗", want: []string{"排行 [本周|上周|本旬|上旬|本月]"}, notWant: []string{"测评 <人>", "抽查 <人>"}},
	})
}

// TestInputRevocations 录错的测评、抽查、表扬、投诉、检查用“撤销 <类别> <编号>”撤销：原记录保留、注明已撤销，
// 不再计分；管理范围同录入；撤过的不能再撤。测评只写一项的被拒绝（说缺哪几项），同一天再录说明替换了什么。
func TestInputRevocations(t *testing.T) {
	b, db, _ := setupFlagInputs(t)
	runFlagSteps(t, b, []flagStep{
		{as: "wzg", text: "测评 李四 满意 38 基本满意 2 不满意 0", want: []string{"（编号 1）：满意 38、基本满意 2、不满意 0（共 40 次）"}, notWant: []string{"已被替换"}},
		{as: "wzg", text: "测评 李四 满意 10", want: []string{"还缺“基本满意”“不满意”的次数，这次没有记录。"}},
		{as: "wzg", text: "测评 李四 满意10 不满意0", want: []string{"还缺“基本满意”的次数"}},
		{as: "wzg", text: "测评 李四 满意 10 基本满意 0 不满意 0", want: []string{"（编号 1）：满意 10、基本满意 0、不满意 0（共 10 次）。",
			"这一天先前录入的满意 38、基本满意 2、不满意 0（共 40 次）已被替换。"}},
		{as: "wzg", text: "抽查 李四 92 10:20，着装规范。", want: []string{"（编号 1）", "撤销 抽查 1"}},
		{as: "wzg", text: "表扬 李四 耐心", want: []string{"表扬（编号 1）", "撤销 表扬 1"}},
		{as: "lsz", text: "检查 河口所 卫生 90", want: []string{"只有中心领导可以使用“检查”。"}},
		{as: "gly", text: "检查 河口所 卫生 90", want: []string{"（编号 1）", "撤销 检查 1"}},
		{as: "wzg", text: "撤销 抽查 1 记错人了", want: []string{"已撤销抽查 1：李四 抽查 92 分（11月5日 王主管 录入）。原记录保留，注明已撤销，不再计分。", "理由：记错人了"}},
		{as: "wzg", text: "撤销 抽查 1", want: []string{"抽查 1 已于 11月5日 09:30 被王主管撤销，不用再撤。"}},
		{as: "lsz", text: "撤销 表扬 1", want: []string{"表扬 1 是李四（城关所）的记录，不在您的管理范围内，不能撤销，应由记录人王主管及其上级（城关所的所长或中心领导）处理。"}},
		{as: "wzg", text: "撤销 投诉 1", want: []string{"编号 1 是表扬，不是投诉。要撤销它请发“撤销 表扬 1”。"}},
		{as: "wzg", text: "撤销 表扬 1", want: []string{"已撤销表扬 1：对 李四 的表扬"}},
		{as: "wzg", text: "撤销 检查 1", want: []string{"检查 1 是河口所的记录，不在您的管理范围内，不能撤销"}},
		{as: "lsz", text: "撤销 检查 1 打错分", want: []string{"检查 1 是对您所在的河口所的检查，您不能撤销"}},
		{as: "gly", text: "撤销 检查 1 打错分", want: []string{"已撤销检查 1：河口所 卫生状况 90 分（11月5日 管理员 录入）"}},
		{as: "wzg", text: "撤销 测评 1", want: []string{"已撤销测评 1：李四 11月5日 的测评 满意 10、基本满意 0、不满意 0（共 10 次）（11月5日 王主管 录入）"}},
		{as: "wzg", text: "撤销 抽查 99", want: []string{"没有编号为 99 的抽查记录"}},
		{as: "wzg", text: "撤销 抽查", want: []string{"请写抽查的编号（录入时的回复里有），例如：撤销 抽查 12 记错人了"}},
		{as: "wzg", text: "撤销 抽查 -1", want: []string{"编号“-1”不对"}},
		{as: "ls01", text: "撤销 抽查 1", want: []string{"只有主管、所长和中心领导可以使用“撤销”。"}},
	})
	ctx := context.Background()
	w := model.Week{Year: 2026, Week: 45}
	from, to := w.Start(shanghaiLoc), w.End(shanghaiLoc)
	in, err := db.StaffInputs(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range in {
		if s.StaffID == "ls01" && (s.Ratings() != 0 || s.SpotCount != 0 || s.Praise != 0) {
			t.Errorf("撤销后李四仍计入：%+v", s)
		}
	}
	if br, err := db.BranchInputs(ctx, from, to); err != nil || len(br) != 0 {
		t.Errorf("撤销后网点检查仍计入：%+v, %v", br, err)
	}
	// 原记录还在，注明已撤销；备注照原文。
	spot, err := db.Input(ctx, model.InputSpot, 1)
	if err != nil || spot.Revoked == nil || spot.Score != 92 || spot.Note != "10:20，着装规范。" || spot.Revoked.Reason != "记错人了" {
		t.Errorf("抽查 1 = %+v, %v；应保留、注明已撤销（理由“记错人了”），备注“10:20，着装规范。”", spot, err)
	}
	// 撤销之后同一天再录测评：新的录入照常计分。
	runFlagSteps(t, b, []flagStep{
		{as: "wzg", text: "测评 李四 满意 20 基本满意 0 不满意 0", key: "msg:again", want: []string{"（编号 1）：满意 20"}, notWant: []string{"已被替换"}},
	})
	in, err = db.StaffInputs(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, s := range in {
		if s.StaffID == "ls01" {
			got = s.Ratings()
		}
	}
	if got != 20 {
		t.Errorf("撤销后再录的测评计 %d 次，应为 20", got)
	}
}

// TestTypedNumbers：人们真会打出来的数——全角数字、超大的数、负数、1e9、小数、千分位——
// 要么读对，要么说明应写什么、什么也不记；绝不存下 MaxInt64，也不把写错的编号当作理由。
func TestTypedNumbers(t *testing.T) {
	b, _, _ := setupFlagInputs(t)
	const countHint = "的次数应为 0 到 10000 的整数，这次没有记录"
	const scoreHint = "应为 0 到 100 的整数"
	runFlagSteps(t, b, []flagStep{
		{as: "wzg", text: "测评 周九 满意99999999999999999999 不满意 0", want: []string{"“满意99999999999999999999”" + countHint}},
		{as: "wzg", text: "测评 周九 满意 99999999999999999999", want: []string{"“满意 99999999999999999999”" + countHint}},
		{as: "wzg", text: "测评 周九 满意 -5", want: []string{"“满意 -5”" + countHint}},
		{as: "wzg", text: "测评 周九 满意 1e9", want: []string{"“满意 1e9”" + countHint}},
		{as: "wzg", text: "测评 周九 满意 10001", want: []string{"“满意 10001”" + countHint}},
		{as: "wzg", text: "测评 周九 满意 3.5", want: []string{"“满意 3.5”" + countHint}},
		{as: "wzg", text: "测评 周九 基本满意10001 不满意 0", want: []string{"“基本满意10001”" + countHint}},
		{as: "wzg", text: "测评 周九 满意 1,000", want: []string{"看不懂"}},
		{as: "wzg", text: "测评 周九 满意１９ 基本满意０ 不满意１", want: []string{"满意 19、基本满意 0、不满意 1（共 20 次）"}},
		{as: "wzg", text: "测评 李四 满意 ２０次 基本满意 10000 不满意 0", want: []string{"满意 20、基本满意 10000、不满意 0"}},
		{as: "wzg", text: "测评 李四 满意 1 基本满意 0 不满意 0 2月30日", want: []string{"2月没有30日"}},
		{as: "wzg", text: "抽查 李四 ９５", want: []string{"已记录 李四 抽查 95 分"}},
		{as: "wzg", text: "抽查 李四 95分", want: []string{"已记录 李四 抽查 95 分"}},
		{as: "wzg", text: "抽查 李四 -1", want: []string{"分数“-1”" + scoreHint}},
		{as: "wzg", text: "抽查 李四 101", want: []string{"分数“101”" + scoreHint}},
		{as: "wzg", text: "抽查 李四 1e2", want: []string{"分数“1e2”" + scoreHint}},
		{as: "wzg", text: "抽查 李四 99999999999999999999", want: []string{"分数“99999999999999999999”" + scoreHint}},
		{as: "wzg", text: "抽查 李四 九十", want: []string{"分数“九十”" + scoreHint}},
		{as: "gly", text: "检查 河口所 卫生 ９０", want: []string{"已记录 河口所 卫生状况 90 分"}},
		{as: "gly", text: "检查 河口所 卫生 1e9", want: []string{"分数“1e9”" + scoreHint}},
		{as: "gly", text: "检查 河口所 卫生 -0.5", want: []string{"分数“-0.5”" + scoreHint}},
		{as: "wzg", text: "投诉无效 99999999999999999999", want: []string{"投诉编号“99999999999999999999”应为正整数"}},
		{as: "wzg", text: "投诉无效 -3", want: []string{"投诉编号“-3”应为正整数"}},
		{as: "wzg", text: "投诉无效 0", want: []string{"投诉编号“0”应为正整数"}},
		{as: "wzg", text: "投诉无效 1a 核实不成立", want: []string{"投诉编号“1a”应为正整数"}},
		{as: "wzg", text: "投诉无效 核实不成立", want: []string{"请写投诉编号（记投诉时的回复里有）"}},
		{as: "wzg", text: "扣 李四 迟到", want: []string{"已记录 #1"}},
		{as: "wzg", text: "撤销 99999999999999999999 记错了", want: []string{"编号“99999999999999999999”不对"}, notWant: []string{"已撤销"}},
		{as: "wzg", text: "撤销 －1", want: []string{"编号“-1”不对"}, notWant: []string{"已撤销"}},
		{as: "wzg", text: "撤销 #０", want: []string{"编号“#0”不对"}, notWant: []string{"已撤销"}},
		{as: "wzg", text: "查 李四", want: []string{"合计 −10 元"}},
		{as: "wzg", text: "查 李四 2026-13", want: []string{"月份“2026-13”不存在"}},
		{as: "ls01", text: "排行", want: []string{"周九（城关所）", "满意 19、基本 0、不满意 1"}, notWant: []string{"9223372036854775807"}},
	})
}

// TestInvalidComplaintNumbers：“投诉无效”的编号与“撤销”同一种读法（model.ParseSerial），编号之后的原文是理由。
func TestInvalidComplaintNumbers(t *testing.T) {
	b, db, _ := setupFlagInputs(t)
	runFlagSteps(t, b, []flagStep{
		{as: "wzg", text: "投诉 李四 态度生硬", want: []string{"（编号 1）"}},
		{as: "wzg", text: "投诉 周九 态度生硬", want: []string{"（编号 2）"}},
		{as: "wzg", text: "投诉 孙八 态度生硬", want: []string{"（编号 3）"}},
		{as: "wzg", text: "投诉无效 1号 录像显示服务规范", want: []string{"对 李四 的投诉（编号 1）已认定无效"}},
		{as: "wzg", text: "投诉无效 #2", want: []string{"对 周九 的投诉（编号 2）已认定无效"}},
		{as: "wzg", text: "投诉无效 编号：3 核实不成立", want: []string{"对 孙八 的投诉（编号 3）已认定无效"}},
	})
	in, err := db.StaffInputs(context.Background(), at(1), at(30))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range in {
		if s.Complaints != 0 {
			t.Errorf("%s 还有 %d 次有效投诉，三次投诉都应已认定无效", s.StaffID, s.Complaints)
		}
	}
}
