package store

import (
	"context"
	"sync"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

func TestSetStarReplaces(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		if _, err := db.Star(ctx, nov); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("未评定时 Star 应为 ENOTFOUND，得到 %v", err)
		}
		prev, err := db.SetStar(ctx, model.Star{Month: nov, StaffID: "zhangsan", Name: "张三", ActorID: "gly"})
		if err != nil || prev != nil {
			t.Fatalf("第一次评定：prev=%v err=%v", prev, err)
		}
		prev, err = db.SetStar(ctx, model.Star{Month: nov, StaffID: "lisi", Name: "李四", ActorID: "gly"})
		if err != nil || prev == nil || prev.StaffID != "zhangsan" {
			t.Fatalf("第二次评定应替换张三：prev=%+v err=%v", prev, err)
		}
		got, err := db.Star(ctx, nov)
		if err != nil || got.StaffID != "lisi" || got.Name != "李四" {
			t.Fatalf("Star = %+v, %v；应为李四", got, err)
		}
		if _, _, err := db.Publish(ctx, model.PublishRequest{Publication: model.Publication{Month: nov, ActorID: "gly"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetStar(ctx, model.Star{Month: nov, StaffID: "zhangsan", ActorID: "gly"}); model.ErrorCode(err) != model.ECONFLICT {
			t.Fatalf("发布后改服务明星应为 ECONFLICT，得到 %v", err)
		}
	})
}

// TestPublishOnce 两处同时发布同一月：只有一处写入记录和通知；已有相同 Ref 的记录跳过。
func TestPublishOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		old := entry("lisi", "service_star", 200)
		old.Ref = "star:2026-11"
		record(t, db, "msg:old", old)

		star := entry("lisi", "service_star", 200)
		star.Ref = "star:2026-11"
		flag := entry("zhangsan", "flag_week_month", 100)
		flag.Ref = "flags:weekly:2026-11"
		req := model.PublishRequest{
			Publication: model.Publication{Month: nov, ActorID: "gly", ActorName: "管理员", People: 2, Total: 300},
			Entries:     []model.Entry{star, flag},
			Notices: []model.Notice{
				{Key: "statement:2026-11:lisi", To: model.ToUsers("lisi"), Body: "结算单"},
				{Key: "statement:2026-11:zhangsan", To: model.ToUsers("zhangsan"), Body: "结算单"},
			},
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ok, conflict int
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, written, err := db.Publish(ctx, req)
				mu.Lock()
				defer mu.Unlock()
				switch model.ErrorCode(err) {
				case "":
					ok++
					if len(written) != 1 || written[0].StaffID != "zhangsan" {
						t.Errorf("应只写张三的红旗奖励（李四的已有），写了 %+v", written)
					}
				case model.ECONFLICT:
					conflict++
				default:
					t.Errorf("Publish: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 || conflict != 1 {
			t.Fatalf("成功 %d 次、冲突 %d 次；应各 1 次", ok, conflict)
		}
		es, err := db.Entries(ctx, model.EntryFilter{Month: nov})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 {
			t.Errorf("台账应有 2 条（原有的明星 + 张三的红旗奖励），有 %d 条", len(es))
		}
		ns, err := db.Notices(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 2 {
			t.Errorf("通知应有 2 条，有 %d 条", len(ns))
		}
		p, err := db.Publication(ctx, nov)
		if err != nil || p.ActorName != "管理员" || p.People != 2 || p.Total != 300 || p.Entries != 1 {
			t.Errorf("Publication = %+v, %v", p, err)
		}
		if _, err := db.Publication(ctx, nov.Add(1)); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("未发布的月份应为 ENOTFOUND，得到 %v", err)
		}
	})
}
