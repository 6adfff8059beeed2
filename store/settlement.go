package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hongqi-dev/hongqi/model"
)

var _ model.SettlementStore = (*DB)(nil)

// starRow 是 stars 表的一行：每月一位服务明星，month 为主键。
type starRow struct {
	Month     string    `gorm:"type:char(7);primaryKey"`
	StaffID   string    `gorm:"size:64;not null"`
	Name      string    `gorm:"size:64;not null"`
	Branch    string    `gorm:"size:64;not null"`
	ActorID   string    `gorm:"size:64;not null"`
	ActorName string    `gorm:"size:64;not null"`
	MsgKey    string    `gorm:"size:191;not null"`
	At        time.Time `gorm:"precision:6;not null"`
}

func (starRow) TableName() string { return "stars" }

// publicationRow 是 publications 表的一行：month 为主键，是“每月只发布一次”的最终保证。
type publicationRow struct {
	Month     string    `gorm:"type:char(7);primaryKey"`
	ActorID   string    `gorm:"size:64;not null"`
	ActorName string    `gorm:"size:64;not null"`
	MsgKey    string    `gorm:"size:191;not null"`
	At        time.Time `gorm:"precision:6;not null"`
	People    int       `gorm:"not null"`
	Total     int64     `gorm:"not null"`
	Entries   int       `gorm:"not null"`
}

func (publicationRow) TableName() string { return "publications" }

func starFromRow(r starRow) model.Star {
	return model.Star{Month: parseMonth(r.Month), StaffID: r.StaffID, Name: r.Name, Branch: r.Branch,
		ActorID: r.ActorID, ActorName: r.ActorName, MsgKey: r.MsgKey, At: r.At.UTC()}
}

func pubFromRow(r publicationRow) model.Publication {
	return model.Publication{Month: parseMonth(r.Month), ActorID: r.ActorID, ActorName: r.ActorName,
		MsgKey: r.MsgKey, At: r.At.UTC(), People: r.People, Total: r.Total, Entries: r.Entries}
}

// errPublished 表示月份已发布；只在事务内部使用。
var errPublished = errors.New("store: month already published")

// SetStar 评定某月的服务明星（替换已有的），返回被替换的那位（没有时为 nil）。
// 该月已发布时返回 ECONFLICT，什么也不改。
func (db *DB) SetStar(ctx context.Context, s model.Star) (*model.Star, error) {
	if s.Month.IsZero() || s.StaffID == "" {
		return nil, model.Errorf(model.EINVALID, "服务明星缺少月份或人员，没有评定。")
	}
	month := s.Month.String()
	var prev *model.Star
	write := func(tx *gorm.DB) error {
		prev = nil
		// 与发布排队（同撤销）：锁住这个月再看是否已发布。发布先锁住，评定就等它提交、看到已发布而不改；
		// 评定先锁住，发布就等评定提交，再按草稿的依据（LedgerBasis.Star）发现明星换了人、重算草稿。
		if err := db.lockMonth(tx, s.Month, false); err != nil {
			return err
		}
		if done, err := db.published(tx, s.Month); err != nil || done {
			if err == nil {
				err = errPublished
			}
			return err
		}
		var old []starRow
		q := tx
		if db.dialect == DialectMySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Where("month = ?", month).Limit(1).Find(&old).Error; err != nil {
			return err
		}
		row := starRow{Month: month, StaffID: s.StaffID, Name: truncate(s.Name, sizeName), Branch: truncate(s.Branch, sizeName),
			ActorID: truncate(s.ActorID, sizeID), ActorName: truncate(s.ActorName, sizeName), MsgKey: truncate(s.MsgKey, sizeKey), At: db.now()}
		if !s.At.IsZero() {
			row.At = utc(s.At)
		}
		if len(old) > 0 {
			p := starFromRow(old[0])
			prev = &p
			return tx.Model(&starRow{}).Where("month = ?", month).Updates(map[string]any{
				"staff_id": row.StaffID, "name": row.Name, "branch": row.Branch, "actor_id": row.ActorID,
				"actor_name": row.ActorName, "msg_key": row.MsgKey, "at": row.At,
			}).Error
		}
		return tx.Create(&row).Error
	}
	err := db.tx(ctx, write)
	if isDuplicate(err) { // 两人同时为新的月份评定：再来一次就是替换
		err = db.tx(ctx, write)
	}
	if errors.Is(err, errPublished) {
		return nil, model.Errorf(model.ECONFLICT, "%s的结算已经发布，不能再改服务明星。", s.Month.Label())
	}
	if err != nil {
		return nil, db.fail(err, "服务明星没有评定")
	}
	return prev, nil
}

// Star 返回某月的服务明星；没有评定返回 ENOTFOUND。
func (db *DB) Star(ctx context.Context, m model.Month) (model.Star, error) {
	var rows []starRow
	if err := db.conn(ctx).Where("month = ?", m.String()).Limit(1).Find(&rows).Error; err != nil {
		return model.Star{}, db.fail(err, "没能读取服务明星")
	}
	if len(rows) == 0 {
		return model.Star{}, model.Errorf(model.ENOTFOUND, "%s还没有评定服务明星。", m.Label())
	}
	return starFromRow(rows[0]), nil
}

