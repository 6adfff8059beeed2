package store

import (
	"context"
	"errors"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

// TestRevokeInAPublishedMonthIsRefused：存储在撤销的事务里查这个月是否已发布——已发布就不撤销（ErrMonthClosed，
// 什么也不写），由台账服务改记调整。不靠服务事先查过一次。
func TestRevokeInAPublishedMonthIsRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		e := record(t, db, "m1", entry("zhangsan", "late", -10))[0]
		if _, _, err := db.Publish(ctx, model.PublishRequest{Publication: model.Publication{Month: nov, ActorID: "gly"}}); err != nil {
			t.Fatal(err)
		}
		_, err := revoke(db, "m2", e.ID, "wangzg")
		if !errors.Is(err, model.ErrMonthClosed) || model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("撤销已发布月份的记录 = %v，应为 ECONFLICT / ErrMonthClosed", err)
		}
		got, err := db.Entry(ctx, e.ID)
		if err != nil || got.Revoked() {
			t.Fatalf("记录 = %+v, %v；应未撤销", got, err)
		}
		// 消息没有登记：服务用同一条消息记调整时不算重复。
		adj := entry("zhangsan", "late", 10)
		adj.Month, adj.Ref, adj.Adjusts = model.Month{Year: 2026, Month: 12}, "adjusts:#1", e.ID
		if _, err := db.Record(ctx, model.RecordRequest{Msg: msg("m2"), Entries: []model.Entry{adj}}); err != nil {
			t.Fatalf("用同一条消息记调整：%v", err)
		}
	})
}

// TestPublishChecksTheDraftsBasis：草稿算完之后台账有变（新的撤销），发布什么也不写，返回 ErrLedgerMoved；
// 依据对得上时照常发布。
func TestPublishChecksTheDraftsBasis(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		es := record(t, db, "m1", entry("zhangsan", "late", -10), entry("lisi", "late", -10))
		basis := model.LedgerBasis{Entries: 2}
		if _, err := revoke(db, "m2", es[0].ID, "wangzg"); err != nil { // 草稿之后的撤销
			t.Fatal(err)
		}
		req := model.PublishRequest{Publication: model.Publication{Month: nov, ActorID: "gly"}, Basis: &basis,
			Entries: []model.Entry{func() model.Entry { e := entry("zhangsan", "star", 200); e.Ref = "star:2026-11"; return e }()}}
		_, written, err := db.Publish(ctx, req)
		if !errors.Is(err, model.ErrLedgerMoved) || len(written) != 0 {
			t.Fatalf("依据过时的发布 = %v（写了 %d 条），应为 ErrLedgerMoved、什么也不写", err, len(written))
		}
		if _, err := db.Publication(ctx, nov); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("依据过时却登记了发布：%v", err)
		}
		basis.Revoked = 1
		if _, written, err = db.Publish(ctx, req); err != nil || len(written) != 1 {
			t.Fatalf("依据对得上的发布 = %v（写了 %d 条）", err, len(written))
		}
	})
}

// TestOneAdjustmentPerEntry：同一条记录的第二笔调整被唯一键拦下（ErrAdjustedTwice），什么也不写。
func TestOneAdjustmentPerEntry(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		orig := record(t, db, "m1", entry("zhangsan", "late", -10))[0]
		adj := entry("zhangsan", "late", 10)
		adj.Month, adj.Ref, adj.Adjusts = model.Month{Year: 2026, Month: 12}, "adjusts:#1", orig.ID
		first := record(t, db, "m2", adj)[0]
		if first.Adjusts != orig.ID {
			t.Fatalf("调整 = %+v；Adjusts 应为 %d", first, orig.ID)
		}
		got, err := db.Entry(ctx, first.ID)
		if err != nil || got.Adjusts != orig.ID {
			t.Fatalf("读回的调整 = %+v, %v", got, err)
		}
		_, err = db.Record(ctx, model.RecordRequest{Msg: msg("m3"), Entries: []model.Entry{adj}})
		if !errors.Is(err, model.ErrAdjustedTwice) || model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("第二笔调整 = %v，应为 ECONFLICT / ErrAdjustedTwice", err)
		}
		all, _ := db.Entries(ctx, model.EntryFilter{Ref: "adjusts:#1", IncludeRevoked: true})
		if len(all) != 1 {
			t.Errorf("调整 %d 笔，应为 1", len(all))
		}
		// 这条消息没有登记，可以重试别的事。
		record(t, db, "m3", entry("lisi", "late", -10))
	})
}

// TestBackfillAdjusts：旧版本写的调整（只有 Ref，没有 adjusts_id）在迁移时补上 adjusts_id；同一条记录
// 被旧版本记了两笔的，只给最早的一笔补上；已发布的月份补上锁行。迁移可以再跑一次。
func TestBackfillAdjusts(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		orig := record(t, db, "m1", entry("zhangsan", "late", -10))[0]
		old := entry("zhangsan", "late", 10)
		old.Month, old.Ref = model.Month{Year: 2026, Month: 12}, "adjusts:#1"
		a := record(t, db, "m2", old)[0]
		b := record(t, db, "m3", old)[0] // 旧版本的并发撤销记重的那一笔
		if _, _, err := db.Publish(ctx, model.PublishRequest{Publication: model.Publication{Month: nov, ActorID: "gly"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.g.Exec("DELETE FROM month_locks").Error; err != nil { // 旧版本没有锁行
			t.Fatal(err)
		}
		for range 2 {
			if err := db.migrate(ctx); err != nil {
				t.Fatalf("迁移：%v", err)
			}
		}
		if got, _ := db.Entry(ctx, a.ID); got.Adjusts != orig.ID {
			t.Errorf("最早的调整 Adjusts = %d，应为 %d", got.Adjusts, orig.ID)
		}
		if got, _ := db.Entry(ctx, b.ID); got.Adjusts != 0 {
			t.Errorf("重复的调整 Adjusts = %d，应留空", got.Adjusts)
		}
		var locks int64
		if err := db.g.Table("month_locks").Where("month = ?", nov.String()).Count(&locks).Error; err != nil || locks != 1 {
			t.Errorf("已发布的 11 月锁行 %d 行（%v），应为 1", locks, err)
		}
	})
}
