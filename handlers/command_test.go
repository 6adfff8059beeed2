package handlers

import (
	"context"
	"slices"
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
	"github.com/hongqi-dev/hongqi/settlement"
)

// 一个功能的一节：命令按 Who 限定使用范围（拒绝时说明谁能用），帮助里有核心命令和这一节。
func TestSectionAddsCommandsAndHelp(t *testing.T) {
	clk := model.PinClock(at(16), nil)
	db := openStore(t, "testdata/roster.csv", clk)
	d := &Deps{Ledger: &ledger.Service{Staff: db, Ledger: db, Catalog: rules.Default(), Clock: clk}, Clock: clk}
	b := bot.New(bot.Options{Staff: db, Log: quietLog, Clock: clk})
	supervisors := Who{func(s model.Staff) bool { return s.Role == model.RoleSupervisor }, "主管"}
	register(b, append(sections(d), section{title: "测试功能", commands: []Command{
		{Names: []string{"打卡"}, Usage: "打卡", Summary: "记一次打卡", Who: supervisors,
			Run: func(c *bot.Context) (string, error) { return "已打卡：" + c.Actor.Name, nil }},
	}}))
	say := func(from, text string) string {
		t.Helper()
		reply, err := b.Process(context.Background(), model.Message{Key: "t:" + from + text, From: from, Text: text, CreateTime: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return reply
	}
	if got := say("wzg", "打卡"); got != "已打卡：王主管" {
		t.Errorf("supervisor got %q", got)
	}
	if got := say("zs01", "打卡"); !strings.Contains(got, "只有主管可以使用“打卡”") {
		t.Errorf("staff got %q, want a refusal", got)
	}
	help := say("zs01", "帮助")
	if !strings.Contains(help, "扣 <人>") || !strings.Contains(help, "【测试功能】") || !strings.Contains(help, "记一次打卡") {
		t.Errorf("help does not list core and extended commands:\n%s", help)
	}
}

// allServices 是装配了全部功能的 Deps（不连存储：只用来生成命令表）。
func allServices() *Deps {
	clk := model.PinClock(at(16), nil)
	return &Deps{
		Ledger: &ledger.Service{Catalog: rules.Default(), Clock: clk}, Leave: &leave.Service{}, Flags: &redflag.Service{},
		Inputs: &redflag.Inputs{Items: config.DefaultFlags().Dekad.Items}, Settle: &settlement.Service{}, Clock: clk,
	}
}

// TestHelpCoversEveryCommand 帮助由命令表生成：每条命令的用法都在里面，每条命令都有处理函数（“帮助”除外，
// 注册时换成帮助文字），命令名不重复。
func TestHelpCoversEveryCommand(t *testing.T) {
	secs := sections(allServices())
	h := helpText(secs)
	var names []string
	for _, s := range secs {
		for _, c := range s.commands {
			if !strings.Contains(h, c.Usage) {
				t.Errorf("帮助中缺少 %q", c.Usage)
			}
			if c.Run == nil && c.Names[0] != "帮助" {
				t.Errorf("命令 %s 没有处理函数", c.Names[0])
			}
			for _, n := range c.Names {
				if slices.Contains(names, n) {
					t.Errorf("命令名 %s 出现两次", n)
				}
				names = append(names, n)
			}
		}
	}
	for _, title := range []string{"【岗位与请假】", "【流动红旗】", "【红旗评分】", "【月度结算】", "【导出】", "【年度结算】"} {
		if !strings.Contains(h, title) {
			t.Errorf("帮助中缺少 %s", title)
		}
	}
}
