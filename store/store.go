// Package store 用 gorm 实现花名册、台账和通知发件箱的持久化，支持 SQLite（内嵌默认，纯 Go 驱动）
// 和 MySQL/MariaDB。它是项目中唯一引用 gorm 的包；行结构只在包内使用，对外只交换 model 类型。
//
// 所有时间以 UTC 存储、以 UTC 返回，精确到微秒。
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/go-sql-driver/mysql"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/hongqi-dev/hongqi/model"
)

// 方言名，由 Dialect 返回。
const (
	DialectSQLite = "sqlite"
	DialectMySQL  = "mysql"
)

// SlowQuery 是慢查询阈值，超过时以 slog 警告记录。
const SlowQuery = 200 * time.Millisecond

// DB 是数据库连接，实现 model.StaffStore、model.LedgerStore 和 model.Outbox。可并发使用。
type DB struct {
	g       *gorm.DB
	sql     *sql.DB
	dialect string
	log     *slog.Logger
	clock   *model.Clock // 行上的时间戳都取自它（与机器人、定时任务同一个时钟）
	// batch 表示可以把几条语句合成一次往返（MySQL，参数在客户端拼入，允许多语句）。
	batch bool
	// returning 表示 INSERT（含 ON DUPLICATE KEY UPDATE）可以带 RETURNING 读回写入的行：MariaDB 10.5 起。
	// 这样插入记录、改月合计不必再跟一条 SELECT。MySQL 没有。
	returning bool
	roster    rosterCache // 花名册快照，见 roster.go
}

var (
	_ model.StaffStore  = (*DB)(nil)
	_ model.LedgerStore = (*DB)(nil)
	_ model.Outbox      = (*DB)(nil)
)

// Open 按 dsn 打开数据库并迁移表结构。dsn 为 sqlite:路径（也可 sqlite::memory:）或
// mysql://user:pass@tcp(host:3306)/db?params。clock 是全系统的时钟：写入的时间戳都取自它，
// 提示语中的时间按它的时区显示。dsn 写错返回 EINVALID，连不上返回 EUNAVAILABLE。
func Open(ctx context.Context, dsn string, clock *model.Clock, log *slog.Logger) (*DB, error) {
	return open(ctx, dsn, clock, log, true)
}

func open(ctx context.Context, dsn string, clock *model.Clock, log *slog.Logger, migrate bool) (*DB, error) {
	if log == nil {
		log = slog.Default()
	}
	if clock == nil {
		return nil, model.Errorf(model.EINTERNAL, "store.Open 缺少时钟。")
	}
	dialect, dialector, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	// 连接失败的报错也不能带出密码（驱动一般不写密码，这里再保险一次）。
	secrets := model.DSNSecrets(dsn)
	db := &DB{dialect: dialect, log: log, clock: clock}
	if md, ok := dialector.(*gormmysql.Dialector); ok && md.DSNConfig != nil {
		db.batch = md.DSNConfig.InterpolateParams && md.DSNConfig.MultiStatements
	}
	g, err := gorm.Open(dialector, &gorm.Config{
		Logger:                                   &gormLogger{log: log, slow: SlowQuery, wall: model.SystemClock(nil)},
		NowFunc:                                  db.now,
		SkipDefaultTransaction:                   true,
		DisableForeignKeyConstraintWhenMigrating: true,
	})
	if err != nil {
		return nil, model.Wrap(model.EUNAVAILABLE, model.RedactError(err, secrets...), "连不上数据库（HONGQI_DB），请确认数据库已启动、地址和账号正确。")
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, model.Wrap(model.EINTERNAL, err, "打开数据库（HONGQI_DB）失败。")
	}
	db.g, db.sql = g, sqlDB
	switch dialect {
	case DialectSQLite:
		// 单个写连接：事务以 BEGIN IMMEDIATE 开始，互相排队而不是 SQLITE_BUSY。
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
	case DialectMySQL:
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, model.Wrap(model.EUNAVAILABLE, model.RedactError(err, secrets...), "连不上数据库（HONGQI_DB），请确认数据库已启动、地址和账号正确。")
	}
	if dialect == DialectMySQL {
		var v string
		if err := sqlDB.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
			sqlDB.Close()
			return nil, model.Wrap(model.EUNAVAILABLE, model.RedactError(err, secrets...), "连不上数据库（HONGQI_DB），请确认数据库已启动、地址和账号正确。")
		}
		db.returning = mariaDBReturning(v)
	}
	if !migrate {
		return db, nil
	}
	if err := db.migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, db.fail(err, "数据库表结构迁移失败")
	}
	return db, nil
}

