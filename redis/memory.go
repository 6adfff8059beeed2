package redis

import (
	"context"
	"github.com/hongqi-dev/hongqi/model"
	"sync"
	"time"
)

// Memory 是进程内的锁和令牌缓存，用于单机运行（未配置 HONGQI_REDIS 时）。
// 并发安全；过期的键在访问时删除，并在写入增多时顺带清扫。
type Memory struct {
	mu        sync.Mutex
	items     map[string]memItem
	sweepAt   int
	now       func() time.Time
	tokenView *MemoryTokens
}

type memItem struct {
	val string
	exp time.Time // 零值表示不过期
}

// NewMemory 创建一个空的进程内存储；过期按 clock 计。
func NewMemory(clock *model.Clock) *Memory {
	m := &Memory{items: map[string]memItem{}, sweepAt: 1024, now: clock.Now}
	m.tokenView = &MemoryTokens{m: m}
	return m
}

// get 在持锁时取未过期的值，过期的顺手删除。
func (m *Memory) get(key string, now time.Time) (memItem, bool) {
	it, ok := m.items[key]
	if !ok {
		return memItem{}, false
	}
	if !it.exp.IsZero() && !now.Before(it.exp) {
		delete(m.items, key)
		return memItem{}, false
	}
	return it, true
}

// put 在持锁时写入；ttl<=0 表示不过期。map 变大时清扫一遍过期键。
func (m *Memory) put(key, val string, ttl time.Duration, now time.Time) {
	it := memItem{val: val}
	if ttl > 0 {
		it.exp = now.Add(ttl)
	}
	m.items[key] = it
	if len(m.items) >= m.sweepAt {
		for k, v := range m.items {
			if !v.exp.IsZero() && !now.Before(v.exp) {
				delete(m.items, k)
			}
		}
		m.sweepAt = max(1024, 2*len(m.items))
	}
}

// setNX 在 key 不存在（或已过期）时写入并返回 true。
func (m *Memory) setNX(key, val string, ttl time.Duration) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if _, ok := m.get(key, now); ok {
		return false
	}
	m.put(key, val, ttl, now)
	return true
}

// TryLock 尝试取得 key 的锁，ttl 后自动失效。释放函数只删除自己持有的锁：
// 锁过期后被别人取得，再调用释放函数不会影响别人。
func (m *Memory) TryLock(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	k, token := nsLock+key, newToken()
	if !m.setNX(k, token, ttl) {
		return nil, false, nil
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			defer m.mu.Unlock()
			if it, ok := m.get(k, m.now()); ok && it.val == token {
				delete(m.items, k)
			}
		})
	}, true, nil
}

// TokenCache 返回令牌缓存视图，与去重、锁共用同一存储。
func (m *Memory) TokenCache() *MemoryTokens { return m.tokenView }

// MemoryTokens 是进程内的访问令牌缓存（实现 wecom.TokenCache）。Get 未命中时返回无类型的 nil，命中时返回 string。
type MemoryTokens struct{ m *Memory }

// Get 返回未过期的令牌，没有时返回 nil。
func (t *MemoryTokens) Get(key string) interface{} {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	it, ok := t.m.get(nsToken+key, t.m.now())
	if !ok {
		return nil
	}
	return it.val
}

// Set 保存令牌，timeout 后过期；timeout 为负时删除。
func (t *MemoryTokens) Set(key string, val interface{}, timeout time.Duration) error {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	if timeout < 0 {
		delete(t.m.items, nsToken+key)
		return nil
	}
	t.m.put(nsToken+key, stringValue(val), timeout, t.m.now())
	return nil
}

// IsExist 表示令牌是否存在且未过期。
func (t *MemoryTokens) IsExist(key string) bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	_, ok := t.m.get(nsToken+key, t.m.now())
	return ok
}

// Delete 删除令牌。
func (t *MemoryTokens) Delete(key string) error {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	delete(t.m.items, nsToken+key)
	return nil
}
