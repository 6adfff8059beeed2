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
	b := newBot(t, bot.Options{Staff: db, Units: db, Log: quietLog, Clock: clk})
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
	help := say("wzg", "帮助")
	if !strings.Contains(help, "扣：记扣款") || !strings.Contains(help, "【测试功能】") || !strings.Contains(help, "打卡：记一次打卡") {
		t.Errorf("help does not list core and extended commands:\n%s", help)
	}
	if help := say("zs01", "帮助"); strings.Contains(help, "打卡") || strings.Contains(help, "扣：") {
		t.Errorf("staff help lists commands staff cannot use:\n%s", help)
	}
}

// allServices 是装配了全部功能的 Deps（不连存储：只用来生成命令表）。评选小组只有 gly。
func allServices() *Deps {
	clk := model.PinClock(at(16), nil)
	return &Deps{
		Ledger: &ledger.Service{Catalog: rules.Default(), Clock: clk}, Leave: &leave.Service{},
		Flags:  &redflag.Service{Cfg: config.Flags{Group: []string{"gly"}}},
		Inputs: &redflag.Inputs{Items: config.DefaultFlags().Dekad.Items}, Settle: &settlement.Service{}, Clock: clk,
	}
}

// 帮助里用到的几个人（角色同 testdata/roster.csv）。
var (
	helpAdmin = model.Staff{UserID: "gly", Name: "管理员", Branch: "县局", Role: model.RoleAdmin, Active: true}
	helpSup   = model.Staff{UserID: "wzg", Name: "王主管", Branch: "城关所", Role: model.RoleSupervisor, Active: true}
	helpStaff = model.Staff{UserID: "ls01", Name: "李四", Branch: "城关所", Role: model.RoleStaff, Active: true}
)

// TestHelpCoversEveryCommand 帮助由命令表生成：每条命令在管理员（也在评选小组里）或中心主任的菜单里有一行，
// 用法在它那个主题的帮助里（“帮助 请假”等），在“帮助 <命令>”里；每条命令都有处理函数（“帮助”除外，
// 注册时换成帮助），命令名不重复，每一节都有主题。
func TestHelpCoversEveryCommand(t *testing.T) {
	secs := sections(allServices())
	h := &helper{secs: secs}
	director := model.Staff{UserID: "zr", Name: "林主任", Branch: "中心", Role: model.RoleDirector, Active: true}
	menu := h.menu(helpAdmin)
	var names []string
	for _, s := range secs {
		if s.topic == "" || s.title == "" {
			t.Errorf("“%s”一节没有主题或标题", s.title)
		}
		for _, c := range s.commands {
			if c.Run == nil {
				if c.Names[0] != "帮助" {
					t.Errorf("命令 %s 没有处理函数", c.Names[0])
				}
				continue
			}
			shown := false
			for _, who := range []model.Staff{helpAdmin, director} {
				if strings.Contains(h.menu(who), "\n"+c.Names[0]+"：") && strings.Contains(h.topic(who, s.topic), c.Usage) {
					shown = true
				}
			}
			if !shown {
				t.Errorf("管理员和中心主任的菜单或“帮助 %s”里都没有 %s", s.topic, c.Names[0])
			}
			if got := commandHelp(c); !strings.Contains(got, c.Usage) || !strings.Contains(got, c.Summary) {
				t.Errorf("“帮助 %s”：%s", c.Names[0], got)
			}
			for _, n := range c.Names {
				if slices.Contains(names, n) {
					t.Errorf("命令名 %s 出现两次", n)
				}
				names = append(names, n)
			}
		}
	}
	for _, title := range []string{"【记录与查询】", "【岗位与请假】", "【流动红旗】", "【结算】", "【网页】"} {
		if title == "【网页】" {
			continue // allServices 没有网页
		}
		if !strings.Contains(menu, title) {
			t.Errorf("菜单中缺少 %s", title)
		}
	}
	for _, topic := range []string{"红旗", "结算"} {
		if n := strings.Count(h.topic(helpAdmin, topic), "【"); n < 2 {
			t.Errorf("“帮助 %s”应含几节，只有 %d 节", topic, n)
		}
	}
}

// TestHelpByRole 菜单按角色只列能用的命令：员工看不到 明星、发布年度、撤销红旗、扣、奖，
// 不在评选小组的看不到 确认红旗、改选；“帮助 结算”对员工说明只有中心领导能用。每份帮助都在企业微信的上限以内。
func TestHelpByRole(t *testing.T) {
	h := &helper{secs: sections(allServices())}
	cases := []struct {
		name    string
		text    string
		who     model.Staff
		want    []string
		notWant []string
	}{
		{"员工的菜单", "", helpStaff, []string{"查：查记录和合计", "请假：提交请假", "排行：", "帮助 请假", "“帮助 查”看一条命令"},
			[]string{"明星", "发布年度", "撤销红旗", "扣：", "奖：", "撤销：", "确认红旗", "改选", "导出", "缺岗", "帮助 结算", "帮助 扣"}},
		{"主管的菜单", "", helpSup, []string{"扣：记扣款", "撤销：", "缺岗：", "抽查："},
			[]string{"明星", "发布年度", "撤销红旗", "确认红旗", "批准", "检查：", "帮助 结算"}},
		{"领导的菜单", "", helpAdmin, []string{"明星：", "发布年度：", "撤销红旗：", "确认红旗：", "导出："}, nil},
		{"员工 帮助 结算", "结算", helpStaff, []string{"只有中心领导可以用"}, []string{"发布年度"}},
		{"员工 帮助 请假", "请假", helpStaff, []string{"请假 <天数 或 日期范围> <事由>", "例：请假 11月28日-11月30日 探亲", "销假"},
			[]string{"缺岗", "批准 <请假编号>"}},
		{"主管 帮助 红旗", "红旗", helpSup, []string{"【红旗评分】", "抽查 <人> <分数> [备注]", "撤销 抽查 12"}, []string{"确认红旗", "撤销红旗"}},
		{"领导 帮助 结算", "结算", helpAdmin, []string{"【月度结算】", "【导出】", "【年度结算】", "发布年度 <年份>"}, nil},
		{"帮助 一条命令", "扣", helpSup, []string{"扣 <人>… <事项> [备注]", "例：扣 张三 迟到 长", "也可以写：扣款、扣分"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			if tc.text == "" {
				got = h.menu(tc.who)
			} else {
				reply, err := h.help(&bot.Context{Actor: tc.who, Command: "帮助", Args: []string{tc.text}})
				if err != nil {
					t.Fatal(err)
				}
				got = reply
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("缺少 %q：\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("不应含 %q：\n%s", w, got)
				}
			}
			if len(got) > model.MaxMessageBytes {
				t.Errorf("%d 字节，超过企业微信的上限 %d", len(got), model.MaxMessageBytes)
			}
			t.Logf("%d 字节：\n%s", len(got), got)
		})
	}
}
