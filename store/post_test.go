package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

func TestReplacePosts(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		added, updated, err := db.ReplacePosts(ctx, []model.Post{
			{Window: "社保窗口", A: "zhangsan", B: []string{"lisi", "zhangsan2"}},
			{Window: "医保窗口", A: "lisi", B: []string{"zhangsan"}},
		})
		if err != nil || added != 2 || updated != 0 {
			t.Fatalf("首次导入 added=%d updated=%d err=%v，想要 2 0", added, updated, err)
		}
		p, err := db.Post(ctx, "社保窗口")
		if err != nil || p.A != "zhangsan" || !slices.Equal(p.B, []string{"lisi", "zhangsan2"}) {
			t.Fatalf("Post(社保窗口) = %+v, %v", p, err)
		}

		// 再导入社保窗口：A、B 整体替换；医保窗口不在文件中，保持原样。
		added, updated, err = db.ReplacePosts(ctx, []model.Post{{Window: "社保窗口", A: "zhangsan2", B: []string{"zhangsan"}}})
		if err != nil || added != 0 || updated != 1 {
			t.Fatalf("再次导入 added=%d updated=%d err=%v，想要 0 1", added, updated, err)
		}
		all, err := db.Posts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []model.Post{
			{Window: "医保窗口", A: "lisi", B: []string{"zhangsan"}},
			{Window: "社保窗口", A: "zhangsan2", B: []string{"zhangsan"}},
		}
		if len(all) != 2 {
			t.Fatalf("Posts = %+v", all)
		}
		for i := range want {
			if all[i].Window != want[i].Window || all[i].A != want[i].A || !slices.Equal(all[i].B, want[i].B) {
				t.Errorf("Posts[%d] = %+v，想要 %+v", i, all[i], want[i])
			}
		}
		mine, err := db.PostsOf(ctx, "lisi")
		if err != nil || len(mine) != 1 || mine[0].Window != "医保窗口" || mine[0].Holds("lisi") != "A" {
			t.Errorf("PostsOf(lisi) = %+v, %v；李四已不在社保窗口", mine, err)
		}

		_, err = db.Post(ctx, "税务窗口")
		wantCode(t, err, model.ENOTFOUND)
	})
}

func TestReplacePostsAllOrNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		if _, _, err := db.ReplacePosts(ctx, []model.Post{{Window: "社保窗口", A: "zhangsan", B: []string{"lisi"}}}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			posts []model.Post
			want  string
		}{
			{"没有 B 岗", []model.Post{{Window: "社保窗口", A: "lisi"}, {Window: "医保窗口", A: "zhangsan"}}, "没有 B 岗"},
			{"A 也是 B", []model.Post{{Window: "社保窗口", A: "lisi", B: []string{"LISI"}}}, "出现了两次"},
			{"窗口重复", []model.Post{{Window: "社保窗口", A: "lisi", B: []string{"zhangsan"}}, {Window: "社保窗口", A: "zhangsan", B: []string{"lisi"}}}, "窗口重复"},
			{"空表", nil, "没有窗口"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := db.ReplacePosts(ctx, tc.posts)
				wantCode(t, err, model.EINVALID)
				if !strings.Contains(model.ErrorMessage(err), tc.want) {
					t.Errorf("错误 %q 应含 %q", model.ErrorMessage(err), tc.want)
				}
				p, _ := db.Post(ctx, "社保窗口")
				if p.A != "zhangsan" || !slices.Equal(p.B, []string{"lisi"}) {
					t.Errorf("失败的导入改动了社保窗口：%+v", p)
				}
			})
		}
	})
}

func day(s string) model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func leave(staff, start, end string) model.Leave {
	return model.Leave{StaffID: staff, StaffName: staff, Branch: "城关营业所", Start: day(start), End: day(end), HalfDays: 2 * (day(start).DaysUntil(day(end)) + 1), Reason: "探亲", Route: model.RouteLeader}
}

func TestLeaveLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		ask := model.Notice{Key: "leave:{id}:ask", To: model.ToUsers("leader"), Plain: true, Body: "批准 {id}"}
		l, err := db.CreateLeave(ctx, msg("msg:1"), leave("zhangsan", "2026-11-28", "2026-11-30"), []model.Notice{ask})
		if err != nil {
			t.Fatal(err)
		}
		if l.ID == 0 || l.Status != model.LeavePending || l.Start != day("2026-11-28") || l.End != day("2026-11-30") || l.HalfDays != 6 {
			t.Fatalf("CreateLeave = %+v", l)
		}

		// 同一消息再到：返回原请假单，不写第二张。
		again, err := db.CreateLeave(ctx, msg("msg:1"), leave("zhangsan", "2026-11-28", "2026-11-30"), []model.Notice{ask})
		wantCode(t, err, model.EDUPLICATE)
		if again.ID != l.ID {
			t.Errorf("重复消息返回 #%d，想要 #%d", again.ID, l.ID)
		}

		// 重叠的请假：ECONFLICT，说明与哪一张重叠；另一个人同样的日期不冲突。
		_, err = db.CreateLeave(ctx, msg("msg:2"), leave("zhangsan", "2026-11-30", "2026-12-02"), nil)
		wantCode(t, err, model.ECONFLICT)
		if !strings.Contains(model.ErrorMessage(err), "11月28日–11月30日") {
			t.Errorf("重叠说明 %q 没写出原请假日期", model.ErrorMessage(err))
		}
		if _, err := db.CreateLeave(ctx, msg("msg:3"), leave("lisi", "2026-11-30", "2026-12-02"), nil); err != nil {
			t.Fatal(err)
		}

		notices, _ := db.Notices(ctx, "")
		if len(notices) != 1 || notices[0].Body != "批准 "+itoa(l.ID) {
			t.Errorf("通知 = %+v，想要一条替换了编号的通知", notices)
		}

		// 批准：只有待审批时才能批准；第二次批准得到 ECONFLICT 和现状。
		at := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		approve := model.LeaveDecision{Msg: msg("msg:4"), LeaveID: l.ID, From: model.LeavePending, Status: model.LeaveApproved, By: "leader", ByName: "分管领导", At: at,
			Notices: []model.Notice{{Key: "leave:{id}:result", To: model.ToUsers("zhangsan", "lisi"), Plain: true, Body: "已批准"}}}
		got, err := db.DecideLeave(ctx, approve)
		if err != nil || got.Status != model.LeaveApproved || got.DecidedBy != "leader" || got.DecidedAt == nil || !got.DecidedAt.Equal(at) {
			t.Fatalf("DecideLeave = %+v, %v", got, err)
		}
		approve.Msg = msg("msg:5")
		got, err = db.DecideLeave(ctx, approve)
		wantCode(t, err, model.ECONFLICT)
		if got.Status != model.LeaveApproved {
			t.Errorf("第二次批准返回的现状 = %s", got.Status)
		}

		// 销假：结束日期提前。
		end := model.LeaveDecision{Msg: msg("msg:6"), LeaveID: l.ID, From: model.LeaveApproved, Status: model.LeaveApproved, End: day("2026-11-28"), EndedEarly: true}
		got, err = db.DecideLeave(ctx, end)
		if err != nil || got.End != day("2026-11-28") || !got.EndedEarly || got.DecidedBy != "leader" {
			t.Fatalf("销假 = %+v, %v", got, err)
		}

		list, err := db.Leaves(ctx, model.LeaveFilter{Statuses: []model.LeaveStatus{model.LeaveApproved}, From: day("2026-11-29"), To: day("2026-11-29")})
		if err != nil || len(list) != 0 {
			t.Errorf("销假后 11-29 仍有已批准的请假：%+v, %v", list, err)
		}
		list, _ = db.Leaves(ctx, model.LeaveFilter{From: day("2026-11-01"), To: day("2026-11-30")})
		if len(list) != 2 {
			t.Errorf("11 月的请假单 %d 张，想要 2", len(list))
		}
		_, err = db.Leave(ctx, 999)
		wantCode(t, err, model.ENOTFOUND)
		if notices, _ := db.Notices(ctx, ""); len(notices) != 2 {
			t.Errorf("通知 %d 条，想要 2（请假、批准各一条；重复、冲突的没有入队）", len(notices))
		}
	})
}

// TestLeaveConcurrentApprove 两位审批人同时批准同一张请假单：只有一个成功。
func TestLeaveConcurrentApprove(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		l, err := db.CreateLeave(ctx, msg("msg:1"), leave("zhangsan", "2026-11-28", "2026-11-28"), nil)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		codes := make([]string, 6)
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := db.DecideLeave(ctx, model.LeaveDecision{Msg: msg("msg:c" + itoa(int64(i))), LeaveID: l.ID, From: model.LeavePending, Status: model.LeaveApproved, By: "d" + itoa(int64(i)),
					Notices: []model.Notice{{Key: "leave:{id}:result", To: model.ToUsers("zhangsan"), Body: "x"}}})
				codes[i] = model.ErrorCode(err)
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			switch c {
			case "":
				ok++
			case model.ECONFLICT:
			default:
				t.Errorf("意外的错误码 %q", c)
			}
		}
		if ok != 1 {
			t.Errorf("%d 次批准成功，想要 1（%v）", ok, codes)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
