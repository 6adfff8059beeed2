package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

var nov = model.Month{Year: 2026, Month: time.November}

func msg(key string) model.Message {
	return model.Message{Key: key, From: "wangzg", Text: "扣 张三 迟到", CreateTime: time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)}
}

func entry(staff, rule string, amount int64) model.Entry {
	kind := model.Deduction
	if amount > 0 {
		kind = model.Reward
	}
	return model.Entry{
		StaffID: staff, StaffName: staff, Branch: "城关营业所", RuleCode: rule, RuleName: "规则" + rule,
		Kind: kind, Amount: amount, Note: "备注", ActorID: "wangzg", ActorName: "王主管", Month: nov,
	}
}

func notice(to string) model.Notice {
	return model.Notice{Key: "entry:{id}", To: model.ToUsers(to), Title: "记录 {id}", Body: "编号 {id}，扣 20 元"}
}

// record 写入并断言成功。
func record(t testing.TB, db *DB, key string, es ...model.Entry) []model.Entry {
	t.Helper()
	out, err := db.Record(context.Background(), model.RecordRequest{Msg: msg(key), Entries: es})
	if err != nil {
		t.Fatalf("Record(%s): %v", key, err)
	}
	return out
}

func revoke(db *DB, key string, id int64, actor string) (model.Entry, error) {
	return db.Revoke(context.Background(), model.RevokeRequest{
		Msg:        msg(key),
		Revocation: model.Revocation{EntryID: id, ActorID: actor, ActorName: actor + "名", Reason: "记错了"},
		Notice:     model.Notice{Key: "revoke:{id}", To: model.ToUsers("zhangsan"), Plain: true, Body: "记录 {id} 已撤销"},
	})
}

func ids(es []model.Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestRecordAndDuplicate(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		start := testClock.Now().UTC().Add(-time.Second)
		req := model.RecordRequest{
			Msg:     msg("msg:1001"),
			Entries: []model.Entry{entry("zhangsan", "late", -20), entry("lisi", "late", -20)},
			Notices: []model.Notice{notice("zhangsan"), notice("lisi")},
		}
		got, err := db.Record(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID == 0 || got[1].ID <= got[0].ID {
			t.Fatalf("记录编号 = %v", ids(got))
		}
		for _, e := range got {
			if e.MsgKey != "msg:1001" || e.Month != nov || e.CreatedAt.Before(start) || e.CreatedAt.Location() != time.UTC {
				t.Errorf("记录字段不对：%+v", e)
			}
		}
		// 读回来与写入时返回的一致（包括时间，按 UTC）。
		back, err := db.Entry(ctx, got[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if back.ID != got[0].ID || back.Amount != -20 || back.Kind != model.Deduction || back.StaffName != "zhangsan" ||
			back.Note != "备注" || back.Month != nov || !back.CreatedAt.Equal(got[0].CreatedAt) || back.CreatedAt.Location() != time.UTC || back.Revoked() {
			t.Errorf("Entry 读回 %+v，写入 %+v", back, got[0])
		}

		// 通知的 {id} 换成了各自的记录编号。
		ns, err := db.Notices(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 2 {
			t.Fatalf("通知 %d 条，想要 2", len(ns))
		}
		for i, n := range ns {
			id := fmt.Sprint(got[i].ID)
			if n.Key != "entry:"+id || n.Body != "编号 "+id+"，扣 20 元" || n.Title != "记录 "+id || n.Status != model.NoticePending {
				t.Errorf("通知 %d = %+v", i, n)
			}
		}

		// 同一消息再来一次：EDUPLICATE，返回原来的两条，什么也没多写。
		again, err := db.Record(ctx, req)
		wantCode(t, err, model.EDUPLICATE)
		if model.ErrorMessage(err) != "这条消息已经处理过。" {
			t.Errorf("提示 = %q", model.ErrorMessage(err))
		}
		if fmt.Sprint(ids(again)) != fmt.Sprint(ids(got)) {
			t.Errorf("重复消息返回 %v，想要 %v", ids(again), ids(got))
		}
		all, _ := db.Entries(ctx, model.EntryFilter{IncludeRevoked: true})
		ns, _ = db.Notices(ctx, "")
		if len(all) != 2 || len(ns) != 2 {
			t.Errorf("重复消息后有 %d 条记录、%d 条通知，想要 2、2", len(all), len(ns))
		}
	})
}

func TestRecordInvalid(t *testing.T) {
	noMonth := entry("zhangsan", "late", -20)
	noMonth.Month = model.Month{}
	cases := []struct {
		name string
		req  model.RecordRequest
	}{
		{"empty msg key", model.RecordRequest{Msg: msg(""), Entries: []model.Entry{entry("zhangsan", "late", -20)}}},
		{"no month", model.RecordRequest{Msg: msg("msg:x"), Entries: []model.Entry{noMonth}}},
		{"no staff", model.RecordRequest{Msg: msg("msg:x"), Entries: []model.Entry{entry("", "late", -20)}}},
		{"more notices than entries", model.RecordRequest{Msg: msg("msg:x"), Notices: []model.Notice{notice("a")}}},
	}
	db := openDB(t, "sqlite::memory:")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.Record(context.Background(), c.req)
			wantCode(t, err, model.EINVALID)
		})
	}
	// 无效请求没有登记消息，修正后同一消息仍能记录。
	record(t, db, "msg:x", entry("zhangsan", "late", -20))
}

