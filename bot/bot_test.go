package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redis"
	"github.com/hongqi-dev/hongqi/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testClock 是机器人测试的时钟，停在 2026-11-16 09:30（上海）。
var testClock = model.PinClock(time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai), nil)

// openStore 打开全新的真实 MariaDB 数据库并导入 testdata/roster.csv。
func openStore(t *testing.T) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, testenv.MySQL(t), testClock, quiet)
	if err != nil {
		t.Fatalf("打开数据库: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	roster := testenv.Roster(t, "testdata/roster.csv")
	if _, _, err := db.UpsertRoster(ctx, roster); err != nil {
		t.Fatalf("导入花名册: %v", err)
	}
	return db
}

// openRedis 连接真实 Redis，使用本测试独占的键前缀。
func openRedis(t *testing.T) *redis.Redis {
	t.Helper()
	url, prefix := testenv.Redis(t)
	r, err := redis.NewRedis(context.Background(), url, prefix)
	if err != nil {
		t.Fatalf("连接 Redis: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func text(key, from, s string) model.Message {
	return model.Message{Key: key, From: from, Text: s, CreateTime: testClock.Now()}
}

// echo 回复命令、参数和操作人，便于断言路由结果。
func echo(c *Context) (string, error) {
	return c.Command + "|" + strings.Join(c.Args, ",") + "|" + c.Actor.UserID, nil
}

// fallback 是测试用的兜底回复：写出是什么消息（事件、命令、猜的命令）。
func fallback(c *Context) string {
	return "FALLBACK|" + c.Msg.Event + "|" + c.Command + "|" + c.Guess
}

func TestRouting(t *testing.T) {
	db := openStore(t)
	b := New(Options{Clock: testClock, Staff: db, Log: quiet, Fallback: fallback})
	b.Handle([]string{"扣", "扣款"}, echo)
	b.Handle([]string{"撤销"}, echo)
	b.Handle([]string{"撤销红旗"}, echo)
	b.Handle([]string{"请假"}, func(c *Context) (string, error) {
		if c.Args[0] != "1天" {
			return "", model.Errorf(model.EINVALID, "“%s”看不懂", c.Args[0])
		}
		return "已提交 " + c.Rest(0), nil
	})
	b.Handle([]string{"查"}, func(c *Context) (string, error) {
		return "", model.Errorf(model.ENOTFOUND, "没有找到“%s”。", c.Args[0])
	})
	b.HandleEvent("flag:", func(c *Context) (string, error) { return "flag " + c.Msg.EventKey, nil })
	b.HandleEvent("flag:confirm:", func(c *Context) (string, error) { return "confirm " + c.Msg.EventKey, nil })

	tests := []struct {
		name string
		msg  model.Message
		want string
	}{
		{"command", text("1", "wzg", "扣 张三 迟到"), "扣|张三,迟到|wzg"},
		{"alias", text("2", "wzg", "扣款 张三 迟到"), "扣款|张三,迟到|wzg"},
		{"mention and full-width space", text("3", "wzg", "@红旗\u2005扣\u3000张三（zs01）"), "扣|张三(zs01)|wzg"},
		{"unknown command gets the fallback", text("4", "wzg", "罚 张三"), "FALLBACK||罚|"},
		{"empty text gets the fallback", text("5", "wzg", "  "), "FALLBACK|||"},
		{"enter_agent gets the fallback", model.Message{Key: "e1", From: "wzg", Event: "enter_agent"}, "FALLBACK|enter_agent||"},
		{"glued command is split and said", text("g1", "wzg", "扣张三 迟到"), "按“扣 张三 迟到”理解：\n扣|张三,迟到|wzg"},
		{"longest command name wins", text("g2", "wzg", "撤销红旗2026-W45 张三"), "按“撤销红旗 2026-W45 张三”理解：\n撤销红旗|2026-W45,张三|wzg"},
		{"exact name is not split", text("g3", "wzg", "撤销红旗 2026-W45"), "撤销红旗|2026-W45|wzg"},
		{"glued rest keeps punctuation", text("g4", "wzg", "请假1天，家中有事。"), "按“请假 1天 家中有事”理解：\n已提交 1天，家中有事。"},
		{"glued rest that does not parse is an unknown command", text("g5", "wzg", "请假条"), "FALLBACK||请假条|请假"},
		{"glued rest not found keeps the answer", text("g6", "wzg", "查张山"), "按“查 张山”理解：\n没有找到“张山”。"},
		{"unknown glued word", text("g7", "wzg", "罚张三"), "FALLBACK||罚张三|"},
		{"card event by prefix", model.Message{Key: "e2", From: "wzg", Event: "template_card_event", EventKey: "flag:vote:7"}, "flag flag:vote:7"},
		{"longest prefix wins", model.Message{Key: "e3", From: "wzg", Event: "template_card_event", EventKey: "flag:confirm:7"}, "confirm flag:confirm:7"},
		{"unknown card event ignored", model.Message{Key: "e4", From: "wzg", Event: "template_card_event", EventKey: "other"}, ""},
		{"other events ignored", model.Message{Key: "e5", From: "wzg", Event: "change_contact"}, ""},
		{"unknown sender", text("6", "nobody", "扣 张三 迟到"), NotInRosterReply},
		{"inactive sender", text("7", "zl01", "查"), "已不在花名册中"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.Process(context.Background(), tt.msg)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if !strings.Contains(got, tt.want) || (tt.want == "" && got != "") {
				t.Errorf("回复 %q，应含 %q", got, tt.want)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	db := openStore(t)
	b := New(Options{Clock: testClock, Staff: db, Log: quiet})
	b.Handle([]string{"扣"}, echo, Require(func(s model.Staff) bool {
		return slices.Contains([]model.Role{model.RoleSupervisor, model.RoleHead, model.RoleAdmin}, s.Role)
	}, "主管、所长和管理员"))
	tests := []struct {
		from, want string
	}{
		{"wzg", "扣|张三|wzg"},
		{"lsz", "扣|张三|lsz"},
		{"gly", "扣|张三|gly"},
		{"ls01", "只有主管、所长和管理员可以使用“扣”。"},
	}
	for _, tt := range tests {
		t.Run(tt.from, func(t *testing.T) {
			got, err := b.Process(context.Background(), text("k-"+tt.from, tt.from, "扣 张三"))
			if err != nil || got != tt.want {
				t.Errorf("回复 %q, %v；应为 %q", got, err, tt.want)
			}
		})
	}
}

// TestErrorHook 用户错误变成回复、err 为 nil；只有基础设施错误让 Process 返回 err。
func TestErrorHook(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    string
		wantErr bool
	}{
		{"user error", model.Errorf(model.ENOTFOUND, "没有找到“张山”。"), "没有找到“张山”。", false},
		{"forbidden", model.Errorf(model.EFORBIDDEN, "不在您的管理范围内"), "不在您的管理范围内", false},
		{"unavailable", model.Errorf(model.EUNAVAILABLE, "数据库暂时不可用"), "数据库暂时不可用", true},
		{"plain error is internal", errors.New("boom: dsn=secret"), "系统出了点问题", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(Options{Clock: testClock, Log: quiet})
			b.Handle([]string{"x"}, func(*Context) (string, error) { return "", tt.err })
			got, err := b.Process(context.Background(), text("1", "u", "x"))
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v，应返回 err：%v", err, tt.wantErr)
			}
			if !strings.Contains(got, tt.want) || strings.Contains(got, "secret") {
				t.Errorf("回复 %q，应含 %q 且不泄露细节", got, tt.want)
			}
		})
	}
	b := New(Options{Clock: testClock, Log: quiet})
	b.Handle([]string{"x"}, func(*Context) (string, error) { return "", model.Errorf(model.EINVALID, "坏") })
	b.OnError(func(c *Context, err error) string { return "自定义：" + c.Command + " " + model.ErrorMessage(err) })
	if got, _ := b.Process(context.Background(), text("1", "u", "x")); got != "自定义：x 坏" {
		t.Errorf("OnError 没有生效：%q", got)
	}
}

// TestLongReplyContinues 超过企业微信 2048 字节的回复：第一段作为回复（说明还有几段），其余按顺序作为
// 私信入队发给发送人（Key 为 reply:<消息>:<段号>，每段不超过上限、在换行处分开）；同一条消息再到达，
// 回复的第一段相同，续发的不重复入队。没有发件箱时只回第一段并说明没显示完。
func TestLongReplyContinues(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	var lines []string
	for i := 1; i <= 120; i++ {
		lines = append(lines, fmt.Sprintf("#%d 11-16 迟到 −10 元（第 %d 条记录的备注）", i, i))
	}
	long := strings.Join(lines, "\n")
	handler := func(*Context) (string, error) { return long, nil }
	b := New(Options{Clock: testClock, Staff: db, Log: quiet, Outbox: db})
	b.Handle([]string{"查"}, handler)

	first, err := b.Process(ctx, text("long:1", "wzg", "查"))
	if err != nil {
		t.Fatal(err)
	}
	notices, err := db.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	parts := len(notices) + 1
	if len(long) <= 2*model.MaxMessageBytes || parts < 3 {
		t.Fatalf("回复 %d 字节分成 %d 段，应至少 3 段", len(long), parts)
	}
	more := fmt.Sprintf("\n……（未完，其余 %d 段随后私信发给您）", parts-1)
	if len(first) > model.MaxMessageBytes || !strings.HasPrefix(first, "#1 11-16") || !strings.HasSuffix(first, more) {
		t.Errorf("第一段 %d 字节：\n%s", len(first), first)
	}
	got := strings.TrimSuffix(first, more)
	for i, n := range notices {
		head := fmt.Sprintf("（续 %d/%d）\n", i+2, parts)
		if n.Key != fmt.Sprintf("reply:long:1:%d", i+2) || !slices.Equal(n.To.Users, []string{"wzg"}) || !n.Plain ||
			len(n.Body) > model.MaxMessageBytes || !strings.HasPrefix(n.Body, head) {
			t.Errorf("第 %d 段：Key %s 发给 %v，%d 字节：%.60q", i+2, n.Key, n.To.Users, len(n.Body), n.Body)
		}
		got += "\n" + strings.TrimPrefix(n.Body, head)
	}
	if got != long {
		t.Errorf("各段连起来与原回复不同（%d 字节，原 %d 字节）", len(got), len(long))
	}

	again, err := b.Process(ctx, text("long:1", "wzg", "查"))
	if err != nil || again != first {
		t.Errorf("同一消息再到达：%v；第一段应相同", err)
	}
	if n2, _ := db.Notices(ctx, ""); len(n2) != len(notices) {
		t.Errorf("同一消息再到达后有 %d 条续发，应仍为 %d", len(n2), len(notices))
	}

	plain := New(Options{Clock: testClock, Staff: db, Log: quiet})
	plain.Handle([]string{"查"}, handler)
	cut, err := plain.Process(ctx, text("long:2", "wzg", "查"))
	if err != nil || len(cut) > model.MaxMessageBytes || !strings.HasSuffix(cut, "……（内容太长，只显示了前一部分）") || !utf8.ValidString(cut) {
		t.Errorf("没有发件箱时：%d 字节，%v：%.80q", len(cut), err, cut)
	}
}

func TestRecover(t *testing.T) {
	r := openRedis(t)
	var calls atomic.Int32
	b := New(Options{Clock: testClock, Deduper: r, Log: quiet})
	b.Handle([]string{"炸"}, func(*Context) (string, error) {
		calls.Add(1)
		var m map[string]int
		m["x"] = 1 // panic
		return "", nil
	})
	got, err := b.Process(context.Background(), text("p1", "u", "炸"))
	if err != nil || got != PanicReply {
		t.Fatalf("panic 后回复 %q, %v；应为 %q", got, err, PanicReply)
	}
	// 机器人仍能处理后续消息；同一消息的重试不再执行（避免反复 panic）。
	if got, _ := b.Process(context.Background(), text("p1", "u", "炸")); got != "" || calls.Load() != 1 {
		t.Errorf("重试 panic 的消息：回复 %q，执行 %d 次", got, calls.Load())
	}
}

func TestDedup(t *testing.T) {
	r := openRedis(t)
	ctx := context.Background()
	var calls atomic.Int32
	fail := atomic.Bool{}
	b := New(Options{Clock: testClock, Deduper: r, Log: quiet})
	b.Handle([]string{"记"}, func(*Context) (string, error) {
		calls.Add(1)
		if fail.Load() {
			return "", model.Errorf(model.EUNAVAILABLE, "数据库暂时不可用，本次没有记录，请稍后再试。")
		}
		return "已记录", nil
	})

	// 同一 Key 三次：只处理一次，后两次回复空串。
	for i, want := range []string{"已记录", "", ""} {
		got, err := b.Process(ctx, text("msg:1", "u", "记"))
		if err != nil || got != want {
			t.Errorf("第 %d 次：%q, %v；应为 %q", i+1, got, err, want)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("处理了 %d 次，应为 1", calls.Load())
	}

	// 基础设施错误：Release，让企业微信的重试得到处理。
	calls.Store(0)
	fail.Store(true)
	if _, err := b.Process(ctx, text("msg:2", "u", "记")); model.ErrorCode(err) != model.EUNAVAILABLE {
		t.Fatalf("数据库不可用时 Process 应返回 EUNAVAILABLE，得到 %v", err)
	}
	fail.Store(false)
	if got, err := b.Process(ctx, text("msg:2", "u", "记")); err != nil || got != "已记录" || calls.Load() != 2 {
		t.Errorf("重试：%q, %v，执行 %d 次；应再处理一次", got, err, calls.Load())
	}

	// 不同 Key 互不影响。
	if got, _ := b.Process(ctx, text("msg:3", "u", "记")); got != "已记录" {
		t.Errorf("新消息被当成重复：%q", got)
	}
}

// TestDedupRedisDown Redis 不可用时照常处理（数据库唯一键兜底），不回错误。
func TestDedupRedisDown(t *testing.T) {
	r := openRedis(t)
	r.Close()
	var calls atomic.Int32
	b := New(Options{Clock: testClock, Deduper: r, Log: quiet})
	b.Handle([]string{"记"}, func(*Context) (string, error) { calls.Add(1); return "已记录", nil })
	for i := 0; i < 2; i++ {
		if got, err := b.Process(context.Background(), text("msg:1", "u", "记")); err != nil || got != "已记录" {
			t.Errorf("Redis 不可用时：%q, %v", got, err)
		}
	}
	if calls.Load() != 2 {
		t.Errorf("Redis 不可用时处理了 %d 次，应每次都处理（由数据库去重）", calls.Load())
	}
}

// TestAuthStoreDown 花名册读不到是基础设施错误：Process 返回 err，去重标记被释放。
func TestAuthStoreDown(t *testing.T) {
	db := openStore(t)
	r := openRedis(t)
	b := New(Options{Clock: testClock, Staff: db, Deduper: r, Log: quiet})
	b.Handle([]string{"查"}, echo)
	db.Close()
	got, err := b.Process(context.Background(), text("msg:9", "wzg", "查"))
	if c := model.ErrorCode(err); c != model.EUNAVAILABLE && c != model.EINTERNAL {
		t.Fatalf("数据库关闭时 err = %v，应为基础设施错误", err)
	}
	if got == "" {
		t.Error("应给出说明文字（供终端对话显示）")
	}
	first, err := r.Claim(context.Background(), "msg:9", time.Minute)
	if err != nil || !first {
		t.Errorf("失败后去重标记应已释放：first=%v err=%v", first, err)
	}
}
