package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/hongqi-dev/hongqi/model"
)

// 列宽。超长的自由文本（备注、错误说明）在写入前截断；身份类字段超长则报错。
const (
	sizeID    = 64
	sizeName  = 64
	sizeKey   = 191
	sizeNote  = 500
	sizeTitle = 200
	sizeError = 1000
	sizeScope = 1000
)

// staffRow 是 staff 表的一行。各副本把花名册缓存在内存里（见 roster.go），所以改动 staff 表的
// 事务必须先调用 bumpRoster 让版本加一，否则别的副本看不到改动。
type staffRow struct {
	UserID     string `gorm:"column:userid;primaryKey;size:64"`
	Name       string `gorm:"size:64;not null;index"`
	Branch     string `gorm:"size:64;not null;index"`
	BranchKind string `gorm:"size:16;not null"`
	Role       string `gorm:"size:16;not null"`
	Scope      string `gorm:"size:1000;not null"`
	Active     bool   `gorm:"not null"`
	// Joined 是入职日期（2026-11-02）；第一次导入时没写就记导入那天。LeftOn 是离职日期，在职为空。
	Joined    string    `gorm:"type:char(10);not null;default:''"`
	LeftOn    string    `gorm:"type:char(10);not null;default:''"`
	CreatedAt time.Time `gorm:"precision:6;not null"`
	UpdatedAt time.Time `gorm:"precision:6;not null"`
}

func (staffRow) TableName() string { return "staff" }

// branchRow 是 branches 表的一行。
type branchRow struct {
	Name string `gorm:"primaryKey;size:64"`
	Kind string `gorm:"size:16;not null"`
}

func (branchRow) TableName() string { return "branches" }

// messageRow 登记处理过的消息；msg_key 唯一，是“同一消息只处理一次”的最终保证。消息行与命令的
// 写入在同一个事务里提交（Once），Reply 是当时回给发送者的文字，企业微信重试时原样再回一次。
// 不经 Once 写入的行（服务直接调用存储、旧版本写的行）Reply 为 NULL。
type messageRow struct {
	MsgKey     string    `gorm:"column:msg_key;primaryKey;size:191"`
	FromUser   string    `gorm:"size:64;not null"`
	Text       string    `gorm:"type:text"`
	ReceivedAt time.Time `gorm:"precision:6;not null"`
	Reply      *string   `gorm:"type:text"`
}

func (messageRow) TableName() string { return "messages" }

// rosterVersionRow 是 roster_version 表唯一的一行（id = 1）：花名册每改一次，version 加一。
// 处理消息的事务带共享锁读它，导入花名册的事务先给它加排他锁，所以两者互相排队。
type rosterVersionRow struct {
	ID      int   `gorm:"primaryKey;autoIncrement:false"`
	Version int64 `gorm:"not null"`
}

func (rosterVersionRow) TableName() string { return "roster_version" }

// entryRow 是台账 entries 表的一行，写入后不再修改。
type entryRow struct {
	ID        int64     `gorm:"primaryKey;autoIncrement;index:idx_entries_actor,priority:2"`
	StaffID   string    `gorm:"size:64;not null;index:idx_entries_staff_month,priority:1"`
	StaffName string    `gorm:"size:64;not null"`
	Branch    string    `gorm:"size:64;not null"`
	RuleCode  string    `gorm:"size:64;not null"`
	RuleName  string    `gorm:"size:200;not null"`
	Kind      string    `gorm:"size:16;not null"`
	Amount    int64     `gorm:"not null"`
	Note      string    `gorm:"size:500;not null"`
	ActorID   string    `gorm:"size:64;not null;index:idx_entries_actor,priority:1"`
	ActorName string    `gorm:"size:64;not null"`
	MsgKey    string    `gorm:"size:191;not null;index"`
	Month     string    `gorm:"type:char(7);not null;index:idx_entries_staff_month,priority:2;index:idx_entries_month"`
	Ref       string    `gorm:"size:191;not null;default:'';index"`
	AdjustsID *int64    `gorm:"uniqueIndex"` // 结账后的调整所更正的原记录；唯一：一条记录至多一笔调整。其余记录为 NULL
	CreatedAt time.Time `gorm:"precision:6;not null;index"`
}

func (entryRow) TableName() string { return "entries" }

// monthLockRow 是 month_locks 表的一行：每个考核月一行，只用来加锁（见 lockMonth）。撤销在事务里对该月的行
// 加共享锁后再查是否已发布，发布对它加排他锁后再核对台账、登记发布，所以同一个月的发布和撤销互相排队：
// 撤销要么在发布之前提交（结算单上没有这条），要么看到已发布、改记调整。行在第一次用到时插入。
type monthLockRow struct {
	Month string `gorm:"type:char(7);primaryKey"`
}

