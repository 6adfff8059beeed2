package settlement_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/settlement/calc"
	"github.com/hongqi-dev/hongqi/store"
)

// BenchmarkMonthlySettlement 是县级规模之上的压力：20,000 名员工（200 个网点）、一年 2,000,000 条台账记录
// （每月约 167,000 条）、全年的周旗和旬旗，在 MariaDB 上：
//   - draft：算出 2026 年 11 月的结算（读花名册、当月全部记录和红旗，调用 calc.Monthly）；
//   - publish：发布该月——一个事务写入发布记录、生成的奖励记录，并为每个有记录的人入队一份明细。
//
// 用 MariaDB 的 SEQUENCE 引擎在库内生成记录，准备约半分钟。运行：
//
//	go test ./settlement -run '^$' -bench MonthlySettlement -benchtime 1x -v
func BenchmarkMonthlySettlement(b *testing.B) {
	ctx := context.Background()
	dsn := testenv.MySQL(b)
	clk := model.PinClock(time.Date(2026, 12, 2, 9, 0, 0, 0, model.Shanghai), nil)
	db, err := store.Open(ctx, dsn, clk, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	loc := model.Shanghai

	const staffN, branches = 20000, 200
	start := time.Now()
	roster := make([]model.Staff, 0, staffN+branches+1)
	for i := 0; i < staffN; i++ {
		br := i % branches
		kind := model.BranchCounty
		if br >= 150 {
			kind = model.BranchRural
		}
		roster = append(roster, model.Staff{UserID: fmt.Sprintf("s%05d", i), Name: fmt.Sprintf("员工%05d", i),
			Branch: fmt.Sprintf("网点%03d", br), BranchKind: kind, Role: model.RoleStaff, Active: true})
	}
	for br := 0; br < branches; br++ {
		kind := model.BranchCounty
		if br >= 150 {
			kind = model.BranchRural
		}
		roster = append(roster, model.Staff{UserID: fmt.Sprintf("h%03d", br), Name: fmt.Sprintf("所长%03d", br),
			Branch: fmt.Sprintf("网点%03d", br), BranchKind: kind, Role: model.RoleHead, Active: true})
	}
	admin := model.Staff{UserID: "admin", Name: "管理员", Branch: "中心", BranchKind: model.BranchCounty, Role: model.RoleAdmin, Active: true}
	roster = append(roster, admin)
	if _, _, err := db.UpsertRoster(ctx, roster); err != nil {
		b.Fatal(err)
	}
	b.Logf("花名册 %d 人导入用时 %v", len(roster), time.Since(start))

	raw, err := sql.Open("mysql", strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	start = time.Now()
	// 2,000,000 条：人 = seq % 20000（每人 100 条），月 = seq DIV 20000 % 12 + 1（每人每月约 8 条）；大多是扣款，少数奖励。
	if _, err := raw.ExecContext(ctx, `INSERT INTO entries
		(staff_id, staff_name, branch, rule_code, rule_name, kind, amount, note, actor_id, actor_name, msg_key, month, ref, created_at)
		SELECT CONCAT('s', LPAD(seq % 20000, 5, '0')), CONCAT('员工', LPAD(seq % 20000, 5, '0')),
		       CONCAT('网点', LPAD(seq % 20000 % 200, 3, '0')),
		       IF(seq % 10 = 0, 'info_adopted', 'late'), IF(seq % 10 = 0, '上报党政办信息被市级部门采纳', '到岗迟到或者早退'),
		       IF(seq % 10 = 0, 'reward', 'deduct'), IF(seq % 10 = 0, 50, -10), '', 'admin', '管理员',
		       CONCAT('bench:', seq), CONCAT('2026-', LPAD(seq DIV 20000 % 12 + 1, 2, '0')), '', UTC_TIMESTAMP(6)
		FROM seq_0_to_1999999`); err != nil {
		b.Fatalf("生成台账: %v", err)
	}
	b.Logf("2,000,000 条台账生成用时 %v", time.Since(start))

	// 全年的红旗：每周两面周旗（轮流给前 100 名县城员工），每旬一面旬旗（轮流给农村网点）。
	var flags []model.Flag
	for w := 1; w <= 52; w++ {
		wk := model.Week{Year: 2026, Week: w}
		for k := 0; k < 2; k++ {
			i := (w*2 + k) % 8 // 前 8 人轮流，每人一年约 13 面
			flags = append(flags, model.Flag{Kind: model.FlagWeekly, Period: wk.String(), Month: wk.Month(loc),
				StaffID: fmt.Sprintf("s%05d", i), Name: fmt.Sprintf("员工%05d", i), Branch: fmt.Sprintf("网点%03d", i%branches),
				HeadID: fmt.Sprintf("h%03d", i%branches)})
		}
	}
	for m := 1; m <= 12; m++ {
		for n := 1; n <= 3; n++ {
			d := model.Dekad{Year: 2026, Month: time.Month(m), N: n}
			br := 150 + m%50
			flags = append(flags, model.Flag{Kind: model.FlagDekad, Period: d.String(), Month: d.MonthOf(),
				Name: fmt.Sprintf("网点%03d", br), Branch: fmt.Sprintf("网点%03d", br), HeadID: fmt.Sprintf("h%03d", br)})
		}
	}
	if _, err := db.ImportFlags(ctx, flags); err != nil {
		b.Fatal(err)
	}

	led := &ledger.Service{Staff: db, Ledger: db, Catalog: rules.Default(), Clock: clk}
	svc := &settlement.Service{Ledger: led, Flags: db, Store: db, Cfg: calc.DefaultConfig()}
	month := model.Month{Year: 2026, Month: 11}

	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
			}
		}
	}()
	defer close(stop)

	b.Run("draft-20000staff-167k-entries", func(b *testing.B) {
		runtime.GC()
		peak.Store(0)
		for i := 0; i < b.N; i++ {
			d, err := svc.Draft(ctx, month)
			if err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				b.Logf("11 月：%d 份明细，合计 %d 元", len(d.Result.Statements), d.Result.Summary.Total)
			}
		}
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	})
	b.Run("publish-queue-statements", func(b *testing.B) {
		runtime.GC()
		peak.Store(0)
		for i := 0; i < b.N; i++ {
			m := month.Add(-i) // 每次发布一个新月份
			res, err := svc.Publish(ctx, admin, model.Message{Key: fmt.Sprintf("bench:publish:%d", i), From: "admin"}, m)
			if err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				b.Logf("发布 %s：入队 %d 份明细", m, res.Statements)
			}
		}
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	})
}
