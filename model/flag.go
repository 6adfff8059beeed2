package model

import (
	"context"
	"time"
)

// FlagKind 是流动红旗的种类。
type FlagKind string

const (
	// FlagWeekly 是“周服务红旗标杆岗”：县城网点的窗口员工，每周评两名。
	FlagWeekly FlagKind = "weekly"
	// FlagDekad 是“旬服务红旗标杆所”：农村网点，每旬评一个。
	FlagDekad FlagKind = "dekad"
)

// Label 返回中文名。
func (k FlagKind) Label() string {
	if k == FlagDekad {
		return "旬服务红旗标杆所"
	}
	return "周服务红旗标杆岗"
}

// Ranked 是排行中的一行：一个人（周）或一个网点（旬）的得分和构成。
type Ranked struct {
	Rank    int    // 名次，从 1 起；不合格的为 0
	Subject string // 周：员工 userid；旬：网点名
	Name    string // 周：姓名；旬：网点名
	Branch  string // 所在网点
	// Score 是综合分的百分之一（整数，避免浮点带来的不确定排序）：8765 表示 87.65 分。
	Score int64
	// Parts 是得分的各个组成部分，按显示顺序，如 {"满意率", "97.5%"}、{"抽查", "92.0（3 次）"}。
	Parts    []ScorePart
	Eligible bool   // 是否有资格参评
	Reason   string // 不合格的原因（如“测评不足 20 次”“本周有扣款”）
}

// ScorePart 是得分的一个组成部分，给人看为什么是这个分数。
type ScorePart struct {
	Name  string
	Value string
}

// Ranking 是某一期的排行。Entries 先列合格者（按名次），后列不合格者。
type Ranking struct {
	Kind    FlagKind
	Period  string // 周 "2026-W45"，旬 "2026-11-1"
	Label   string // 带年份的说法：“2026年11月第1周（11月2日–8日）”或“2026年11月上旬”；给人读的消息按 Period 用 model.SpokenPeriod
	Entries []Ranked
	// Winners 是建议的红旗人选（合格者的前 N 名，N 来自配置）。
	Winners []Ranked
	// TieRule 说明同分时如何排序，显示给评选小组。
	TieRule string
}

// Ranker 计算排行。
type Ranker interface {
	Weekly(ctx context.Context, w Week) (Ranking, error)
	Dekad(ctx context.Context, d Dekad) (Ranking, error)
}

// RoundStatus 是一期评选的状态。
type RoundStatus string

const (
	RoundProposed   RoundStatus = "proposed"   // 已提名，等评选小组确认
	RoundConfirmed  RoundStatus = "confirmed"  // 评选小组确认了提名
	RoundOverridden RoundStatus = "overridden" // 评选小组改选
	RoundAuto       RoundStatus = "auto"       // 过了期限无人处理，提名自动生效
)

// Round 是一期评选：某周或某旬的提名、决定和公布。每个 (Kind, Period) 只有一轮。
type Round struct {
	ID       int64
	Kind     FlagKind
	Period   string
	Label    string
	Status   RoundStatus
	Proposed []Ranked // 提名时的人选及分数快照
	// RunnersUp 是提名时排在人选之后的几名合格者（公布时的排行图用），可能为空。
	RunnersUp  []Ranked
	ProposedAt time.Time
	Deadline   time.Time
	DecidedBy  string // 确认或改选的人 userid；自动生效时为空
	DecidedAt  *time.Time
	Reason     string // 改选理由
}

// Flag 是一面已授予的流动红旗。撤销（虚假信息）不删除，标记为 Cancelled。
type Flag struct {
	ID      int64
	RoundID int64
	Kind    FlagKind
	Period  string // "2026-W45" 或 "2026-11-1"
	// Month 是这面旗计入的月份：周旗为其周四所在月，旬旗为该旬所在月。年度按 Month.Year 计。
	Month   Month
	StaffID string // 周旗：获旗员工；旬旗：空
	Name    string // 获旗员工姓名或网点名
	Branch  string // 员工当时所在网点，或获旗网点
	// HeadID 是授旗当时该网点的所长（旬旗奖励、年度所长奖惩用），可能为空。
	HeadID      string
	CreatedAt   time.Time
	Cancelled   bool
	CancelledBy string
	CancelledAt *time.Time
	CancelNote  string
	// Source 是来源："round"（本系统评选）或 "import"（年中启用时导入的历史红旗）。
	Source string
}

// FlagFilter 是查询红旗的条件；零值字段不作限制。
type FlagFilter struct {
	Kind             FlagKind
	Period           string
	Month            Month
	Year             int
	StaffID          string
	Branch           string
	IncludeCancelled bool
}

// FlagStore 保存评选轮次和红旗。
type FlagStore interface {
	// CreateRound 新建一期评选；同一 (Kind, Period) 已有评选时返回 ECONFLICT 和已有的那一轮。
	CreateRound(ctx context.Context, r Round) (Round, error)
	// Round 取某一期的评选；没有返回 ENOTFOUND。
	Round(ctx context.Context, kind FlagKind, period string) (Round, error)
	// RoundByID 按编号取评选。
	RoundByID(ctx context.Context, id int64) (Round, error)
	// OpenRounds 返回尚在等待确认的评选（提名状态）。
	OpenRounds(ctx context.Context) ([]Round, error)
	// DecideRound 在一个事务里把提名状态的评选改为 status、写入 flags，并入队 notices；
	// 评选已决定过返回 ECONFLICT（并返回已决定的那一轮）。
	DecideRound(ctx context.Context, roundID int64, status RoundStatus, by, reason string, at time.Time, flags []Flag, notices []Notice) (Round, error)
	// Flags 按条件列出红旗，按期间、编号排序。
	Flags(ctx context.Context, f FlagFilter) ([]Flag, error)
	// CancelFlag 撤销一面红旗（原记录保留并标记），连同通知和可能的扣款记录在同一事务里写入；
	// 已撤销返回 ECONFLICT。
	CancelFlag(ctx context.Context, flagID int64, by, note string, at time.Time, notices []Notice) (Flag, error)
	// ImportFlags 导入历史红旗（全部成功或全部不写）；已存在的 (Kind, Period, 获旗者) 跳过。返回新增数。
	ImportFlags(ctx context.Context, flags []Flag) (int, error)
}

// JobStore 保证定时任务每期只执行一次：同一 (name, period) 只能登记一次。
type JobStore interface {
	// ClaimJob 登记一次执行；已登记过返回 false。
	ClaimJob(ctx context.Context, name, period string, at time.Time) (bool, error)
	// ReleaseJob 撤销登记（任务失败时调用，下次还会再试）。
	ReleaseJob(ctx context.Context, name, period string) error
}
