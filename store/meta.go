package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// metaRow 是 meta 表的一行：这个数据库自己的几项设定（第一次启动的时刻、正式还是演练），键值形式。
type metaRow struct {
	Key       string    `gorm:"column:key;primaryKey;size:64"`
	Value     string    `gorm:"size:191;not null"`
	UpdatedAt time.Time `gorm:"precision:6;not null"`
}

func (metaRow) TableName() string { return "meta" }

// Meta 返回键 key 的值；没有记过时返回空串。
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var r metaRow
	err := db.conn(ctx).Where("`key` = ?", key).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", db.fail(err, "没能读取数据库设定")
	}
	return r.Value, nil
}

// InitMeta 在键 key 还没有值时记下 value；已有值时不改。返回记下的值（先到的副本赢）。
func (db *DB) InitMeta(ctx context.Context, key, value string) (string, error) {
	err := db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&metaRow{Key: key, Value: value, UpdatedAt: db.now()}).Error
	if err != nil {
		return "", db.fail(err, "没能记下数据库设定")
	}
	return db.Meta(ctx, key)
}

// SetMeta 把键 key 的值设为 value。
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	err := db.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Create(&metaRow{Key: key, Value: value, UpdatedAt: db.now()}).Error
	return db.fail(err, "没能记下数据库设定")
}

// timeColumns 是记下时刻的列（都取自时钟）：LatestTime 在其中找最晚的一个。
var timeColumns = []struct {
	model  any
	column string
}{
	{&staffRow{}, "updated_at"}, {&messageRow{}, "received_at"}, {&entryRow{}, "created_at"},
	{&revocationRow{}, "created_at"}, {&noticeRow{}, "created_at"}, {&noticeRow{}, "sent_at"},
	{&roundRow{}, "proposed_at"}, {&roundRow{}, "decided_at"}, {&flagRow{}, "created_at"}, {&flagRow{}, "cancelled_at"},
	{&jobRow{}, "claimed_at"}, {&leaveRow{}, "updated_at"}, {&meterDayRow{}, "created_at"},
	{&spotCheckRow{}, "created_at"}, {&feedbackRow{}, "created_at"}, {&inspectionRow{}, "created_at"},
	{&starRow{}, "at"}, {&publicationRow{}, "at"}, {&postHolderRow{}, "updated_at"},
	{&webSessionRow{}, "created_at"}, {&loginTokenRow{}, "created_at"}, {&metaRow{}, "updated_at"},
	{&appealRow{}, "created_at"}, {&appealRow{}, "decided_at"},
}

// LatestTime 返回数据库里记下的最晚时刻（UTC）：记录、通知、评选、任务登记、花名册更新、设定等；
// 全新的数据库返回零值。演练时钟不能早于它（时间只往前走）。
func (db *DB) LatestTime(ctx context.Context) (time.Time, error) { return db.latest(ctx, true) }

// EarliestTime 返回数据库里记下的最早时刻（UTC，设定除外）；全新的数据库返回零值。
func (db *DB) EarliestTime(ctx context.Context) (time.Time, error) {
	var earliest time.Time
	for _, c := range timeColumns {
		if _, meta := c.model.(*metaRow); meta {
			continue
		}
		var ts []time.Time
		err := db.conn(ctx).Model(c.model).Where(c.column+" IS NOT NULL").
			Order(c.column+" ASC").Limit(1).Pluck(c.column, &ts).Error
		if err != nil {
			return time.Time{}, db.fail(err, "没能读取数据库里最早的时间")
		}
		if len(ts) > 0 && (earliest.IsZero() || ts[0].Before(earliest)) {
			earliest = ts[0]
		}
	}
	return earliest.UTC(), nil
}

// HasData 表示数据库里除了设定（meta）之外是否已经有任何东西（花名册、台账、通知……）。
func (db *DB) HasData(ctx context.Context) (bool, error) {
	t, err := db.latest(ctx, false)
	return !t.IsZero(), err
}

func (db *DB) latest(ctx context.Context, withMeta bool) (time.Time, error) {
	var latest time.Time
	for _, c := range timeColumns {
		_, meta := c.model.(*metaRow)
		if meta && !withMeta {
			continue
		}
		var ts []time.Time
		q := db.conn(ctx).Model(c.model).Where(c.column + " IS NOT NULL")
		if meta {
			// 表结构版本是迁移记下的，不是这个库里发生过的事。
			q = q.Where("`key` <> ?", metaSchema)
		}
		err := q.Order(c.column+" DESC").Limit(1).Pluck(c.column, &ts).Error
		if err != nil {
			return time.Time{}, db.fail(err, "没能读取数据库里最近的时间")
		}
		if len(ts) > 0 && ts[0].After(latest) {
			latest = ts[0]
		}
	}
	return latest.UTC(), nil
}
