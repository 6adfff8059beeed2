package store

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
)

// backends 是每个存储测试都要跑一遍的数据库。
var backends = []struct {
	name string
	dsn  func(testing.TB) string
}{
	{"sqlite", testenv.SQLite},
	{"mysql", testenv.MySQL},
}

// eachBackend 在每种数据库上并行运行 fn，传入一个全新库的 DSN。
func eachBackend(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.dsn(t))
		})
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testClock 是存储测试的时钟：停在 2026-11-16 10:00（上海），行上的时间戳都取自它。
var testClock = model.PinClock(time.Date(2026, 11, 16, 10, 0, 0, 0, model.Shanghai), nil)

// openDB 打开 dsn，测试结束时关闭。
func openDB(t testing.TB, dsn string) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := Open(ctx, dsn, testClock, quiet)
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	t.Cleanup(func() { assertTotals(t, db) })
	return db
}

// loadRoster 读取 testdata 中的花名册。
func loadRoster(t testing.TB, name string) []model.Staff {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var s []model.Staff
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// wantCode 断言 err 的错误码。
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := model.ErrorCode(err); got != code {
		t.Fatalf("错误码 = %q（%v），想要 %q", got, err, code)
	}
}

func TestOpenBadDSN(t *testing.T) {
	cases := []struct {
		name, dsn, want string
	}{
		{"empty", "", "HONGQI_DB 为空"},
		{"unknown scheme", "postgres://u@h/db", "HONGQI_DB 应以 sqlite: 或 mysql:// 开头"},
		{"sqlite without path", "sqlite:", "缺少文件路径"},
		{"mysql garbage", "mysql://root@127.0.0.1:3306/db", "HONGQI_DB 的 MySQL 地址无法解析"},
		{"mysql without db", "mysql://root@tcp(127.0.0.1:3306)/", "缺少库名"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, err := Open(context.Background(), c.dsn, testClock, quiet)
			if db != nil {
				db.Close()
			}
			wantCode(t, err, model.EINVALID)
			if msg := model.ErrorMessage(err); !strings.Contains(msg, c.want) || !strings.Contains(msg, "HONGQI_DB") {
				t.Errorf("提示 %q 应含 %q 和 HONGQI_DB", msg, c.want)
			}
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := Open(ctx, "mysql://root:secretpw@tcp(127.0.0.1:1)/hongqi", testClock, quiet)
	if db != nil {
		db.Close()
	}
	wantCode(t, err, model.EUNAVAILABLE)
	if strings.Contains(err.Error(), "secretpw") {
		t.Errorf("错误里不应出现密码：%v", err)
	}
}

func TestClosedIsUnavailable(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		db.Close()
		ctx := context.Background()
		_, err := db.Record(ctx, model.RecordRequest{Msg: msg("msg:1"), Entries: []model.Entry{entry("zhangsan", "late", -20)}})
		wantCode(t, err, model.EUNAVAILABLE)
		if got := model.ErrorMessage(err); got != "数据库暂时不可用，本次没有记录，请稍后再试。" {
			t.Errorf("Record 提示 = %q", got)
		}
		_, err = db.Entries(ctx, model.EntryFilter{})
		wantCode(t, err, model.EUNAVAILABLE)
		wantCode(t, db.Ping(ctx), model.EUNAVAILABLE)
		_, err = db.Claim(ctx, testClock.Now(), testClock.Now().Add(time.Minute), 10)
		wantCode(t, err, model.EUNAVAILABLE)
	})
}

func TestDialectAndReopen(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			dsn := b.dsn(t)
			db := openDB(t, dsn)
			if db.Dialect() != b.name {
				t.Errorf("Dialect() = %q，想要 %q", db.Dialect(), b.name)
			}
			ctx := context.Background()
			if err := db.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Record(ctx, model.RecordRequest{Msg: msg("msg:keep"), Entries: []model.Entry{entry("lisi", "late", -20)}}); err != nil {
				t.Fatal(err)
			}
			db.Close()
			// 再次打开同一个库：迁移不报错，数据还在。
			db2 := openDB(t, dsn)
			es, err := db2.EntriesByMsg(ctx, "msg:keep")
			if err != nil || len(es) != 1 {
				t.Fatalf("重开后 EntriesByMsg = %v, %v", es, err)
			}
		})
	}
}

func TestSQLiteMemory(t *testing.T) {
	db := openDB(t, "sqlite::memory:")
	if _, _, err := db.UpsertRoster(context.Background(), loadRoster(t, "roster.json")); err != nil {
		t.Fatal(err)
	}
	all, err := db.ListStaff(context.Background())
	if err != nil || len(all) != 6 {
		t.Fatalf("ListStaff = %d 人, %v", len(all), err)
	}
}
