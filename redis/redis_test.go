package redis

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/internal/testenv/fault"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
)

// testClock 走真实时间：这里的测试只看过期时长（睡 150 毫秒后键应已过期），与日期无关。
var testClock = model.SystemClock(nil)

// 两种令牌缓存都是企业微信发送用的 wecom.TokenCache。
var (
	_ wecom.TokenCache = (*MemoryTokens)(nil)
	_ wecom.TokenCache = (*RedisTokens)(nil)
)

// store 是两种实现共有的能力。
type store interface {
	model.Locker
}

// tokens 返回 s 的令牌缓存。
func tokens(s store) wecom.TokenCache {
	switch v := s.(type) {
	case *Memory:
		return v.TokenCache()
	case *Redis:
		return v.TokenCache()
	}
	panic("没有令牌缓存")
}

// backend 为一个测试造出两个共享数据的客户端（同一 Redis 前缀，或同一个 Memory）。
type backend struct {
	name string
	open func(t *testing.T) (a, b store)
}

func backends() []backend {
	return []backend{
		{"memory", func(t *testing.T) (store, store) {
			m := NewMemory(testClock)
			return m, m
		}},
		{"redis", func(t *testing.T) (store, store) {
			t.Helper()
			url, prefix := testenv.Redis(t)
			return openRedis(t, url, prefix), openRedis(t, url, prefix)
		}},
	}
}

func openRedis(t *testing.T, url, prefix string) *Redis {
	t.Helper()
	r, err := NewRedis(context.Background(), url, prefix)
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func mustLock(t *testing.T, l model.Locker, key string, ttl time.Duration, want bool) func() {
	t.Helper()
	unlock, ok, err := l.TryLock(context.Background(), key, ttl)
	if err != nil {
		t.Fatalf("TryLock(%q): %v", key, err)
	}
	if ok != want {
		t.Fatalf("TryLock(%q) ok = %v, want %v", key, ok, want)
	}
	if ok && unlock == nil {
		t.Fatalf("TryLock(%q) 成功却没有释放函数", key)
	}
	return unlock
}

func TestLocker(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			t.Run("lock is exclusive across clients until unlocked", func(t *testing.T) {
				a, b := be.open(t)
				unlock := mustLock(t, a, "settle", time.Minute, true)
				mustLock(t, b, "settle", time.Minute, false)
				mustLock(t, a, "settle", time.Minute, false)
				mustLock(t, b, "other", time.Minute, true)
				unlock()
				unlock() // 重复释放无害
				mustLock(t, b, "settle", time.Minute, true)
			})
			t.Run("lock expires after ttl", func(t *testing.T) {
				a, b := be.open(t)
				mustLock(t, a, "settle", 100*time.Millisecond, true)
				time.Sleep(150 * time.Millisecond)
				mustLock(t, b, "settle", time.Minute, true)
			})
			t.Run("unlock after expiry leaves the new holder's lock alone", func(t *testing.T) {
				a, b := be.open(t)
				stale := mustLock(t, a, "settle", 100*time.Millisecond, true)
				time.Sleep(150 * time.Millisecond)
				mustLock(t, b, "settle", time.Minute, true)
				stale()
				mustLock(t, a, "settle", time.Minute, false)
			})
		})
	}
}

func TestTokenCache(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			t.Run("miss is untyped nil, hit is string, shared across clients", func(t *testing.T) {
				a, b := be.open(t)
				ca, cb := tokens(a), tokens(b)
				if v := ca.Get("access_token_ww1"); v != nil {
					t.Fatalf("未命中时 Get = %#v，应为无类型 nil", v)
				}
				if ca.IsExist("access_token_ww1") {
					t.Fatal("未写入时 IsExist = true")
				}
				if err := ca.Set("access_token_ww1", "tok-123", time.Hour); err != nil {
					t.Fatalf("Set: %v", err)
				}
				v := cb.Get("access_token_ww1")
				s, ok := v.(string)
				if !ok || s != "tok-123" {
					t.Fatalf("命中时 Get = %#v，应为 string \"tok-123\"", v)
				}
				if !cb.IsExist("access_token_ww1") {
					t.Fatal("写入后 IsExist = false")
				}
				if err := cb.Delete("access_token_ww1"); err != nil {
					t.Fatalf("Delete: %v", err)
				}
				if v := ca.Get("access_token_ww1"); v != nil {
					t.Fatalf("删除后 Get = %#v，应为 nil", v)
				}
			})
			t.Run("token expires after timeout", func(t *testing.T) {
				a, _ := be.open(t)
				c := tokens(a)
				if err := c.Set("tok", "x", 100*time.Millisecond); err != nil {
					t.Fatalf("Set: %v", err)
				}
				time.Sleep(150 * time.Millisecond)
				if v := c.Get("tok"); v != nil {
					t.Fatalf("过期后 Get = %#v，应为 nil", v)
				}
				if c.IsExist("tok") {
					t.Fatal("过期后 IsExist = true")
				}
			})
			t.Run("token keys do not collide with lock keys", func(t *testing.T) {
				a, _ := be.open(t)
				mustLock(t, a, "k", time.Minute, true)
				if v := tokens(a).Get("k"); v != nil {
					t.Fatalf("锁被当成令牌：Get = %#v", v)
				}
			})
		})
	}
}

