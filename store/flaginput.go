package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/hongqi-dev/hongqi/model"
)

var _ model.FlagInputStore = (*DB)(nil)

// meterDayRow 是 meter_days 表的一行：某人某天某来源的测评计数。(staff_id, day, source) 唯一。
type meterDayRow struct {
	ID          int64     `gorm:"primaryKey;autoIncrement"`
	StaffID     string    `gorm:"size:64;not null;uniqueIndex:idx_meter_staff_day,priority:1"`
	Day         string    `gorm:"type:char(10);not null;uniqueIndex:idx_meter_staff_day,priority:2;index"`
	Source      string    `gorm:"size:8;not null;uniqueIndex:idx_meter_staff_day,priority:3"`
	Satisfied   int       `gorm:"not null"`
	Basic       int       `gorm:"not null"`
	Unsatisfied int       `gorm:"not null"`
	ActorID     string    `gorm:"size:64;not null"`
	MsgKey      string    `gorm:"size:191;not null;index"`
	CreatedAt   time.Time `gorm:"precision:6;not null"`
}

func (meterDayRow) TableName() string { return "meter_days" }

// spotCheckRow 是 spot_checks 表的一行。
type spotCheckRow struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	StaffID   string    `gorm:"size:64;not null;index"`
	StaffName string    `gorm:"size:64;not null"`
	Branch    string    `gorm:"size:64;not null"`
	Score     int       `gorm:"not null"`
	Note      string    `gorm:"size:500;not null"`
	ActorID   string    `gorm:"size:64;not null"`
	ActorName string    `gorm:"size:64;not null"`
	MsgKey    string    `gorm:"size:191;not null;uniqueIndex"`
	CreatedAt time.Time `gorm:"precision:6;not null;index"`
}

func (spotCheckRow) TableName() string { return "spot_checks" }

// feedbackRow 是 feedback 表的一行：表扬或投诉；认定无效的投诉保留，invalid_at 非空。
type feedbackRow struct {
	ID            int64      `gorm:"primaryKey;autoIncrement"`
	StaffID       string     `gorm:"size:64;not null;index"`
	StaffName     string     `gorm:"size:64;not null"`
	Branch        string     `gorm:"size:64;not null"`
	Kind          string     `gorm:"size:16;not null"`
	Note          string     `gorm:"size:500;not null"`
	ActorID       string     `gorm:"size:64;not null"`
	ActorName     string     `gorm:"size:64;not null"`
	MsgKey        string     `gorm:"size:191;not null;uniqueIndex"`
	CreatedAt     time.Time  `gorm:"precision:6;not null;index"`
	InvalidBy     string     `gorm:"size:64;not null"`
	InvalidByName string     `gorm:"size:64;not null"`
	InvalidMsgKey string     `gorm:"size:191;not null;index"`
	InvalidReason string     `gorm:"size:500;not null"`
	InvalidAt     *time.Time `gorm:"precision:6"`
}

func (feedbackRow) TableName() string { return "feedback" }

// inspectionRow 是 inspections 表的一行：农村网点一个检查项的一次打分。
type inspectionRow struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	Branch    string    `gorm:"size:64;not null;index"`
	Item      string    `gorm:"size:64;not null"`
	Score     int       `gorm:"not null"`
	Note      string    `gorm:"size:500;not null"`
	ActorID   string    `gorm:"size:64;not null"`
	ActorName string    `gorm:"size:64;not null"`
	MsgKey    string    `gorm:"size:191;not null;uniqueIndex"`
	CreatedAt time.Time `gorm:"precision:6;not null;index"`
}

func (inspectionRow) TableName() string { return "inspections" }

const msgInputNotSaved = "本次没有记录"

func dateFromString(s string) model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		return model.Date{}
	}
	return d
}

func meterFromRow(r meterDayRow) model.MeterDay {
	return model.MeterDay{
		ID: r.ID, StaffID: r.StaffID, Day: dateFromString(r.Day),
		Satisfied: r.Satisfied, Basic: r.Basic, Unsatisfied: r.Unsatisfied,
		Source: model.MeterSource(r.Source), ActorID: r.ActorID, MsgKey: r.MsgKey, CreatedAt: r.CreatedAt.UTC(),
	}
}

