package store

import (
	"context"
	"strings"
	"sync/atomic"

	"gorm.io/gorm"

	"github.com/hongqi-dev/hongqi/model"
)

// 花名册缓存：每条命令都要认发送人、按名字找人，这些都从进程内存里的花名册快照取，不再各读一次库。
// 快照带着 roster_version 的版本号；每次使用前核对库里的版本，不同就整份重读。核对放在哪里：
//
//   - 处理消息的事务（Once）在开头那一批语句里带共享锁读版本（MySQL 上与 START TRANSACTION、
//     登记消息合成一次往返，不多花一次往返）。导入花名册先给版本行加排他锁，所以导入要等正在处理的
//     消息结束，之后的消息要等导入提交：任何一条命令用的花名册都是它提交那一刻有效的花名册，
//     已停用的人既不能再发命令，也不会再被记录。
//   - 只读命令（Fresh 给的 ctx）每条命令读一次版本；其余调用（定时任务、命令行）每次调用读一次。
//
// 版本只由 bumpRoster 改变，改 staff 表的事务都必须先调用它（UpsertRoster 就是这样）。直接改库里的
// staff 表不会被察觉，请只用“hongqi staff import”改花名册。

// rosterSnap 是某一版本的整份花名册，创建后不再修改，可被多个请求同时读。
type rosterSnap struct {
	version int64
	list    []model.Staff    // 按网点、姓名、userid 排序（数据库的排序规则）
	byID    map[string]int   // userid → 下标
	byKey   map[string][]int // 小写的 userid 或姓名 → 下标（升序）
}

func newRosterSnap(version int64, rows []staffRow) *rosterSnap {
	s := &rosterSnap{
		version: version,
		list:    make([]model.Staff, len(rows)),
		byID:    make(map[string]int, len(rows)),
		byKey:   make(map[string][]int, 2*len(rows)),
	}
	for i, r := range rows {
		st := staffFromRow(r)
		s.list[i] = st
		s.byID[st.UserID] = i
		id, name := strings.ToLower(st.UserID), strings.ToLower(st.Name)
		s.byKey[id] = append(s.byKey[id], i)
		if name != id {
			s.byKey[name] = append(s.byKey[name], i)
		}
	}
	return s
}

// find 返回工号（不区分大小写）或姓名（不区分大小写）等于 key 的人，按花名册顺序。
func (s *rosterSnap) find(key string) []model.Staff {
	idx := s.byKey[strings.ToLower(strings.TrimSpace(key))]
	if len(idx) == 0 {
		return nil
	}
	out := make([]model.Staff, 0, len(idx))
	for _, i := range idx {
		out = append(out, s.list[i])
	}
	return out
}

// staff 按 userid 取人：先精确匹配，再不区分大小写（企业微信的 userid 不区分大小写）。
func (s *rosterSnap) staff(userID string) (model.Staff, bool) {
	if i, ok := s.byID[userID]; ok {
		return s.list[i], true
	}
	for _, i := range s.byKey[strings.ToLower(userID)] {
		if strings.EqualFold(s.list[i].UserID, userID) {
			return s.list[i], true
		}
	}
	return model.Staff{}, false
}

// rosterCache 是本进程的花名册快照（各 DB 一份）。
type rosterCache struct{ p atomic.Pointer[rosterSnap] }

// rosterMemo 是一条只读命令的花名册：第一次用时核对版本，之后不再核对（见 Fresh）。
type rosterMemo struct{ snap *rosterSnap }

type memoKey struct{}

// Fresh 实现 model.Units：返回的 ctx 里，花名册在第一次使用时核对一次版本，之后同一条命令里不再核对。
// 用于不开事务的只读命令。
func (db *DB) Fresh(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &rosterMemo{})
}

// bumpRoster 在 tx 里让花名册版本加一（并取得版本行的排他锁）。
func bumpRoster(tx *gorm.DB) error {
	return tx.Exec("UPDATE roster_version SET version = version + 1 WHERE id = 1").Error
}

