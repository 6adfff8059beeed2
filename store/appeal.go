package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/hongqi-dev/hongqi/model"
)

var _ model.AppealStore = (*DB)(nil)

// appealRow 是 appeals 表的一行：entry_id 唯一，一条记录只有一条申诉（裁决后也不能再申诉），
// 所以“一条记录同时只有一条待处理的申诉”由数据库保证。裁决只把 status 从 open 改一次（带条件的 UPDATE）。
type appealRow struct {
	ID            int64      `gorm:"primaryKey;autoIncrement"`
	EntryID       int64      `gorm:"not null;uniqueIndex"`
	StaffID       string     `gorm:"size:64;not null;index"`
	StaffName     string     `gorm:"size:64;not null"`
	Reason        string     `gorm:"size:500;not null"`
	MsgKey        string     `gorm:"size:191;not null;index"`
	Route         string     `gorm:"size:16;not null"`
	RouteBranch   string     `gorm:"size:64;not null"`
	Status        string     `gorm:"size:16;not null;index"`
	DecidedBy     string     `gorm:"size:64;not null"`
	DecidedByName string     `gorm:"size:64;not null"`
	DecisionNote  string     `gorm:"size:500;not null"`
	DecisionMsg   string     `gorm:"size:191;not null"`
	DecidedAt     *time.Time `gorm:"precision:6"`
	AdjustID      int64      `gorm:"not null"`
	CreatedAt     time.Time  `gorm:"precision:6;not null"`
}

func (appealRow) TableName() string { return "appeals" }

func appealFromRow(r appealRow) model.Appeal {
	a := model.Appeal{
		ID: r.ID, EntryID: r.EntryID, StaffID: r.StaffID, StaffName: r.StaffName, Reason: r.Reason, MsgKey: r.MsgKey,
		Route: model.AppealRoute(r.Route), RouteBranch: r.RouteBranch, Status: model.AppealStatus(r.Status),
		DecidedBy: r.DecidedBy, DecidedByName: r.DecidedByName, DecisionNote: r.DecisionNote, DecisionMsg: r.DecisionMsg,
		AdjustID: r.AdjustID, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.DecidedAt != nil {
		t := r.DecidedAt.UTC()
		a.DecidedAt = &t
	}
	return a
}

// errAppealExists 表示这条记录已有申诉；errAppealDecided 表示申诉已裁决。只在事务内部使用。
var (
	errAppealExists  = errors.New("store: entry already appealed")
	errAppealDecided = errors.New("store: appeal already decided")
)

// CreateAppeal 在一个事务里登记消息、写入申诉和通知（"{id}" 换成申诉编号）。记录不存在返回 ENOTFOUND；
// 该记录已有申诉返回 ECONFLICT 和已有的申诉；消息重复返回 EDUPLICATE 和这条消息写入的申诉。
func (db *DB) CreateAppeal(ctx context.Context, msg model.Message, a model.Appeal, notices []model.Notice) (model.Appeal, error) {
	if err := checkMsg(msg); err != nil {
		return model.Appeal{}, err
	}
	if a.EntryID <= 0 || a.StaffID == "" {
		return model.Appeal{}, model.Errorf(model.EINVALID, "申诉缺少记录编号或申诉人，没有提交。")
	}
	for _, n := range notices {
		if err := checkNotice(n); err != nil {
			return model.Appeal{}, err
		}
	}
	var id int64
	err := db.tx(ctx, func(tx *gorm.DB) error {
		at := db.now()
		if err := insertMessage(tx, msg, at); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&entryRow{}).Where("id = ?", a.EntryID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return notFound(a.EntryID)
		}
		row := appealRow{
			EntryID: a.EntryID, StaffID: a.StaffID, StaffName: truncate(a.StaffName, sizeName), Reason: truncate(a.Reason, sizeNote),
			MsgKey: msg.Key, Route: string(a.Route), RouteBranch: truncate(a.RouteBranch, sizeName), Status: string(model.AppealOpen),
			CreatedAt: at,
		}
		if err := tx.Create(&row).Error; err != nil {
			if isDuplicate(err) {
				return errAppealExists
			}
			return err
		}
		id = row.ID
		for _, n := range notices {
			if err := enqueue(tx, n.WithID(row.ID), at); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return db.Appeal(ctx, id)
	case errors.Is(err, errDupMsg):
		prev, perr := db.appealWhere(ctx, "msg_key = ?", msg.Key)
		if perr != nil {
			return model.Appeal{}, perr
		}
		return prev, model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	case errors.Is(err, errAppealExists):
		prev, perr := db.appealWhere(ctx, "entry_id = ?", a.EntryID)
		if perr != nil {
			return model.Appeal{}, perr
		}
		return prev, model.Errorf(model.ECONFLICT, "#%d 已经申诉过（申诉 #%d）。", a.EntryID, prev.ID)
	case model.ErrorCode(err) == model.ENOTFOUND:
		return model.Appeal{}, err
	}
	return model.Appeal{}, db.fail(err, "申诉没有提交")
}

// appealWhere 取满足条件的一条申诉（含所指的记录）。
func (db *DB) appealWhere(ctx context.Context, cond string, arg any) (model.Appeal, error) {
	var rows []appealRow
	if err := db.conn(ctx).Where(cond, arg).Limit(1).Find(&rows).Error; err != nil {
		return model.Appeal{}, db.fail(err, "没能读取申诉")
	}
	if len(rows) == 0 {
		return model.Appeal{}, model.Errorf(model.ENOTFOUND, "没有这条申诉。")
	}
	return db.withEntries(ctx, rows)
}

// withEntries 给第一条申诉带上所指的记录。
func (db *DB) withEntries(ctx context.Context, rows []appealRow) (model.Appeal, error) {
	out, err := db.attachEntries(ctx, rows)
	if err != nil {
		return model.Appeal{}, err
	}
	return out[0], nil
}

// attachEntries 把申诉行变成 model.Appeal，并带上各自所指的记录（含撤销信息）。
func (db *DB) attachEntries(ctx context.Context, rows []appealRow) ([]model.Appeal, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.EntryID
	}
	byID := map[int64]model.Entry{}
	if len(ids) > 0 {
		es, err := db.scanEntries(db.joined(ctx).Where("e.id IN ?", ids), "没能读取记录")
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			byID[e.ID] = e
		}
	}
	out := make([]model.Appeal, len(rows))
	for i, r := range rows {
		out[i] = appealFromRow(r)
		out[i].Entry = byID[r.EntryID]
	}
	return out, nil
}