func checkMeterDay(d model.MeterDay) error {
	switch {
	case d.StaffID == "" || utf8.RuneCountInString(d.StaffID) > sizeID:
		return model.Errorf(model.EINVALID, "测评计数缺少工号，%s。", msgInputNotSaved)
	case d.Day.IsZero():
		return model.Errorf(model.EINVALID, "测评计数缺少日期，%s。", msgInputNotSaved)
	case d.Satisfied < 0 || d.Basic < 0 || d.Unsatisfied < 0:
		return model.Errorf(model.EINVALID, "测评次数不能为负，%s。", msgInputNotSaved)
	case d.Satisfied > model.MaxMeterCount || d.Basic > model.MaxMeterCount || d.Unsatisfied > model.MaxMeterCount:
		return model.Errorf(model.EINVALID, "%s %s 的测评次数超过每天 %d 次，不像真实数据，%s。", d.StaffID, d.Day.Label(), model.MaxMeterCount, msgInputNotSaved)
	}
	return nil
}

// RecordMeterDay 登记手工录入的某人某天测评计数，覆盖此人当天先前的手工录入。
func (db *DB) RecordMeterDay(ctx context.Context, msg model.Message, d model.MeterDay) (model.MeterDay, error) {
	if err := checkMsg(msg); err != nil {
		return model.MeterDay{}, err
	}
	if err := checkMeterDay(d); err != nil {
		return model.MeterDay{}, err
	}
	var out meterDayRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		at := db.now()
		if err := insertMessage(tx, msg, at); err != nil {
			return err
		}
		row := meterDayRow{
			StaffID: d.StaffID, Day: d.Day.String(), Source: string(model.MeterTyped),
			Satisfied: d.Satisfied, Basic: d.Basic, Unsatisfied: d.Unsatisfied,
			ActorID: d.ActorID, MsgKey: msg.Key, CreatedAt: at,
		}
		var prev meterDayRow
		err := tx.Where("staff_id = ? AND day = ? AND source = ?", row.StaffID, row.Day, row.Source).Limit(1).Find(&prev).Error
		if err != nil {
			return err
		}
		if prev.ID != 0 {
			row.ID = prev.ID
			if err := tx.Model(&meterDayRow{}).Where("id = ?", prev.ID).Updates(map[string]any{
				"satisfied": row.Satisfied, "basic": row.Basic, "unsatisfied": row.Unsatisfied,
				"actor_id": row.ActorID, "msg_key": row.MsgKey, "created_at": at,
			}).Error; err != nil {
				return err
			}
		} else if err := tx.Create(&row).Error; err != nil {
			if isDuplicate(err) {
				return model.Errorf(model.ECONFLICT, "同时有人在录入%s %s的测评，%s，请稍后重发。", d.StaffID, d.Day.Label(), msgInputNotSaved)
			}
			return err
		}
		out = row
		return nil
	})
	if errors.Is(err, errDupMsg) {
		var prev meterDayRow
		if err := db.conn(ctx).Where("msg_key = ?", msg.Key).Limit(1).Find(&prev).Error; err != nil {
			return model.MeterDay{}, db.fail(err, msgInputNotSaved)
		}
		return meterFromRow(prev), model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	}
	if err != nil {
		return model.MeterDay{}, db.fail(err, msgInputNotSaved)
	}
	return meterFromRow(out), nil
}

