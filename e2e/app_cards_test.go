package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// TestTwoCardClicksInOneSecond：主任在同一秒里点了两张请假卡片上的“批准”，两张都批准；
// 企业微信把第一次点击再投递一次（同一 CreateTime），只处理一次。按钮事件的 Key 是“卡片、按钮、点击人”，
// 不再是“点击人、秒”。经签名加密的回调、Redis 去重和数据库，同生产装配。
func TestTwoCardClicksInOneSecond(t *testing.T) {
	redisURL, prefix := testenv.Redis(t)
	in := startInstance(t, baseEnv(testenv.MySQL(t), redisURL), prefix)
	ctx := context.Background()
	if _, _, err := roster.Import(ctx, in.m.DB, "testdata/hostile-roster.csv", model.DateOf(in.m.Clock.Now(), in.m.Clock.Location())); err != nil {
		t.Fatalf("import roster: %v", err)
	}
	for i, from := range []string{"cg01", "cg02"} {
		status, reply := deliver(t, in.srv.URL, textXML(from, "请假 1 天 家中有事", int64(7000+i), e2eClock.Now()))
		if status != 200 || !strings.Contains(reply, "已提交请假") {
			t.Fatalf("%s 请假：HTTP %d，%q", from, status, reply)
		}
	}

	now := e2eClock.Now() // 三次点击的 CreateTime 是同一秒
	click := func(leave string) (int, string) {
		return deliver(t, in.srv.URL, wecomtest.TemplateCardEvent(testCorpID, "zr", "leave:approve:"+leave, "leave-"+leave, "1000002", now))
	}
	steps := []struct {
		name, leave, want string
	}{
		{"first card", "1", "已批准请假 #1"},
		{"second card, same second", "2", "已批准请假 #2"},
		{"first click delivered again", "1", ""},
	}
	for _, s := range steps {
		status, reply := click(s.leave)
		if status != 200 || !strings.Contains(reply, s.want) {
			t.Errorf("%s：HTTP %d，回复 %q，应含 %q", s.name, status, reply, s.want)
		}
	}
	for _, id := range []int64{1, 2} {
		l, err := in.m.DB.Leave(ctx, id)
		if err != nil || l.Status != model.LeaveApproved {
			t.Errorf("请假 #%d：%s（%v），应已批准", id, l.Status, err)
		}
	}
	notices, err := in.m.DB.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, n := range notices {
		count[n.Key]++
	}
	for _, key := range []string{"leave:1:result", "leave:2:result"} {
		if count[key] != 1 {
			t.Errorf("通知 %s 入队 %d 次，应为 1", key, count[key])
		}
	}
}
