package redflag_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/rules"
)

// counts 是三项都写了的一天的测评。
func counts(day model.Date, sat, basic, unsat int) redflag.MeterCounts {
	return redflag.MeterCounts{Day: day, Satisfied: &sat, Basic: &basic, Unsatisfied: &unsat}
}

// 评分依据的录入经 Inputs 服务：人要在录入人的管理范围内、数值在范围内、日期不在将来；不合格的什么也不写。
func TestInputsValidateAndCheckScope(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	in := &redflag.Inputs{Store: e.db, Ledger: &ledger.Service{Staff: e.db, Ledger: e.db, Catalog: rules.Default(), Clock: e.clk},
		Items: config.DefaultFlags().Dekad.Items, Clock: e.clk}
	today := in.Today()
	n := 0
	msg := func() model.Message {
		n++
		return model.Message{Key: fmt.Sprintf("msg:in:%d", n), From: "cg_head", CreateTime: e.clk.Now()}
	}
	cases := []struct {
		name     string
		by       string
		do       func(by model.Staff) error
		wantCode string
		wantMsg  string
	}{
		{"head records a day", "cg_head", func(by model.Staff) error {
			_, err := in.RecordMeterDay(ctx, by, msg(), "张三", counts(today, 38, 2, 0))
			return err
		}, "", ""},
		{"count over the bound", "cg_head", func(by model.Staff) error {
			_, err := in.RecordMeterDay(ctx, by, msg(), "张三", counts(today, model.MaxMeterCount+1, 0, 0))
			return err
		}, model.EINVALID, "0 到 10000"},
		{"overflowed count", "cg_head", func(by model.Staff) error {
			_, err := in.RecordMeterDay(ctx, by, msg(), "张三", counts(today, math.MaxInt, 0, 0))
			return err
		}, model.EINVALID, "0 到 10000"},
		{"a day in the future", "cg_head", func(by model.Staff) error {
			_, err := in.RecordMeterDay(ctx, by, msg(), "张三", counts(today.AddDays(1), 3, 0, 0))
			return err
		}, model.EINVALID, "还没到"},
		{"only one of the three counts", "cg_head", func(by model.Staff) error {
			n := 10
			_, err := in.RecordMeterDay(ctx, by, msg(), "张三", redflag.MeterCounts{Day: today, Satisfied: &n})
			return err
		}, model.EINVALID, "还缺“基本满意”“不满意”的次数"},
		{"note over the limit", "cg_head", func(by model.Staff) error {
			_, err := in.RecordSpotCheck(ctx, by, msg(), "张三", 90, strings.Repeat("好", model.MaxNoteRunes+1))
			return err
		}, model.EINVALID, "备注最多 200 个字，这次写了 201 个字"},
		{"person outside the head's branch", "cg_head", func(by model.Staff) error {
			_, err := in.RecordSpotCheck(ctx, by, msg(), "王五", 90, "")
			return err
		}, model.EFORBIDDEN, "王五（东街所）不在您的管理范围内"},
		{"score over 100", "cg_head", func(by model.Staff) error {
			_, err := in.RecordSpotCheck(ctx, by, msg(), "张三", 101, "")
			return err
		}, model.EINVALID, "应为 0 到 100 的整数"},
		{"staff cannot record", "cg01", func(by model.Staff) error {
			_, err := in.RecordFeedback(ctx, by, msg(), "李四", model.FeedbackPraise, "")
			return err
		}, model.EFORBIDDEN, "员工只能"},
		{"inspection of a county branch", "boss", func(by model.Staff) error {
			_, _, err := in.RecordInspection(ctx, by, msg(), "城关所", "卫生", 90, "")
			return err
		}, model.ENOTFOUND, "不是花名册里的农村网点"},
		{"inspection outside scope", "cg_head", func(by model.Staff) error {
			_, _, err := in.RecordInspection(ctx, by, msg(), "河西所", "卫生", 90, "")
			return err
		}, model.EFORBIDDEN, "河西所不在您的管理范围内，应由中心领导处理"},
		{"unknown inspection item", "boss", func(by model.Staff) error {
			_, _, err := in.RecordInspection(ctx, by, msg(), "河西所", "打扫", 90, "")
			return err
		}, model.EINVALID, "“打扫”看不懂"},
		{"head inspects own branch", "hx_head", func(by model.Staff) error {
			_, _, err := in.RecordInspection(ctx, by, msg(), "河西所", "卫生", 90, "")
			return err
		}, model.EFORBIDDEN, "您不能检查自己所在的河西所，应由中心领导处理"},
		{"director inspects a branch", "boss", func(by model.Staff) error {
			_, _, err := in.RecordInspection(ctx, by, msg(), "河西所", "卫生", 90, "")
			return err
		}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.do(e.staff(t, c.by))
			if got := model.ErrorCode(err); got != c.wantCode {
				t.Fatalf("错误码 %q（%v），想要 %q", got, err, c.wantCode)
			}
			if !strings.Contains(model.ErrorMessage(err), c.wantMsg) {
				t.Errorf("提示 %q 应含 %q", model.ErrorMessage(err), c.wantMsg)
			}
		})
	}
	// 只有两次合格的录入写进了库：张三当天 40 次测评，河西所一次检查。
	days, err := e.db.MeterDays(ctx, "cg01", today, today)
	if err != nil || len(days) != 1 || days[0].Total() != 40 {
		t.Errorf("张三的测评 = %+v（%v），想要当天 40 次一条", days, err)
	}
	ins, err := e.db.BranchInputs(ctx, e.clk.Now().AddDate(0, 0, -1), e.clk.Now().AddDate(0, 0, 1))
	if err != nil || len(ins) != 1 || ins[0].Branch != "河西所" {
		t.Errorf("检查 = %+v（%v），想要河西所一条", ins, err)
	}
}
