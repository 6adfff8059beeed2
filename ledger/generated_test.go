package ledger

import (
	"context"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

// 系统生成的记录守结账的规矩：应计入的月份还开着就记在那个月；已结账就作为调整记在本月并在备注里说明；
// 同一来源只记一次；每条都像“扣”一样私信通知本人。
func TestRecordGenerated(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oct, nov := model.Month{Year: 2026, Month: 10}, model.Month{Year: 2026, Month: 11}
	sep := model.Month{Year: 2026, Month: 9}
	e.svc.CloseWith(func(_ context.Context, m model.Month) (bool, error) { return m == sep, nil })
	head, boss := e.actor("lsz"), e.actor("gly")
	cases := []struct {
		name      string
		key       string
		month     model.Month
		wantMonth model.Month
		adjusted  bool
		dup       bool
	}{
		{"open past month", "flag-cancel:1", oct, oct, false, false},
		{"closed month becomes an adjustment", "flag-cancel:2", sep, nov, true, false},
		{"this month", "flag-cancel:3", model.Month{}, nov, false, false},
		{"same source again", "flag-cancel:2", sep, nov, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := e.svc.RecordGenerated(ctx, Generated{Staff: head, Rule: "flag_false_info", Note: "虚假信息", Month: c.month,
				Ref: "flag:" + c.key + ":false-info", Actor: boss, Msg: model.Message{Key: c.key, From: boss.UserID, CreateTime: e.clock.Now()}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Entry.Month != c.wantMonth || res.Adjusted != c.adjusted || res.Duplicate != c.dup || res.Entry.Amount != -200 {
				t.Errorf("记录 %+v adjusted=%v dup=%v；想要记在 %s、adjusted=%v、dup=%v、−200", res.Entry, res.Adjusted, res.Duplicate, c.wantMonth, c.adjusted, c.dup)
			}
			if adj := strings.HasPrefix(res.Entry.Note, "调整（原属2026年9月，该月已结账）"); adj != c.adjusted {
				t.Errorf("备注 %q：调整说明 %v，想要 %v", res.Entry.Note, adj, c.adjusted)
			}
		})
	}
	if n := e.count(); n != 3 {
		t.Errorf("台账 %d 条，想要 3 条（同一来源只记一次）", n)
	}
	ns, _ := e.db.Notices(ctx, "")
	if len(ns) != 3 {
		t.Fatalf("通知 %d 条，想要每条记录一条", len(ns))
	}
	for _, n := range ns {
		if n.Title != "扣款通知" || n.To.Users[0] != "lsz" || !strings.Contains(n.Body, "−200 元") {
			t.Errorf("通知 = %+v", n)
		}
	}
	if _, err := e.svc.RecordGenerated(ctx, Generated{Staff: head, Rule: "no_such_rule", Actor: boss, Msg: model.Message{Key: "x"}}); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("没有的规则：%v，想要 EINVALID", err)
	}
}
