package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hongqi-dev/hongqi/model"
)

// noticeColumns 是消息事务里手写的通知插入所写的列，与 noticeRow 的字段一一对应（编号自增）；
// TestHandwrittenInsertsCoverEveryColumn 核对它没有漏掉新加的列。
const noticeColumns = "`key`, after_key, message, status, attempts, next_at, lease_until, last_error, created_at, sent_at"

// enqueue 在 tx 中插入通知；Key 已存在时什么也不做。在能合并语句的工作单元里，这条插入攒着，
// 和下一条语句或 COMMIT 一起发出（它的结果没人要看），省一次往返。
func enqueue(tx *gorm.DB, n model.Notice, at time.Time) error {
	row, err := noticeToRow(n, at)
	if err != nil {
		return err
	}
	if u := unitOfTx(tx); u != nil && u.batching() {
		// MySQL，语句自己拼（热路径上不经 gorm 的反射）。
		return u.later(tx.Statement.Context, "INSERT INTO notices ("+noticeColumns+") "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id",
			[]any{row.Key, row.AfterKey, row.Message, row.Status, row.Attempts, row.NextAt, row.LeaseUntil, row.LastError, row.CreatedAt, row.SentAt})
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
}

// Enqueue 入队一条通知；Key 已存在时什么也不做（返回 nil）。Status 为空视为待发，
// NextAt 为零视为立即可发。
func (db *DB) Enqueue(ctx context.Context, n model.Notice) error {
	if err := checkNotice(n); err != nil {
		return err
	}
	if err := enqueue(db.conn(ctx), n, db.now()); err != nil {
		return db.fail(err, "通知没有入队")
	}
	return nil
}

// Claim 领取至多 limit 条到期的通知（待发且 next_at<=now，或发送中但租约已到期：lease_until<=now），
// 标记为发送中、租约至 leaseUntil、尝试次数加一，按编号升序返回。多个发送进程同时领取时，
// 每条通知只交给其中一个：MySQL 用 SELECT … FOR UPDATE SKIP LOCKED，SQLite 靠单写事务。
func (db *DB) Claim(ctx context.Context, at, leaseUntil time.Time, limit int) ([]model.Notice, error) {
	if limit <= 0 {
		return nil, nil
	}
	at, leaseUntil = utc(at), utc(leaseUntil)
	var rows []noticeRow
	var opts []*sql.TxOptions
	if db.dialect == DialectMySQL {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		rows = rows[:0]
		// 待发的和租约过期的分开找，各取编号最小的 limit 条，合起来再取最小的 limit 条（与一条带 OR 的查询
		// 结果相同）。一条带 OR 的查询在积压多时按主键从头扫，越过全部已送出的行（积压数千条时每次领取
		// 约 10 毫秒的数据库 CPU）；分开后待发的按（状态，编号）索引顺序读到够数为止。
		due := func(index, where string, args ...any) ([]int64, error) {
			q := tx.Model(&noticeRow{})
			if db.dialect == DialectMySQL && index != "" {
				// 待发的占大多数时优化器宁可按主键扫，越过的正是已送出的那些行：指定索引。
				q = q.Table("notices FORCE INDEX (" + index + ")")
			}
			q = q.Where(where, args...).
				// 要排在另一条之后的（After），那一条还待发或正在发时不领：同一批里也不领，等它送出后的下一轮。
				Where("(after_key = '' OR NOT EXISTS (SELECT 1 FROM notices p WHERE p.`key` = notices.after_key AND p.status IN ?))",
					[]string{string(model.NoticePending), string(model.NoticeSending)}).
				Order("id").Limit(limit)
			if db.dialect == DialectMySQL {
				q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
			}
			var ids []int64
			err := q.Pluck("id", &ids).Error
			return ids, err
		}
		ids, err := due("idx_notices_status_id", "status = ? AND next_at <= ?", string(model.NoticePending), at)
		if err != nil {
			return err
		}
		expired, err := due("", "status = ? AND lease_until <= ?", string(model.NoticeSending), at)
		if err != nil {
			return err
		}
		ids = append(ids, expired...)
		slices.Sort(ids)
		if len(ids) > limit {
			ids = ids[:limit]
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Model(&noticeRow{}).Where("id IN ?", ids).Updates(map[string]any{
			"status":      string(model.NoticeSending),
			"lease_until": leaseUntil,
			"attempts":    gorm.Expr("attempts + 1"),
		}).Error; err != nil {
			return err
		}
		return tx.Where("id IN ?", ids).Order("id").Find(&rows).Error
	}, opts...)
	if err != nil {
		return nil, db.fail(err, "没能领取待发通知")
	}
	out := make([]model.Notice, len(rows))
	for i, r := range rows {
		out[i] = noticeFromRow(r)
	}
	return out, nil
}

// Complete 把通知标记为最终状态（sent、logged 或 failed），记下时间和最近一次错误。
// 通知不存在返回 ENOTFOUND。
func (db *DB) Complete(ctx context.Context, id int64, status model.NoticeStatus, at time.Time, lastErr string) error {
	switch status {
	case model.NoticeSent, model.NoticeLogged, model.NoticeFailed:
	default:
		return model.Errorf(model.EINVALID, "通知的最终状态“%s”无效。", status)
	}
	t := utc(at)
	return db.updateNotice(ctx, id, map[string]any{
		"status":      string(status),
		"sent_at":     &t,
		"lease_until": nil,
		"last_error":  truncate(lastErr, sizeError),
	})
}

// CompleteAll 把 ids 这几条通知一起标记为最终状态 status（sent、logged 或 failed），记下时间，清掉最近一次错误。
// 不存在的编号略过。
func (db *DB) CompleteAll(ctx context.Context, ids []int64, status model.NoticeStatus, at time.Time) error {
	switch status {
	case model.NoticeSent, model.NoticeLogged, model.NoticeFailed:
	default:
		return model.Errorf(model.EINVALID, "通知的最终状态“%s”无效。", status)
	}
	if len(ids) == 0 {
		return nil
	}
	t := utc(at)
	err := db.conn(ctx).Model(&noticeRow{}).Where("id IN ?", ids).Updates(map[string]any{
		"status":      string(status),
		"sent_at":     &t,
		"lease_until": nil,
		"last_error":  "",
	}).Error
	return db.fail(err, "通知状态没有更新")
}

// Renew 实现 model.Outbox：只在通知仍是发送中、尝试次数仍为 attempts（没被别人重新领取）时延长租约。
func (db *DB) Renew(ctx context.Context, id int64, attempts int, until time.Time) (bool, error) {
	g := db.conn(ctx)
	res := g.Model(&noticeRow{}).Where("id = ? AND status = ? AND attempts = ?", id, string(model.NoticeSending), attempts).
		Update("lease_until", utc(until))
	if res.Error != nil {
		return false, db.fail(res.Error, "通知的租约没有延长")
	}
	if res.RowsAffected > 0 {
		return true, nil
	}
	// MySQL 对值未变的行报告 0 行受影响：再看一次是否仍归自己。
	var n int64
	if err := g.Model(&noticeRow{}).Where("id = ? AND status = ? AND attempts = ?", id, string(model.NoticeSending), attempts).Count(&n).Error; err != nil {
		return false, db.fail(err, "通知的租约没有延长")
	}
	return n > 0, nil
}

// Retry 记一次失败：放回待发，next 之后再试。通知不存在返回 ENOTFOUND。
func (db *DB) Retry(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return db.updateNotice(ctx, id, map[string]any{
		"status":      string(model.NoticePending),
		"next_at":     utc(next),
		"lease_until": nil,
		"last_error":  truncate(lastErr, sizeError),
	})
}

func (db *DB) updateNotice(ctx context.Context, id int64, set map[string]any) error {
	g := db.conn(ctx)
	res := g.Model(&noticeRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return db.fail(res.Error, "通知状态没有更新")
	}
	if res.RowsAffected > 0 {
		return nil
	}
	// MySQL 对值未变的行报告 0 行受影响，再确认一次是否存在。
	var n int64
	if err := g.Model(&noticeRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return db.fail(err, "通知状态没有更新")
	}
	if n == 0 {
		return model.Errorf(model.ENOTFOUND, "没有编号为 %d 的通知。", id)
	}
	return nil
}

// Notices 列出通知，按编号升序；status 为空表示全部。
func (db *DB) Notices(ctx context.Context, status model.NoticeStatus) ([]model.Notice, error) {
	q := db.conn(ctx).Order("id")
	if status != "" {
		q = q.Where("status = ?", string(status))
	}
	var rows []noticeRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, db.fail(err, "没能读取通知")
	}
	out := make([]model.Notice, len(rows))
	for i, r := range rows {
		out[i] = noticeFromRow(r)
	}
	return out, nil
}