// readVersion 读花名册版本；lock 为真时在 MySQL 上带共享锁读（与导入花名册互相排队）。
func (db *DB) readVersion(g *gorm.DB, lock bool) (int64, error) {
	q := "SELECT version FROM roster_version WHERE id = 1"
	if lock && db.dialect == DialectMySQL {
		q += " LOCK IN SHARE MODE"
	}
	var v int64
	if err := g.Raw(q).Scan(&v).Error; err != nil {
		return 0, err
	}
	return v, nil
}

// snapAt 返回版本 v 的花名册：缓存的就是这一版时直接用，否则经 g 整份重读并放进缓存。
// lockRows 为真时带共享锁读（可重复读的事务里，一致读可能看到较早的快照）。
func (db *DB) snapAt(g *gorm.DB, v int64, lockRows bool) (*rosterSnap, error) {
	if cur := db.roster.p.Load(); cur != nil && cur.version == v {
		return cur, nil
	}
	var rows []staffRow
	q := "SELECT * FROM staff ORDER BY branch, name, userid"
	if lockRows && db.dialect == DialectMySQL {
		q += " LOCK IN SHARE MODE"
	}
	if err := g.Raw(q).Scan(&rows).Error; err != nil {
		return nil, err
	}
	snap := newRosterSnap(v, rows)
	db.roster.p.Store(snap)
	return snap, nil
}

// rosterFor 返回 ctx 这次调用应使用的花名册（见本文件开头的说明）。
func (db *DB) rosterFor(ctx context.Context) (*rosterSnap, error) {
	if u := db.unitOf(ctx); u != nil {
		if u.snap != nil {
			return u.snap, nil
		}
		g := u.gorm(ctx)
		v := u.roster
		if v == 0 {
			var err error
			if v, err = db.readVersion(g, true); err != nil {
				return nil, db.fail(err, "没能读取花名册")
			}
		}
		snap, err := db.snapAt(g, v, !u.rc)
		if err != nil {
			return nil, db.fail(err, "没能读取花名册")
		}
		u.roster, u.snap = v, snap
		return snap, nil
	}
	memo, _ := ctx.Value(memoKey{}).(*rosterMemo)
	if memo != nil && memo.snap != nil {
		return memo.snap, nil
	}
	g := db.g.WithContext(ctx)
	v, err := db.readVersion(g, false)
	if err != nil {
		return nil, db.fail(err, "没能读取花名册")
	}
	snap, err := db.snapAt(g, v, false)
	if err != nil {
		return nil, db.fail(err, "没能读取花名册")
	}
	if memo != nil {
		memo.snap = snap
	}
	return snap, nil
}

// Staff 按 userid 取人（企业微信的 userid 不区分大小写）；找不到返回 ENOTFOUND。
func (db *DB) Staff(ctx context.Context, userID string) (model.Staff, error) {
	snap, err := db.rosterFor(ctx)
	if err != nil {
		return model.Staff{}, err
	}
	if s, ok := snap.staff(userID); ok {
		return s, nil
	}
	return model.Staff{}, model.Errorf(model.ENOTFOUND, "花名册里没有工号为 %s 的人。", userID)
}

// ListStaff 返回全部人员，按网点、姓名、userid 排序。返回的是副本，调用方可以修改。
func (db *DB) ListStaff(ctx context.Context) ([]model.Staff, error) {
	snap, err := db.rosterFor(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]model.Staff, len(snap.list))
	copy(out, snap.list)
	return out, nil
}

// FindStaff 实现 model.StaffStore：工号或姓名等于 key（不区分大小写）的人，含已停用的。
func (db *DB) FindStaff(ctx context.Context, key string) ([]model.Staff, error) {
	snap, err := db.rosterFor(ctx)
	if err != nil {
		return nil, err
	}
	return snap.find(key), nil
}