// Appeal 按编号取申诉（含所指的记录）；找不到返回 ENOTFOUND。
func (db *DB) Appeal(ctx context.Context, id int64) (model.Appeal, error) {
	a, err := db.appealWhere(ctx, "id = ?", id)
	if model.ErrorCode(err) == model.ENOTFOUND {
		return model.Appeal{}, model.Errorf(model.ENOTFOUND, "没有编号为 %d 的申诉。", id)
	}
	return a, err
}

// Appeals 按条件列出申诉（含所指的记录），按编号升序。
func (db *DB) Appeals(ctx context.Context, f model.AppealFilter) ([]model.Appeal, error) {
	q := db.conn(ctx).Model(&appealRow{})
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.StaffID != "" {
		q = q.Where("staff_id = ?", f.StaffID)
	}
	if f.EntryID != 0 {
		q = q.Where("entry_id = ?", f.EntryID)
	}
	var rows []appealRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, db.fail(err, "没能读取申诉")
	}
	return db.attachEntries(ctx, rows)
}

// DecideAppeal 在一个事务里登记消息、写入“维持”的裁决和通知。申诉已裁决返回 ECONFLICT 和现状；
// 消息重复返回 EDUPLICATE 和现状。
func (db *DB) DecideAppeal(ctx context.Context, d model.AppealDecision) (model.Appeal, error) {
	if err := checkMsg(d.Msg); err != nil {
		return model.Appeal{}, err
	}
	if err := checkDecision(d); err != nil {
		return model.Appeal{}, err
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		at := db.now()
		if err := insertMessage(tx, d.Msg, at); err != nil {
			return err
		}
		return applyDecision(tx, d, 0, at)
	})
	return db.decided(ctx, d.AppealID, err, "申诉没有处理")
}

// decided 把写入裁决的事务的结果变成返回值：成功、消息重复（EDUPLICATE）、已裁决（ECONFLICT）都带上申诉的现状。
func (db *DB) decided(ctx context.Context, id int64, err error, what string) (model.Appeal, error) {
	switch {
	case err == nil:
		return db.Appeal(ctx, id)
	case errors.Is(err, errDupMsg):
		a, gerr := db.Appeal(ctx, id)
		if gerr != nil {
			return model.Appeal{}, gerr
		}
		return a, model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	case errors.Is(err, errAppealDecided):
		a, gerr := db.Appeal(ctx, id)
		if gerr != nil {
			return model.Appeal{}, gerr
		}
		return a, model.Errorf(model.ECONFLICT, "申诉 #%d 已经处理过。", id)
	case model.ErrorCode(err) != "":
		return model.Appeal{}, err
	}
	return model.Appeal{}, db.fail(err, what)
}

func checkDecision(d model.AppealDecision) error {
	if d.AppealID <= 0 || (d.Status != model.AppealRevoked && d.Status != model.AppealKept) || d.By == "" {
		return model.Errorf(model.EINVALID, "申诉的裁决不完整，没有处理。")
	}
	for _, n := range d.Notices {
		if err := checkNotice(n); err != nil {
			return err
		}
	}
	return nil
}

// applyDecision 在事务 tx 里把申诉从“申诉中”改为裁决的结果（带条件的 UPDATE：同时到达的两个裁决只有一个生效），
// 记下调整的编号（adjustID，没有为 0），并入队通知。申诉已不是“申诉中”时返回 errAppealDecided。
func applyDecision(tx *gorm.DB, d model.AppealDecision, adjustID int64, at time.Time) error {
	decidedAt := at
	if !d.At.IsZero() {
		decidedAt = utc(d.At)
	}
	res := tx.Model(&appealRow{}).Where("id = ? AND status = ?", d.AppealID, string(model.AppealOpen)).Updates(map[string]any{
		"status": string(d.Status), "decided_by": truncate(d.By, sizeID), "decided_by_name": truncate(d.ByName, sizeName),
		"decision_note": truncate(d.Note, sizeNote), "decision_msg": truncate(d.Msg.Key, sizeKey), "decided_at": decidedAt,
		"adjust_id": adjustID,
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := tx.Model(&appealRow{}).Where("id = ?", d.AppealID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return model.Errorf(model.ENOTFOUND, "没有编号为 %d 的申诉。", d.AppealID)
		}
		return errAppealDecided
	}
	for _, n := range d.Notices {
		if err := enqueue(tx, n.WithID(d.AppealID), at); err != nil {
			return err
		}
	}
	return nil
}