// ImportMeter 在一个事务里导入测评仪计数：同一人同一天已有导入的以本次为准，计数相同的不动。
// source 记在每行的 msg_key 上（如 "file:<摘要>"），便于追查来源。
func (db *DB) ImportMeter(ctx context.Context, source string, days []model.MeterDay) (model.MeterImport, error) {
	const what = "测评数据没有导入"
	seen := map[string]bool{}
	dayset := map[string]bool{}
	for _, d := range days {
		if err := checkMeterDay(d); err != nil {
			return model.MeterImport{}, err
		}
		k := d.StaffID + "\x00" + d.Day.String()
		if seen[k] {
			return model.MeterImport{}, model.Errorf(model.EINVALID, "%s %s 的测评出现了两次，%s。", d.StaffID, d.Day.Label(), what)
		}
		seen[k] = true
		dayset[d.Day.String()] = true
	}
	source = truncate(source, sizeKey)
	var res model.MeterImport
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res = model.MeterImport{}
		at := db.now()
		list := make([]string, 0, len(dayset))
		for d := range dayset {
			list = append(list, d)
		}
		existing := map[string]meterDayRow{}
		var rows []meterDayRow
		if err := tx.Where("source = ? AND day IN ?", string(model.MeterImported), list).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			existing[r.StaffID+"\x00"+r.Day] = r
		}
		var add []meterDayRow
		for _, d := range days {
			row := meterDayRow{
				StaffID: d.StaffID, Day: d.Day.String(), Source: string(model.MeterImported),
				Satisfied: d.Satisfied, Basic: d.Basic, Unsatisfied: d.Unsatisfied,
				MsgKey: source, CreatedAt: at,
			}
			prev, ok := existing[row.StaffID+"\x00"+row.Day]
			switch {
			case !ok:
				add = append(add, row)
				res.Added++
			case prev.Satisfied == row.Satisfied && prev.Basic == row.Basic && prev.Unsatisfied == row.Unsatisfied:
				res.Unchanged++
			default:
				res.Replaced++
				if err := tx.Model(&meterDayRow{}).Where("id = ?", prev.ID).Updates(map[string]any{
					"satisfied": row.Satisfied, "basic": row.Basic, "unsatisfied": row.Unsatisfied,
					"msg_key": source, "created_at": at,
				}).Error; err != nil {
					return err
				}
			}
		}
		if len(add) > 0 {
			return tx.CreateInBatches(add, 500).Error
		}
		return nil
	})
	if err != nil {
		return model.MeterImport{}, db.fail(err, what)
	}
	return res, nil
}

// MeterDays 列出某人在 [from, to] 日期内的计数，按日期、来源排序。
func (db *DB) MeterDays(ctx context.Context, staffID string, from, to model.Date) ([]model.MeterDay, error) {
	var rows []meterDayRow
	if err := db.conn(ctx).Where("staff_id = ? AND day >= ? AND day <= ?", staffID, from.String(), to.String()).
		Order("day, source").Find(&rows).Error; err != nil {
		return nil, db.fail(err, "测评记录暂时读不到")
	}
	out := make([]model.MeterDay, 0, len(rows))
	for _, r := range rows {
		out = append(out, meterFromRow(r))
	}
	return out, nil
}

// RecordSpotCheck 登记一次抽查。
func (db *DB) RecordSpotCheck(ctx context.Context, msg model.Message, c model.SpotCheck) (model.SpotCheck, error) {
	if err := checkMsg(msg); err != nil {
		return model.SpotCheck{}, err
	}
	if c.StaffID == "" || c.Score < 0 || c.Score > model.MaxScore {
		return model.SpotCheck{}, model.Errorf(model.EINVALID, "抽查需要工号和 0–100 的分数，%s。", msgInputNotSaved)
	}
	row := spotCheckRow{
		StaffID: c.StaffID, StaffName: truncate(c.StaffName, sizeName), Branch: truncate(c.Branch, sizeName),
		Score: c.Score, Note: truncate(c.Note, sizeNote), ActorID: c.ActorID, ActorName: truncate(c.ActorName, sizeName),
		MsgKey: msg.Key, CreatedAt: c.CreatedAt,
	}
	err := db.insertWithMsg(ctx, msg, &row, &row.CreatedAt)
	if errors.Is(err, errDupMsg) {
		var prev spotCheckRow
		if err := db.conn(ctx).Where("msg_key = ?", msg.Key).Limit(1).Find(&prev).Error; err != nil {
			return model.SpotCheck{}, db.fail(err, msgInputNotSaved)
		}
		return spotFromRow(prev), model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	}
	if err != nil {
		return model.SpotCheck{}, db.fail(err, msgInputNotSaved)
	}
	return spotFromRow(row), nil
}

// insertWithMsg 在一个事务里登记消息并插入 row（createdAt 指向 row 的创建时间字段）。
// 调用方给了时间（*createdAt 非零，如机器人时钟的当前时间）时用它作为记录时间，否则用当前时间。
func (db *DB) insertWithMsg(ctx context.Context, msg model.Message, row any, createdAt *time.Time) error {
	when := *createdAt
	return db.tx(ctx, func(tx *gorm.DB) error {
		at := db.now()
		if err := insertMessage(tx, msg, at); err != nil {
			return err
		}
		*createdAt = at
		if !when.IsZero() {
			*createdAt = utc(when)
		}
		return tx.Create(row).Error
	})
}

func spotFromRow(r spotCheckRow) model.SpotCheck {
	return model.SpotCheck{
		ID: r.ID, StaffID: r.StaffID, StaffName: r.StaffName, Branch: r.Branch, Score: r.Score, Note: r.Note,
		ActorID: r.ActorID, ActorName: r.ActorName, MsgKey: r.MsgKey, CreatedAt: r.CreatedAt.UTC(),
	}
}

