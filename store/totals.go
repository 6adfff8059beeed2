package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// monthTotalRow 是 month_totals 表的一行：某人某月未撤销记录的条数和合计（元）。每个写记录和撤销的事务
// 在同一事务里改它（addTotals），所以它与 entries、revocations 同时提交；回复、通知、“查”“我的”读它，
// 不必每次把这个月的记录加一遍。行锁也让同一人同一月的记录、撤销依次排队：每个事务读到的合计都含之前
// 提交的一切。与台账不符（漂移）时 hongqi totals check 查得出、hongqi totals repair 按台账重算。
type monthTotalRow struct {
	StaffID string `gorm:"size:64;primaryKey"`
	Month   string `gorm:"type:char(7);primaryKey;index"`
	Entries int    `gorm:"not null"`
	Total   int64  `gorm:"not null"`
}

func (monthTotalRow) TableName() string { return "month_totals" }

// totalDelta 是一个事务要加到某人某月合计上的条数和金额。
type totalDelta struct {
	entries int
	amount  int64
}

// sortedKeys 返回按工号、月份排好的键：几个事务加同几行的锁时顺序一致，不互相死锁。
func sortedKeys(d map[totalKey]totalDelta) []totalKey {
	keys := make([]totalKey, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].staff != keys[j].staff {
			return keys[i].staff < keys[j].staff
		}
		return keys[i].month < keys[j].month
	})
	return keys
}

// upsertTotal 是把 d 加到 k 行上（行不存在时插入）的语句。
func (db *DB) upsertTotal(k totalKey, d totalDelta) (string, []any) {
	if db.dialect == DialectMySQL {
		return "INSERT INTO month_totals (staff_id, month, entries, total) VALUES (?, ?, ?, ?) " +
				"ON DUPLICATE KEY UPDATE entries = entries + ?, total = total + ?",
			[]any{k.staff, k.month, d.entries, d.amount, d.entries, d.amount}
	}
	return "INSERT INTO month_totals (staff_id, month, entries, total) VALUES (?, ?, ?, ?) " +
			"ON CONFLICT (staff_id, month) DO UPDATE SET entries = entries + excluded.entries, total = total + excluded.total",
		[]any{k.staff, k.month, d.entries, d.amount}
}

// addTotals 在事务 tx 里把 deltas 加到各人各月的合计上，返回加过之后的合计。加的同时锁住这几行
// （MySQL 的行锁一直到事务结束；SQLite 的写事务本来就一个接一个），所以读回的合计含之前提交的一切
// 和本事务的改动，在任何隔离级别下都不会是旧的。
func (db *DB) addTotals(tx *gorm.DB, deltas map[totalKey]totalDelta) (map[totalKey]int64, error) {
	out := make(map[totalKey]int64, len(deltas))
	for _, k := range sortedKeys(deltas) {
		q, args := db.upsertTotal(k, deltas[k])
		if db.dialect != DialectMySQL || db.returning {
			var got []int64
			if err := tx.Raw(q+" RETURNING total", args...).Scan(&got).Error; err != nil {
				return nil, err
			}
			if len(got) != 1 {
				return nil, fmt.Errorf("store: 月合计 %s %s 没有读回", k.staff, k.month)
			}
			out[k] = got[0]
			continue
		}
		if u := unitOfTx(tx); u != nil && u.batching() {
			// 改和读合成一次往返。
			if err := u.later(tx.Statement.Context, q, args); err != nil {
				return nil, err
			}
		} else if err := tx.Exec(q, args...).Error; err != nil {
			return nil, err
		}
		var got []int64
		if err := tx.Raw("SELECT total FROM month_totals WHERE staff_id = ? AND month = ?", k.staff, k.month).Scan(&got).Error; err != nil {
			return nil, err
		}
		if len(got) != 1 {
			return nil, fmt.Errorf("store: 月合计 %s %s 没有读回", k.staff, k.month)
		}
		out[k] = got[0]
	}
	return out, nil
}

