package main

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/store"
)

// TestTotalsDrift：月合计被绕过存储改坏时，hongqi totals check 和 hongqi health 报出来，
// hongqi totals repair 按台账改正，之后两者都正常。
func TestTotalsDrift(t *testing.T) {
	dsn := healthDB(t, testenv.MySQL(t), 0, func(db *store.DB, now time.Time) {
		e := model.Entry{StaffID: "cg01", StaffName: "张三", Branch: "城关所", RuleCode: "late", RuleName: "迟到",
			Kind: model.Deduction, Amount: -20, ActorID: "cg_sup", ActorName: "王主管",
			Month: model.MonthOf(now, model.Shanghai)}
		if _, err := db.Record(context.Background(), model.RecordRequest{Msg: model.Message{Key: "m1", From: "cg_sup"}, Entries: []model.Entry{e}}); err != nil {
			t.Fatal(err)
		}
	})
	raw, err := sql.Open("mysql", strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE month_totals SET total = 30 WHERE staff_id = 'cg01'"); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HONGQI_DB": dsn}
	month := model.MonthOf(model.SystemClock(nil).Now(), model.Shanghai)
	steps := []struct {
		name    string
		args    []string
		want    []string // 输出里要有的
		failing bool
	}{
		{"check finds the drift", []string{"totals", "check"},
			[]string{"cg01", "1 条 30 元", "1 条 -20 元", "1 行合计与台账不符：运行 hongqi totals repair"}, true},
		{"health reports it", []string{"health"},
			[]string{"不健康：" + month.Label() + "有 1 人的月合计与台账不符", "hongqi totals repair"}, true},
		{"repair fixes it", []string{"totals", "repair"}, []string{"cg01", "已按台账改正 1 行。"}, false},
		{"check after repair", []string{"totals", "check"}, []string{"各人各月的合计与台账一致。"}, false},
		{"health after repair", []string{"health"}, []string{"正常："}, false},
	}
	for _, s := range steps {
		out, err := runCLI(t, env, "", s.args...)
		for _, w := range s.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s：输出 %q 里没有 %q", s.name, out, w)
			}
		}
		var code exitCode
		if got := errors.As(err, &code) && code == 1; got != s.failing {
			t.Errorf("%s：返回 %v，想要退出码 1：%v", s.name, err, s.failing)
		}
	}
}
