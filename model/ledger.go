package model

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Message 是一条进入机器人的消息或事件，来自企业微信回调或终端对话。
type Message struct {
	// Key 是去重用的消息标识：文本消息为 "msg:<MsgId>"；模板卡片按钮事件见 CardEventKey；
	// 其他事件为 "evt:<From>:<CreateTime>"；终端对话为 "chat:<随机>"。同一 Key 的消息只处理一次。
	Key      string
	From     string // 发送者 userid
	Text     string // 文本内容（事件为空）
	Event    string // 事件类型，如 enter_agent、template_card_event；文本消息为空
	EventKey string // 按钮 key
	TaskID   string // 模板卡片 task_id
	// ResponseCode 是按钮事件带的 response_code：可用一次 update_template_card（72 小时内），见 model/card.go。
	ResponseCode string
	AgentID      string
	CreateTime   time.Time
}

// maxCardKey 是按钮事件 Key 的最大长度（字节），超过时改用摘要；存储里消息标识最长 191 个字符。
const maxCardKey = 160

// CardEventKey 返回模板卡片按钮事件（template_card_event）的 Message.Key：
// "card:<task_id>:<按钮 key>:<userid>"。一次点击由“哪张卡片、哪个按钮、谁点的”确定：
// 同一人同一秒点两张卡片（或同一张卡片的两个按钮）是两个不同的事件，都要处理；
// 企业微信重发同一次点击时三者都相同，只处理一次。CreateTime 不在其中：同一人再点一次同一个按钮
// 也算同一个事件。太长时用 SHA-256 摘要（"card:sha256:<hex>"）。
func CardEventKey(from, taskID, eventKey string) string {
	k := "card:" + taskID + ":" + eventKey + ":" + from
	if len(k) <= maxCardKey {
		return k
	}
	sum := sha256.Sum256([]byte(taskID + "\x00" + eventKey + "\x00" + from))
	return "card:sha256:" + hex.EncodeToString(sum[:])
}

// Entry 是台账上的一条记录：一次扣款或奖励。写入后不再修改；撤销是另一条记录（Revocation）。
// 规则的名称和金额在写入时拷贝，以后改规则不影响历史。
type Entry struct {
	ID        int64
	StaffID   string   // 被记录人的 userid
	StaffName string   // 记录时的姓名
	Branch    string   // 记录时所在网点
	RuleCode  string   // 规则编码
	RuleName  string   // 记录时的规则全称
	Kind      RuleKind // 扣款或奖励
	Amount    int64    // 带方向的金额（元）：扣款为负
	Note      string   // 备注
	ActorID   string   // 记录人 userid
	ActorName string   // 记录人姓名
	MsgKey    string   // 来源消息（Message.Key）
	Month     Month    // 所属考核月
	// Ref 把记录与别的业务记录关联起来，如 "leave:12"（虚假请假所指的请假单）、
	// "flag:weekly:2026-W45"（流动红旗奖惩）、"adjusts:#88"（结账后的调整）。空表示无关联。
	Ref string
	// Adjusts 非零表示这是结账后对记录 #Adjusts 的调整（Ref 为 "adjusts:#Adjusts"）。
	// 一条记录至多一笔调整，由存储的唯一键保证：两人同时撤销同一条已结账的记录，只记一笔。
	Adjusts    int64
	CreatedAt  time.Time
	Revocation *Revocation // 非空表示已撤销
	// AppealID、Appeal 是这条记录的申诉（编号和状态）；没有申诉时为 0 和空。
	AppealID int64
	Appeal   AppealStatus
}

