package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// openAt 打开 dsn，时钟停在 at；返回的时钟可以拨动，行上的 created_at 取自它。
func openAt(t *testing.T, dsn string, at time.Time) (*DB, *model.Clock) {
	t.Helper()
	clock := model.PinClock(at, nil)
	db, err := Open(context.Background(), dsn, clock, quiet)
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clock
}

func TestOutboxStats(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db, clock := openAt(t, dsn, t0.Add(-3*time.Hour))
		ctx := context.Background()
		failedSince := t0.Add(-24 * time.Hour)

		empty, err := db.OutboxStats(ctx, t0, failedSince)
		if err != nil {
			t.Fatal(err)
		}
		if empty != (model.OutboxStats{}) {
			t.Errorf("空发件箱的概况 = %+v，想要全零", empty)
		}

		// claim 入队一条早已到期的通知并单独领取它，租约到 lease。
		claim := func(key string, lease time.Time) model.Notice {
			t.Helper()
			if err := db.Enqueue(ctx, plain(key, t0.Add(-2*time.Hour))); err != nil {
				t.Fatal(err)
			}
			got, err := db.Claim(ctx, t0.Add(-90*time.Minute), lease, 1)
			if err != nil || len(got) != 1 || got[0].Key != key {
				t.Fatalf("领取 %s：%v %v", key, keys(got), err)
			}
			return got[0]
		}
		claim("stuck:1", t0.Add(-80*time.Minute))
		claim("stuck:2", t0.Add(-5*time.Minute))
		claim("live", t0.Add(time.Minute)) // 租约未到期：正在发
		for _, c := range []struct {
			key    string
			status model.NoticeStatus
			at     time.Time
		}{
			{"gaveup:recent", model.NoticeFailed, t0.Add(-time.Hour)},
			{"gaveup:yesterday", model.NoticeFailed, t0.Add(-23 * time.Hour)},
			{"gaveup:old", model.NoticeFailed, t0.Add(-48 * time.Hour)},
			{"done", model.NoticeSent, t0.Add(-time.Minute)},
		} {
			n := claim(c.key, t0.Add(time.Minute))
			if err := db.Complete(ctx, n.ID, c.status, c.at, "测试"); err != nil {
				t.Fatal(err)
			}
		}
		// 待发：30 分钟前入队的立即可发通知、1 分钟前到期的重试、一小时后才到期的。
		clock.Set(t0.Add(-30 * time.Minute))
		if err := db.Enqueue(ctx, plain("due:old", time.Time{})); err != nil {
			t.Fatal(err)
		}
		clock.Set(t0.Add(-10 * time.Minute))
		for _, n := range []model.Notice{plain("due:new", t0.Add(-time.Minute)), plain("later", t0.Add(time.Hour))} {
			if err := db.Enqueue(ctx, n); err != nil {
				t.Fatal(err)
			}
		}

		got, err := db.OutboxStats(ctx, t0, failedSince)
		if err != nil {
			t.Fatal(err)
		}
		want := model.OutboxStats{
			Pending:     3,
			OldestDue:   t0.Add(-30 * time.Minute),
			Expired:     2,
			OldestLease: t0.Add(-80 * time.Minute),
			Failed:      2,
		}
		if got != want {
			t.Errorf("概况 = %+v\n想要     %+v", got, want)
		}
	})
}

// 通知不会在入队之前就开始等：立即可发的通知（NextAt 为零，记成早已过去的 dueNow）从入队时起算，
// 到期时间早于入队时间的也一样；到期时间晚于入队的（重试）从到期时起算。
func TestOutboxStatsWaitingSince(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db, clock := openAt(t, dsn, t0)
		ctx := context.Background()
		now := t0.Add(time.Hour)
		oldest := func() time.Time {
			t.Helper()
			st, err := db.OutboxStats(ctx, now, now)
			if err != nil {
				t.Fatal(err)
			}
			return st.OldestDue
		}
		if err := db.Enqueue(ctx, plain("immediate", time.Time{})); err != nil {
			t.Fatal(err)
		}
		if got := oldest(); !got.Equal(t0) {
			t.Errorf("立即可发的通知从 %v 起等，想要入队时 %v", got, t0)
		}
		clock.Set(t0.Add(-10 * time.Minute))
		if err := db.Enqueue(ctx, plain("backdated", t0.Add(-5*time.Hour))); err != nil {
			t.Fatal(err)
		}
		if got, want := oldest(), t0.Add(-10*time.Minute); !got.Equal(want) {
			t.Errorf("到期早于入队的通知从 %v 起等，想要入队时 %v", got, want)
		}
		clock.Set(t0.Add(-time.Hour))
		if err := db.Enqueue(ctx, plain("retry", t0.Add(-20*time.Minute))); err != nil {
			t.Fatal(err)
		}
		if got, want := oldest(), t0.Add(-20*time.Minute); !got.Equal(want) {
			t.Errorf("重试的通知从 %v 起等，想要到期时 %v", got, want)
		}
	})
}

func TestOpenExistingCreatesNothing(t *testing.T) {
	ctx := context.Background()
	t.Run("a missing SQLite file is reported, not created", func(t *testing.T) {
		path := t.TempDir() + "/none.db"
		_, err := OpenExisting(ctx, "sqlite:"+path, testClock, quiet)
		wantCode(t, err, model.EUNAVAILABLE)
		if msg := model.ErrorMessage(err); !strings.Contains(msg, path) || !strings.Contains(msg, "不存在") {
			t.Errorf("消息 %q 没有说文件 %s 不存在", msg, path)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("OpenExisting 建了文件 %s（%v）", path, err)
		}
	})
	eachBackend(t, func(t *testing.T, dsn string) {
		if path, ok := sqliteFile(dsn); ok {
			if err := os.WriteFile(path, nil, 0o644); err != nil { // 空文件：SQLite 视为空库
				t.Fatal(err)
			}
		}
		db, err := OpenExisting(ctx, dsn, testClock, quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// 没有迁移：发件箱的表不存在，读概况报错而不是返回全零。
		if _, err := db.OutboxStats(ctx, t0, t0); err == nil {
			t.Error("未建表的库上读发件箱概况没有报错")
		}
		// 表建好之后同一个库照常可读。
		openDB(t, dsn)
		if _, err := db.OutboxStats(ctx, t0, t0); err != nil {
			t.Errorf("建表之后：%v", err)
		}
	})
}