func (monthLockRow) TableName() string { return "month_locks" }

// revocationRow 是 revocations 表的一行；entry_id 唯一，一条记录只能撤销一次。
type revocationRow struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	EntryID   int64     `gorm:"not null;uniqueIndex"`
	ActorID   string    `gorm:"size:64;not null"`
	ActorName string    `gorm:"size:64;not null"`
	MsgKey    string    `gorm:"size:191;not null;index"`
	Reason    string    `gorm:"size:500;not null"`
	CreatedAt time.Time `gorm:"precision:6;not null"`
}

func (revocationRow) TableName() string { return "revocations" }

// noticeRow 是发件箱 notices 表的一行：投递用的状态是列，要发的内容（去处、标题、正文、卡片、文件）
// 是 message 一列 JSON（见 noticeMessage）。
type noticeRow struct {
	ID         int64      `gorm:"primaryKey;autoIncrement;index:idx_notices_status_id,priority:2"` // 领取时按状态、编号顺序找
	Key        string     `gorm:"column:key;size:191;not null;uniqueIndex"`
	AfterKey   string     `gorm:"column:after_key;size:191;not null;default:''"` // 先送出这一条（Key），再送本条
	Message    string     `gorm:"type:mediumtext"`                               // 文件通知的 JSON 可达数 MB
	Status     string     `gorm:"size:16;not null;index:idx_notices_status_next,priority:1;index:idx_notices_status_id,priority:1"`
	Attempts   int        `gorm:"not null"`
	NextAt     time.Time  `gorm:"precision:6;not null;index:idx_notices_status_next,priority:2"`
	LeaseUntil *time.Time `gorm:"precision:6"`
	LastError  string     `gorm:"size:1000;not null"`
	CreatedAt  time.Time  `gorm:"precision:6;not null"`
	SentAt     *time.Time `gorm:"precision:6"`
}

func (noticeRow) TableName() string { return "notices" }

// migrate 建表、补列、补索引。两个副本同时启动时建表可能撞车，失败后重试一次。
func (db *DB) migrate(ctx context.Context) error {
	g := db.g.WithContext(ctx)
	if db.dialect == DialectMySQL {
		g = g.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci")
	}
	models := []any{&staffRow{}, &branchRow{}, &messageRow{}, &entryRow{}, &revocationRow{}, &noticeRow{},
		&roundRow{}, &flagRow{}, &jobRow{}, &postHolderRow{}, &leaveRow{},
		&meterDayRow{}, &spotCheckRow{}, &feedbackRow{}, &inspectionRow{}, &inputRevocationRow{},
		&starRow{}, &publicationRow{}, &webSessionRow{}, &loginTokenRow{}, &metaRow{}, &appealRow{}, &monthLockRow{}, &rosterVersionRow{}, &monthTotalRow{},
		&cardCodeRow{}}
	err := g.AutoMigrate(models...)
	if err != nil {
		time.Sleep(200 * time.Millisecond)
		err = g.AutoMigrate(models...)
	}
	if err != nil {
		return err
	}
	if err := g.Clauses(clause.OnConflict{DoNothing: true}).Create(&rosterVersionRow{ID: 1, Version: 1}).Error; err != nil {
		return err
	}
	if err := backfillAdjusts(db.g.WithContext(ctx)); err != nil {
		return err
	}
	if err := migrateLegacyNotices(db.g.WithContext(ctx)); err != nil {
		return err
	}
	if err := db.migrateTotals(db.g.WithContext(ctx)); err != nil {
		return err
	}
	return db.fillJoined(ctx)
}

// fillJoined 给入职日期这一列出现之前导入的人补上入职日期：第一次导入的那天（按时钟的时区）。
func (db *DB) fillJoined(ctx context.Context) error {
	var old []staffRow
	if err := db.g.WithContext(ctx).Select("userid", "created_at").Where("joined = ''").Find(&old).Error; err != nil {
		return err
	}
	for _, o := range old {
		day := model.DateOf(o.CreatedAt, db.clock.Location()).String()
		if err := db.g.WithContext(ctx).Model(&staffRow{}).Where("userid = ? AND joined = ''", o.UserID).UpdateColumn("joined", day).Error; err != nil {
			return err
		}
	}
	if len(old) > 0 {
		// 改了花名册：别的副本缓存的花名册要重读。
		return bumpRoster(db.g.WithContext(ctx))
	}
	return nil
}