// RefText 把 Entry.Ref 写成人看得懂的说法（结算表的“关联”列等）：
//
//	leave:4                   → 请假单 #4
//	adjusts:#88               → 更正记录 #88
//	flags:weekly:2026-11      → 2026年11月周服务红旗
//	flags:dekad:2026-11:河口所 → 河口所2026年11月旬服务红旗
//	star:2026-11              → 2026年11月政务服务明星
//	flags:year:2025           → 2025年度周服务红旗
//	flags:year:2025:dj01      → 2025年度周服务红旗：张三（dj01）
//	flag:12:false-info        → 撤销的红旗 #12（虚假信息）
//
// name 按工号给出姓名（找不到时返回空）；认不出的 Ref 原样返回。
func RefText(ref string, name func(userID string) string) string {
	parts := strings.Split(ref, ":")
	month := func(s string) string {
		var y, m int
		if _, err := fmt.Sscanf(s, "%d-%d", &y, &m); err == nil && m >= 1 && m <= 12 {
			return fmt.Sprintf("%d年%d月", y, m)
		}
		return s
	}
	switch {
	case ref == "":
		return ""
	case len(parts) == 2 && parts[0] == "leave":
		return "请假单 #" + parts[1]
	case len(parts) == 2 && parts[0] == "adjusts":
		return "更正记录 #" + strings.TrimPrefix(parts[1], "#")
	case len(parts) == 2 && parts[0] == "star":
		return month(parts[1]) + "政务服务明星"
	case len(parts) == 3 && parts[0] == "flags" && parts[1] == "weekly":
		return month(parts[2]) + "周服务红旗"
	case len(parts) == 4 && parts[0] == "flags" && parts[1] == "dekad":
		return parts[3] + month(parts[2]) + "旬服务红旗"
	case len(parts) == 3 && parts[0] == "flags" && parts[1] == "year":
		return parts[2] + "年度周服务红旗"
	case len(parts) == 4 && parts[0] == "flags" && parts[1] == "year":
		who := parts[3]
		if name != nil {
			if n := name(who); n != "" {
				who = n + "（" + who + "）"
			}
		}
		return parts[2] + "年度周服务红旗：" + who
	case len(parts) == 3 && parts[0] == "flag" && parts[2] == "false-info":
		return "撤销的红旗 #" + parts[1] + "（虚假信息）"
	}
	return ref
}

// Revoked 表示该记录是否已撤销。
func (e Entry) Revoked() bool { return e.Revocation != nil }

// Generated 表示该记录是系统生成的（红旗奖惩、服务明星、年度奖惩、提供虚假信息扣款、结账后的调整），
// 不是谁用“扣”“奖”记的：只有中心领导能撤销（见 MayRevoke）。
func (e Entry) Generated() bool { return e.Adjusts > 0 || IsGeneratedRef(e.Ref) }

// ErrAdjustedTwice 表示这条记录已经有一笔调整（错误码 ECONFLICT，由存储的唯一键发现）：
// 两人同时撤销同一条已结账的记录时，后提交的一方什么也没写。
var ErrAdjustedTwice = errors.New("model: entry already adjusted")

// Revocation 记录一次撤销：谁、何时、从哪条消息。
type Revocation struct {
	EntryID   int64
	ActorID   string
	ActorName string
	MsgKey    string
	Reason    string
	CreatedAt time.Time
}

// EntryFilter 是查询台账的条件；零值字段不作限制。
type EntryFilter struct {
	StaffID string
	ActorID string
	Month   Month
	Ref     string
	// RuleCode 非空时只要这条规则的记录。
	RuleCode string
	// Branches 非 nil 时只要记在这些网点（记录当时的网点）的记录；空切片表示一条也不要。
	Branches []string
	// IncludeRevoked 为 false 时只返回未撤销的记录。
	IncludeRevoked bool
	Limit          int // 0 表示不限
	Offset         int // 跳过前面多少条（分页）
	// Desc 为 true 时按编号倒序。
	Desc bool
}

// StaffTotal 是一个人在一组记录里的合计（台账页的“每人合计”）。
type StaffTotal struct {
	StaffID   string
	StaffName string // 最近一条记录上的姓名
	Branch    string // 最近一条记录上的网点
	Entries   int    // 记录条数（含已撤销的）
	Revoked   int    // 其中已撤销的条数
	Total     int64  // 未撤销记录的合计（元）
}

// MonthTotal 是一个人某个月的合计（“我的”页的往月）。
type MonthTotal struct {
	Month   Month
	Entries int   // 未撤销的记录条数
	Total   int64 // 未撤销记录的合计（元）
}

