package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// startWithFake 装配一个生产装配的实例：签名加密的回调开着，通知经真实的 SDK 发到假企业微信。
func startWithFake(t *testing.T, rosterFile string) (*instance, *wecomtest.Server) {
	t.Helper()
	fake := wecomtest.NewServer(t)
	env := baseEnv(testenv.MySQL(t), "")
	env["HONGQI_WECOM_CORP_ID"] = wecomtest.CorpID // 回调和发送用同一个企业 ID
	env["HONGQI_WECOM_AGENT_ID"] = "1000002"
	env["HONGQI_WECOM_SECRET"] = wecomtest.Secret
	env["HONGQI_WECOM_API_BASE"] = fake.URL()
	in := startInstance(t, env, "")
	if _, _, err := roster.Import(context.Background(), in.m.DB, rosterFile, model.DateOf(in.m.Clock.Now(), in.m.Clock.Location())); err != nil {
		t.Fatalf("import roster: %v", err)
	}
	return in, fake
}

// send 经签名加密的回调送一条文字消息，返回 HTTP 状态和解密后的被动回复。
func send(t *testing.T, in *instance, from, text string, msgID int64) (int, string) {
	t.Helper()
	return deliverTo(t, in.srv.URL, wecomtest.CorpID, wecomtest.TextMessage(wecomtest.CorpID, from, text, msgID, "1000002", e2eClock.Now()))
}

// drainAll 让发送进程把到期的通知全部送出（每个接收人每分钟的限额顺延的除外）。
func drainAll(t *testing.T, in *instance) {
	t.Helper()
	for range 10 {
		if _, err := in.m.Sender.RunOnce(context.Background()); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
	}
}