func TestRecordConcurrentSameMessage(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		// 两个 *DB 模拟两个副本，共 10 个协程同时处理同一条消息。
		dbs := []*DB{openDB(t, dsn), openDB(t, dsn)}
		ctx := context.Background()
		req := model.RecordRequest{
			Msg:     msg("msg:race"),
			Entries: []model.Entry{entry("zhangsan", "late", -20), entry("lisi", "late", -20)},
			Notices: []model.Notice{notice("zhangsan"), notice("lisi")},
		}
		var wg sync.WaitGroup
		results := make([][]model.Entry, 10)
		errs := make([]error, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = dbs[i%2].Record(ctx, req)
			}()
		}
		wg.Wait()
		ok := 0
		var first []int64
		for i, err := range errs {
			switch model.ErrorCode(err) {
			case "":
				ok++
				first = ids(results[i])
			case model.EDUPLICATE:
			default:
				t.Errorf("协程 %d：%v", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d 个协程写入成功，想要 1", ok)
		}
		for i, err := range errs {
			if err != nil && fmt.Sprint(ids(results[i])) != fmt.Sprint(first) {
				t.Errorf("协程 %d 的重复结果 %v，想要 %v", i, ids(results[i]), first)
			}
		}
		all, _ := dbs[0].Entries(ctx, model.EntryFilter{IncludeRevoked: true})
		ns, _ := dbs[1].Notices(ctx, "")
		if len(all) != 2 || len(ns) != 2 {
			t.Errorf("库里有 %d 条记录、%d 条通知，想要 2、2", len(all), len(ns))
		}
	})
}

func TestMonthTotalsAndEntries(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		a := record(t, db, "msg:1", entry("zhangsan", "late", -20), entry("lisi", "late", -20))
		b := record(t, db, "msg:2", entry("zhangsan", "info", 50))
		c := record(t, db, "msg:3", entry("zhangsan", "dirty", -30))
		oct := entry("zhangsan", "late", -100)
		oct.Month = nov.Add(-1)
		record(t, db, "msg:4", oct)
		other := entry("lisi", "late", -20)
		other.ActorID = "zhaosz"
		d := record(t, db, "msg:5", other)
		if _, err := revoke(db, "msg:r1", c[0].ID, "wangzg"); err != nil {
			t.Fatal(err)
		}

		totals, err := db.MonthTotals(ctx, nov, nil)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(totals) != fmt.Sprint(map[string]int64{"zhangsan": 30, "lisi": -40}) {
			t.Errorf("11 月合计 = %v，想要 zhangsan:30 lisi:-40（撤销的 -30 不算，10 月的不算）", totals)
		}
		totals, _ = db.MonthTotals(ctx, nov, []string{"lisi", "nobody"})
		if fmt.Sprint(totals) != fmt.Sprint(map[string]int64{"lisi": -40}) {
			t.Errorf("只算李四 = %v", totals)
		}
		totals, _ = db.MonthTotals(ctx, nov.Add(1), nil)
		if len(totals) != 0 {
			t.Errorf("12 月应没有合计：%v", totals)
		}

		cases := []struct {
			name string
			f    model.EntryFilter
			want []int64
		}{
			{"staff month excludes revoked", model.EntryFilter{StaffID: "zhangsan", Month: nov}, []int64{a[0].ID, b[0].ID}},
			{"staff month with revoked", model.EntryFilter{StaffID: "zhangsan", Month: nov, IncludeRevoked: true}, []int64{a[0].ID, b[0].ID, c[0].ID}},
			{"actor newest first", model.EntryFilter{ActorID: "wangzg", IncludeRevoked: true, Desc: true, Limit: 2}, []int64{c[0].ID + 1, c[0].ID}},
			{"other actor", model.EntryFilter{ActorID: "zhaosz"}, []int64{d[0].ID}},
			{"october", model.EntryFilter{Month: nov.Add(-1)}, []int64{c[0].ID + 1}},
		}
		for _, cs := range cases {
			t.Run(cs.name, func(t *testing.T) {
				es, err := db.Entries(ctx, cs.f)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(ids(es)) != fmt.Sprint(cs.want) {
					t.Errorf("Entries = %v，想要 %v", ids(es), cs.want)
				}
			})
		}
		// 撤销过的记录带着撤销信息。
		es, _ := db.Entries(ctx, model.EntryFilter{StaffID: "zhangsan", Month: nov, IncludeRevoked: true})
		if r := es[2].Revocation; r == nil || r.ActorID != "wangzg" || r.MsgKey != "msg:r1" || r.Reason != "记错了" || r.EntryID != c[0].ID {
			t.Errorf("撤销信息 = %+v", r)
		}
		if es[0].Revoked() {
			t.Errorf("未撤销的记录被标成撤销")
		}
	})
}

