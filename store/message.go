package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
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
//  1. 事务开始（连接的会话级别是读已提交）、登记消息（主键冲突即已处理过；另一副本正在处理同一消息时
//     在这里等它结束）、带共享锁读花名册版本——一次往返；
//  2. fn 里的语句（扣一人：改合计并读回、写记录，一次往返；入队通知攒着）；
//  3. 入队通知、把回复写到消息行上、COMMIT——一次往返。
//
// 命令被拒绝时调用方先 Discard：整个事务回滚，再开一个新事务重新登记消息，之后的写入和回复照常提交。
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
	if u.lost {
		// 拒绝后重新登记时，另一副本已经处理并提交了这条消息：回复它存下的结果。
		u.rollback(ctx)
		stored, err := u.storedReply(ctx, m.Key)
		if err != nil {
			return "", false, db.fail(err, msgNotHandled)
		}
		db.log.Info("重复投递的消息，回复先前存下的结果", "key", m.Key, "from", m.From)
		return stored, false, nil
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

// Discard 实现 model.Units：回滚整个事务（连同攒着的语句），再开一个新事务重新登记消息，之后的写入和
// 回复在新事务里提交。被拒绝的命令通常什么也没写；写过的说明某个服务先写了再报用户错误——那些写入
// 不会提交，记一笔，便于发现。拒绝很少见：为它多一次往返，省掉每条消息的保存点。
//
// 回滚和重新登记之间，同一消息的另一副本可能登记上并处理；重新登记时等它结束，它提交了就回复它存下的
// 结果（lost，见 once），它回滚了就照常登记。
func (db *DB) Discard(ctx context.Context) error {
	u := db.unitOf(ctx)
	if u == nil || u.msgKey == "" {
		return nil
	}
	if u.writes > 0 {
		db.log.Warn("被拒绝的命令做过写入，已全部撤回", "key", u.msgKey, "writes", u.writes)
	}
	u.pending, u.pendingArgs, u.pendingSize = nil, nil, 0
	// 花名册版本的共享锁随回滚释放：之后要用花名册时重新读。
	u.roster, u.snap = 0, nil
	err := u.reopen(ctx)
	if err != nil && isDuplicate(err) && !u.broken {
		// 新事务已经开始（出错的是登记消息那一条）：之后的写入都不会提交。
		u.lost = true
		u.fail(err)
		return nil
	}
	if err != nil {
		u.note(err, false)
		u.broken = u.broken || isUnavailable(err)
		u.fail(err)
		return db.fail(err, msgNotHandled)
	}
	u.failed, u.writes = nil, 0
	return nil
}

// reopen 回滚消息的事务，开一个新事务重新登记消息（能合并时一次往返）。
func (u *unit) reopen(ctx context.Context) error {
	qs := append([]string{"ROLLBACK"}, u.db.beginSQL(true)...)
	if u.batching() {
		_, err := u.conn.ExecContext(ctx, strings.Join(qs, ";\n")+";\n"+u.ins.sql, u.ins.args...)
		return err
	}
	for _, q := range qs {
		if _, err := u.conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	_, err := u.conn.ExecContext(ctx, u.ins.sql, u.ins.args...)
	return err
}

// open 开始消息的事务：登记消息、带共享锁读花名册版本。消息已登记过（已提交）时
// 回滚并返回存下的回复。
func (u *unit) open(ctx context.Context, m model.Message) (*string, error) {
	db := u.db
	at := db.now()
	u.ins = stmt{
		sql:  "INSERT INTO messages (msg_key, from_user, text, received_at) VALUES (?, ?, ?, ?)",
		args: []any{m.Key, truncate(m.From, sizeID), truncate(m.Text, 4000), at},
	}
	ver := "SELECT version FROM roster_version WHERE id = 1"
	if db.dialect == DialectMySQL {
		ver += " LOCK IN SHARE MODE"
	}
	var err error
	if u.batching() {
		var rows *sql.Rows
		q := strings.Join(append(db.beginSQL(true), u.ins.sql, ver), ";\n")
		rows, err = u.conn.QueryContext(ctx, q, u.ins.args...)
		if err == nil {
			err = scanVersion(rows, &u.roster)
		}
	} else {
		err = u.openStepwise(ctx, ver)
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
	s, err := u.storedReply(ctx, m.Key)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// storedReply 在事务之外读消息 key 存下的回复（没有存回复的旧消息行给 ReplayedReply）。读不出时连接作废。
func (u *unit) storedReply(ctx context.Context, key string) (string, error) {
	var reply sql.NullString
	if err := u.conn.QueryRowContext(ctx, "SELECT reply FROM messages WHERE msg_key = ?", key).Scan(&reply); err != nil {
		u.broken = true
		return "", err
	}
	if reply.Valid {
		return reply.String, nil
	}
	return ReplayedReply, nil
}

// openStepwise 是 open 在不能合并语句时（SQLite）的逐条版本。
func (u *unit) openStepwise(ctx context.Context, ver string) error {
	if err := u.start(ctx, true); err != nil {
		return err
	}
	if _, err := u.conn.ExecContext(ctx, u.ins.sql, u.ins.args...); err != nil {
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
