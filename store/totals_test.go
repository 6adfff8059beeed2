package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
)

// assertTotals 断言 month_totals 与台账一致：每个（人，月）的条数和合计都等于未撤销记录的条数和金额之和。
// openDB 在每个存储测试结束时调用它。
func assertTotals(t testing.TB, db *DB) {
	t.Helper()
	if t.Failed() {
		return
	}
	drift, err := db.drifts(context.Background(), "")
	if err != nil && strings.Contains(err.Error(), "database is closed") {
		return // 测试自己关掉了库
	}
	if err != nil {
		t.Errorf("核对月合计：%v", err)
		return
	}
	for _, d := range drift {
		t.Errorf("月合计与台账不符：%s", d)
	}
}

func TestTotalsUpgradeOldDatabase(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openDB(t, dsn)
		es := record(t, db, "m1", entry("zhangsan", "late", -10), entry("zhangsan", "late", -20), entry("lisi", "info", 50))
		oct := entry("zhangsan", "late", -5)
		oct.Month = nov.Add(-1)
		record(t, db, "m2", oct)
		if _, err := revoke(db, "m3", es[1].ID, "sup"); err != nil {
			t.Fatal(err)
		}
		// 旧版本的库：没有 month_totals，meta 里没有表结构版本。
		if err := db.g.Exec("DROP TABLE month_totals").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.g.Exec("DELETE FROM meta WHERE `key` = ?", metaSchema).Error; err != nil {
			t.Fatal(err)
		}
		db.Close()

		db = openDB(t, dsn)
		got, err := db.MonthTotals(ctx, nov, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got["zhangsan"] != -10 || got["lisi"] != 50 || len(got) != 2 {
			t.Errorf("升级后 11 月合计 = %v，想要 zhangsan -10、lisi 50", got)
		}
		months, err := db.MonthsOf(ctx, "zhangsan")
		if err != nil {
			t.Fatal(err)
		}
		if len(months) != 2 || months[0].Total != -10 || months[0].Entries != 1 || months[1].Total != -5 {
			t.Errorf("升级后 zhangsan 各月 = %+v，想要 11 月 1 条 -10、10 月 -5", months)
		}
		if v, _ := db.Meta(ctx, metaSchema); v != "2" {
			t.Errorf("表结构版本 = %q，想要 2", v)
		}
	})
}

func TestTotalsCheckAndRepair(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openDB(t, dsn)
		record(t, db, "m1", entry("zhangsan", "late", -10), entry("lisi", "info", 50))
		if d, err := db.CheckTotals(ctx, ""); err != nil || len(d) != 0 {
			t.Fatalf("一致的库 CheckTotals = %v, %v，想要没有不符", d, err)
		}
		// 绕过存储改坏：一行合计不对，一行不见了，多出一行没有记录的。
		for _, q := range []string{
			"UPDATE month_totals SET total = 99 WHERE staff_id = 'zhangsan'",
			"DELETE FROM month_totals WHERE staff_id = 'lisi'",
			"INSERT INTO month_totals (staff_id, month, entries, total) VALUES ('wangwu', '2026-11', 1, 7)",
		} {
			if err := db.g.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		d, err := db.CheckTotals(ctx, nov.String())
		if err != nil {
			t.Fatal(err)
		}
		want := []TotalDrift{
			{StaffID: "lisi", Month: "2026-11", LedgerEntries: 1, Ledger: 50},
			{StaffID: "wangwu", Month: "2026-11", StoredEntries: 1, Stored: 7},
			{StaffID: "zhangsan", Month: "2026-11", StoredEntries: 1, LedgerEntries: 1, Stored: 99, Ledger: -10},
		}
		if len(d) != len(want) {
			t.Fatalf("CheckTotals = %v，想要 %v", d, want)
		}
		for i := range want {
			if d[i] != want[i] {
				t.Errorf("CheckTotals[%d] = %v，想要 %v", i, d[i], want[i])
			}
		}
		if d, _ := db.CheckTotals(ctx, "2026-10"); len(d) != 0 {
			t.Errorf("只查 10 月时 = %v，想要没有不符", d)
		}
		fixed, err := db.RepairTotals(ctx)
		if err != nil || len(fixed) != 3 {
			t.Fatalf("RepairTotals = %v, %v，想要改正 3 行", fixed, err)
		}
		got, _ := db.MonthTotals(ctx, nov, nil)
		if got["zhangsan"] != -10 || got["lisi"] != 50 || len(got) != 2 {
			t.Errorf("改正后合计 = %v", got)
		}
		if d, err := db.CheckTotals(ctx, ""); err != nil || len(d) != 0 {
			t.Errorf("改正后 CheckTotals = %v, %v", d, err)
		}
	})
}

