package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/hongqi-dev/hongqi/model"
)

// recordIn 是 Once 里的命令：给 zhangsan 记一条（记录、通知各一），按 how 成功、拒绝或出错。
func recordIn(db *DB, how string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		es, err := db.Record(ctx, model.RecordRequest{Msg: msg("msg:1"), Entries: []model.Entry{entry("zhangsan", "late", -20)},
			Notify: func(e model.Entry, total int64) model.Notice {
				return model.Notice{Key: "entry:{id}", To: model.ToUsers("zhangsan"), Body: fmt.Sprintf("#{id} 合计 %d", total)}
			}})
		if err != nil {
			return "", err
		}
		switch how {
		case "refuse":
			if err := db.Discard(ctx); err != nil {
				return "", err
			}
			return "不能这样记。", nil
		case "fail":
			return "", model.Errorf(model.EUNAVAILABLE, "数据库暂时不可用。")
		}
		return fmt.Sprintf("已记录 #%d", es[0].ID), nil
	}
}

// counts 返回库里的记录数和通知数。
func counts(t *testing.T, db *DB) (entries, notices int) {
	t.Helper()
	es, err := db.Entries(context.Background(), model.EntryFilter{IncludeRevoked: true})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := db.Notices(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return len(es), len(ns)
}

func TestOnce(t *testing.T) {
	ctx := context.Background()
	// run 在每种数据库的全新库上运行一个情形。
	run := func(name string, fn func(t *testing.T, db *DB)) {
		t.Run(name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, dsn string) { fn(t, openDB(t, dsn)) })
		})
	}
	run("committed with its effects; a retry gets the same reply without running", func(t *testing.T, db *DB) {
		reply, err := db.Once(ctx, msg("msg:1"), recordIn(db, "ok"))
		if err != nil || reply != "已记录 #1" {
			t.Fatalf("Once = %q, %v", reply, err)
		}
		ran := false
		again, err := db.Once(ctx, msg("msg:1"), func(context.Context) (string, error) {
			ran = true
			return "不该运行", nil
		})
		if err != nil || again != reply || ran {
			t.Fatalf("重试 = %q, %v（运行了：%v）；应原样回 %q、不运行", again, err, ran, reply)
		}
		if e, n := counts(t, db); e != 1 || n != 1 {
			t.Fatalf("记录 %d、通知 %d，应各 1", e, n)
		}
	})
	run("failure leaves nothing; the retry runs", func(t *testing.T, db *DB) {
		if _, err := db.Once(ctx, msg("msg:1"), recordIn(db, "fail")); model.ErrorCode(err) != model.EUNAVAILABLE {
			t.Fatalf("Once 错误 = %v，应为 EUNAVAILABLE", err)
		}
		if e, n := counts(t, db); e != 0 || n != 0 {
			t.Fatalf("失败后留下记录 %d、通知 %d", e, n)
		}
		reply, err := db.Once(ctx, msg("msg:1"), recordIn(db, "ok"))
		if err != nil || reply != "已记录 #1" && reply != "已记录 #2" {
			t.Fatalf("重试 = %q, %v", reply, err)
		}
		if e, n := counts(t, db); e != 1 || n != 1 {
			t.Fatalf("重试后记录 %d、通知 %d，应各 1", e, n)
		}
	})
	run("refusal undoes the writes and stores the refusal", func(t *testing.T, db *DB) {
		reply, err := db.Once(ctx, msg("msg:1"), recordIn(db, "refuse"))
		if err != nil || reply != "不能这样记。" {
			t.Fatalf("Once = %q, %v", reply, err)
		}
		if e, n := counts(t, db); e != 0 || n != 0 {
			t.Fatalf("拒绝后留下记录 %d、通知 %d", e, n)
		}
		again, err := db.Once(ctx, msg("msg:1"), recordIn(db, "ok"))
		if err != nil || again != reply {
			t.Fatalf("重试 = %q, %v；应原样回拒绝", again, err)
		}
	})
	run("panic rolls back", func(t *testing.T, db *DB) {
		func() {
			defer func() { _ = recover() }()
			_, _ = db.Once(ctx, msg("msg:1"), func(ctx context.Context) (string, error) {
				if _, err := recordIn(db, "ok")(ctx); err != nil {
					t.Error(err)
				}
				panic("boom")
			})
		}()
		if e, n := counts(t, db); e != 0 || n != 0 {
			t.Fatalf("panic 后留下记录 %d、通知 %d", e, n)
		}
		if reply, err := db.Once(ctx, msg("msg:1"), recordIn(db, "ok")); err != nil || reply == "" {
			t.Fatalf("panic 之后再投递：%q, %v", reply, err)
		}
	})
	run("past the deadline nothing is kept", func(t *testing.T, db *DB) {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := db.Once(dctx, msg("msg:1"), func(ctx context.Context) (string, error) {
			out, err := recordIn(db, "ok")(ctx)
			<-ctx.Done() // 处理拖过了期限
			return out, err
		})
		if c := model.ErrorCode(err); c != model.EUNAVAILABLE {
			t.Fatalf("过期后 Once 错误 = %v，应为 EUNAVAILABLE", err)
		}
		if e, n := counts(t, db); e != 0 || n != 0 {
			t.Fatalf("过期后留下记录 %d、通知 %d", e, n)
		}
	})
	run("a swallowed error after a write does not commit", func(t *testing.T, db *DB) {
		_, err := db.Once(ctx, msg("msg:1"), func(ctx context.Context) (string, error) {
			_ = db.tx(ctx, func(tx *gorm.DB) error {
				if err := tx.Create(&branchRow{Name: "半截", Kind: "county"}).Error; err != nil {
					return err
				}
				return errors.New("写了一半出错")
			})
			return "已完成", nil // 吞掉了错误
		})
		if model.ErrorCode(err) != model.EINTERNAL {
			t.Fatalf("Once 错误 = %v，应为 EINTERNAL（不能提交半截写入）", err)
		}
		var n int64
		if err := db.g.Model(&branchRow{}).Where("name = ?", "半截").Count(&n).Error; err != nil || n != 0 {
			t.Fatalf("半截写入被提交了：%d 行，%v", n, err)
		}
	})
	run("a copy waiting while a refusal is discarded: one outcome, the same reply for both", func(t *testing.T, db *DB) {
		// 拒绝时整个事务回滚、再重新登记消息：等着的副本可能在这中间登记上。无论谁先，
		// 两份回复相同，库里只留一份结果。
		second := make(chan string, 1)
		first, err := db.Once(ctx, msg("msg:1"), func(uctx context.Context) (string, error) {
			if _, err := recordIn(db, "ok")(uctx); err != nil {
				return "", err
			}
			go func() {
				r, err := db.Once(ctx, msg("msg:1"), recordIn(db, "ok"))
				if err != nil {
					t.Errorf("第二份 Once: %v", err)
				}
				second <- r
			}()
			time.Sleep(300 * time.Millisecond) // 第二份在登记消息处等着
			if err := db.Discard(uctx); err != nil {
				return "", err
			}
			return "不能这样记。", nil
		})
		if err != nil {
			t.Fatalf("第一份 Once: %v", err)
		}
		if r := <-second; r != first {
			t.Fatalf("两份回复不同：%q 与 %q", first, r)
		}
		t.Logf("两份都回 %q", first)
		want := 1
		if first == "不能这样记。" {
			want = 0
		}
		if e, n := counts(t, db); e != want || n != want {
			t.Fatalf("回复 %q，记录 %d、通知 %d，应各 %d", first, e, n, want)
		}
	})
	run("concurrent copies wait for the first and get its reply", func(t *testing.T, db *DB) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		replies := map[string]int{}
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := db.Once(ctx, msg("msg:1"), recordIn(db, "ok"))
				if err != nil {
					t.Errorf("Once: %v", err)
				}
				mu.Lock()
				replies[r]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(replies) != 1 || replies["已记录 #1"] != 6 {
			t.Fatalf("并发副本的回复 %v，应都是“已记录 #1”", replies)
		}
		if e, n := counts(t, db); e != 1 || n != 1 {
			t.Fatalf("记录 %d、通知 %d，应各 1", e, n)
		}
	})
}

