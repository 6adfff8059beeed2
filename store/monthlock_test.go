package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"gorm.io/gorm"
)

// publishing 像 Publish 那样在另一条连接上开一个事务：先锁住 m（排他锁），再登记发布；返回的事务还没提交。
func publishing(t *testing.T, db *DB, m model.Month) *gorm.DB {
	t.Helper()
	tx := db.g.Begin()
	if err := tx.Error; err != nil {
		t.Fatal(err)
	}
	if err := db.lockMonth(tx, m, true); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	row := publicationRow{Month: m.String(), ActorID: "gly", ActorName: "管理员", MsgKey: "msg:publish", At: testClock.Now()}
	if err := tx.Create(&row).Error; err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	return tx
}

// waitsOrDone 等到另一条连接上有一条锁月份的语句正在执行（它在等 publishing 的锁：没有锁挡着时这条语句
// 一下就完成了），返回 true；或 done 先有了结果（false，连同结果）。每个测试一个库，只看这个库的连接。
// （information_schema.INNODB_TRX 在 MariaDB 上看不全正在等锁的语句，所以看 PROCESSLIST。）
// 等不到时（一分钟）测试失败；这不是计时的断言，真正的断言在调用方：发布提交之后的结果。
func waitsOrDone(t *testing.T, db *DB, done <-chan error) (bool, error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return false, err
		default:
		}
		var n int64
		err := db.g.Raw(`SELECT COUNT(*) FROM information_schema.PROCESSLIST
WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND = 'Query' AND INFO LIKE '%month_locks%'`).Scan(&n).Error
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return true, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("一分钟里既没有等锁，也没有结果")
	return false, nil
}

// TestStarWaitsForPublish：发布锁住了 11 月、还没提交时评定 11 月的服务明星，评定等发布提交，看到已发布，
// 不评（ECONFLICT）。以前评定先普通地读一下有没有发布记录（读不到还没提交的），照样评上，而发布的结算单
// 按旧的明星算了钱：结算单上是一个人，数据库里的明星是另一个人。
func TestStarWaitsForPublish(t *testing.T) {
	db := openDB(t, testenv.MySQL(t))
	ctx := context.Background()
	tx := publishing(t, db, nov)
	done := make(chan error, 1)
	go func() {
		_, err := db.SetStar(ctx, model.Star{Month: nov, StaffID: "zhangsan", Name: "张三", ActorID: "gly", MsgKey: "msg:star"})
		done <- err
	}()
	waiting, err := waitsOrDone(t, db, done)
	if !waiting {
		tx.Rollback()
		t.Fatalf("评定没有等正在进行的发布（结果 %v）：发布之后的明星和结算单上的不一致", err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	err = <-done
	if model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("发布之后的评定 = %v，应为 ECONFLICT（已经发布，不能再改）", err)
	}
	if _, err := db.Star(ctx, nov); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("发布之后还是评上了明星：%v", err)
	}
}

// TestPublishSeesAStarChangedAfterTheDraft：草稿算完之后改评了服务明星，发布什么也不写（ErrLedgerMoved），
// 由结算服务重算草稿；依据里的明星对得上时照常发布。
func TestPublishSeesAStarChangedAfterTheDraft(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		if _, err := db.SetStar(ctx, model.Star{Month: nov, StaffID: "zhangsan", Name: "张三", ActorID: "gly", MsgKey: "msg:star1"}); err != nil {
			t.Fatal(err)
		}
		basis := model.LedgerBasis{Star: "zhangsan"} // 草稿按张三算的
		if _, err := db.SetStar(ctx, model.Star{Month: nov, StaffID: "lisi", Name: "李四", ActorID: "gly", MsgKey: "msg:star2"}); err != nil {
			t.Fatal(err)
		}
		req := model.PublishRequest{Publication: model.Publication{Month: nov, ActorID: "gly"}, Basis: &basis}
		if _, _, err := db.Publish(ctx, req); !errors.Is(err, model.ErrLedgerMoved) {
			t.Fatalf("按旧明星算的发布 = %v，应为 ErrLedgerMoved", err)
		}
		basis.Star = "lisi"
		if _, _, err := db.Publish(ctx, req); err != nil {
			t.Fatalf("依据对得上的发布 = %v", err)
		}
	})
}

