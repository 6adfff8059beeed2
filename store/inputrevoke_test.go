package store

import (
	"context"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// TestRevokeInputs 撤销评分依据：另记一条撤销，原录入还在、注明已撤销，汇总里不再计；
// 撤过的再撤 ECONFLICT，同一消息再到 EDUPLICATE（返回那次撤销），测评仪导入的测评不能撤；
// 测评被同一天的新录入覆盖后，旧的撤销不作用于新的计数。
func TestRevokeInputs(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		now := testClock.Now()
		today := model.DateOf(now, model.Shanghai)
		spot, err := db.RecordSpotCheck(ctx, inputMsg("msg:s1"), model.SpotCheck{StaffID: "zhangsan", StaffName: "张三", Score: 90, ActorID: "sup1", ActorName: "主管"})
		if err != nil {
			t.Fatal(err)
		}
		praise, err := db.RecordFeedback(ctx, inputMsg("msg:f1"), model.Feedback{StaffID: "zhangsan", Kind: model.FeedbackPraise, ActorID: "sup1"})
		if err != nil {
			t.Fatal(err)
		}
		insp, err := db.RecordInspection(ctx, inputMsg("msg:i1"), model.Inspection{Branch: "河西所", Item: "hygiene", Score: 80, ActorID: "lead"})
		if err != nil {
			t.Fatal(err)
		}
		meter, err := db.RecordMeterDay(ctx, inputMsg("msg:m1"), model.MeterDay{StaffID: "zhangsan", Day: today, Satisfied: 30, ActorID: "sup1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ImportMeter(ctx, "file:x", []model.MeterDay{{StaffID: "lisi", Day: today, Satisfied: 25}}); err != nil {
			t.Fatal(err)
		}

		revoke := func(key string, kind model.InputKind, id int64) (model.InputRevocation, error) {
			t.Helper()
			rec, err := db.Input(ctx, kind, id)
			if err != nil {
				return model.InputRevocation{}, err
			}
			return db.RevokeInput(ctx, inputMsg(key), model.InputRevocation{Kind: kind, InputID: id, InputMsgKey: rec.MsgKey, ActorID: "sup1", ActorName: "主管", Reason: "录错了"})
		}
		for i, in := range []struct {
			kind model.InputKind
			id   int64
		}{{model.InputSpot, spot.ID}, {model.InputPraise, praise.ID}, {model.InputInspection, insp.ID}, {model.InputMeter, meter.ID}} {
			if _, err := revoke("msg:r"+string(rune('a'+i)), in.kind, in.id); err != nil {
				t.Fatalf("撤销%s %d：%v", in.kind.Label(), in.id, err)
			}
			rec, err := db.Input(ctx, in.kind, in.id)
			if err != nil || rec.Revoked == nil || rec.Revoked.Reason != "录错了" {
				t.Errorf("撤销后%s %d = %+v, %v；应注明已撤销", in.kind.Label(), in.id, rec, err)
			}
		}
		_, err = revoke("msg:again", model.InputSpot, spot.ID)
		wantCode(t, err, model.ECONFLICT)
		rev, err := revoke("msg:ra", model.InputSpot, spot.ID)
		wantCode(t, err, model.EDUPLICATE)
		if rev.InputID != spot.ID {
			t.Errorf("重复的消息应返回那次撤销：%+v", rev)
		}
		_, err = db.Input(ctx, model.InputComplaint, praise.ID)
		wantCode(t, err, model.EINVALID)
		imported, err := db.MeterDays(ctx, "lisi", today, today)
		if err != nil || len(imported) != 1 {
			t.Fatalf("导入的测评 = %+v, %v", imported, err)
		}
		_, err = db.Input(ctx, model.InputMeter, imported[0].ID)
		wantCode(t, err, model.ENOTFOUND)
		_, err = db.Input(ctx, model.InputSpot, 999)
		wantCode(t, err, model.ENOTFOUND)

		got := inputsOf(t, db, now.Add(-24*time.Hour), now.Add(24*time.Hour))
		if z := got["zhangsan"]; z.SpotCount != 0 || z.Praise != 0 || z.Ratings() != 0 {
			t.Errorf("撤销后张三仍计入：%+v", z)
		}
		if l := got["lisi"]; l.Ratings() != 25 {
			t.Errorf("导入的测评应照常计入：%+v", l)
		}
		if br, err := db.BranchInputs(ctx, now.Add(-time.Hour), now.Add(time.Hour)); err != nil || len(br) != 0 {
			t.Errorf("撤销后的检查仍计入：%+v, %v", br, err)
		}

		// 同一天再录测评：覆盖那一行、换了消息，旧的撤销不再作用。拿旧消息撤销新录入的被拒绝。
		if _, err := db.RecordMeterDay(ctx, inputMsg("msg:m2"), model.MeterDay{StaffID: "zhangsan", Day: today, Satisfied: 40, ActorID: "sup1"}); err != nil {
			t.Fatal(err)
		}
		if z := inputsOf(t, db, now.Add(-24*time.Hour), now.Add(24*time.Hour))["zhangsan"]; z.Ratings() != 40 {
			t.Errorf("再录的测评应计入 40 次：%+v", z)
		}
		_, err = db.RevokeInput(ctx, inputMsg("msg:stale"), model.InputRevocation{Kind: model.InputMeter, InputID: meter.ID, InputMsgKey: "msg:m1", ActorID: "sup1"})
		wantCode(t, err, model.ECONFLICT)
		if _, err := revoke("msg:rm2", model.InputMeter, meter.ID); err != nil {
			t.Errorf("撤销再录的测评：%v", err)
		}
	})
}