// Publication 返回某月的发布记录；未发布返回 ENOTFOUND。
func (db *DB) Publication(ctx context.Context, m model.Month) (model.Publication, error) {
	var rows []publicationRow
	if err := db.conn(ctx).Where("month = ?", m.String()).Limit(1).Find(&rows).Error; err != nil {
		return model.Publication{}, db.fail(err, "没能读取结算发布记录")
	}
	if len(rows) == 0 {
		return model.Publication{}, model.Errorf(model.ENOTFOUND, "%s的结算还没有发布。", m.Label())
	}
	return pubFromRow(rows[0]), nil
}

// Publish 在一个事务里登记发布、写入结算产生的记录（同一人已有相同 Ref 的跳过）、入队通知
// （Key 已存在的跳过）。该月已发布时什么也不写，返回 ECONFLICT 和已有的发布记录。
// 两处同时发布同一月，只有一处成功。
func (db *DB) Publish(ctx context.Context, req model.PublishRequest) (model.Publication, []model.Entry, error) {
	p := req.Publication
	if p.Month.IsZero() {
		return model.Publication{}, nil, model.Errorf(model.EINVALID, "没有指定发布的月份。")
	}
	for _, e := range req.Entries {
		if err := checkEntry(e); err != nil {
			return model.Publication{}, nil, err
		}
		if e.Ref == "" {
			return model.Publication{}, nil, model.Errorf(model.EINVALID, "结算产生的记录缺少关联标识，没有发布。")
		}
	}
	for _, n := range req.Notices {
		if err := checkNotice(n); err != nil {
			return model.Publication{}, nil, err
		}
	}
	var out []model.Entry
	var pub model.Publication
	moved := false
	err := db.tx(ctx, func(tx *gorm.DB) error {
		out, moved = out[:0], false
		at := db.now()
		// 先锁住这个月：进行中的撤销提交之后才往下走，之后的撤销等本事务提交、看到已发布。
		if err := db.lockMonth(tx, p.Month, true); err != nil {
			return err
		}
		if done, err := db.published(tx, p.Month); err != nil || done {
			if err == nil {
				err = errPublished
			}
			return err
		}
		if req.Basis != nil {
			got, err := monthBasis(tx, p.Month)
			if err != nil {
				return err
			}
			if got != *req.Basis {
				// 草稿算完之后又有了记录或撤销：什么也不发布。返回 nil 让锁行（可能是刚插入的）照常提交，
				// 外面再报 ErrLedgerMoved，由调用方重算草稿。
				moved = true
				return nil
			}
		}
		row := publicationRow{Month: p.Month.String(), ActorID: truncate(p.ActorID, sizeID), ActorName: truncate(p.ActorName, sizeName),
			MsgKey: truncate(p.MsgKey, sizeKey), At: at, People: p.People, Total: p.Total}
		if !p.At.IsZero() {
			row.At = utc(p.At)
		}
		if err := tx.Create(&row).Error; err != nil {
			if isDuplicate(err) {
				return errPublished
			}
			return err
		}
		for _, e := range req.Entries {
			var n int64
			if err := tx.Model(&entryRow{}).Where("staff_id = ? AND ref = ?", e.StaffID, e.Ref).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			e.CreatedAt = at
			e.Revocation = nil
			er := entryToRow(e)
			er.ID = 0
			if err := tx.Create(&er).Error; err != nil {
				return err
			}
			e.ID = er.ID
			out = append(out, e)
		}
		deltas := map[totalKey]totalDelta{}
		for _, e := range out {
			k := totalKey{e.StaffID, e.Month.String()}
			d := deltas[k]
			d.entries++
			d.amount += e.Amount
			deltas[k] = d
		}
		if _, err := db.addTotals(tx, deltas); err != nil {
			return err
		}
		if err := tx.Model(&publicationRow{}).Where("month = ?", row.Month).Update("entries", len(out)).Error; err != nil {
			return err
		}
		row.Entries = len(out)
		for _, n := range req.Notices {
			if err := enqueue(tx, n, at); err != nil {
				return err
			}
		}
		pub = pubFromRow(row)
		return nil
	})
	if errors.Is(err, errPublished) {
		prev, perr := db.Publication(ctx, p.Month)
		if perr != nil {
			return model.Publication{}, nil, perr
		}
		who := prev.ActorName
		if who == "" {
			who = prev.ActorID
		}
		return prev, nil, model.Errorf(model.ECONFLICT, "%s的结算已于 %s 由%s发布，这次没有重复发送。",
			p.Month.Label(), prev.At.In(db.clock.Location()).Format("1月2日 15:04"), who)
	}
	if err != nil {
		return model.Publication{}, nil, db.fail(err, "结算没有发布")
	}
	if moved {
		return model.Publication{}, nil, &model.Error{Code: model.ECONFLICT, Err: model.ErrLedgerMoved,
			Message: fmt.Sprintf("%s的台账在结算时又有变动，结算没有发布，请再发一次。", p.Month.Label())}
	}
	return pub, out, nil
}