func feedbackFromRow(r feedbackRow) model.Feedback {
	f := model.Feedback{
		ID: r.ID, StaffID: r.StaffID, StaffName: r.StaffName, Branch: r.Branch, Kind: model.FeedbackKind(r.Kind),
		Note: r.Note, ActorID: r.ActorID, ActorName: r.ActorName, MsgKey: r.MsgKey, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.InvalidAt != nil {
		f.Invalid = &model.FeedbackInvalid{
			ActorID: r.InvalidBy, ActorName: r.InvalidByName, MsgKey: r.InvalidMsgKey,
			Reason: r.InvalidReason, CreatedAt: r.InvalidAt.UTC(),
		}
	}
	return f
}

// RecordFeedback 登记一条表扬或投诉。
func (db *DB) RecordFeedback(ctx context.Context, msg model.Message, f model.Feedback) (model.Feedback, error) {
	if err := checkMsg(msg); err != nil {
		return model.Feedback{}, err
	}
	if f.StaffID == "" || (f.Kind != model.FeedbackPraise && f.Kind != model.FeedbackComplaint) {
		return model.Feedback{}, model.Errorf(model.EINVALID, "客户反映需要工号和种类（表扬或投诉），%s。", msgInputNotSaved)
	}
	row := feedbackRow{
		StaffID: f.StaffID, StaffName: truncate(f.StaffName, sizeName), Branch: truncate(f.Branch, sizeName),
		Kind: string(f.Kind), Note: truncate(f.Note, sizeNote), ActorID: f.ActorID, ActorName: truncate(f.ActorName, sizeName),
		MsgKey: msg.Key, CreatedAt: f.CreatedAt,
	}
	err := db.insertWithMsg(ctx, msg, &row, &row.CreatedAt)
	if errors.Is(err, errDupMsg) {
		var prev feedbackRow
		if err := db.conn(ctx).Where("msg_key = ?", msg.Key).Limit(1).Find(&prev).Error; err != nil {
			return model.Feedback{}, db.fail(err, msgInputNotSaved)
		}
		return feedbackFromRow(prev), model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	}
	if err != nil {
		return model.Feedback{}, db.fail(err, msgInputNotSaved)
	}
	return feedbackFromRow(row), nil
}

// Feedback 按编号取客户反映；没有返回 ENOTFOUND。
func (db *DB) Feedback(ctx context.Context, id int64) (model.Feedback, error) {
	var row feedbackRow
	if err := db.conn(ctx).Where("id = ?", id).Limit(1).Find(&row).Error; err != nil {
		return model.Feedback{}, db.fail(err, "客户反映暂时读不到")
	}
	if row.ID == 0 {
		return model.Feedback{}, model.Errorf(model.ENOTFOUND, "没有编号为 %d 的表扬或投诉。", id)
	}
	return feedbackFromRow(row), nil
}

// InvalidateComplaint 把一条投诉认定为无效，记录保留。同一投诉同时被认定多次，只有一次成功。
func (db *DB) InvalidateComplaint(ctx context.Context, msg model.Message, id int64, inv model.FeedbackInvalid) (model.Feedback, error) {
	if err := checkMsg(msg); err != nil {
		return model.Feedback{}, err
	}
	var out feedbackRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		at := db.now()
		if err := insertMessage(tx, msg, at); err != nil {
			return err
		}
		var row feedbackRow
		if err := tx.Where("id = ?", id).Limit(1).Find(&row).Error; err != nil {
			return err
		}
		switch {
		case row.ID == 0:
			return model.Errorf(model.ENOTFOUND, "没有编号为 %d 的投诉，请核对编号。", id)
		case row.Kind != string(model.FeedbackComplaint):
			return model.Errorf(model.EINVALID, "编号 %d 是表扬，不是投诉。", id)
		}
		res := tx.Model(&feedbackRow{}).Where("id = ? AND invalid_at IS NULL", id).Updates(map[string]any{
			"invalid_by": inv.ActorID, "invalid_by_name": truncate(inv.ActorName, sizeName),
			"invalid_msg_key": msg.Key, "invalid_reason": truncate(inv.Reason, sizeNote), "invalid_at": at,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			out = row
			return errConflictInvalid
		}
		return tx.Where("id = ?", id).Limit(1).Find(&out).Error
	})
	switch {
	case errors.Is(err, errDupMsg):
		var prev feedbackRow
		if err := db.conn(ctx).Where("invalid_msg_key = ?", msg.Key).Limit(1).Find(&prev).Error; err != nil {
			return model.Feedback{}, db.fail(err, "没有改动")
		}
		return feedbackFromRow(prev), model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	case errors.Is(err, errConflictInvalid):
		f, ferr := db.Feedback(ctx, id)
		if ferr != nil {
			return model.Feedback{}, ferr
		}
		return f, model.Errorf(model.ECONFLICT, "投诉 %d 已经认定无效，不用再标记。", id)
	case err != nil:
		return model.Feedback{}, db.fail(err, "没有改动")
	}
	return feedbackFromRow(out), nil
}

