package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/hongqi-dev/hongqi/model"
)

// inputRevocationRow 是 input_revocations 表的一行：一条评分依据（测评、抽查、表扬、投诉、检查）的撤销。
// 原录入不改不删；(kind, input_id, input_msg_key) 唯一：同一次录入只撤销一次。测评的一行被同一天的
// 新录入覆盖时消息换了，撤销不再作用于新的计数。
type inputRevocationRow struct {
	ID          int64     `gorm:"primaryKey;autoIncrement"`
	Kind        string    `gorm:"size:16;not null;uniqueIndex:idx_input_revocation,priority:1"`
	InputID     int64     `gorm:"not null;uniqueIndex:idx_input_revocation,priority:2"`
	InputMsgKey string    `gorm:"size:191;not null;uniqueIndex:idx_input_revocation,priority:3"`
	ActorID     string    `gorm:"size:64;not null"`
	ActorName   string    `gorm:"size:64;not null"`
	MsgKey      string    `gorm:"size:191;not null;uniqueIndex"`
	Reason      string    `gorm:"size:500;not null"`
	CreatedAt   time.Time `gorm:"precision:6;not null"`
}

func (inputRevocationRow) TableName() string { return "input_revocations" }

func inputRevocationFromRow(r inputRevocationRow) model.InputRevocation {
	return model.InputRevocation{
		ID: r.ID, Kind: model.InputKind(r.Kind), InputID: r.InputID, InputMsgKey: r.InputMsgKey,
		ActorID: r.ActorID, ActorName: r.ActorName, MsgKey: r.MsgKey, Reason: r.Reason, CreatedAt: r.CreatedAt.UTC(),
	}
}

// notRevoked 是汇总查询里“这次录入没有被撤销”的条件：alias 是录入表的别名，kinds 是类别。
func notRevoked(alias string, kinds ...model.InputKind) string {
	in := ""
	for i, k := range kinds {
		if i > 0 {
			in += ", "
		}
		in += "'" + string(k) + "'"
	}
	return "NOT EXISTS (SELECT 1 FROM input_revocations ir WHERE ir.kind IN (" + in + ") AND ir.input_id = " +
		alias + ".id AND ir.input_msg_key = " + alias + ".msg_key)"
}

// Input 按类别和编号取一条手工录入的评分依据（含撤销信息）。
func (db *DB) Input(ctx context.Context, kind model.InputKind, id int64) (model.InputRecord, error) {
	return db.input(db.conn(ctx), kind, id)
}

func (db *DB) input(g *gorm.DB, kind model.InputKind, id int64) (model.InputRecord, error) {
	const what = "评分依据暂时读不到"
	notFound := model.Errorf(model.ENOTFOUND, "没有编号为 %d 的%s记录。请核对编号（录入时的回复里有）。", id, kind.Label())
	rec := model.InputRecord{Kind: kind, ID: id}
	switch kind {
	case model.InputMeter:
		var r meterDayRow
		if err := g.Where("id = ?", id).Limit(1).Find(&r).Error; err != nil {
			return rec, db.fail(err, what)
		}
		if r.ID == 0 {
			return rec, notFound
		}
		if r.Source != string(model.MeterTyped) {
			return rec, model.Errorf(model.ENOTFOUND, "编号 %d 的测评是测评仪导入的数据，不能撤销；请更正测评仪的导出文件后重新导入。", id)
		}
		rec.Meter = meterFromRow(r)
		rec.StaffID, rec.ActorID, rec.MsgKey, rec.CreatedAt = r.StaffID, r.ActorID, r.MsgKey, r.CreatedAt.UTC()
	case model.InputSpot:
		var r spotCheckRow
		if err := g.Where("id = ?", id).Limit(1).Find(&r).Error; err != nil {
			return rec, db.fail(err, what)
		}
		if r.ID == 0 {
			return rec, notFound
		}
		rec.StaffID, rec.StaffName, rec.Branch, rec.Score, rec.Note = r.StaffID, r.StaffName, r.Branch, r.Score, r.Note
		rec.ActorID, rec.ActorName, rec.MsgKey, rec.CreatedAt = r.ActorID, r.ActorName, r.MsgKey, r.CreatedAt.UTC()
	case model.InputPraise, model.InputComplaint:
		var r feedbackRow
		if err := g.Where("id = ?", id).Limit(1).Find(&r).Error; err != nil {
			return rec, db.fail(err, what)
		}
		if r.ID == 0 {
			return rec, notFound
		}
		if got := feedbackKind(r.Kind); got != kind {
			return rec, model.Errorf(model.EINVALID, "编号 %d 是%s，不是%s。要撤销它请发“撤销 %s %d”。", id, got.Label(), kind.Label(), got.Label(), id)
		}
		rec.StaffID, rec.StaffName, rec.Branch, rec.Note = r.StaffID, r.StaffName, r.Branch, r.Note
		rec.ActorID, rec.ActorName, rec.MsgKey, rec.CreatedAt = r.ActorID, r.ActorName, r.MsgKey, r.CreatedAt.UTC()
	case model.InputInspection:
		var r inspectionRow
		if err := g.Where("id = ?", id).Limit(1).Find(&r).Error; err != nil {
			return rec, db.fail(err, what)
		}
		if r.ID == 0 {
			return rec, notFound
		}
		rec.Branch, rec.Item, rec.Score, rec.Note = r.Branch, r.Item, r.Score, r.Note
		rec.ActorID, rec.ActorName, rec.MsgKey, rec.CreatedAt = r.ActorID, r.ActorName, r.MsgKey, r.CreatedAt.UTC()
	default:
		return rec, model.Errorf(model.EINVALID, "“%s”不是可以撤销的评分依据。", kind)
	}
	var rv inputRevocationRow
	if err := g.Where("kind = ? AND input_id = ? AND input_msg_key = ?", string(kind), id, rec.MsgKey).Limit(1).Find(&rv).Error; err != nil {
		return rec, db.fail(err, what)
	}
	if rv.ID != 0 {
		r := inputRevocationFromRow(rv)
		rec.Revoked = &r
	}
	return rec, nil
}