func TestRevoke(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		e := record(t, db, "msg:1", entry("zhangsan", "late", -20))[0]

		got, err := revoke(db, "msg:r1", e.ID, "wangzg")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != e.ID || got.Revocation == nil || got.Revocation.ActorName != "wangzg名" || got.Revocation.CreatedAt.IsZero() {
			t.Errorf("撤销后的记录 = %+v", got)
		}
		ns, _ := db.Notices(ctx, "")
		if len(ns) != 1 || ns[0].Key != fmt.Sprintf("revoke:%d", e.ID) || ns[0].Body != fmt.Sprintf("记录 %d 已撤销", e.ID) {
			t.Errorf("撤销通知 = %+v", ns)
		}

		// 原记录还在，只是标记为已撤销。
		back, _ := db.Entry(ctx, e.ID)
		if !back.Revoked() || back.Amount != -20 {
			t.Errorf("撤销后 Entry = %+v", back)
		}

		// 再撤销一次（另一条消息）：ECONFLICT，说明谁在什么时候撤销的。
		again, err := revoke(db, "msg:r2", e.ID, "admin")
		wantCode(t, err, model.ECONFLICT)
		if msg := model.ErrorMessage(err); !strings.Contains(msg, fmt.Sprintf("记录 %d 已于", e.ID)) || !strings.Contains(msg, "被 wangzg名 撤销") {
			t.Errorf("提示 = %q", msg)
		}
		if !again.Revoked() || again.Revocation.ActorID != "wangzg" {
			t.Errorf("冲突时返回的记录 = %+v", again)
		}

		// 同一撤销消息重复投递：EDUPLICATE。
		_, err = revoke(db, "msg:r1", e.ID, "wangzg")
		wantCode(t, err, model.EDUPLICATE)

		// 不存在的编号。
		_, err = revoke(db, "msg:r3", 99999, "wangzg")
		wantCode(t, err, model.ENOTFOUND)
		if model.ErrorMessage(err) != "没有编号为 99999 的记录。" {
			t.Errorf("提示 = %q", model.ErrorMessage(err))
		}
		_, err = db.Entry(ctx, 99999)
		wantCode(t, err, model.ENOTFOUND)

		// 失败的撤销没有写入消息：同一 Key 修正后仍可使用。
		e2 := record(t, db, "msg:2", entry("lisi", "late", -20))[0]
		if _, err := revoke(db, "msg:r3", e2.ID, "wangzg"); err != nil {
			t.Errorf("ENOTFOUND 之后同一消息再撤销应成功：%v", err)
		}
		ns, _ = db.Notices(ctx, "")
		if len(ns) != 2 {
			t.Errorf("通知 %d 条，想要 2（失败的撤销不入队）", len(ns))
		}
	})
}

func TestRevokeConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		dbs := []*DB{openDB(t, dsn), openDB(t, dsn)}
		ctx := context.Background()
		e := record(t, dbs[0], "msg:1", entry("zhangsan", "late", -20))[0]
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = revoke(dbs[i%2], fmt.Sprintf("msg:r%d", i), e.ID, fmt.Sprintf("actor%d", i))
			}()
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch model.ErrorCode(err) {
			case "":
				ok++
			case model.ECONFLICT:
			default:
				t.Errorf("协程 %d：%v", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("%d 次撤销成功，想要 1", ok)
		}
		ns, _ := dbs[0].Notices(ctx, "")
		if len(ns) != 1 {
			t.Errorf("撤销通知 %d 条，想要 1", len(ns))
		}
		var n int64
		dbs[1].g.Model(&revocationRow{}).Count(&n)
		if n != 1 {
			t.Errorf("撤销记录 %d 行，想要 1", n)
		}
	})
}