func TestRedisPrefixIsolatesClients(t *testing.T) {
	url, prefix := testenv.Redis(t)
	a := openRedis(t, url, prefix+"a:")
	b := openRedis(t, url, prefix+"b:")
	mustLock(t, a, "settle", time.Minute, true)
	mustLock(t, b, "settle", time.Minute, true)
}

// closedPortURL 返回一个当前没人监听的本机端口地址。
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "redis://" + addr + "/0"
}

func TestNewRedisErrors(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		wantCode string
	}{
		{"not a redis url", "http://127.0.0.1:6379", model.EINVALID},
		{"garbage", "::::", model.EINVALID},
		{"nobody listening", closedPortURL(t), model.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			r, err := NewRedis(ctx, tt.url, "x:")
			if err == nil {
				r.Close()
				t.Fatal("NewRedis 成功了，应当失败")
			}
			if got := model.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("错误码 = %s，want %s（%v）", got, tt.wantCode, err)
			}
			if msg := model.ErrorMessage(err); !strings.Contains(msg, "HONGQI_REDIS") {
				t.Fatalf("错误提示没有点名 HONGQI_REDIS：%s", msg)
			}
		})
	}
}

func TestRedisDownReturnsUnavailable(t *testing.T) {
	r, err := newRedis(closedPortURL(t), "x:")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, _, err := r.TryLock(context.Background(), "settle", time.Minute); model.ErrorCode(err) != model.EUNAVAILABLE {
		t.Fatalf("TryLock 错误 = %v，应为 EUNAVAILABLE", err)
	}
	if v := r.TokenCache().Get("tok"); v != nil {
		t.Fatalf("Redis 不可用时 Get = %#v，应为 nil", v)
	}
}

// TestStalledRedisIsNotRetried Redis 卡住 1.3 秒（SIGSTOP，比一次读超时长、比两次短）时取一个没人持有的锁：
// 只能得到“取到了”或“Redis 不可用”，不能是“别人持有”。go-redis 超时后若重发 SET NX，
// 第一次的 SET 在 Redis 恢复时先生效，重发的那次看到这个键，就把自己的锁当成别人的——
// 消息去重曾因此把新消息当成重复而丢掉。
func TestStalledRedisIsNotRetried(t *testing.T) {
	srv := fault.StartRedis(t)
	r := openRedis(t, srv.URL(), "stall:")
	// 先让连接池里有一条已握手的连接，SET 立即发出去。
	if err := r.c.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	fault.StopFor(srv, 1300*time.Millisecond)
	unlock, ok, err := r.TryLock(context.Background(), "job", time.Minute)
	switch {
	case ok:
		unlock()
	case err == nil:
		t.Fatal("没人持有的锁被报告为别人持有：SET NX 超时后被重发了")
	case model.ErrorCode(err) != model.EUNAVAILABLE:
		t.Fatalf("TryLock 错误 = %v，应为 EUNAVAILABLE", err)
	}
}

// TestGoRedisLogsGoToSlogAtDebug：连不上 Redis 时，go-redis 自己的“redis: … pool.go:770: …”不直接打到标准错误，
// 而是进 hongqi 的日志、在 debug 级别；hongqi 自己的中文说明点名 HONGQI_REDIS。
func TestGoRedisLogsGoToSlogAtDebug(t *testing.T) {
	var buf bytes.Buffer
	SetLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { SetLogger(nil) })
	_, err := NewRedis(context.Background(), "redis://127.0.0.1:1/0", "t:")
	if err == nil || !strings.Contains(model.ErrorMessage(err), "HONGQI_REDIS") {
		t.Fatalf("NewRedis to a closed port: %v", err)
	}
	if out := buf.String(); !strings.Contains(out, "level=DEBUG") || !strings.Contains(out, "go-redis") {
		t.Errorf("go-redis' own log did not reach slog at debug:\n%s", out)
	}
	if strings.Contains(buf.String(), "level=INFO") || strings.Contains(buf.String(), "level=WARN") {
		t.Errorf("go-redis' log above debug:\n%s", buf.String())
	}
}