// mariaDBReturning 表示版本串 v（SELECT VERSION()，如 "10.11.19-MariaDB-0+deb12u1"）是否是支持
// INSERT … RETURNING 的 MariaDB（10.5 起）。
func mariaDBReturning(v string) bool {
	if !strings.Contains(v, "MariaDB") {
		return false
	}
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 10 || major == 10 && minor >= 5
}

// parseDSN 把 HONGQI_DB 的写法转换成驱动的 DSN。
func parseDSN(dsn string) (string, gorm.Dialector, error) {
	dsn = strings.TrimSpace(dsn)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" || strings.HasPrefix(path, "?") {
			return "", nil, model.Errorf(model.EINVALID, "HONGQI_DB 的 SQLite 地址缺少文件路径，应写成 sqlite:hongqi.db。")
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		params := []string{"_txlock=immediate", "_pragma=busy_timeout(5000)", "_pragma=foreign_keys(1)"}
		if !strings.Contains(path, ":memory:") {
			params = append(params, "_pragma=journal_mode(WAL)", "_pragma=synchronous(NORMAL)")
		}
		return DialectSQLite, sqlite.Open(path + sep + strings.Join(params, "&")), nil
	case strings.HasPrefix(dsn, "mysql://"):
		raw := strings.TrimPrefix(dsn, "mysql://")
		cfg, err := mysql.ParseDSN(raw)
		if err != nil {
			// 驱动的报错会原样引用地址的一部分（如 network 'root:密码' unknown）：去掉密码再用。
			err = model.RedactError(err, model.DSNSecrets(dsn)...)
			return "", nil, model.Wrap(model.EINVALID, err, "HONGQI_DB 的 MySQL 地址无法解析（%s），应写成 mysql://user:pass@tcp(host:3306)/db。", err)
		}
		if cfg.DBName == "" {
			return "", nil, model.Errorf(model.EINVALID, "HONGQI_DB 的 MySQL 地址缺少库名，应写成 mysql://user:pass@tcp(host:3306)/db。")
		}
		cfg.ParseTime = true
		if !hasParam(raw, "loc") {
			cfg.Loc = time.UTC
		}
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		if _, ok := cfg.Params["charset"]; !ok {
			cfg.Params["charset"] = "utf8mb4"
		}
		cs := strings.ToLower(cfg.Params["charset"])
		if !hasParam(raw, "interpolateParams") && strings.HasPrefix(cs, "utf8") &&
			(cfg.Collation == "" || strings.HasPrefix(strings.ToLower(cfg.Collation), "utf8")) {
			// 把参数拼进语句，省掉每条语句的 prepare/close 往返；字符集为 utf8mb4 时是安全的。
			cfg.InterpolateParams = true
		}
		if cfg.InterpolateParams && !hasParam(raw, "multiStatements") {
			// 允许一次发出几条语句（开始事务和登记消息、入队通知和提交），见 unit.go。
			// 参数都由驱动转义后拼入，用户的文字不会变成语句。
			cfg.MultiStatements = true
		}
		if cfg.Timeout == 0 {
			cfg.Timeout = 5 * time.Second
		}
		// 读写超时是最后一道防线：请求的期限由 ctx 控制（驱动在 ctx 到期时断开连接），
		// 这里只防不带期限的调用（定时任务、命令行）在库卡死时永远等下去。要长于最慢的正常语句。
		if cfg.ReadTimeout == 0 {
			cfg.ReadTimeout = 30 * time.Second
		}
		if cfg.WriteTimeout == 0 {
			cfg.WriteTimeout = 30 * time.Second
		}
		connector, err := mysql.NewConnector(cfg)
		if err != nil {
			err = model.RedactError(err, model.DSNSecrets(dsn)...)
			return "", nil, model.Wrap(model.EINVALID, err, "HONGQI_DB 的 MySQL 地址无法使用（%s）。", err)
		}
		return DialectMySQL, gormmysql.New(gormmysql.Config{DSNConfig: cfg, DSN: cfg.FormatDSN(),
			Conn: sql.OpenDB(rcConnector{connector})}), nil
	case dsn == "":
		return "", nil, model.Errorf(model.EINVALID, "HONGQI_DB 为空，应写成 sqlite:hongqi.db 或 mysql://user:pass@tcp(host:3306)/db。")
	}
	return "", nil, model.Errorf(model.EINVALID, "HONGQI_DB 应以 sqlite: 或 mysql:// 开头，如 sqlite:hongqi.db 或 mysql://user:pass@tcp(host:3306)/db。")
}