// TestHandwrittenInsertsCoverEveryColumn：热路径上不经 gorm 的插入（记录、通知）写的列要与行结构的列完全一致，
// 行结构加了列而手写的语句没跟上时，新列会悄悄写成默认值。
func TestHandwrittenInsertsCoverEveryColumn(t *testing.T) {
	db := openDB(t, testenv.SQLite(t))
	cases := []struct {
		name    string
		row     any
		columns string
	}{
		{"entries", &entryRow{}, entryColumns},
		{"notices", &noticeRow{}, noticeColumns},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &gorm.Statement{DB: db.g}
			if err := st.Parse(c.row); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, f := range st.Schema.Fields {
				if f.DBName != "" && f.DBName != "id" {
					want = append(want, f.DBName)
				}
			}
			var got []string
			for _, col := range strings.Split(c.columns, ",") {
				got = append(got, strings.Trim(strings.TrimSpace(col), "`"))
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("手写的插入写 %v，行结构的列是 %v", got, want)
			}
		})
	}
}

// TestTotalsRecordAndRevokeConcurrently 同一人同时有记录和撤销：都成功（不死锁或死锁后重来成功），
// 通知里的合计都在可能的范围内，最后的合计是剩下的记录之和（测试结束时还核对合计表与台账一致）。
func TestTotalsRecordAndRevokeConcurrently(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		if _, _, err := db.UpsertRoster(ctx, []model.Staff{
			{UserID: "zhangsan", Name: "张三", Branch: "城关营业所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true},
		}); err != nil {
			t.Fatal(err)
		}
		const n = 6
		var old []model.Entry
		for i := range n {
			old = append(old, record(t, db, fmt.Sprintf("pre%d", i), entry("zhangsan", "late", -20))...)
		}
		notify := func(totals chan<- int64) func(model.Entry, int64) model.Notice {
			return func(_ model.Entry, total int64) model.Notice {
				totals <- total
				return model.Notice{Key: "n:{id}:" + fmt.Sprint(total), To: model.ToUsers("zhangsan"), Body: fmt.Sprintf("本月合计 %d", total)}
			}
		}
		totals := make(chan int64, 4*n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(2)
			go func() { // 撤销一条旧的
				defer wg.Done()
				<-start
				key := fmt.Sprintf("rev%d", i)
				_, err := db.Once(ctx, msg(key), func(ctx context.Context) (string, error) {
					_, err := db.Revoke(ctx, model.RevokeRequest{Msg: msg(key), Notify: notify(totals),
						Revocation: model.Revocation{EntryID: old[i].ID, ActorID: "wangzg", ActorName: "王主管", Reason: "记错了"}})
					return "ok", err
				})
				if err != nil {
					t.Errorf("撤销 #%d：%v", old[i].ID, err)
				}
			}()
			go func() { // 记一条新的
				defer wg.Done()
				<-start
				key := fmt.Sprintf("new%d", i)
				_, err := db.Once(ctx, msg(key), func(ctx context.Context) (string, error) {
					_, err := db.Record(ctx, model.RecordRequest{Msg: msg(key), Entries: []model.Entry{entry("zhangsan", "late", -20)}, Notify: notify(totals)})
					return "ok", err
				})
				if err != nil {
					t.Errorf("记录 %s：%v", key, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(totals)
		// 各条提交时的合计都在 −20·(2n) 到 −20·0 之间，且每个值出现的次数不超过可能的次数；
		// 重来过的事务也会调用 Notify，所以只核对范围和最后的结果。
		for got := range totals {
			if got > 0 || got < -20*2*n {
				t.Errorf("通知里的合计 %d 不可能出现", got)
			}
		}
		m, err := db.MonthTotals(ctx, nov, []string{"zhangsan"})
		if err != nil || m["zhangsan"] != -20*n {
			t.Errorf("最后的合计 = %v, %v，想要 %d", m, err, -20*n)
		}
	})
}
