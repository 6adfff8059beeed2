package store

import (
	"context"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// TestMetaAndLatestTime：设定先到先得（InitMeta 不覆盖），SetMeta 覆盖；LatestTime 是记下的最晚时刻，
// 全新的库为零；HasData 不把设定本身算作数据。两种数据库都一样。
func TestMetaAndLatestTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clk := model.PinClock(time.Date(2026, 12, 2, 10, 0, 0, 0, model.Shanghai), nil)
		db, err := Open(ctx, dsn, clk, quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if latest, err := db.LatestTime(ctx); err != nil || !latest.IsZero() {
			t.Fatalf("fresh database: latest %v, %v", latest, err)
		}
		if v, err := db.Meta(ctx, "clock"); err != nil || v != "" {
			t.Fatalf("Meta of a fresh database = %q, %v", v, err)
		}
		if v, err := db.InitMeta(ctx, "clock", "rehearsal"); err != nil || v != "rehearsal" {
			t.Fatalf("InitMeta = %q, %v", v, err)
		}
		if v, err := db.InitMeta(ctx, "clock", "real"); err != nil || v != "rehearsal" {
			t.Fatalf("second InitMeta = %q, %v; the first value stays", v, err)
		}
		if has, err := db.HasData(ctx); err != nil || has {
			t.Fatalf("only settings: HasData = %v, %v", has, err)
		}
		clk.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, model.Shanghai))
		if err := db.SetMeta(ctx, "rehearsal_clock", "2026-12-02T10:00:00+08:00"); err != nil {
			t.Fatal(err)
		}
		if v, _ := db.Meta(ctx, "rehearsal_clock"); v != "2026-12-02T10:00:00+08:00" {
			t.Errorf("SetMeta did not stick: %q", v)
		}
		clk.Set(time.Date(2026, 12, 5, 9, 30, 0, 0, model.Shanghai))
		if err := db.Enqueue(ctx, model.Notice{Key: "n1", To: model.ToUsers("a"), Body: "x"}); err != nil {
			t.Fatal(err)
		}
		latest, err := db.LatestTime(ctx)
		if err != nil || !latest.Equal(clk.Now()) {
			t.Errorf("latest = %v, %v; want the notice's time %v", latest, err, clk.Now())
		}
		if has, err := db.HasData(ctx); err != nil || !has {
			t.Errorf("with a notice: HasData = %v, %v", has, err)
		}
	})
}
