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

func TestOutboxStats(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
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
		for _, n := range []model.Notice{plain("due:old", t0.Add(-30*time.Minute)), plain("due:new", t0.Add(-time.Minute)), plain("later", t0.Add(time.Hour))} {
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
