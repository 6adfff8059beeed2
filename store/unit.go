package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// 工作单元（unit）是一个数据库事务：它独占连接池里的一条连接，事务的开始、提交和回滚都作为普通语句
// 在这条连接上发出，不经 database/sql 的 Tx。这样做有三个原因：
//
//   - 提交也受 ctx 的期限约束。database/sql 的 Tx.Commit 不接受 ctx：数据库在 COMMIT 时卡住，
//     请求就一直等下去（曾经 4 秒的处理时限跑到 6 秒以上）。
//   - 事务随 ctx 传递（withUnit）：一条消息的所有存储调用——无论来自哪个服务——都在同一个事务里，
//     消息登记、业务写入和回复一起提交或一起消失。所有存储方法都经 db.conn(ctx) 取连接，
//     所以在 SQLite（只有一条连接）上也不会自己等自己。
//   - MySQL 上可以把不需要结果的语句（入队通知、写回复）攒起来，和下一条语句或 COMMIT 一起
//     作为多语句发出，省掉往返（见 later）。
type unit struct {
	db   *DB
	conn *sql.Conn
	// msgKey 是 Once 登记的消息；事务里的存储方法再登记同一消息时跳过（见 insertMessage）。
	msgKey string
	// ins 是登记消息的语句（Discard 回滚后在新事务里重新登记用）；lost 表示重新登记时发现另一副本
	// 已经提交了这条消息。
	ins  stmt
	lost bool
	// roster 是事务里读到的花名册版本（MySQL 上带共享锁读，导入花名册要等本事务结束）；
	// 0 表示还没读。snap 是与之对应的花名册。
	roster int64
	snap   *rosterSnap
	// rc 表示事务的隔离级别是读已提交（消息的工作单元）：一致读总是看到最新提交的数据。
	rc bool

	pending     []string // 攒着的语句，按顺序
	pendingArgs []any
	pendingSize int

	writes int   // 已成功执行（或已攒下）的写语句数
	failed error // 非空时事务不能再提交：攒着的语句出错，或写入之后出错却被调用方吞掉了
	retry  bool  // 遇到过死锁或锁等待超时：整体重来可能成功
	broken bool  // 连接状态不明（超时、断开）：不能放回连接池
	done   bool  // 事务已提交或回滚
}

type unitKey struct{}

// withUnit 返回携带 u 的 ctx。
func withUnit(ctx context.Context, u *unit) context.Context {
	return context.WithValue(ctx, unitKey{}, u)
}

// unitOf 返回 ctx 里属于 db 的、尚未结束的工作单元。
func (db *DB) unitOf(ctx context.Context) *unit {
	if ctx == nil {
		return nil
	}
	u, _ := ctx.Value(unitKey{}).(*unit)
	if u == nil || u.db != db || u.done {
		return nil
	}
	return u
}

// unitOfTx 返回 gorm 句柄所在的工作单元（句柄由 unit.gorm 创建时才有）。
func unitOfTx(tx *gorm.DB) *unit {
	if tx == nil || tx.Statement == nil {
		return nil
	}
	p, _ := tx.Statement.ConnPool.(*unitPool)
	if p == nil || p.u.done {
		return nil
	}
	return p.u
}

// conn 返回执行查询的 gorm 句柄：ctx 里有本库的工作单元时在它的事务里，否则用连接池。
// 存储的每个方法都必须经它（或 tx 的 fn 参数）访问数据库。
func (db *DB) conn(ctx context.Context) *gorm.DB {
	if u := db.unitOf(ctx); u != nil {
		return u.gorm(ctx)
	}
	return db.g.WithContext(ctx)
}

// gorm 返回在本事务连接上执行的 gorm 句柄。
func (u *unit) gorm(ctx context.Context) *gorm.DB {
	g := u.db.g.WithContext(withUnit(ctx, u))
	g.Statement.ConnPool = &unitPool{u: u}
	return g
}

// 多语句攒到这么大就先发出去（max_allowed_packet 默认 16 MB，文件通知的正文可达数 MB）。
const maxPending = 256 << 10

// batching 表示能否把多条语句合成一次往返：MySQL，且参数在客户端拼入（interpolateParams）、
// 允许多语句（multiStatements）。
func (u *unit) batching() bool { return u.db.batch }