// hasParam 表示 DSN 的查询串里是否写了参数 name。
func hasParam(dsn, name string) bool {
	_, q, ok := strings.Cut(dsn, "?")
	if !ok {
		return false
	}
	for _, kv := range strings.Split(q, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if k == name {
			return true
		}
	}
	return false
}

// Close 关闭数据库连接。
func (db *DB) Close() error { return db.sql.Close() }

// Ping 检查数据库是否可用；不可用时返回 EUNAVAILABLE。
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return model.Wrap(model.EUNAVAILABLE, err, "数据库暂时不可用，请稍后再试。")
	}
	return nil
}

// Dialect 返回 "sqlite" 或 "mysql"。
func (db *DB) Dialect() string { return db.dialect }

// now 返回时钟的当前时间（UTC），截到微秒（MySQL DATETIME(6) 的精度）。
func (db *DB) now() time.Time { return db.clock.Now().UTC().Truncate(time.Microsecond) }

// Clock 返回存储所用的时钟。
func (db *DB) Clock() *model.Clock { return db.clock }

// utc 把调用方给的时间规范成存储用的形式。
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// sqliteCoder 是 SQLite 驱动错误的接口（避免直接依赖驱动包）。
type sqliteCoder interface{ Code() int }

// retryable 表示 err 是否是换个时机重试就可能成功的并发冲突。
func retryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	var se sqliteCoder
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == 5 || c == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	return false
}

// isDuplicate 表示 err 是否为唯一键冲突（MySQL 1062，SQLite UNIQUE/PRIMARY KEY 约束）。
func isDuplicate(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	var se sqliteCoder
	if errors.As(err, &se) {
		return se.Code() == 2067 || se.Code() == 1555 // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isUnavailable 表示 err 是否说明数据库暂时不可用（连不上、连接断开、已关闭、超时、忙）。
func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, 1053, 1205, 1213, 1290, 1317, 1927, 2002, 2003, 2006, 2013:
			return true
		}
		return false
	}
	var se sqliteCoder
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6, 7, 10, 13, 14: // BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN
			return true
		}
		return false
	}
	msg := err.Error()
	for _, s := range []string{"database is closed", "connection refused", "broken pipe", "bad connection", "connection reset", "i/o timeout"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// fail 把数据库错误转换为领域错误；what 说明这次操作的后果，如“本次没有记录”。
// 已经是 *model.Error 的错误原样返回。
func (db *DB) fail(err error, what string) error {
	if err == nil {
		return nil
	}
	var me *model.Error
	if errors.As(err, &me) {
		return err
	}
	if isUnavailable(err) {
		return model.Wrap(model.EUNAVAILABLE, err, "数据库暂时不可用，%s，请稍后再试。", what)
	}
	db.log.Error("数据库出错", "dialect", db.dialect, "err", err)
	return model.Wrap(model.EINTERNAL, err, "数据库出错，%s，请联系管理员。", what)
}

// gormLogger 让 gorm 只通过 slog 报告慢查询；错误由调用方处理，不在这里记录。
// 查询的开始时刻是 gorm 取的真实时间，所以耗时用真实时间的时钟（wall）量，而不是全系统的时钟——
// 后者在测试、演练（HONGQI_CLOCK）时与真实时间相差很远。
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
	wall *model.Clock
}

func (l *gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (l *gormLogger) Info(context.Context, string, ...any)     {}
func (l *gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}
func (l *gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}
func (l *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), _ error) {
	if d := l.wall.Since(begin); d > l.slow {
		q, rows := fc()
		if len(q) > 300 {
			q = q[:300] + "…"
		}
		l.log.WarnContext(ctx, "慢查询", "elapsed", d, "rows", rows, "sql", q)
	}
}

// rcConnector 在每条新连接上把会话的隔离级别设为读已提交。消息的工作单元、发件箱和合计都用读已提交，
// 这样它们的事务不必每次先发一条 SET TRANSACTION；要可重复读的事务在开始前自己设（见 beginSQL）。
// 用语句而不是 DSN 参数：这个系统变量在 MySQL 上叫 transaction_isolation，在 MariaDB 10.x 上叫 tx_isolation。
type rcConnector struct{ driver.Connector }

func (c rcConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("store: MySQL 驱动的连接不能执行语句")
	}
	if _, err := ex.ExecContext(ctx, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", nil); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return conn, nil
}