// TotalDrift 是 month_totals 里与台账不符的一行：Stored 是表里的，Ledger 是按 entries、revocations 现算的。
type TotalDrift struct {
	StaffID                      string
	Month                        string
	StoredEntries, LedgerEntries int
	Stored, Ledger               int64
}

func (d TotalDrift) String() string {
	return fmt.Sprintf("%s %s：表里 %d 条 %d 元，台账 %d 条 %d 元", d.StaffID, d.Month,
		d.StoredEntries, d.Stored, d.LedgerEntries, d.Ledger)
}

type totalsRow struct {
	StaffID string
	Month   string
	Entries int
	Total   int64
}

// ledgerTotals 按台账现算各人各月未撤销记录的条数和合计；month 非空时只算这个月。
func ledgerTotals(g *gorm.DB, month string) ([]totalsRow, error) {
	q := `SELECT e.staff_id AS staff_id, e.month AS month, COUNT(*) AS entries, SUM(e.amount) AS total FROM entries e
LEFT JOIN revocations r ON r.entry_id = e.id WHERE r.id IS NULL`
	var args []any
	if month != "" {
		q += " AND e.month = ?"
		args = append(args, month)
	}
	var rows []totalsRow
	err := g.Raw(q+" GROUP BY e.staff_id, e.month", args...).Scan(&rows).Error
	return rows, err
}

// drifts 比较 month_totals 与台账（month 非空时只比这个月）。两次读之间有人写入时可能误报，
// 由 recheck 在锁住那一行之后再核对。
func (db *DB) drifts(ctx context.Context, month string) ([]TotalDrift, error) {
	g := db.conn(ctx)
	ledger, err := ledgerTotals(g, month)
	if err != nil {
		return nil, err
	}
	var stored []monthTotalRow
	q := g.Model(&monthTotalRow{})
	if month != "" {
		q = q.Where("month = ?", month)
	}
	if err := q.Find(&stored).Error; err != nil {
		return nil, err
	}
	byKey := map[totalKey]*TotalDrift{}
	for _, r := range stored {
		byKey[totalKey{r.StaffID, r.Month}] = &TotalDrift{StaffID: r.StaffID, Month: r.Month, StoredEntries: r.Entries, Stored: r.Total}
	}
	for _, r := range ledger {
		k := totalKey{r.StaffID, r.Month}
		d := byKey[k]
		if d == nil {
			d = &TotalDrift{StaffID: r.StaffID, Month: r.Month}
			byKey[k] = d
		}
		d.LedgerEntries, d.Ledger = r.Entries, r.Total
	}
	var out []TotalDrift
	for _, d := range byKey {
		if d.StoredEntries != d.LedgerEntries || d.Stored != d.Ledger {
			out = append(out, *d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].StaffID != out[j].StaffID {
			return out[i].StaffID < out[j].StaffID
		}
		return out[i].Month < out[j].Month
	})
	return out, nil
}

