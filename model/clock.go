package model

import (
	"sync"
	"time"
)

// Clock 是红旗唯一的时钟。它由 Main 创建，交给所有需要时间的部件——存储也在内，
// 数据库里的时间戳都取自它。除本文件外，任何非测试代码都不调用 time.Now
// （model 包的 TestOnlyTheClockReadsTheTime 检查这一点）。
//
// 三种时钟：
//   - SystemClock：真实时间（生产）；
//   - StartClock：从给定时刻起随真实时间往前走（演练：HONGQI_CLOCK）；
//   - PinClock：停在给定时刻，只有 Set、Advance 才动（测试）。
//
// Now 返回的时间在时钟的时区（考核月、周、旬都按它算）。可并发使用。
type Clock struct {
	loc *time.Location

	mu     sync.Mutex
	pinned bool
	start  time.Time // StartClock、PinClock 的起点
	base   time.Time // 起点对应的真实时刻（带单调读数）；SystemClock 为零
	offset time.Duration
}

// SystemClock 返回走真实时间的时钟；loc 为 nil 时用 Shanghai。
func SystemClock(loc *time.Location) *Clock {
	return &Clock{loc: orShanghai(loc)}
}

// StartClock 返回从 at 起往前走的时钟（演练用）：Now 是 at 加上创建以来经过的真实时间。
func StartClock(at time.Time, loc *time.Location) *Clock {
	return &Clock{loc: orShanghai(loc), start: at, base: time.Now()}
}

// PinClock 返回停在 at 的时钟（测试用）：Now 总是 at，直到 Set 或 Advance。
func PinClock(at time.Time, loc *time.Location) *Clock {
	return &Clock{loc: orShanghai(loc), start: at, pinned: true}
}

func orShanghai(loc *time.Location) *time.Location {
	if loc == nil {
		return Shanghai
	}
	return loc
}

// Now 返回当前时刻（在时钟的时区）。
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t time.Time
	switch {
	case c.pinned:
		t = c.start.Add(c.offset)
	case c.base.IsZero():
		t = time.Now().Add(c.offset)
	default:
		t = c.start.Add(time.Since(c.base) + c.offset)
	}
	return t.In(c.loc)
}

// Since 返回从 t 到现在经过的时间（用于记录耗时）。
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Location 返回时钟的时区（考核时区，HONGQI_TZ）。
func (c *Clock) Location() *time.Location { return c.loc }

// Rehearsal 表示这是不是演练或测试用的时钟（不是真实时间）。
func (c *Clock) Rehearsal() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pinned || !c.base.IsZero()
}

// Set 把时钟拨到 t（测试用）；之后停着的时钟停在 t，走着的时钟从 t 往前走。
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
	switch {
	case c.pinned:
		c.start = t
	case c.base.IsZero():
		c.offset = time.Until(t)
	default:
		c.start, c.base = t, time.Now()
	}
}

// Advance 把时钟往前拨 d（测试用）。
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