// feedbackKind 是客户反映的种类对应的评分依据类别。
func feedbackKind(kind string) model.InputKind {
	if kind == string(model.FeedbackComplaint) {
		return model.InputComplaint
	}
	return model.InputPraise
}

var errInputRevoked = errors.New("store: input already revoked")

// RevokeInput 在一个事务里登记消息和撤销记录。撤销的是 r.InputMsgKey 那次录入：录入已被新的录入覆盖时
// （测评同一天再录）ENOTFOUND；已撤销 ECONFLICT；消息重复 EDUPLICATE 并返回那次撤销。
func (db *DB) RevokeInput(ctx context.Context, msg model.Message, r model.InputRevocation) (model.InputRevocation, error) {
	const what = "本次没有撤销"
	if err := checkMsg(msg); err != nil {
		return model.InputRevocation{}, err
	}
	var out inputRevocationRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		at := db.now()
		if err := insertMessage(tx, msg, at); err != nil {
			return err
		}
		rec, err := db.input(tx, r.Kind, r.InputID)
		if err != nil {
			return err
		}
		if rec.MsgKey != r.InputMsgKey {
			return model.Errorf(model.ECONFLICT, "%s %d 刚刚被重新录入，%s。请发“撤销 %s %d”再试一次。", r.Kind.Label(), r.InputID, what, r.Kind.Label(), r.InputID)
		}
		if rec.Revoked != nil {
			return errInputRevoked
		}
		out = inputRevocationRow{
			Kind: string(r.Kind), InputID: r.InputID, InputMsgKey: r.InputMsgKey,
			ActorID: truncate(r.ActorID, sizeID), ActorName: truncate(r.ActorName, sizeName),
			MsgKey: msg.Key, Reason: truncate(r.Reason, sizeNote), CreatedAt: at,
		}
		err = tx.Create(&out).Error
		if isDuplicate(err) {
			return errInputRevoked
		}
		return err
	})
	switch {
	case errors.Is(err, errDupMsg):
		var prev inputRevocationRow
		if err := db.conn(ctx).Where("msg_key = ?", msg.Key).Limit(1).Find(&prev).Error; err != nil {
			return model.InputRevocation{}, db.fail(err, what)
		}
		return inputRevocationFromRow(prev), model.Errorf(model.EDUPLICATE, "这条消息已经处理过，没有重复撤销。")
	case errors.Is(err, errInputRevoked):
		rec, ferr := db.Input(ctx, r.Kind, r.InputID)
		if ferr == nil && rec.Revoked != nil {
			return *rec.Revoked, model.Errorf(model.ECONFLICT, "%s %d 已于 %s 被%s撤销，不用再撤。", r.Kind.Label(), r.InputID,
				rec.Revoked.CreatedAt.In(db.clock.Location()).Format("1月2日 15:04"), rec.Revoked.ActorName)
		}
		return model.InputRevocation{}, model.Errorf(model.ECONFLICT, "%s %d 已经撤销过，不用再撤。", r.Kind.Label(), r.InputID)
	case err != nil:
		return model.InputRevocation{}, db.fail(err, what)
	}
	return inputRevocationFromRow(out), nil
}