// recheck 在一个事务里锁住 k 的合计行（没有就插入一行零）再按台账现算：锁到手之后没有别的事务能改这个人
// 这个月的合计（写记录、撤销的事务都要先拿到这把锁才能提交），读已提交下现算的结果就是台账此刻的样子。
// fix 为真时把合计改成现算的结果。返回锁住之后的比较结果，没有不符时为 nil。
func (db *DB) recheck(ctx context.Context, k totalKey, fix bool) (*TotalDrift, error) {
	var out *TotalDrift
	err := db.tx(ctx, func(tx *gorm.DB) error {
		out = nil
		q, args := db.upsertTotal(k, totalDelta{})
		if err := tx.Exec(q, args...).Error; err != nil {
			return err
		}
		var stored monthTotalRow
		if err := tx.Where("staff_id = ? AND month = ?", k.staff, k.month).Take(&stored).Error; err != nil {
			return err
		}
		var led []totalsRow
		if err := tx.Raw(`SELECT COUNT(*) AS entries, COALESCE(SUM(e.amount), 0) AS total FROM entries e
LEFT JOIN revocations r ON r.entry_id = e.id WHERE r.id IS NULL AND e.staff_id = ? AND e.month = ?`, k.staff, k.month).Scan(&led).Error; err != nil {
			return err
		}
		d := TotalDrift{StaffID: k.staff, Month: k.month, StoredEntries: stored.Entries, Stored: stored.Total}
		if len(led) > 0 {
			d.LedgerEntries, d.Ledger = led[0].Entries, led[0].Total
		}
		if d.StoredEntries == d.LedgerEntries && d.Stored == d.Ledger {
			return nil
		}
		out = &d
		if !fix {
			return nil
		}
		return tx.Model(&monthTotalRow{}).Where("staff_id = ? AND month = ?", k.staff, k.month).
			Updates(map[string]any{"entries": d.LedgerEntries, "total": d.Ledger}).Error
	}, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	return out, err
}

// CheckTotals 返回 month_totals 里与台账不符的行，按工号、月份排序；month 非空（如 "2026-11"）时只查这个月。
// 只报锁住那一行再核对之后仍然不符的（同时写入造成的一时之差不算）。
func (db *DB) CheckTotals(ctx context.Context, month string) ([]TotalDrift, error) {
	return db.checkTotals(ctx, month, false)
}

// RepairTotals 把 month_totals 里与台账不符的行按台账改正，返回改正前的样子。可以在服务运行时执行。
func (db *DB) RepairTotals(ctx context.Context) ([]TotalDrift, error) {
	return db.checkTotals(ctx, "", true)
}

func (db *DB) checkTotals(ctx context.Context, month string, fix bool) ([]TotalDrift, error) {
	cands, err := db.drifts(ctx, month)
	if err != nil {
		return nil, db.fail(err, "没能核对月合计")
	}
	var out []TotalDrift
	for _, c := range cands {
		d, err := db.recheck(ctx, totalKey{c.StaffID, c.Month}, fix)
		if err != nil {
			return out, db.fail(err, "没能核对月合计")
		}
		if d != nil {
			out = append(out, *d)
		}
	}
	return out, nil
}

// schemaTotals 是有了 month_totals 的表结构版本（meta 表的 schema 键）。
const schemaTotals = 2

// metaSchema 是 meta 表里记表结构版本的键；没有这个键的库是版本 1。
const metaSchema = "schema"

// migrateTotals 把版本低于 schemaTotals 的库升级：按台账重算整张 month_totals，记下新版本。在一个事务里做，
// 先锁住 meta 里的版本行：几个副本同时启动时只有一个重算，其余的等它提交后看到新版本，什么也不做。
func (db *DB) migrateTotals(g *gorm.DB) error {
	return g.Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&metaRow{Key: metaSchema, Value: "1", UpdatedAt: db.now()}).Error; err != nil {
			return err
		}
		lock := "SELECT value FROM meta WHERE `key` = ?"
		if db.dialect == DialectMySQL {
			lock += " FOR UPDATE"
		}
		var v []string
		if err := tx.Raw(lock, metaSchema).Scan(&v).Error; err != nil {
			return err
		}
		cur := 1
		if len(v) > 0 {
			cur, _ = strconv.Atoi(strings.TrimSpace(v[0]))
		}
		if cur >= schemaTotals {
			return nil
		}
		if err := tx.Exec("DELETE FROM month_totals").Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO month_totals (staff_id, month, entries, total)
SELECT e.staff_id, e.month, COUNT(*), SUM(e.amount) FROM entries e
LEFT JOIN revocations r ON r.entry_id = e.id WHERE r.id IS NULL GROUP BY e.staff_id, e.month`).Error; err != nil {
			return err
		}
		return tx.Model(&metaRow{}).Where("`key` = ?", metaSchema).
			Updates(map[string]any{"value": strconv.Itoa(schemaTotals), "updated_at": db.now()}).Error
	}, repeatableRead(db.dialect))
}

// repeatableRead 是 gorm 事务的选项：MySQL 上可重复读（会话默认是读已提交，见 rcConnector），SQLite 上不设。
func repeatableRead(dialect string) *sql.TxOptions {
	if dialect != DialectMySQL {
		return nil
	}
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead}
}
