package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// 撤销红旗时所长“提供虚假信息”的扣款经台账服务写入，守结账的规矩：撤销在 11 月登记了，扣款却没来得及记
// （进程在撤销之后、记扣款之前退出）；11 月随后发布结账；12 月领导再发一次“撤销红旗”补记时，扣款不再写进已结账的
// 11 月，而是作为调整记在 12 月，所长经企业微信收到的通知说明了这一点。
func TestFlagCancelPenaltyInPublishedMonthIsAnAdjustment(t *testing.T) {
	m, fake := openNoticeApp(t, time.Date(2026, 11, 20, 10, 0, 0, 0, model.Shanghai))
	ctx := context.Background()
	clk := m.Clock
	if _, err := m.DB.ImportFlags(ctx, []model.Flag{{Kind: model.FlagWeekly, Period: "2026-W46", Month: model.Month{Year: 2026, Month: 11},
		StaffID: "cg01", Name: "张三", Branch: "城关所", HeadID: "cg_head", Source: "import"}}); err != nil {
		t.Fatal(err)
	}
	flags, err := m.DB.Flags(ctx, model.FlagFilter{Period: "2026-W46"})
	if err != nil || len(flags) != 1 {
		t.Fatalf("flags = %+v, %v", flags, err)
	}
	// 11 月 30 日撤销登记了，扣款没有记上。
	clk.Set(time.Date(2026, 11, 30, 16, 0, 0, 0, model.Shanghai))
	if _, err := m.DB.CancelFlag(ctx, flags[0].ID, "boss", "测评数据造假", clk.Now(), nil); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, model.Shanghai))
	if reply := say(t, m, "boss", "发布 2026-11"); !strings.Contains(reply, "已发布2026年11月结算") {
		t.Fatalf("发布 → %s", reply)
	}
	sendAll(t, m)
	before := len(fake.Messages())

	clk.Set(time.Date(2026, 12, 3, 10, 0, 0, 0, model.Shanghai))
	if reply := say(t, m, "boss", "撤销红旗 2026-W46 张三 测评数据造假"); !strings.Contains(reply, "已经撤销过了") {
		t.Fatalf("撤销红旗 → %s", reply)
	}
	say(t, m, "boss", "撤销红旗 2026-W46 张三 测评数据造假") // 再发一次也只记一次
	es, err := m.DB.Entries(ctx, model.EntryFilter{StaffID: "cg_head"})
	if err != nil || len(es) != 1 {
		t.Fatalf("所长的记录 = %+v（%v），想要一条", es, err)
	}
	e := es[0]
	if e.RuleCode != "flag_false_info" || e.Amount != -200 || e.Month.String() != "2026-12" ||
		!strings.HasPrefix(e.Note, "调整（原属2026年11月，该月已结账）") || e.Ref != "flag:1:false-info" {
		t.Errorf("所长的扣款 = %+v；想要 −200 作为调整记在 2026-12", e)
	}
	sendAll(t, m)
	var got []string
	for _, msg := range fake.Messages()[before:] {
		if msg.ToUser == "cg_head" {
			got = append(got, msg.Content)
		}
	}
	if len(got) != 1 {
		t.Fatalf("所长收到 %d 条通知：%q，想要一条扣款通知", len(got), got)
	}
	for _, want := range []string{"**扣款通知**\n", "所长提供虚假信息", "−200 元", "调整（原属2026年11月，该月已结账）", "2026年12月合计：−200 元"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("所长的通知缺少 %q：\n%s", want, got[0])
		}
	}
}