// later 把一条不需要结果的写语句攒起来，和下一条语句或提交一起发出；不能合并时立即执行。
// 攒着的语句出错时整个事务作废（failed），不会提交。
func (u *unit) later(ctx context.Context, query string, args []any) error {
	if !u.batching() {
		_, err := u.exec(ctx, query, args)
		return err
	}
	// 攒着的语句不能带结果集，否则它会顶替后面那条查询的结果（gorm 在 MariaDB 上给 INSERT 加
	// RETURNING 取自增编号，它总在语句末尾，这里不需要编号）。
	if i := strings.LastIndex(query, " RETURNING "); i >= 0 {
		query = query[:i]
	}
	u.pending = append(u.pending, query)
	u.pendingArgs = append(u.pendingArgs, args...)
	u.pendingSize += len(query)
	for _, a := range args {
		if s, ok := a.(string); ok {
			u.pendingSize += len(s)
		}
	}
	u.writes++
	if u.pendingSize >= maxPending {
		_, err := u.exec(ctx, "DO 0", nil)
		return err
	}
	return nil
}

// take 取出攒着的语句，拼在 query 前面。
func (u *unit) take(query string, args []any) (string, []any, bool) {
	if len(u.pending) == 0 {
		return query, args, false
	}
	q := strings.Join(u.pending, ";\n") + ";\n" + query
	a := append(u.pendingArgs, args...)
	u.pending, u.pendingArgs, u.pendingSize = nil, nil, 0
	return q, a, true
}

// isWrite 表示语句是否写数据。
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "INSERT", "UPDATE", "DELETE", "REPLAC":
		return true
	}
	return false
}

// note 记下一条语句的错误：死锁、锁等待超时标记可整体重来；连接故障（超时、断开）和攒着的语句
// 一起发出时的出错（分不清是哪一条）让事务作废。连接是否还能用由回滚是否成功决定。
func (u *unit) note(err error, batched bool) {
	if err == nil {
		return
	}
	if retryable(err) {
		u.retry = true
	}
	if batched || isUnavailable(err) {
		u.fail(err)
	}
}

// fail 让事务作废（只记第一个原因）。
func (u *unit) fail(err error) {
	if u.failed == nil {
		u.failed = err
	}
}

func (u *unit) exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	q, a, batched := u.take(query, args)
	res, err := u.conn.ExecContext(ctx, q, a...)
	u.note(err, batched)
	if err == nil && isWrite(query) {
		if n, rerr := res.RowsAffected(); rerr != nil || n > 0 {
			u.writes++
		}
	}
	return res, err
}

func (u *unit) query(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	q, a, batched := u.take(query, args)
	rows, err := u.conn.QueryContext(ctx, q, a...)
	u.note(err, batched)
	if err == nil && isWrite(query) {
		u.writes++ // SQLite 的 INSERT … RETURNING
	}
	return rows, err
}

// unitPool 让 gorm 在工作单元的连接上执行语句（实现 gorm.ConnPool）。它不实现 BeginTx：
// 工作单元里不能再开 gorm 事务，嵌套的 db.tx 直接在外层事务里运行。
type unitPool struct{ u *unit }

func (p *unitPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.u.conn.PrepareContext(ctx, query)
}

func (p *unitPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.u.exec(ctx, query, args)
}

func (p *unitPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.u.query(ctx, query, args)
}

func (p *unitPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if len(p.u.pending) > 0 {
		// *sql.Row 的错误要到 Scan 才知道，攒着的语句先单独发出；出错时给一个同样出错的 Row
		// （用已取消的 ctx 查询），事务已经作废。
		if _, err := p.u.exec(ctx, "DO 0", nil); err != nil {
			dead, cancel := context.WithCancel(ctx)
			cancel()
			return p.u.conn.QueryRowContext(dead, query, args...)
		}
	}
	if isWrite(query) {
		p.u.writes++
	}
	return p.u.conn.QueryRowContext(ctx, query, args...)
}

