package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

var _ model.Units = (*DB)(nil)

// ReplayedReply 是重复投递的消息在没有存下回复时（不经 Once 写入的、旧版本写入的消息行）的回复。
const ReplayedReply = "这条消息已经处理过。发“查”可以核对。"

const msgNotHandled = "这条消息没有处理"

// Once 实现 model.Units：一条消息一个事务。
//
// MySQL 上的往返（参数由驱动拼进语句，几条语句一次发出）：
//
//  1. 读已提交的事务开始、登记消息（主键冲突即已处理过；另一副本正在处理同一消息时在这里等它结束）、
//     设保存点、带共享锁读花名册版本——一次往返；
//  2. fn 里的语句（扣一人：改合计并读回、写记录，一次往返；入队通知攒着）；
//  3. 入队通知、把回复写到消息行上、COMMIT——一次往返。
//
// 命令被拒绝时调用方先 Discard：回滚到保存点，撤掉之前的写入，消息和回复照常提交。
// 遇到死锁或锁等待超时时整体重来几次。
func (db *DB) Once(ctx context.Context, m model.Message, fn func(ctx context.Context) (string, error)) (string, error) {
	if err := checkMsg(m); err != nil {
		return "", err
	}
	for attempt := 0; ; attempt++ {
		reply, again, err := db.once(ctx, m, fn)
		if err == nil || !again || attempt >= maxTxAttempts-1 || ctx.Err() != nil {
			return reply, err
		}
		db.log.Info("处理消息时遇到死锁或锁等待，整体重来", "key", m.Key, "attempt", attempt+1)
		select {
		case <-ctx.Done():
			return reply, err
		case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
		}
	}
}

func (db *DB) once(ctx context.Context, m model.Message, fn func(ctx context.Context) (string, error)) (reply string, again bool, err error) {
	u, err := db.acquire(ctx)
	if err != nil {
		return "", false, db.fail(err, msgNotHandled)
	}
	defer u.close()
	u.rc = db.dialect == DialectMySQL
	u.msgKey = m.Key
	stored, err := u.open(ctx, m)
	if err != nil {
		return "", u.retry || retryable(err), db.fail(err, msgNotHandled)
	}
	if stored != nil {
		db.log.Info("重复投递的消息，回复先前存下的结果", "key", m.Key, "from", m.From)
		return *stored, false, nil
	}

	var out string
	func() {
		defer func() {
			if p := recover(); p != nil {
				u.rollback(ctx)
				panic(p)
			}
		}()
		out, err = fn(withUnit(ctx, u))
	}()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		u.rollback(ctx)
		return "", u.retry, db.fail(err, msgNotHandled)
	}
	if u.failed != nil {
		u.rollback(ctx)
		if isUnavailable(u.failed) {
			return "", u.retry, db.fail(u.failed, msgNotHandled)
		}
		db.log.Error("命令报告成功，但它的事务已作废（写入后出错被吞掉，或攒着的语句出错），没有提交", "key", m.Key, "err", u.failed)
		return "", u.retry, model.Wrap(model.EINTERNAL, errors.Join(errUnitFailed, u.failed), "系统出了点问题，本次没有生效，请稍后再试。")
	}
	err = u.commit(ctx, stmt{sql: "UPDATE messages SET reply = ? WHERE msg_key = ?", args: []any{out, m.Key}})
	if err != nil {
		u.rollback(ctx)
		return "", u.retry, db.fail(err, "本次操作可能没有生效")
	}
	return out, false, nil
}

// Discard 实现 model.Units：回滚到登记消息之后的保存点，丢掉攒着的语句。被拒绝的命令通常什么也
// 没写；写过的说明某个服务先写了再报用户错误——那些写入不会提交，记一笔，便于发现。
func (db *DB) Discard(ctx context.Context) error {
	u := db.unitOf(ctx)
	if u == nil || u.msgKey == "" {
		return nil
	}
	if u.writes > 0 {
		db.log.Warn("被拒绝的命令做过写入，已全部撤回", "key", u.msgKey, "writes", u.writes)
	}
	u.pending, u.pendingArgs, u.pendingSize = nil, nil, 0
	if _, err := u.conn.ExecContext(ctx, "ROLLBACK TO SAVEPOINT handler"); err != nil {
		u.note(err, false)
		u.fail(err)
		return db.fail(err, msgNotHandled)
	}
	u.failed, u.writes = nil, 0
	return nil
}

// open 开始消息的事务：登记消息、设保存点、带共享锁读花名册版本。消息已登记过（已提交）时
// 回滚并返回存下的回复。
func (u *unit) open(ctx context.Context, m model.Message) (*string, error) {
	db := u.db
	at := db.now()
	ins := "INSERT INTO messages (msg_key, from_user, text, received_at) VALUES (?, ?, ?, ?)"
	args := []any{m.Key, truncate(m.From, sizeID), truncate(m.Text, 4000), at}
	ver := "SELECT version FROM roster_version WHERE id = 1"
	if db.dialect == DialectMySQL {
		ver += " LOCK IN SHARE MODE"
	}
	var err error
	if u.batching() {
		var rows *sql.Rows
		rows, err = u.conn.QueryContext(ctx, db.beginSQL(true)+";\n"+ins+";\nSAVEPOINT handler;\n"+ver, args...)
		if err == nil {
			err = scanVersion(rows, &u.roster)
		}
	} else {
		err = u.openStepwise(ctx, ins, args, ver)
	}
	if err == nil {
		return nil, nil
	}
	u.note(err, false)
	u.rollback(ctx) // 事务可能已经开始
	if !isDuplicate(err) || u.broken {
		return nil, err
	}
	// 已处理过：取存下的回复。
	var reply sql.NullString
	if err := u.conn.QueryRowContext(ctx, "SELECT reply FROM messages WHERE msg_key = ?", m.Key).Scan(&reply); err != nil {
		u.broken = true
		return nil, err
	}
	s := ReplayedReply
	if reply.Valid {
		s = reply.String
	}
	return &s, nil
}

// openStepwise 是 open 在不能合并语句时（SQLite）的逐条版本。
func (u *unit) openStepwise(ctx context.Context, ins string, args []any, ver string) error {
	if _, err := u.conn.ExecContext(ctx, u.db.beginSQL(true)); err != nil {
		return err
	}
	if _, err := u.conn.ExecContext(ctx, ins, args...); err != nil {
		return err
	}
	if _, err := u.conn.ExecContext(ctx, "SAVEPOINT handler"); err != nil {
		return err
	}
	rows, err := u.conn.QueryContext(ctx, ver)
	if err != nil {
		return err
	}
	return scanVersion(rows, &u.roster)
}

func scanVersion(rows *sql.Rows, v *int64) error {
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(v); err != nil {
			return err
		}
	}
	return rows.Err()
}
