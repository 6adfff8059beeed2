package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/model"
)

func TestExtendAddsCommandsAndHelp(t *testing.T) {
	b, _ := setup(t, nil)
	Extend(b, "测试功能", []Command{
		{Names: []string{"打卡"}, Usage: "打卡", Summary: "记一次打卡", Roles: []model.Role{model.RoleSupervisor},
			Run: func(c *bot.Context) (string, error) { return "已打卡：" + c.Actor.Name, nil }},
	})
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
