package wecom

import (
	"github.com/hongqi-dev/hongqi/model"
	"sync"
	"time"
)

// TokenCache 保存 access_token，形状与 SDK 的 cache.Cache 相同。
// Get 未命中时必须返回无类型的 nil，命中时返回 string（SDK 会断言为 string）。
// 多副本部署时用 Redis 实现，使各副本共用一个 token。
type TokenCache interface {
	Get(key string) interface{}
	Set(key string, val interface{}, timeout time.Duration) error
	IsExist(key string) bool
	Delete(key string) error
}

// MemoryCache 是进程内的 TokenCache，可并发使用（SDK 自带的内存缓存在 v2.1.10 有数据竞争）。
type MemoryCache struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]memoryItem
}

type memoryItem struct {
	val     interface{}
	expires time.Time // 零值表示不过期
}

// NewMemoryCache 创建一个空的进程内缓存；过期按 clock 计。
func NewMemoryCache(clock *model.Clock) *MemoryCache {
	return &MemoryCache{now: clock.Now, m: map[string]memoryItem{}}
}

// Get 返回未过期的值；没有或已过期时返回 nil。
func (c *MemoryCache) Get(key string) interface{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.m[key]
	if !ok {
		return nil
	}
	if !it.expires.IsZero() && !c.now().Before(it.expires) {
		delete(c.m, key)
		return nil
	}
	return it.val
}

// Set 保存值，timeout 后过期；timeout 不大于 0 表示不过期。
func (c *MemoryCache) Set(key string, val interface{}, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	it := memoryItem{val: val}
	if timeout > 0 {
		it.expires = c.now().Add(timeout)
	}
	c.m[key] = it
	return nil
}

// IsExist 表示 key 是否存在且未过期。
func (c *MemoryCache) IsExist(key string) bool { return c.Get(key) != nil }

// Delete 删除 key。
func (c *MemoryCache) Delete(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	return nil
}
