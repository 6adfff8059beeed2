package handlers

import (
	"context"
	"io"
	"log/slog"
	"strings"
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