// beginSQL 返回开始事务的语句：MySQL 的 START TRANSACTION，SQLite 的 BEGIN IMMEDIATE（写事务一开始就
// 取得写锁，互相排队而不是 SQLITE_BUSY）。MySQL 的连接建立时已把会话的隔离级别设为读已提交
// （见 rcConnector），读已提交的事务不必再设；其余事务仍是可重复读，开始前先设这一个事务的级别。
func (db *DB) beginSQL(readCommitted bool) []string {
	if db.dialect != DialectMySQL {
		return []string{"BEGIN IMMEDIATE"}
	}
	if readCommitted {
		return []string{"START TRANSACTION"}
	}
	return []string{"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "START TRANSACTION"}
}

// start 在 u 的连接上开始事务：能合并时一次往返，否则逐条。
func (u *unit) start(ctx context.Context, readCommitted bool) error {
	qs := u.db.beginSQL(readCommitted)
	if u.batching() {
		_, err := u.conn.ExecContext(ctx, strings.Join(qs, ";\n"))
		return err
	}
	for _, q := range qs {
		if _, err := u.conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// acquire 从连接池取一条连接给工作单元。
func (db *DB) acquire(ctx context.Context) (*unit, error) {
	c, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &unit{db: db, conn: c}, nil
}

// begin 开始一个不登记消息的工作单元（db.tx 用）。
func (db *DB) begin(ctx context.Context, readCommitted bool) (*unit, error) {
	u, err := db.acquire(ctx)
	if err != nil {
		return nil, err
	}
	u.rc = readCommitted && db.dialect == DialectMySQL
	if err := u.start(ctx, readCommitted); err != nil {
		u.rollback(ctx)
		u.close()
		return nil, err
	}
	return u, nil
}

// stmt 是一条带参数的语句。
type stmt struct {
	sql  string
	args []any
}

// commit 执行 tail（按顺序），再 COMMIT；能合并时连同攒着的语句一次发出。
// 出错时事务的结果不明（COMMIT 可能已经生效），调用方应回滚（连接会视情况作废）。
func (u *unit) commit(ctx context.Context, tail ...stmt) error {
	if u.failed != nil {
		return u.failed
	}
	tail = append(tail, stmt{sql: "COMMIT"})
	var err error
	if u.batching() {
		qs := make([]string, len(tail))
		var args []any
		for i, t := range tail {
			qs[i] = t.sql
			args = append(args, t.args...)
		}
		q, a, _ := u.take(strings.Join(qs, ";\n"), args)
		_, err = u.conn.ExecContext(ctx, q, a...)
	} else {
		for _, t := range tail {
			if _, err = u.conn.ExecContext(ctx, t.sql, t.args...); err != nil {
				break
			}
		}
	}
	if err != nil {
		u.note(err, false)
		return err
	}
	u.done = true
	return nil
}

// rollbackTimeout 是回滚的时限：请求的 ctx 可能已经过期，回滚要用自己的时限。
const rollbackTimeout = 2 * time.Second

// rollback 丢弃攒着的语句并回滚。回滚失败（库卡住、连接断开）时连接作废：连接一断，
// 数据库自己会回滚未提交的事务。
func (u *unit) rollback(ctx context.Context) {
	u.pending, u.pendingArgs, u.pendingSize = nil, nil, 0
	if u.done || u.broken {
		u.done = true
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	if _, err := u.conn.ExecContext(rctx, "ROLLBACK"); err != nil {
		u.broken = true
	}
	u.done = true
}

// close 把连接还给连接池；状态不明的连接关掉，不还。
func (u *unit) close() {
	u.done = true
	if u.broken {
		// Raw 返回 driver.ErrBadConn 时 database/sql 关闭这条连接而不是放回池里。
		_ = u.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = u.conn.Close()
}

// maxTxAttempts 是遇到死锁、锁等待超时时整个事务的最多尝试次数。
const maxTxAttempts = 5

// tx 在事务中执行 fn。ctx 里已有工作单元时 fn 直接在它的事务里运行（不嵌套、不重试，出错时由
// 外层决定回滚）；fn 写入之后又返回错误的，外层事务作废，免得调用方吞掉错误后把半截写入提交。
// 否则开一个新事务，提交受 ctx 的期限约束；遇到死锁或锁等待超时时整体重试几次。
// opts 只看隔离级别（读已提交）。
func (db *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error, opts ...*sql.TxOptions) error {
	if u := db.unitOf(ctx); u != nil {
		before := u.writes
		err := fn(u.gorm(ctx))
		if err != nil && u.writes > before {
			u.fail(err)
		}
		return err
	}
	rc := false
	for _, o := range opts {
		if o != nil && o.Isolation == sql.LevelReadCommitted {
			rc = true
		}
	}
	for attempt := 0; ; attempt++ {
		again, err := db.runTx(ctx, rc, fn)
		if err == nil || attempt >= maxTxAttempts-1 || !(again || retryable(err)) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
		}
	}
}

// runTx 开一个工作单元，运行 fn，提交；fn 出错或 panic 时回滚。again 表示事务里遇到过
// 死锁或锁等待超时，整体重来可能成功。
func (db *DB) runTx(ctx context.Context, rc bool, fn func(tx *gorm.DB) error) (again bool, err error) {
	u, err := db.begin(ctx, rc)
	if err != nil {
		return false, err
	}
	defer u.close()
	defer func() {
		if p := recover(); p != nil {
			u.rollback(ctx)
			panic(p)
		}
	}()
	if err = fn(u.gorm(ctx)); err != nil {
		u.rollback(ctx)
		return u.retry, err
	}
	if u.failed != nil {
		u.rollback(ctx)
		return u.retry, u.failed
	}
	if err = u.commit(ctx); err != nil {
		u.rollback(ctx)
	}
	return u.retry, err
}

// errUnitFailed 说明 fn 报告成功，但事务已经作废（写入后出错被吞掉，或攒着的语句出错）。
var errUnitFailed = errors.New("store: 事务已作废，不能提交")