// RecordRequest 是一次写入：同一消息可以为多人各写一条记录，连同通知在一个事务里完成。
type RecordRequest struct {
	Msg     Message
	Entries []Entry // ID、CreatedAt 由存储填写
	// Notices 与 Entries 一一对应，Key 中的 "{id}" 由存储替换为记录编号。
	Notices []Notice
	// Appeal 非空时同一事务写入这条申诉裁决（申诉后撤销、月份已结账而记调整时），
	// AdjustID 记为写入的第一条记录；申诉已不是“申诉中”则什么也不写，返回 ECONFLICT。
	Appeal *AppealDecision
	// Notify 非空时代替 Notices：存储在同一事务里锁住被记录人、算出写入后此人该月的合计 total，
	// 再为每条记录 e（已有编号）调用它生成通知。同一人同时被记多条时，合计依次累加，不会读到旧值。
	// 事务重来时会再次调用。
	Notify func(e Entry, total int64) Notice
	// OpenMonth 非零时，这些记录要记入的月份须未结账（系统生成的记录补记进过去的月份时）：存储在写入的事务里
	// 锁住这个月（与发布排队，见 ErrMonthClosed）再查是否已发布；已发布则什么也不写，返回 ErrMonthClosed，
	// 由台账服务改记在本月。
	OpenMonth Month
}

// RevokeRequest 撤销一条记录并入队通知，同一事务。
type RevokeRequest struct {
	Msg        Message
	Revocation Revocation
	Notice     Notice // Key 中的 "{id}" 替换为被撤销记录编号；Key 为空时不发
	// Appeal 非空时同一事务写入这条申诉裁决（申诉后撤销）；申诉已不是“申诉中”则什么也不写，返回 ECONFLICT。
	Appeal *AppealDecision
	// Notify 非空时代替 Notice：在同一事务里算出撤销后此人该月的合计 total 后生成通知。
	Notify func(e Entry, total int64) Notice
}

// StaffStore 保存花名册。
type StaffStore interface {
	// ReplaceRoster 在一个事务里按 userid 新增或更新全部人员；任何一行失败则整体不写。
	// 不在文件中的人保持原样（不删除）。返回新增数和更新数。
	UpsertRoster(ctx context.Context, staff []Staff) (added, updated int, err error)
	// Staff 按 userid 取人；找不到返回 ENOTFOUND。
	Staff(ctx context.Context, userID string) (Staff, error)
	// ListStaff 返回全部人员，按网点、姓名、userid 排序。
	ListStaff(ctx context.Context) ([]Staff, error)
	// FindStaff 返回工号（不区分大小写）或姓名恰好等于 key 的人（含已停用的），按网点、姓名、userid 排序。
	// 每条命令都要按名字找人，这个查询走索引，不读全部花名册。
	FindStaff(ctx context.Context, key string) ([]Staff, error)
}

// LedgerStore 保存台账。
type LedgerStore interface {
	// Record 在一个事务里登记消息、写入记录和通知。消息 Key 已登记过时返回 EDUPLICATE
	// 错误，并返回该消息先前写入的记录，什么也不新写。
	Record(ctx context.Context, req RecordRequest) ([]Entry, error)
	// Revoke 在一个事务里登记消息、写入撤销记录和通知；记录不存在返回 ENOTFOUND，
	// 已撤销返回 ECONFLICT，消息重复返回 EDUPLICATE。返回撤销后的记录。
	Revoke(ctx context.Context, req RevokeRequest) (Entry, error)
	// Entry 按编号取记录（含撤销信息）。
	Entry(ctx context.Context, id int64) (Entry, error)
	// Entries 按条件列出记录，默认按编号升序。
	Entries(ctx context.Context, f EntryFilter) ([]Entry, error)
	// MonthTotals 返回各人某月未撤销记录的合计（元）；没有记录的人不在结果里。
	MonthTotals(ctx context.Context, m Month, staffIDs []string) (map[string]int64, error)
	// EntriesByMsg 返回某条消息写入的记录。
	EntriesByMsg(ctx context.Context, msgKey string) ([]Entry, error)
	// CountEntries 返回满足条件的记录条数（不看 Limit、Offset、Desc）。
	CountEntries(ctx context.Context, f EntryFilter) (int, error)
	// StaffTotals 返回满足条件的记录按人汇总（不看 Limit、Offset、Desc；IncludeRevoked 为 false 时
	// 不数已撤销的），按网点、姓名、userid 排序。
	StaffTotals(ctx context.Context, f EntryFilter) ([]StaffTotal, error)
	// MonthsOf 返回某人每个有记录的月份的合计（未撤销的），按月份倒序。
	MonthsOf(ctx context.Context, staffID string) ([]MonthTotal, error)
}

