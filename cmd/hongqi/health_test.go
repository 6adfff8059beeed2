package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/internal/testenv/fault"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/store"
)

// healthDB 新建一个 MariaDB 库（或 SQLite 文件），建好表，交给 prep 往发件箱里放通知，返回它的 DSN。
// prep 的 now 与 hongqi health 读的是同一种时钟（系统时钟）；prep 写的行是 ago 之前写下的（入队时间）。
func healthDB(t *testing.T, dsn string, ago time.Duration, prep func(db *store.DB, now time.Time)) string {
	t.Helper()
	ctx := context.Background()
	now := model.SystemClock(nil).Now()
	db, err := store.Open(ctx, dsn, model.StartClock(now.Add(-ago), nil), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("store.Open(%s): %v", dsn, err)
	}
	defer db.Close()
	if prep != nil {
		prep(db, now)
	}
	return dsn
}

// enqueue 入队一条发给 cg01 的通知，下次尝试时间为 next。
func enqueue(t *testing.T, db *store.DB, key string, next time.Time) {
	t.Helper()
	if err := db.Enqueue(context.Background(), model.Notice{Key: key, To: model.ToUsers("cg01"), Plain: true, Body: key, NextAt: next}); err != nil {
		t.Fatal(err)
	}
}

// claimed 入队一条两小时前到期的通知并领取它，租约到 lease。
func claimed(t *testing.T, db *store.DB, key string, now, lease time.Time) model.Notice {
	t.Helper()
	enqueue(t, db, key, now.Add(-2*time.Hour))
	ns, err := db.Claim(context.Background(), now.Add(-90*time.Minute), lease, 1)
	if err != nil || len(ns) != 1 || ns[0].Key != key {
		t.Fatalf("领取 %s：%v %v", key, ns, err)
	}
	return ns[0]
}