var errConflictInvalid = errors.New("store: complaint already invalid")

// RecordInspection 登记一次网点检查项打分。
func (db *DB) RecordInspection(ctx context.Context, msg model.Message, in model.Inspection) (model.Inspection, error) {
	if err := checkMsg(msg); err != nil {
		return model.Inspection{}, err
	}
	if strings.TrimSpace(in.Branch) == "" || in.Item == "" || in.Score < 0 || in.Score > model.MaxScore {
		return model.Inspection{}, model.Errorf(model.EINVALID, "检查需要网点、检查项和 0–100 的分数，%s。", msgInputNotSaved)
	}
	row := inspectionRow{
		Branch: truncate(in.Branch, sizeName), Item: truncate(in.Item, sizeID), Score: in.Score,
		Note: truncate(in.Note, sizeNote), ActorID: in.ActorID, ActorName: truncate(in.ActorName, sizeName), MsgKey: msg.Key,
		CreatedAt: in.CreatedAt,
	}
	err := db.insertWithMsg(ctx, msg, &row, &row.CreatedAt)
	if errors.Is(err, errDupMsg) {
		var prev inspectionRow
		if err := db.conn(ctx).Where("msg_key = ?", msg.Key).Limit(1).Find(&prev).Error; err != nil {
			return model.Inspection{}, db.fail(err, msgInputNotSaved)
		}
		return inspectionFromRow(prev), model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	}
	if err != nil {
		return model.Inspection{}, db.fail(err, msgInputNotSaved)
	}
	return inspectionFromRow(row), nil
}

func inspectionFromRow(r inspectionRow) model.Inspection {
	return model.Inspection{
		ID: r.ID, Branch: r.Branch, Item: r.Item, Score: r.Score, Note: r.Note,
		ActorID: r.ActorID, ActorName: r.ActorName, MsgKey: r.MsgKey, CreatedAt: r.CreatedAt.UTC(),
	}
}

// dayString 返回 t 在它自己的时区里的日期（2006-01-02）。
func dayString(t time.Time) string { return t.Format("2006-01-02") }

