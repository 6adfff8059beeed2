package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/rules"
)

// 按名字找人只有一处（台账服务的 Resolve/Find）：扣（台账）、改选（流动红旗）、岗位（岗位与请假）对同一个
// 找不到的名字都答“没有找到……您是不是要找：最接近的姓名”，对同一个重名都列出 姓名(工号)·网点。
func TestOneResolverAnswers(t *testing.T) {
	ctx := context.Background()
	clk := model.PinClock(at(16), nil)
	db := openStore(t, "testdata/roster.csv", clk)
	cat := rules.Default()
	led := &ledger.Service{Staff: db, Ledger: db, Catalog: cat, Clock: clk}
	b := newBot(t, bot.Options{Staff: db, Units: db, Log: quietLog, Clock: clk})
	cfg := config.DefaultFlags()
	cfg.Group = []string{"gly"}
	Register(b, Deps{Ledger: led, Clock: clk,
		Leave: &leave.Service{Staff: db, Posts: db, Leaves: db, Ledger: led, Clock: clk},
		Flags: &redflag.Service{Store: db, Outbox: db, Staff: db, Ledger: led, Cfg: cfg, Clock: clk, Log: quietLog},
	})
	if _, err := db.CreateRound(ctx, model.Round{Kind: model.FlagWeekly, Period: "2026-W46", Label: "2026年第46周", Status: model.RoundProposed,
		Proposed:   []model.Ranked{{Rank: 1, Subject: "ls01", Name: "李四", Branch: "城关所", Score: 9000, Eligible: true}},
		ProposedAt: clk.Now(), Deadline: clk.Now().Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, who, want string
	}{
		{"unknown name", "钱八", "没有找到“钱八”。您是不是要找：钱七（东街所）"},
		{"ambiguous name", "张三", "有 3 位“张三”：张三(zs01)·城关所、张三(zs02)·城关所、张三(zs03)·河口所。请写成 姓名(工号)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := led.Find(ctx, c.who)
			answer := model.ErrorMessage(err)
			if !strings.Contains(answer, c.want) {
				t.Fatalf("找人的答复 %q 应含 %q", answer, c.want)
			}
			for i, text := range []string{"扣 " + c.who + " 迟到", "改选 " + c.who, "岗位 " + c.who} {
				reply, err := b.Process(ctx, model.Message{Key: "msg:" + c.name + text, From: "gly", Text: text, CreateTime: clk.Now()})
				if err != nil {
					t.Fatalf("%s: %v", text, err)
				}
				if !strings.Contains(reply, answer) {
					t.Errorf("第 %d 条“%s”答 %q，应含找人的答复 %q", i+1, text, reply, answer)
				}
			}
		})
	}
	if n, _ := db.Entries(ctx, model.EntryFilter{IncludeRevoked: true}); len(n) != 0 {
		t.Errorf("找不到人时记了 %d 条", len(n))
	}
}