// OutboxStats 返回发件箱在 now 时的概况：待发数和已到期的通知中等得最久的那条从何时开始等（到期时间，
// 立即可发的通知取入队时间）、租约已过期仍未完成的条数和最早的租约、failedSince 之后放弃的条数。只读。
func (db *DB) OutboxStats(ctx context.Context, now, failedSince time.Time) (model.OutboxStats, error) {
	now, failedSince = utc(now), utc(failedSince)
	g := db.conn(ctx)
	var st model.OutboxStats
	pending := func() *gorm.DB { return g.Model(&noticeRow{}).Where("status = ?", string(model.NoticePending)) }
	expired := func() *gorm.DB {
		return g.Model(&noticeRow{}).Where("status = ? AND lease_until < ?", string(model.NoticeSending), now)
	}
	var due, lease []noticeRow
	for _, q := range []func() *gorm.DB{ // 依次执行，第一个出错就停
		func() *gorm.DB { return pending().Count(&st.Pending) },
		func() *gorm.DB {
			// 立即可发的通知 next_at 是早已过去的 dueNow：它从入队时起才开始等。
			return pending().Where("next_at <= ?", now).Select("id", "next_at", "created_at").
				Order("CASE WHEN next_at > created_at THEN next_at ELSE created_at END").Limit(1).Find(&due)
		},
		func() *gorm.DB { return expired().Count(&st.Expired) },
		func() *gorm.DB {
			return expired().Select("id", "lease_until").Order("lease_until").Limit(1).Find(&lease)
		},
		func() *gorm.DB {
			return g.Model(&noticeRow{}).Where("status = ? AND sent_at >= ?", string(model.NoticeFailed), failedSince).Count(&st.Failed)
		},
	} {
		if err := q().Error; err != nil {
			return model.OutboxStats{}, db.fail(err, "没能读取发件箱")
		}
	}
	if len(due) > 0 {
		st.OldestDue = due[0].NextAt.UTC()
		if due[0].CreatedAt.After(st.OldestDue) {
			st.OldestDue = due[0].CreatedAt.UTC()
		}
	}
	if len(lease) > 0 && lease[0].LeaseUntil != nil {
		st.OldestLease = lease[0].LeaseUntil.UTC()
	}
	return st, nil
}