// StaffInputs 用四个 GROUP BY 汇总 [from, to) 内各人的测评、抽查、客户反映和扣款。
// 测评按 from、to 所在时区的日期计；某人某天有测评仪导入的计数时，手工录入的不计。
func (db *DB) StaffInputs(ctx context.Context, from, to time.Time) ([]model.StaffInputs, error) {
	const what = "评分依据暂时读不到"
	g := db.conn(ctx)
	byID := map[string]*model.StaffInputs{}
	var order []string
	get := func(id string) *model.StaffInputs {
		s, ok := byID[id]
		if !ok {
			s = &model.StaffInputs{StaffID: id}
			byID[id] = s
			order = append(order, id)
		}
		return s
	}

	// 存储和录入都检查了上下限；万一库里有范围以外的行（如修复前写入的），排行不计它，并记警告，
	// 不能因为一行坏数据让排行和每周评选失败。
	var meter []struct {
		StaffID                    string
		Sat, Basic, Unsatisfy, Bad int
	}
	okMeter := fmt.Sprintf("(m.satisfied BETWEEN 0 AND %[1]d AND m.basic BETWEEN 0 AND %[1]d AND m.unsatisfied BETWEEN 0 AND %[1]d)", model.MaxMeterCount)
	err := g.Raw(`SELECT m.staff_id AS staff_id,
  SUM(CASE WHEN `+okMeter+` THEN m.satisfied ELSE 0 END) AS sat,
  SUM(CASE WHEN `+okMeter+` THEN m.basic ELSE 0 END) AS basic,
  SUM(CASE WHEN `+okMeter+` THEN m.unsatisfied ELSE 0 END) AS unsatisfy,
  SUM(CASE WHEN `+okMeter+` THEN 0 ELSE 1 END) AS bad
FROM meter_days m
WHERE m.day >= ? AND m.day < ?
  AND (m.source = ? OR NOT EXISTS (SELECT 1 FROM meter_days x WHERE x.staff_id = m.staff_id AND x.day = m.day AND x.source = ?))
  AND `+notRevoked("m", model.InputMeter)+`
GROUP BY m.staff_id`, dayString(from), dayString(to), string(model.MeterImported), string(model.MeterImported)).Scan(&meter).Error
	if err != nil {
		return nil, db.fail(err, what)
	}
	for _, r := range meter {
		s := get(r.StaffID)
		s.Satisfied, s.Basic, s.Unsatisfied = r.Sat, r.Basic, r.Unsatisfy
		if r.Bad > 0 {
			db.log.Warn("测评数据里有超出范围的行，排行未计入", "staff", r.StaffID, "rows", r.Bad, "from", dayString(from), "to", dayString(to))
		}
	}

	f, t := utc(from), utc(to)
	var spots []struct {
		StaffID string
		Total   int
		N       int
	}
	if err := g.Raw(`SELECT s.staff_id AS staff_id, SUM(s.score) AS total, COUNT(*) AS n FROM spot_checks s
WHERE s.created_at >= ? AND s.created_at < ? AND s.score BETWEEN 0 AND ? AND `+notRevoked("s", model.InputSpot)+`
GROUP BY s.staff_id`, f, t, model.MaxScore).Scan(&spots).Error; err != nil {
		return nil, db.fail(err, what)
	}
	for _, r := range spots {
		s := get(r.StaffID)
		s.SpotSum, s.SpotCount = r.Total, r.N
	}

	var fb []struct {
		StaffID string
		Kind    string
		N       int
	}
	if err := g.Raw(`SELECT f.staff_id AS staff_id, f.kind AS kind, COUNT(*) AS n FROM feedback f
WHERE f.created_at >= ? AND f.created_at < ? AND f.invalid_at IS NULL AND `+notRevoked("f", model.InputPraise, model.InputComplaint)+`
GROUP BY f.staff_id, f.kind`, f, t).Scan(&fb).Error; err != nil {
		return nil, db.fail(err, what)
	}
	for _, r := range fb {
		s := get(r.StaffID)
		if r.Kind == string(model.FeedbackComplaint) {
			s.Complaints = r.N
		} else {
			s.Praise = r.N
		}
	}

	var ded []struct {
		StaffID string
		N       int
	}
	if err := g.Raw(`SELECT e.staff_id AS staff_id, COUNT(*) AS n FROM entries e
WHERE e.kind = ? AND e.created_at >= ? AND e.created_at < ?
  AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.entry_id = e.id)
GROUP BY e.staff_id`, string(model.Deduction), f, t).Scan(&ded).Error; err != nil {
		return nil, db.fail(err, what)
	}
	for _, r := range ded {
		get(r.StaffID).Deductions = r.N
	}

	out := make([]model.StaffInputs, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out, nil
}

// BranchInputs 汇总 [from, to) 内各网点各检查项的得分（GROUP BY 网点、检查项）。
func (db *DB) BranchInputs(ctx context.Context, from, to time.Time) ([]model.BranchItemInputs, error) {
	var rows []struct {
		Branch string
		Item   string
		Total  int
		N      int
	}
	if err := db.conn(ctx).Raw(`SELECT i.branch AS branch, i.item AS item, SUM(i.score) AS total, COUNT(*) AS n FROM inspections i
WHERE i.created_at >= ? AND i.created_at < ? AND i.score BETWEEN 0 AND ? AND `+notRevoked("i", model.InputInspection)+`
GROUP BY i.branch, i.item ORDER BY i.branch, i.item`, utc(from), utc(to), model.MaxScore).Scan(&rows).Error; err != nil {
		return nil, db.fail(err, "检查记录暂时读不到")
	}
	out := make([]model.BranchItemInputs, 0, len(rows))
	for _, r := range rows {
		out = append(out, model.BranchItemInputs{Branch: r.Branch, Item: r.Item, Sum: r.Total, Count: r.N})
	}
	return out, nil
}