// Outbox 是持久化的通知发件箱。
type Outbox interface {
	// Enqueue 入队一条通知；Key 已存在时什么也不做（返回 nil）。
	Enqueue(ctx context.Context, n Notice) error
	// Claim 领取至多 limit 条到期的待发通知，标记为发送中并设租约至 leaseUntil；
	// 租约过期仍未完成的通知可被再次领取（进程中途退出的情形）。
	Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Notice, error)
	// Renew 把仍由本发送进程持有的通知（发送中，且尝试次数仍是领取时的 attempts）的租约延到 until，
	// 返回是否仍持有；租约过期后已被别人重新领取时返回 false，这时不能再送它。
	Renew(ctx context.Context, id int64, attempts int, until time.Time) (held bool, err error)
	// Complete 把通知标记为最终状态（已送达、已写日志或放弃）。
	Complete(ctx context.Context, id int64, status NoticeStatus, at time.Time, lastErr string) error
	// CompleteAll 把几条已送达的通知一起标记为最终状态（一条语句）；不存在的编号略过。
	CompleteAll(ctx context.Context, ids []int64, status NoticeStatus, at time.Time) error
	// Retry 记一次失败，放回待发，next 之后再试。
	Retry(ctx context.Context, id int64, next time.Time, lastErr string) error
	// Notices 列出通知（测试、运维查看），按编号升序；status 为空表示全部。
	Notices(ctx context.Context, status NoticeStatus) ([]Notice, error)
}

// Units 让每条消息只处理一次，由存储实现。数据库是消息是否处理过的唯一依据：
// 消息行与命令的写入在同一个事务里提交，并存下回复。
type Units interface {
	// Once 在一个事务里先登记消息 m（m.Key 唯一；同一消息的并发副本在这里排队），再运行 fn，
	// 把 fn 的回复存在消息上，一起提交。fn 得到的 ctx 携带这个事务，存储的每个方法都在其中执行。
	// m.Key 已经提交过时不运行 fn，返回当时存下的回复（逐字节相同）。fn 返回错误、panic、
	// 超过 ctx 的期限或提交失败时回滚，什么也不留，返回 EUNAVAILABLE 或 EINTERNAL（企业微信会重试，
	// 重试时从头处理；若提交其实已经生效，重试得到存下的回复）。
	Once(ctx context.Context, m Message, fn func(ctx context.Context) (reply string, err error)) (string, error)
	// Discard 撤回 ctx 所在的消息事务里到此为止的写入（命令被拒绝时：输入有误、无权、找不到人……），
	// 消息行照常登记，之后的写入（如拒绝说明太长时续发的几段）和回复照常提交。ctx 不在消息事务里时
	// 什么也不做。
	Discard(ctx context.Context) error
	// Fresh 返回只读命令用的 ctx：不开事务，花名册在这条命令里只核对一次版本。
	Fresh(ctx context.Context) context.Context
}

// Locker 是跨副本的互斥锁（Redis 或进程内），用于定时任务等只能一处执行的工作。
type Locker interface {
	// TryLock 尝试取得 key 的锁，ttl 后自动失效；取得时返回释放函数。
	TryLock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool, err error)
}

// Notifier 把一条通知真正送出去（企业微信应用消息，或未配置时写日志）。
type Notifier interface {
	// Send 发送通知。出错默认稍后重试；IsPermanent(err) 为真的错误（如接收人全部无效）不再重试。
	Send(ctx context.Context, n Notice) error
	// Status 返回发送成功时应记录的状态（NoticeSent 或 NoticeLogged）。
	Status() NoticeStatus
}

// IsPermanent 表示 err 是否为重试也无法解决的错误（实现了 Permanent() bool 且为真）。
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}
