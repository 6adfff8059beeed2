package redis

import (
	"context"
	"errors"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hongqi-dev/hongqi/model"
)

// Redis 是基于 Redis 的锁和令牌缓存，供多副本共用。所有键都带 prefix 前缀。
type Redis struct {
	c      *goredis.Client
	prefix string
	tokens *RedisTokens
}

// tokenOpTimeout 是令牌缓存单次操作的时限（SDK 的缓存接口不带 context）。
const tokenOpTimeout = 3 * time.Second

// unlockScript 只在值仍是自己的令牌时删除锁。
var unlockScript = goredis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// NewRedis 连接 url（如 redis://host:6379/0）指向的 Redis 并检查可用。
// 地址写错返回 EINVALID，连不上返回 EUNAVAILABLE，两者都点名 HONGQI_REDIS。
func NewRedis(ctx context.Context, url, prefix string) (*Redis, error) {
	r, err := newRedis(url, prefix)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	if err := r.c.Ping(ctx).Err(); err != nil {
		addr := r.c.Options().Addr
		r.c.Close()
		return nil, model.Wrap(model.EUNAVAILABLE, model.RedactError(err, model.DSNSecrets(url)...),
			"连不上 HONGQI_REDIS 指定的 Redis（%s），请确认地址正确、服务已启动", addr)
	}
	return r, nil
}

// newRedis 只解析地址、建客户端，不检查连通。
func newRedis(url, prefix string) (*Redis, error) {
	opt, err := goredis.ParseURL(url)
	if err != nil {
		// 不把地址原样写进消息：其中可能有密码；解析的报错会引用整个地址，也要去掉密码。
		return nil, model.Wrap(model.EINVALID, model.RedactError(err, model.DSNSecrets(url)...),
			"HONGQI_REDIS 地址无效，应写成 redis://主机:6379/0 的形式")
	}
	// Redis 不在消息的处理路径上（消息是否处理过只看数据库），只用于定时任务的锁和 access_token
	// 缓存；它卡住时每次调用最多耽误一个超时，不重试：SET NX 超时后重发，第一次可能已经生效，
	// 重发就会看到自己的键。调用方的 ctx 期限也算数（ContextTimeoutEnabled）。
	// 地址里显式写了的超时和重试次数保持不变。
	if opt.DialTimeout == 0 {
		opt.DialTimeout = time.Second
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = time.Second
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = time.Second
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = -1 // go-redis：-1 表示不重试（0 表示默认的 3 次）
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1
	}
	opt.ContextTimeoutEnabled = true
	r := &Redis{c: goredis.NewClient(opt), prefix: prefix}
	r.tokens = &RedisTokens{r: r}
	return r, nil
}

// Close 关闭连接。
func (r *Redis) Close() error { return r.c.Close() }

func unavailable(err error) error {
	return model.Wrap(model.EUNAVAILABLE, err, "Redis 暂不可用，请稍后再试。")
}

// TryLock 用 SET NX PX 和随机令牌取锁；释放函数用 Lua 脚本只删除仍属于自己的锁，
// 锁过期后已被别人取得时不会误删。
func (r *Redis) TryLock(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	k, token := r.prefix+nsLock+key, newToken()
	ok, err := r.c.SetNX(ctx, k, token, ttl).Result()
	if err != nil {
		return nil, false, unavailable(err)
	}
	if !ok {
		return nil, false, nil
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), tokenOpTimeout)
			defer cancel()
			// 释放失败时锁会在 ttl 后自行过期。
			_ = unlockScript.Run(ctx, r.c, []string{k}, token).Err()
		})
	}, true, nil
}

// TokenCache 返回存放在 Redis 中、各副本共享的令牌缓存。
func (r *Redis) TokenCache() *RedisTokens { return r.tokens }

// RedisTokens 是存放在 Redis 中的访问令牌缓存（实现 wecom.TokenCache）：Redis 不可用时 Get 当作未命中。
type RedisTokens struct{ r *Redis }

func (t *RedisTokens) key(k string) string { return t.r.prefix + nsToken + k }

// Get 返回令牌；未命中或 Redis 不可用时返回 nil。
func (t *RedisTokens) Get(key string) interface{} {
	ctx, cancel := context.WithTimeout(context.Background(), tokenOpTimeout)
	defer cancel()
	v, err := t.r.c.Get(ctx, t.key(key)).Result()
	if err != nil {
		// 未命中或 Redis 不可用：都当作没有缓存，SDK 会重新取令牌。
		return nil
	}
	return v
}

// Set 保存令牌，timeout 后过期；timeout 为负时删除。
func (t *RedisTokens) Set(key string, val interface{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), tokenOpTimeout)
	defer cancel()
	if timeout < 0 {
		return t.Delete(key)
	}
	if err := t.r.c.Set(ctx, t.key(key), stringValue(val), timeout).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

// IsExist 表示令牌是否存在。
func (t *RedisTokens) IsExist(key string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), tokenOpTimeout)
	defer cancel()
	n, err := t.r.c.Exists(ctx, t.key(key)).Result()
	return err == nil && n > 0
}

// Delete 删除令牌。
func (t *RedisTokens) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), tokenOpTimeout)
	defer cancel()
	if err := t.r.c.Del(ctx, t.key(key)).Err(); err != nil && !errors.Is(err, goredis.Nil) {
		return unavailable(err)
	}
	return nil
}
