package model

import (
	"context"
	"errors"
	"time"
)

// Star 是某月的政务服务明星：每月一人，新的评定替换旧的。
type Star struct {
	Month     Month
	StaffID   string
	Name      string // 评定时的姓名
	Branch    string // 评定时所在网点
	ActorID   string // 评定人
	ActorName string
	MsgKey    string
	At        time.Time
}

// Publication 记录一个月的结算已发布（结账）：谁、何时、多少人、合计多少。每月只能发布一次。
type Publication struct {
	Month     Month
	ActorID   string
	ActorName string
	MsgKey    string
	At        time.Time
	People    int   // 收到结算单的人数
	Total     int64 // 全部结算单合计（元）
	Entries   int   // 本次写入台账的结算产生的记录条数
}

// PublishRequest 是一次发布：登记发布、写入结算产生的记录、入队结算单和汇总，在同一事务里完成。
type PublishRequest struct {
	Publication Publication
	// Entries 是结算产生的记录（红旗奖励、所长奖励、服务明星），每条带 Ref；
	// 同一人已有相同 Ref 的记录时跳过。
	Entries []Entry
	// Notices 是结算单和汇总通知；Key 已存在的跳过。
	Notices []Notice
	// Basis 非空时是结算单所依据的台账（见 LedgerBasis）：存储在发布的事务里先锁住该月
	// （与撤销排队），再数一遍该月的记录和撤销，对不上时什么也不写，返回 ErrLedgerMoved。
	Basis *LedgerBasis
}

// LedgerBasis 是一个月台账的状况：记录条数（含已撤销的）、其中已撤销的条数，和该月的服务明星。记录和撤销
// 都只增不删，所以两个数都没变就说明这个月的台账没变；服务明星可以改评（发布之前），所以另记下是谁。
type LedgerBasis struct {
	Entries int
	Revoked int
	Star    string // 服务明星的 userid；没有评定时为空
}

// ErrMonthClosed 表示记录所在的月份已结账（结算已发布）：存储拒绝撤销它（错误码 ECONFLICT），
// 台账服务改为在本月记一笔调整。存储在撤销的事务里锁住该月再查发布记录，所以与发布互相排队。
var ErrMonthClosed = errors.New("model: month closed")

// ErrLedgerMoved 表示结算草稿算出之后、发布之前，该月的台账又有了新的记录或撤销（错误码 ECONFLICT）：
// 什么也没发布，调用方重算草稿再发布。
var ErrLedgerMoved = errors.New("model: ledger changed since the draft")

// SettlementStore 保存服务明星和月度结算的发布记录。
type SettlementStore interface {
	// SetStar 评定某月的服务明星（替换已有的），返回被替换的那位（没有时为 nil）。
	// 该月已发布时返回 ECONFLICT。
	SetStar(ctx context.Context, s Star) (prev *Star, err error)
	// Star 返回某月的服务明星；没有评定返回 ENOTFOUND。
	Star(ctx context.Context, m Month) (Star, error)
	// Publication 返回某月的发布记录；未发布返回 ENOTFOUND。
	Publication(ctx context.Context, m Month) (Publication, error)
	// Publish 在一个事务里登记发布、写入记录、入队通知。该月已发布时什么也不写，
	// 返回 ECONFLICT 和已有的发布记录。返回本次写入的记录。
	Publish(ctx context.Context, req PublishRequest) (Publication, []Entry, error)
}