// TestGeneratedEntryWaitsForPublish：发布锁住了 11 月、还没提交时往 11 月补记一条系统生成的记录
// （RecordRequest.OpenMonth，如撤销红旗后补记的所长扣款），写入等发布提交，看到已结账，什么也不写
// （ErrMonthClosed，消息也没登记，台账服务用同一条消息改记本月）。以前台账服务先查“结账了吗”、再另开事务写入，
// 发布落在两者之间时这条记录进了已发布的月份，结算单上没有它，“查”里却有。
func TestGeneratedEntryWaitsForPublish(t *testing.T) {
	db := openDB(t, testenv.MySQL(t))
	ctx := context.Background()
	tx := publishing(t, db, nov)
	e := entry("lsz", "flag_false_info", -200)
	e.Ref = "flag:7:false-info"
	done := make(chan error, 1)
	go func() {
		_, err := db.Record(ctx, model.RecordRequest{Msg: msg("flag-cancel:7"), Entries: []model.Entry{e}, OpenMonth: nov})
		done <- err
	}()
	waiting, err := waitsOrDone(t, db, done)
	if !waiting {
		tx.Rollback()
		t.Fatalf("补记没有等正在进行的发布（结果 %v）：记录会进已发布的月份", err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	err = <-done
	if !errors.Is(err, model.ErrMonthClosed) || model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("发布之后补记进 11 月 = %v，应为 ECONFLICT / ErrMonthClosed", err)
	}
	if all, _ := db.Entries(ctx, model.EntryFilter{Month: nov, IncludeRevoked: true}); len(all) != 0 {
		t.Errorf("已发布的 11 月里多了 %d 条记录", len(all))
	}
	// 消息没有登记：用同一条消息记到 12 月。
	e.Month = model.Month{Year: 2026, Month: 12}
	if _, err := db.Record(ctx, model.RecordRequest{Msg: msg("flag-cancel:7"), Entries: []model.Entry{e}, OpenMonth: e.Month}); err != nil {
		t.Fatalf("改记 12 月：%v", err)
	}
}

// TestGeneratedEntryInAMessageUnit：在消息的工作单元里补记进已发布的月份，返回 ErrMonthClosed 而不让整条消息
// 作废——同一条消息接着改记本月，一起提交（撤销红旗时补记所长的扣款就是这样）。
func TestGeneratedEntryInAMessageUnit(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		if _, _, err := db.Publish(ctx, model.PublishRequest{Publication: model.Publication{Month: nov, ActorID: "gly"}}); err != nil {
			t.Fatal(err)
		}
		dec := model.Month{Year: 2026, Month: 12}
		e := entry("lsz", "flag_false_info", -200)
		e.Ref = "flag:7:false-info"
		reply, err := db.Once(ctx, msg("msg:cancel"), func(ctx context.Context) (string, error) {
			_, err := db.Record(ctx, model.RecordRequest{Msg: msg("flag-cancel:7"), Entries: []model.Entry{e}, OpenMonth: nov})
			if !errors.Is(err, model.ErrMonthClosed) {
				t.Errorf("补记进已发布的 11 月 = %v，应为 ErrMonthClosed", err)
			}
			e.Month = dec
			if _, err := db.Record(ctx, model.RecordRequest{Msg: msg("flag-cancel:7"), Entries: []model.Entry{e}, OpenMonth: dec}); err != nil {
				return "", err
			}
			return "已撤销", nil
		})
		if err != nil || reply != "已撤销" {
			t.Fatalf("消息 = %q, %v", reply, err)
		}
		got, _ := db.Entries(ctx, model.EntryFilter{StaffID: "lsz", IncludeRevoked: true})
		if len(got) != 1 || got[0].Month != dec {
			t.Errorf("记录 = %+v，应只有一条、记在 12 月", got)
		}
	})
}
