package ledger

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/store"
)

// env 是一个测试用的台账服务，连在全新的真实 MariaDB 数据库上，花名册来自 testdata/roster.csv。
type env struct {
	t     *testing.T
	svc   *Service
	db    *store.DB
	staff map[string]model.Staff
	clock *model.Clock
	seq   int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := model.PinClock(time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai), nil)
	db, err := store.Open(ctx, testenv.MySQL(t), clock, log)
	if err != nil {
		t.Fatalf("打开数据库: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	roster := testenv.Roster(t, "testdata/roster.csv")
	if _, _, err := db.UpsertRoster(ctx, roster); err != nil {
		t.Fatalf("导入花名册: %v", err)
	}
	e := &env{t: t, db: db, clock: clock, staff: map[string]model.Staff{}}
	for _, s := range roster {
		e.staff[s.UserID] = s
	}
	e.svc = &Service{Staff: db, Ledger: db, Catalog: rules.Default(), Clock: clock}
	return e
}

// actor 返回花名册中的人（从数据库读，与生产一致）。
func (e *env) actor(id string) model.Staff {
	e.t.Helper()
	s, err := e.db.Staff(context.Background(), id)
	if err != nil {
		e.t.Fatalf("花名册中没有 %s: %v", id, err)
	}
	return s
}

// msg 生成一条新消息（每次 Key 不同）。
func (e *env) msg(from string) model.Message {
	e.seq++
	return model.Message{Key: "test:" + from + ":" + time.Duration(e.seq).String(), From: from, CreateTime: e.clock.Now()}
}

// msgAt 生成第 i 条固定的撤销消息（并发调用安全：不动 seq）。
func (e *env) msgAt(i int) model.Message {
	return model.Message{Key: fmt.Sprintf("test:revoke:%d", i), From: "wzg", CreateTime: e.clock.Now()}
}

// record 以 actor 身份记一笔，失败时测试失败。
func (e *env) record(actor string, kind model.RuleKind, people []string, words ...string) Result {
	e.t.Helper()
	res, err := e.svc.Record(context.Background(), e.actor(actor), e.msg(actor), kind, people, words)
	if err != nil {
		e.t.Fatalf("%s 记 %v %v: %v", actor, people, words, err)
	}
	return res
}

// count 返回台账上的记录总数（含已撤销）。
func (e *env) count() int {
	e.t.Helper()
	all, err := e.db.Entries(context.Background(), model.EntryFilter{IncludeRevoked: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(all)
}

// total 返回某人本月合计。
func (e *env) total(id string) int64 {
	e.t.Helper()
	m, err := e.db.MonthTotals(context.Background(), e.svc.Month(), []string{id})
	if err != nil {
		e.t.Fatal(err)
	}
	return m[id]
}

// wantErr 检查错误码和提示中的片段。
func wantErr(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("应出错（%s），却成功了", code)
	}
	if got := model.ErrorCode(err); got != code {
		t.Errorf("错误码 = %s，应为 %s（%v）", got, code, err)
	}
	msg := model.ErrorMessage(err)
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("提示 %q 中缺少 %q", msg, p)
		}
	}
}