// TestHelpAndUnknownThroughWeCom 经签名回调发“帮助”：员工和中心主任得到按角色的短菜单（员工看不到 明星、
// 发布年度、撤销红旗），都在企业微信的 2048 字节以内；“帮助 请假”是一节；未知命令和“你好”是一句话。
func TestHelpAndUnknownThroughWeCom(t *testing.T) {
	in, _ := startWithFake(t, "testdata/hostile-roster.csv")
	cases := []struct {
		name, from, text string
		want, notWant    []string
	}{
		{"员工的帮助", "cg01", "帮助", []string{"红旗考核，您可以发这些命令：", "查：", "请假：", "排行：", "网页："}, []string{"明星", "发布年度", "撤销红旗", "扣：", "缺岗："}},
		{"中心主任的帮助", "zr", "帮助", []string{"扣：记扣款", "批准：", "明星：", "发布年度：", "撤销红旗：", "导出："}, nil},
		{"所长 帮助 请假", "cg_head", "帮助 请假", []string{"【岗位与请假】", "缺岗 <窗口> [再次] [备注]", "例：请假 11月28日-11月30日 探亲"}, []string{"批准 <请假编号>"}},
		{"未知命令", "cg_head", "罚 张三 迟到", []string{"没有“罚”这个命令，发“帮助”看您可以用的命令。"}, []string{"\n"}},
		{"问候", "cg01", "你好", []string{"您好，张三！发“帮助”看您可以用的命令。"}, []string{"\n"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, reply := send(t, in, tc.from, tc.text, int64(5000+i))
			if status != 200 || len(reply) > model.MaxMessageBytes {
				t.Fatalf("HTTP %d，回复 %d 字节", status, len(reply))
			}
			for _, w := range tc.want {
				if !strings.Contains(reply, w) {
					t.Errorf("缺少 %q：\n%s", w, reply)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(reply, w) {
					t.Errorf("不应含 %q：\n%s", w, reply)
				}
			}
			t.Logf("%s 发“%s”，回复 %d 字节：\n%s", tc.from, tc.text, len(reply), reply)
		})
	}
}

// TestLongReplyReachesWeComInParts 所长“查 张三”，张三本月有 100 条记录（约 4 KB）：被动回复不超过 2048 字节、
// 说明还有几段；其余几段由发送进程按顺序作为文字消息私信给所长，每段不超过上限，连起来是全部记录；
// 企业微信把同一条消息再投一次，不重发。
func TestLongReplyReachesWeComInParts(t *testing.T) {
	in, fake := startWithFake(t, "testdata/hostile-roster.csv")
	for i := 1; i <= 100; i++ {
		say(t, in.m, "cg_head", fmt.Sprintf("扣 张三 迟到 第%d次", i))
	}
	status, reply := send(t, in, "cg_head", "查 张三", 6001)
	m := regexp.MustCompile(`……（未完，其余 (\d+) 段随后私信发给您）$`).FindStringSubmatch(reply)
	if status != 200 || len(reply) > model.MaxMessageBytes || m == nil || !strings.Contains(reply, "#1 11月16日 迟到 −10 元（第1次）") {
		t.Fatalf("HTTP %d，回复 %d 字节：\n%s", status, len(reply), reply)
	}
	rest, _ := strconv.Atoi(m[1])
	drainAll(t, in)
	var parts []string
	for _, msg := range fake.Messages() {
		if msg.ToUser == "cg_head" {
			if msg.MsgType != "text" || len(msg.Content) > model.MaxMessageBytes {
				t.Errorf("续发的一段是 %s，%d 字节", msg.MsgType, len(msg.Content))
			}
			parts = append(parts, msg.Content)
		}
	}
	if len(parts) != rest || rest < 1 {
		t.Fatalf("所长收到 %d 段续发，回复说还有 %d 段", len(parts), rest)
	}
	all := reply
	for i, p := range parts {
		head := fmt.Sprintf("（续 %d/%d）\n", i+2, rest+1)
		if !strings.HasPrefix(p, head) {
			t.Errorf("第 %d 段应以“%s”开头：%.40q", i+2, strings.TrimSpace(head), p)
		}
		all += "\n" + strings.TrimPrefix(p, head)
	}
	for _, w := range []string{"#50 11月16日 迟到 −10 元（第50次）", "#100 11月16日 迟到 −10 元（第100次）", "合计 −1000 元。"} {
		if !strings.Contains(all, w) {
			t.Errorf("各段连起来缺少 %q", w)
		}
	}
	if !strings.HasSuffix(parts[len(parts)-1], "合计 −1000 元。") {
		t.Errorf("最后一段应以合计结尾：%.80q", parts[len(parts)-1])
	}
	t.Logf("回复 %d 字节，另 %d 段续发（%d 字节）", len(reply), len(parts), len(all)-len(reply))

	// 企业微信重投同一条消息：不再回复，也不重发续发的几段。
	before := len(fake.Messages())
	if status, _ := send(t, in, "cg_head", "查 张三", 6001); status != 200 {
		t.Errorf("重投得到 HTTP %d", status)
	}
	drainAll(t, in)
	if after := len(fake.Messages()); after != before {
		t.Errorf("重投后企业微信又收到 %d 条", after-before)
	}
}

// TestLeaveNoticesReachOnlyThoseTold 企业微信收到的请假通知：驳回的请假只告诉请假人（B 岗提交时没收到过什么，
// 不发“不用顶岗”）；批准的告诉 B 岗顶岗，时间写上午或下午；“12月20日 下午 看病”是半天。
func TestLeaveNoticesReachOnlyThoseTold(t *testing.T) {
	in, fake := startWithFake(t, "testdata/leave-roster.csv")
	ctx := context.Background()
	if _, _, err := leave.Import(ctx, in.m.Ledger, in.m.DB, "testdata/leave-posts.csv"); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ from, text, want string }{
		{"a1", "请假 12月20日 下午 看病", "已提交请假 #1：12月20日下午（半天）看病。"},
		{"zr", "驳回 1 那天有检查，请改期。", "已通知张三。"},
		{"a1", "请假 2月30日 有事", "2月没有30日。这次没有提交。"},
		{"a1", "请假 11月20日上午 体检", "已提交请假 #2：11月20日上午（半天）体检。"},
		{"zr", "批准 2", "已通知张三和B岗 李四、王五。"},
	}
	var got []string
	for i, s := range steps {
		status, reply := send(t, in, s.from, s.text, int64(7100+i))
		if status != 200 || !strings.Contains(reply, s.want) {
			t.Fatalf("%s 发“%s”：HTTP %d，%q，应含 %q", s.from, s.text, status, reply, s.want)
		}
		drainAll(t, in)
		var to []string
		for _, msg := range fake.Messages()[len(got):] {
			to = append(to, msg.ToUser+":"+msg.MsgType)
			got = append(got, msg.ToUser+":"+msg.MsgType+":"+msg.Content)
		}
		t.Logf("%s 发“%s”之后企业微信收到：%v", s.from, s.text, to)
	}
	var toB, toA []string
	for _, g := range got {
		switch {
		case strings.HasPrefix(g, "b1"):
			toB = append(toB, g)
		case strings.HasPrefix(g, "a1:"):
			toA = append(toA, g)
		}
	}
	if len(toB) != 1 || !strings.Contains(toB[0], "b1|b2:markdown:**顶岗通知**") || !strings.Contains(toB[0], "张三 11月20日上午 请假已批准（#2）") {
		t.Errorf("B 岗应只收到 #2 的顶岗通知：%q", toB)
	}
	if len(toA) != 2 || !strings.Contains(toA[0], "**请假未获批准**") || !strings.Contains(toA[0], "理由：那天有检查，请改期。") ||
		!strings.Contains(toA[1], "**请假已批准**") {
		t.Errorf("张三应收到驳回和批准两条结果：%q", toA)
	}
}
