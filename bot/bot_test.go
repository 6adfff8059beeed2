package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
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
	b := New(Options{Clock: testClock, Staff: db, Units: db, Log: quiet, Outbox: db})
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
		// 第 3 段起排在前一段之后：几个副本同时发送时也按段号到。
		if after := fmt.Sprintf("reply:long:1:%d", i+1); (i == 0 && n.After != "") || (i > 0 && n.After != after) {
			t.Errorf("第 %d 段排在 %q 之后，想要 %q", i+2, n.After, map[bool]string{true: "", false: after}[i == 0])
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

// unitBot 是接在真实存储（MariaDB）上的机器人：写命令在 db.Once 的事务里处理。
// 命令“记”入队一条以消息为键的通知（一次写入），按 mode 成功、拒绝、报基础设施错误或 panic。
func unitBot(t *testing.T) (*Bot, *store.DB, *atomic.Int32, *atomic.Value) {
	t.Helper()
	db := openStore(t)
	var calls atomic.Int32
	var mode atomic.Value
	mode.Store("ok")
	b := New(Options{Clock: testClock, Staff: db, Units: db, Log: quiet})
	b.Handle([]string{"记"}, func(c *Context) (string, error) {
		n := calls.Add(1)
		if err := db.Enqueue(c.Ctx, model.Notice{Key: "n:" + c.Msg.Key, To: model.ToUsers(c.Actor.UserID), Body: "通知"}); err != nil {
			return "", err
		}
		switch mode.Load() {
		case "refuse":
			return "", model.Errorf(model.EINVALID, "第 %d 次：写法不对。", n)
		case "unavailable":
			return "", model.Errorf(model.EUNAVAILABLE, "数据库暂时不可用，本次没有记录，请稍后再试。")
		case "panic":
			var m map[string]int
			m["x"] = 1
		}
		return fmt.Sprintf("已记录（第 %d 次处理）", n), nil
	})
	b.HandleRead([]string{"看"}, func(c *Context) (string, error) {
		return fmt.Sprintf("看了（第 %d 次处理）", calls.Add(1)), nil
	})
	return b, db, &calls, &mode
}

// notices 返回库里的通知条数（每次成功处理“记”写一条）。
func notices(t *testing.T, db *store.DB) int {
	t.Helper()
	ns, err := db.Notices(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return len(ns)
}

// TestOnce 写命令：数据库是消息是否处理过的唯一依据，重试得到逐字节相同的回复。
func TestOnce(t *testing.T) {
	ctx := context.Background()
	t.Run("handled message: retries get the stored reply, handler runs once", func(t *testing.T) {
		b, db, calls, _ := unitBot(t)
		first, err := b.Process(ctx, text("msg:1", "wzg", "记"))
		if err != nil || first != "已记录（第 1 次处理）" {
			t.Fatalf("第一次：%q, %v", first, err)
		}
		for i := range 2 {
			again, err := b.Process(ctx, text("msg:1", "wzg", "记"))
			if err != nil || again != first {
				t.Fatalf("第 %d 次重试：%q, %v；应与第一次的回复相同 %q", i+1, again, err, first)
			}
		}
		if calls.Load() != 1 || notices(t, db) != 1 {
			t.Fatalf("处理了 %d 次、写了 %d 条通知，应各 1", calls.Load(), notices(t, db))
		}
	})
	t.Run("infrastructure error: nothing kept, retry is processed", func(t *testing.T) {
		b, db, _, mode := unitBot(t)
		mode.Store("unavailable")
		if _, err := b.Process(ctx, text("msg:2", "wzg", "记")); model.ErrorCode(err) != model.EUNAVAILABLE {
			t.Fatalf("应返回 EUNAVAILABLE（回调答 503），得到 %v", err)
		}
		if n := notices(t, db); n != 0 {
			t.Fatalf("失败的处理留下了 %d 条通知", n)
		}
		mode.Store("ok")
		got, err := b.Process(ctx, text("msg:2", "wzg", "记"))
		if err != nil || got != "已记录（第 2 次处理）" || notices(t, db) != 1 {
			t.Fatalf("重试：%q, %v，通知 %d 条；应再处理一次", got, err, notices(t, db))
		}
	})
	t.Run("refusal: writes undone, the refusal is the stored reply", func(t *testing.T) {
		b, db, calls, mode := unitBot(t)
		mode.Store("refuse")
		first, err := b.Process(ctx, text("msg:3", "wzg", "记"))
		if err != nil || first != "第 1 次：写法不对。" {
			t.Fatalf("第一次：%q, %v", first, err)
		}
		mode.Store("ok")
		again, err := b.Process(ctx, text("msg:3", "wzg", "记"))
		if err != nil || again != first || calls.Load() != 1 {
			t.Fatalf("重试：%q, %v，处理 %d 次；应回同一句拒绝、不再处理", again, err, calls.Load())
		}
		if n := notices(t, db); n != 0 {
			t.Fatalf("被拒绝的命令留下了 %d 条通知", n)
		}
	})
	t.Run("panic: nothing kept, the next delivery is processed", func(t *testing.T) {
		b, db, calls, mode := unitBot(t)
		mode.Store("panic")
		got, err := b.Process(ctx, text("msg:4", "wzg", "记"))
		if err != nil || got != PanicReply {
			t.Fatalf("panic 后回复 %q, %v；应为 %q", got, err, PanicReply)
		}
		if n := notices(t, db); n != 0 {
			t.Fatalf("panic 的处理留下了 %d 条通知", n)
		}
		mode.Store("ok")
		if got, err := b.Process(ctx, text("msg:4", "wzg", "记")); err != nil || got != "已记录（第 2 次处理）" || calls.Load() != 2 {
			t.Fatalf("再次投递：%q, %v，处理 %d 次", got, err, calls.Load())
		}
	})
	t.Run("long refusal: the command's writes undone, the continued parts sent", func(t *testing.T) {
		db := openStore(t)
		long := strings.Repeat("这一行说明为什么不能这样记，以及应该怎么写。\n", 120)
		b := New(Options{Clock: testClock, Staff: db, Units: db, Log: quiet, Outbox: db})
		b.Handle([]string{"记"}, func(c *Context) (string, error) {
			if err := db.Enqueue(c.Ctx, model.Notice{Key: "n:" + c.Msg.Key, To: model.ToUsers(c.Actor.UserID), Body: "通知"}); err != nil {
				return "", err
			}
			return "", model.Errorf(model.EINVALID, "%s", long)
		})
		first, err := b.Process(ctx, text("msg:7", "wzg", "记"))
		if err != nil || !strings.Contains(first, "段随后私信发给您") {
			t.Fatalf("第一段：%v，%.80q", err, first)
		}
		ns, err := db.Notices(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if !strings.HasPrefix(n.Key, "reply:msg:7:") {
				t.Errorf("被拒绝的命令的写入 %s 被提交了", n.Key)
			}
		}
		if len(ns) < 2 {
			t.Errorf("拒绝说明续发了 %d 段，应至少 2 段", len(ns))
		}
		if again, err := b.Process(ctx, text("msg:7", "wzg", "记")); err != nil || again != first {
			t.Errorf("重试：%v；应得到同样的第一段", err)
		}
	})
	t.Run("read-only command is not recorded", func(t *testing.T) {
		b, _, _, _ := unitBot(t)
		for i := 1; i <= 2; i++ {
			got, err := b.Process(ctx, text("msg:5", "wzg", "看"))
			if want := fmt.Sprintf("看了（第 %d 次处理）", i); err != nil || got != want {
				t.Fatalf("第 %d 次：%q, %v；只读命令每次都处理，应为 %q", i, got, err, want)
			}
		}
	})
	t.Run("concurrent copies: one is processed, all get its reply", func(t *testing.T) {
		b, db, calls, _ := unitBot(t)
		replies := make(chan string, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := b.Process(ctx, text("msg:6", "wzg", "记"))
				if err != nil {
					t.Errorf("并发副本：%v", err)
				}
				replies <- got
			}()
		}
		wg.Wait()
		close(replies)
		for got := range replies {
			if got != "已记录（第 1 次处理）" {
				t.Errorf("并发副本得到 %q", got)
			}
		}
		if calls.Load() != 1 || notices(t, db) != 1 {
			t.Fatalf("处理了 %d 次、写了 %d 条通知，应各 1", calls.Load(), notices(t, db))
		}
	})
}

// TestAuthStoreDown 花名册读不到是基础设施错误：Process 返回 err（回调答 503），给出说明。
func TestAuthStoreDown(t *testing.T) {
	for _, write := range []bool{true, false} {
		t.Run(fmt.Sprintf("write=%v", write), func(t *testing.T) {
			db := openStore(t)
			b := New(Options{Clock: testClock, Staff: db, Units: db, Log: quiet})
			if write {
				b.Handle([]string{"查"}, echo)
			} else {
				b.HandleRead([]string{"查"}, echo)
			}
			db.Close()
			got, err := b.Process(context.Background(), text("msg:9", "wzg", "查"))
			if c := model.ErrorCode(err); c != model.EUNAVAILABLE && c != model.EINTERNAL {
				t.Fatalf("数据库关闭时 err = %v，应为基础设施错误", err)
			}
			if got == "" {
				t.Error("应给出说明文字（供终端对话显示）")
			}
		})
	}
}