// TestRecordTotalsUnderConcurrency 同一人同时被记 n 条：每条的回复（和通知）里的月合计各不相同，
// 正好是 −20、−40 … −20n。合计在写入的事务里锁住此人后读；在事务外先读时几条会读到同一个旧值。
func TestRecordTotalsUnderConcurrency(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		if _, _, err := db.UpsertRoster(context.Background(), []model.Staff{
			{UserID: "zhangsan", Name: "张三", Branch: "城关营业所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true},
		}); err != nil {
			t.Fatal(err)
		}
		const n = 8
		var mu sync.Mutex
		seen := map[int64]bool{}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				key := fmt.Sprintf("msg:c%d", i)
				var total int64
				_, err := db.Once(context.Background(), msg(key), func(ctx context.Context) (string, error) {
					_, err := db.Record(ctx, model.RecordRequest{Msg: msg(key), Entries: []model.Entry{entry("zhangsan", "late", -20)},
						Notify: func(e model.Entry, t int64) model.Notice {
							total = t
							return model.Notice{Key: "entry:{id}", To: model.ToUsers("zhangsan"), Body: fmt.Sprintf("本月合计 %d", t)}
						}})
					return "ok", err
				})
				if err != nil {
					t.Errorf("Once: %v", err)
				}
				mu.Lock()
				seen[total] = true
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		for i := 1; i <= n; i++ {
			if !seen[int64(-20*i)] {
				t.Errorf("没有一条记录的合计是 %d；得到的合计 %v", -20*i, seen)
			}
		}
	})
}