func TestHealth(t *testing.T) {
	redisURL, _ := testenv.Redis(t)
	deadPort := fault.FreePort(t)
	tests := []struct {
		name string
		env  func(t *testing.T) map[string]string
		want string // stdout 的那一行
	}{
		{"healthy on MariaDB with Redis", func(t *testing.T) map[string]string {
			dsn := healthDB(t, testenv.MySQL(t), 0, func(db *store.DB, now time.Time) {
				enqueue(t, db, "later", now.Add(time.Hour))
				n := claimed(t, db, "done", now, now.Add(time.Minute))
				if err := db.Complete(context.Background(), n.ID, model.NoticeSent, now, ""); err != nil {
					t.Fatal(err)
				}
			})
			return map[string]string{"HONGQI_DB": dsn, "HONGQI_REDIS": redisURL}
		}, "正常：数据库（mysql）可用，Redis 可用，发件箱在发送（待发 1 条）。"},
		{"healthy on SQLite without Redis", func(t *testing.T) map[string]string {
			return map[string]string{"HONGQI_DB": healthDB(t, testenv.SQLite(t), 0, nil)}
		}, "正常：数据库（sqlite）可用，未配置 Redis，发件箱在发送（待发 0 条）。"},
		{"database down", func(t *testing.T) map[string]string {
			return map[string]string{"HONGQI_DB": fmt.Sprintf("mysql://root@tcp(127.0.0.1:%d)/hongqi", deadPort)}
		}, "不健康：连不上数据库（HONGQI_DB），请确认数据库已启动、地址和账号正确。"},
		{"SQLite file missing", func(t *testing.T) map[string]string {
			return map[string]string{"HONGQI_DB": "sqlite:/nonexistent/hongqi.db"}
		}, "不健康：数据库文件 /nonexistent/hongqi.db 不存在（HONGQI_DB）：hongqi serve 第一次启动时会创建它。"},
		{"Redis down", func(t *testing.T) map[string]string {
			return map[string]string{"HONGQI_DB": healthDB(t, testenv.MySQL(t), 0, nil), "HONGQI_REDIS": fmt.Sprintf("redis://127.0.0.1:%d/0", deadPort)}
		}, fmt.Sprintf("不健康：连不上 HONGQI_REDIS 指定的 Redis（127.0.0.1:%d），请确认地址正确、服务已启动", deadPort)},
		{"stuck outbox: a lease expired long ago", func(t *testing.T) map[string]string {
			dsn := healthDB(t, testenv.MySQL(t), 0, func(db *store.DB, now time.Time) {
				claimed(t, db, "stuck", now, now.Add(-80*time.Minute))
			})
			return map[string]string{"HONGQI_DB": dsn}
		}, "不健康：发件箱有 1 条通知领取后租约已过期 1 小时 20 分钟仍未发完：发送进程可能已停止或卡住。"},
		{"a notice enqueued a moment ago is normal", func(t *testing.T) map[string]string {
			dsn := healthDB(t, testenv.MySQL(t), 5*time.Second, func(db *store.DB, now time.Time) {
				enqueue(t, db, "just now", time.Time{}) // 立即可发
			})
			return map[string]string{"HONGQI_DB": dsn}
		}, "正常：数据库（mysql）可用，未配置 Redis，发件箱在发送（待发 1 条）。"},
		{"stuck outbox: a due notice nobody sends", func(t *testing.T) map[string]string {
			dsn := healthDB(t, testenv.MySQL(t), 20*time.Minute, func(db *store.DB, now time.Time) {
				enqueue(t, db, "waiting", time.Time{}) // 20 分钟前入队，立即可发
				enqueue(t, db, "later", now.Add(time.Hour))
			})
			return map[string]string{"HONGQI_DB": dsn}
		}, "不健康：发件箱最早一条到期的通知已等了 20 分钟还没发出（共 2 条待发）：发送进程可能没有运行。"},
		{"a notice given up on today", func(t *testing.T) map[string]string {
			dsn := healthDB(t, testenv.MySQL(t), 0, func(db *store.DB, now time.Time) {
				n := claimed(t, db, "gaveup", now, now.Add(time.Minute))
				if err := db.Complete(context.Background(), n.ID, model.NoticeFailed, now.Add(-time.Hour), "接收人无效"); err != nil {
					t.Fatal(err)
				}
			})
			return map[string]string{"HONGQI_DB": dsn}
		}, "不健康：最近 24 小时有 1 条通知多次发送失败、已放弃：请查看日志中的“通知发送失败，已放弃”并人工处理。"},
		{"a bad setting", func(t *testing.T) map[string]string {
			return map[string]string{"HONGQI_DB": "oracle://x"}
		}, "不健康：HONGQI_DB：“oracle://x”无法识别，应为 sqlite:文件路径 或 mysql://用户:密码@tcp(主机:3306)/库名"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, tt.env(t), "", "health")
			if got := strings.TrimSuffix(out, "\n"); got != tt.want {
				t.Errorf("输出 = %q\n想要   %q", out, tt.want+"\n")
			}
			var code exitCode
			healthy := strings.HasPrefix(tt.want, "正常")
			switch {
			case healthy && err != nil:
				t.Errorf("健康时返回了错误 %v", err)
			case !healthy && !(errors.As(err, &code) && code == 1):
				t.Errorf("不健康时返回 %v，想要退出码 1", err)
			}
		})
	}
}

// TestHealthExitStatus 以真实进程运行 main：Docker 的 HEALTHCHECK 只看退出码和输出。
func TestHealthExitStatus(t *testing.T) {
	if os.Getenv("HQ_HEALTH_MAIN") == "1" {
		os.Args = []string{"hongqi", "health"}
		main()
		os.Exit(0)
	}
	dir := t.TempDir()
	sqlite := healthDB(t, "sqlite:"+filepath.Join(dir, "hongqi.db"), 0, nil)
	tests := []struct {
		name     string
		db       string
		wantCode int
		wantOut  string
	}{
		{"healthy exits 0", sqlite, 0, "正常：数据库（sqlite）可用，未配置 Redis，发件箱在发送（待发 0 条）。\n"},
		{"unhealthy exits 1 with one line", "sqlite:" + filepath.Join(dir, "none.db"), 1,
			"不健康：数据库文件 " + filepath.Join(dir, "none.db") + " 不存在（HONGQI_DB）：hongqi serve 第一次启动时会创建它。\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHealthExitStatus$")
			cmd.Env = append(os.Environ(), "HQ_HEALTH_MAIN=1", "HONGQI_DB="+tt.db, "HONGQI_REDIS=", "HONGQI_CONFIG=")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode || stdout.String() != tt.wantOut || stderr.Len() != 0 {
				t.Errorf("退出码 %d，stdout %q，stderr %q\n想要 %d，%q，空", code, stdout.String(), stderr.String(), tt.wantCode, tt.wantOut)
			}
		})
	}
}