// truncate 把 s 截到至多 n 个字符（按 rune）。
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func staffFromRow(r staffRow) model.Staff {
	var scope []string
	if r.Scope != "" {
		scope = strings.Split(r.Scope, ",")
	}
	return model.Staff{
		UserID:     r.UserID,
		Name:       r.Name,
		Branch:     r.Branch,
		BranchKind: model.BranchKind(r.BranchKind),
		Role:       model.Role(r.Role),
		Scope:      scope,
		Active:     r.Active,
		Joined:     parseDate(r.Joined),
		Left:       parseDate(r.LeftOn),
	}
}

// parseDate 读存储里的日期；空串或写错的是零值。
func parseDate(s string) model.Date {
	if s == "" {
		return model.Date{}
	}
	d, _ := model.ParseDate(s)
	return d
}

// dateKey 是日期的存储形式；零值存为空串。
func dateKey(d model.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func parseMonth(s string) model.Month {
	m, _ := model.ParseMonthKey(s)
	return m
}

func entryToRow(e model.Entry) entryRow {
	return entryRow{
		ID:        e.ID,
		StaffID:   e.StaffID,
		StaffName: truncate(e.StaffName, sizeName),
		Branch:    e.Branch,
		RuleCode:  e.RuleCode,
		RuleName:  truncate(e.RuleName, 200),
		Kind:      string(e.Kind),
		Amount:    e.Amount,
		Note:      truncate(e.Note, sizeNote),
		ActorID:   e.ActorID,
		ActorName: truncate(e.ActorName, sizeName),
		MsgKey:    e.MsgKey,
		Month:     e.Month.String(),
		Ref:       e.Ref,
		AdjustsID: adjustsID(e.Adjusts),
		CreatedAt: utc(e.CreatedAt),
	}
}

func adjustsID(id int64) *int64 {
	if id <= 0 {
		return nil
	}
	return &id
}

func entryFromRow(r entryRow) model.Entry {
	return model.Entry{
		ID:        r.ID,
		StaffID:   r.StaffID,
		StaffName: r.StaffName,
		Branch:    r.Branch,
		RuleCode:  r.RuleCode,
		RuleName:  r.RuleName,
		Kind:      model.RuleKind(r.Kind),
		Amount:    r.Amount,
		Note:      r.Note,
		ActorID:   r.ActorID,
		ActorName: r.ActorName,
		MsgKey:    r.MsgKey,
		Month:     parseMonth(r.Month),
		Ref:       r.Ref,
		Adjusts:   deref64(r.AdjustsID),
		CreatedAt: r.CreatedAt.UTC(),
	}
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func revocationFromRow(r revocationRow) *model.Revocation {
	return &model.Revocation{
		EntryID:   r.EntryID,
		ActorID:   r.ActorID,
		ActorName: r.ActorName,
		MsgKey:    r.MsgKey,
		Reason:    r.Reason,
		CreatedAt: r.CreatedAt.UTC(),
	}
}

// dueNow 是“立即可发”的通知的 next_at。
var dueNow = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func noticeToRow(n model.Notice, created time.Time) (noticeRow, error) {
	status := n.Status
	if status == "" {
		status = model.NoticePending
	}
	// NextAt 为零表示立即可发：记成一个早已过去的固定时刻，而不是本机时钟，
	// 这样不论发送进程的时钟（测试中注入的时钟）在何时，它都是到期的。
	next := dueNow
	if !n.NextAt.IsZero() {
		next = utc(n.NextAt)
	}
	msg, err := json.Marshal(messageOf(n))
	if err != nil {
		return noticeRow{}, err
	}
	r := noticeRow{
		Key:       n.Key,
		AfterKey:  n.After,
		Message:   string(msg),
		Status:    string(status),
		Attempts:  n.Attempts,
		NextAt:    next,
		LastError: truncate(n.LastError, sizeError),
		CreatedAt: created,
	}
	if n.SentAt != nil {
		t := utc(*n.SentAt)
		r.SentAt = &t
	}
	return r, nil
}

func noticeFromRow(r noticeRow) model.Notice {
	n := model.Notice{
		ID:        r.ID,
		Key:       r.Key,
		After:     r.AfterKey,
		Status:    model.NoticeStatus(r.Status),
		Attempts:  r.Attempts,
		NextAt:    r.NextAt.UTC(),
		LastError: r.LastError,
		CreatedAt: r.CreatedAt.UTC(),
	}
	var m noticeMessage
	if err := json.Unmarshal([]byte(r.Message), &m); err != nil {
		// 读不出内容的通知照样返回（没有去处）：发送时因缺少接收人被放弃，错误说明可查。
		n.LastError = "通知内容无法解析：" + err.Error()
	}
	m.apply(&n)
	if r.SentAt != nil {
		t := r.SentAt.UTC()
		n.SentAt = &t
	}
	return n
}
