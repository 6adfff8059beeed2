package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/store"
)

// sayStep 把第 i 步（从 0 起）的消息交给机器人，检查回复含 want 中的每一段、不含 notWant 中的任何一段，
// 返回回复。三组对话测试（台账、岗位请假、红旗评分）共用。
func sayStep(t *testing.T, b *bot.Bot, i int, msg model.Message, want, notWant []string) string {
	t.Helper()
	reply, err := b.Process(context.Background(), msg)
	if err != nil {
		t.Fatalf("第 %d 步 %s：%q 出错: %v", i+1, msg.From, msg.Text, err)
	}
	for _, w := range want {
		if !strings.Contains(reply, w) {
			t.Errorf("第 %d 步 %s：%q\n回复：%s\n缺少：%s", i+1, msg.From, msg.Text, reply, w)
		}
	}
	for _, w := range notWant {
		if strings.Contains(reply, w) {
			t.Errorf("第 %d 步 %s：%q\n回复：%s\n不应含：%s", i+1, msg.From, msg.Text, reply, w)
		}
	}
	return reply
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// longest 是本包对话测试里最长的一条回复（分段之前），TestMain 最后报出来。
var longest struct {
	sync.Mutex
	bytes int
	from  string
	text  string
	reply string
}

// newBot 是本包测试唯一的建机器人的地方：每条回复（分段之前）都经 OnReply 检查——超过企业微信的
// 2048 字节（model.MaxMessageBytes）就让测试失败，这样每个对话测试都把回复限在企业微信显示得下的长度；
// 同时记下最长的一条。
func newBot(t *testing.T, o bot.Options) *bot.Bot {
	t.Helper()
	o.OnReply = func(c *bot.Context, reply string) {
		if len(reply) > model.MaxMessageBytes {
			t.Errorf("%s 发“%s”的回复 %d 字节，超过企业微信的上限 %d 字节：\n%s", c.Msg.From, c.Msg.Text, len(reply), model.MaxMessageBytes, reply)
		}
		longest.Lock()
		defer longest.Unlock()
		if len(reply) > longest.bytes {
			longest.bytes, longest.from, longest.text, longest.reply = len(reply), c.Msg.From, c.Msg.Text, reply
		}
	}
	return bot.New(o)
}

// TestMain 跑完本包的测试后报出对话测试里最长的回复（go test -v 时看得到）。
func TestMain(m *testing.M) {
	code := m.Run()
	if longest.bytes > 0 {
		fmt.Printf("对话测试中最长的回复：%d 字节（上限 %d），%s 发“%s”\n", longest.bytes, model.MaxMessageBytes, longest.from, longest.text)
	}
	os.Exit(code)
}

// openStore 在全新的真实 MariaDB 数据库上打开存储（时间戳取自 clk），并导入花名册夹具 roster。
func openStore(t *testing.T, roster string, clk *model.Clock) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, testenv.MySQL(t), clk, quietLog)
	if err != nil {
		t.Fatalf("打开数据库: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, _, err := db.UpsertRoster(ctx, testenv.Roster(t, roster)); err != nil {
		t.Fatalf("导入花名册: %v", err)
	}
	return db
}
