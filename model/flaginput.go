package model

import (
	"context"
	"time"
)

// MeterSource 是满意度测评计数的来源。
type MeterSource string

const (
	// MeterImported 是从测评仪导出文件导入的计数。同一人同一天以最近一次导入为准。
	MeterImported MeterSource = "meter"
	// MeterTyped 是主管手工录入的计数（测评仪没有记录的日子）。同一人同一天以最近一次录入为准；
	// 这一天有导入的计数时，手工录入的不计（以测评仪为准）。
	MeterTyped MeterSource = "typed"
)

// MeterDay 是某人某天的满意度测评计数。
type MeterDay struct {
	ID          int64
	StaffID     string
	Day         Date
	Satisfied   int // 满意
	Basic       int // 基本满意
	Unsatisfied int // 不满意
	Source      MeterSource
	ActorID     string // 手工录入人；导入时为空
	MsgKey      string // 手工录入的消息；导入时为 "file:<内容摘要>"
	CreatedAt   time.Time
}

// Total 返回测评总次数。
func (d MeterDay) Total() int { return d.Satisfied + d.Basic + d.Unsatisfied }

// MeterImport 是一次导入的结果。
type MeterImport struct {
	Added     int // 新增的人·天
	Replaced  int // 计数有变化、被替换的人·天
	Unchanged int // 与已有计数相同的人·天（重复导入）
}

// SpotCheck 是一次视频监控抽查的得分（0–100）。CreatedAt 是记录时间，决定计入哪一周；
// 写入时为零则由存储填当前时间（Feedback、Inspection 同样）。
type SpotCheck struct {
	ID        int64
	StaffID   string
	StaffName string
	Branch    string
	Score     int
	Note      string
	ActorID   string
	ActorName string
	MsgKey    string
	CreatedAt time.Time
}

// FeedbackKind 是客户反映的种类。
type FeedbackKind string

const (
	FeedbackPraise    FeedbackKind = "praise"    // 表扬
	FeedbackComplaint FeedbackKind = "complaint" // 投诉
)

// Label 返回中文名。
func (k FeedbackKind) Label() string {
	if k == FeedbackComplaint {
		return "投诉"
	}
	return "表扬"
}

// Feedback 是一条客户反映（表扬或投诉）。投诉可被认定无效：记录保留，不再计分。
type Feedback struct {
	ID        int64
	StaffID   string
	StaffName string
	Branch    string
	Kind      FeedbackKind
	Note      string
	ActorID   string
	ActorName string
	MsgKey    string
	CreatedAt time.Time
	// Invalid 非空表示投诉已被认定无效。
	Invalid *FeedbackInvalid
}

// FeedbackInvalid 记录一次“投诉无效”的认定。
type FeedbackInvalid struct {
	ActorID   string
	ActorName string
	MsgKey    string
	Reason    string
	CreatedAt time.Time
}

// Inspection 是对农村网点一个检查项的一次打分（0–100）。
type Inspection struct {
	ID        int64
	Branch    string
	Item      string // 检查项编码（config 的 InspectionItem.Code）
	Score     int
	Note      string
	ActorID   string
	ActorName string
	MsgKey    string
	CreatedAt time.Time
}

// StaffInputs 是某人在一段时间里的评分依据汇总（由数据库 GROUP BY 得出）。
type StaffInputs struct {
	StaffID     string
	Satisfied   int
	Basic       int
	Unsatisfied int
	SpotSum     int // 抽查得分之和
	SpotCount   int // 抽查次数
	Praise      int // 表扬次数
	Complaints  int // 有效投诉次数（不含已认定无效的）
	Deductions  int // 期间内写入且未撤销的扣款记录数
}

// Ratings 返回测评总次数。
func (s StaffInputs) Ratings() int { return s.Satisfied + s.Basic + s.Unsatisfied }

// BranchItemInputs 是某网点某检查项在一段时间里的得分汇总。
type BranchItemInputs struct {
	Branch string
	Item   string
	Sum    int
	Count  int
}

// InputKind 是一种手工录入的评分依据，“撤销 <类别> <编号>”用。
type InputKind string

// 评分依据的类别。表扬和投诉在同一张表里，编号不重复。
const (
	InputMeter      InputKind = "meter"      // 测评（手工录入的一天）
	InputSpot       InputKind = "spot"       // 抽查
	InputPraise     InputKind = "praise"     // 表扬
	InputComplaint  InputKind = "complaint"  // 投诉
	InputInspection InputKind = "inspection" // 农村网点检查
)

// InputKinds 是全部类别，按帮助里的顺序。
var InputKinds = []InputKind{InputMeter, InputSpot, InputPraise, InputComplaint, InputInspection}

