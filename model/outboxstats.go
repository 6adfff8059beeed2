package model

import "time"

// OutboxStats 是发件箱此刻的概况，供 hongqi health 判断通知是否在正常发送。
type OutboxStats struct {
	// Pending 是待发的通知数（含还没到下次尝试时间的）。
	Pending int64
	// OldestDue 是已到期仍待发的通知中等得最久的那条开始等的时间：它的到期时间，立即可发的通知取入队时间。
	// 没有到期的待发通知时为零值。
	OldestDue time.Time
	// Expired 是已被发送进程领取、租约已过期仍未完成的通知数；OldestLease 是其中最早的租约到期时间。
	Expired     int64
	OldestLease time.Time
	// Failed 是统计起点之后多次失败、已放弃的通知数。
	Failed int64
}
