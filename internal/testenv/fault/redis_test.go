package fault

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedis(t *testing.T) {
	start := time.Now()
	r := StartRedis(t)
	t.Logf("StartRedis 用时 %v，pid %d，地址 %s", time.Since(start), r.PID(), r.URL())
	if r.PID() <= 0 || r.Addr() == "127.0.0.1:6379" {
		t.Fatalf("PID() = %d, Addr() = %s", r.PID(), r.Addr())
	}
	if want := "redis://" + r.Addr() + "/0"; r.URL() != want {
		t.Fatalf("URL() = %q，应为 %q", r.URL(), want)
	}
	opt, err := redis.ParseURL(r.URL())
	if err != nil {
		t.Fatal(err)
	}
	opt.ReadTimeout = 300 * time.Millisecond
	opt.WriteTimeout = 300 * time.Millisecond
	opt.DialTimeout = 300 * time.Millisecond
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	get := func() (string, time.Duration, error) {
		start := time.Now()
		v, err := c.Get(ctx, "k").Result()
		return v, time.Since(start), err
	}
	if v, _, err := get(); err != nil || v != "v" {
		t.Fatalf("GET = %q, %v", v, err)
	}

	t.Run("StopCont", func(t *testing.T) {
		r.Stop()
		_, took, err := get()
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			r.Cont()
			t.Fatalf("暂停期间 GET 应超时，得到 %v", err)
		}
		if took > time.Second {
			t.Errorf("超时花了 %v，应约 300ms", took)
		}
		t.Logf("暂停期间 GET %v 后失败: %v", took, err)
		r.Cont()
		if v, took, err := get(); err != nil || v != "v" {
			t.Fatalf("继续后 GET = %q, %v", v, err)
		} else {
			t.Logf("继续后 GET 用时 %v", took)
		}
	})

	t.Run("StopFor", func(t *testing.T) {
		StopFor(r, 500*time.Millisecond)
		if _, _, err := get(); err == nil {
			t.Fatalf("StopFor 期间 GET 应超时")
		}
		time.Sleep(500 * time.Millisecond)
		if v, _, err := get(); err != nil || v != "v" {
			t.Fatalf("StopFor 结束后 GET = %q, %v", v, err)
		}
	})

	t.Run("KillRestart", func(t *testing.T) {
		oldPID := r.PID()
		r.Kill()
		if r.PID() != 0 {
			t.Fatalf("Kill 后 PID() = %d", r.PID())
		}
		if _, _, err := get(); err == nil {
			t.Fatalf("Kill 后 GET 应失败")
		} else {
			t.Logf("Kill 后 GET: %v", err)
		}
		start := time.Now()
		r.Restart()
		t.Logf("Restart 用时 %v，新 pid %d", time.Since(start), r.PID())
		if r.PID() == 0 || r.PID() == oldPID {
			t.Fatalf("Restart 后 pid %d（原 %d）", r.PID(), oldPID)
		}
		// 不落盘：重启后是空的。
		if _, _, err := get(); !errors.Is(err, redis.Nil) {
			t.Fatalf("重启后 GET 应为 redis.Nil，得到 %v", err)
		}
	})
}