// Label 返回类别的叫法（也是命令名）：测评、抽查、表扬、投诉、检查。
func (k InputKind) Label() string {
	switch k {
	case InputMeter:
		return "测评"
	case InputSpot:
		return "抽查"
	case InputPraise:
		return "表扬"
	case InputComplaint:
		return "投诉"
	case InputInspection:
		return "检查"
	}
	return string(k)
}

// ParseInputKind 按叫法（测评、抽查、表扬、投诉、检查）找类别。
func ParseInputKind(s string) (InputKind, bool) {
	for _, k := range InputKinds {
		if k.Label() == s {
			return k, true
		}
	}
	return "", false
}

// InputRecord 是一条手工录入的评分依据（撤销时读它，核对是谁、录了什么）。
type InputRecord struct {
	Kind      InputKind
	ID        int64
	StaffID   string // 被录入的人；检查为空
	StaffName string
	Branch    string // 被录入的人的网点；检查是被检查的网点
	Score     int    // 抽查、检查的分数
	Item      string // 检查项编码
	Meter     MeterDay
	Note      string
	ActorID   string
	ActorName string
	// MsgKey 是录入它的消息。同一人同一天的测评再录入会覆盖这一行、换成新的消息：
	// 撤销针对的是当时那次录入，覆盖后的新计数照常计分。
	MsgKey    string
	CreatedAt time.Time
	// Revoked 非空表示这次录入已被撤销（记录保留，不再计分）。
	Revoked *InputRevocation
}

// InputRevocation 是一次评分依据的撤销：另记一条，原录入保留并标明已撤销。
type InputRevocation struct {
	ID          int64
	Kind        InputKind
	InputID     int64
	InputMsgKey string // 撤销的是哪一次录入（见 InputRecord.MsgKey）
	ActorID     string
	ActorName   string
	MsgKey      string
	Reason      string
	CreatedAt   time.Time
}

// FlagInputStore 保存流动红旗的评分依据，并给排行提供汇总。
// 每次录入都登记来源消息：同一消息 Key 再次投递时返回 EDUPLICATE 和先前写入的记录，什么也不新写。
type FlagInputStore interface {
	// RecordMeterDay 登记手工录入的某人某天测评计数（Source 为 MeterTyped），覆盖此人当天先前的手工录入。
	RecordMeterDay(ctx context.Context, msg Message, d MeterDay) (MeterDay, error)
	// ImportMeter 在一个事务里导入测评仪计数（全部成功或全部不写）：同一人同一天已有导入的，以本次为准。
	ImportMeter(ctx context.Context, source string, days []MeterDay) (MeterImport, error)
	// MeterDays 列出某人在 [from, to] 日期内的计数（含两种来源），按日期排序。
	MeterDays(ctx context.Context, staffID string, from, to Date) ([]MeterDay, error)
	// RecordSpotCheck 登记一次抽查。
	RecordSpotCheck(ctx context.Context, msg Message, c SpotCheck) (SpotCheck, error)
	// RecordFeedback 登记一条表扬或投诉。
	RecordFeedback(ctx context.Context, msg Message, f Feedback) (Feedback, error)
	// Feedback 按编号取客户反映；没有返回 ENOTFOUND。
	Feedback(ctx context.Context, id int64) (Feedback, error)
	// InvalidateComplaint 把一条投诉认定为无效（记录保留）：不存在 ENOTFOUND，不是投诉 EINVALID，
	// 已认定过 ECONFLICT，消息重复 EDUPLICATE（返回该条）。
	InvalidateComplaint(ctx context.Context, msg Message, id int64, inv FeedbackInvalid) (Feedback, error)
	// RecordInspection 登记一次网点检查项打分。
	RecordInspection(ctx context.Context, msg Message, in Inspection) (Inspection, error)
	// Input 按类别和编号取一条手工录入的评分依据（含撤销信息）；没有时 ENOTFOUND（测评仪导入的测评也是）。
	Input(ctx context.Context, kind InputKind, id int64) (InputRecord, error)
	// RevokeInput 在一个事务里登记消息和撤销记录：录入不存在（或已被新的录入覆盖）ENOTFOUND，
	// 已撤销 ECONFLICT，消息重复 EDUPLICATE（返回那次撤销）。被撤销的录入不再计入汇总。
	RevokeInput(ctx context.Context, msg Message, r InputRevocation) (InputRevocation, error)
	// StaffInputs 汇总 [from, to) 内各人（不计已撤销的录入）的测评（按 from、to 所在时区的日期）、抽查、客户反映和扣款；
	// 没有任何记录的人不在结果里。
	StaffInputs(ctx context.Context, from, to time.Time) ([]StaffInputs, error)
	// BranchInputs 汇总 [from, to) 内各网点各检查项的得分。
	BranchInputs(ctx context.Context, from, to time.Time) ([]BranchItemInputs, error)
}
