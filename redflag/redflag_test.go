package redflag_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/store"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// fixed 是固定结果的排行。
type fixed struct{}

func (fixed) Weekly(_ context.Context, w model.Week) (model.Ranking, error) {
	return model.Ranking{Kind: model.FlagWeekly, Period: w.String(), Winners: []model.Ranked{
		{Rank: 1, Subject: "cg01", Name: "张三", Branch: "城关所", Score: 9250, Eligible: true},
		{Rank: 2, Subject: "dj01", Name: "王五", Branch: "东街所", Score: 9010, Eligible: true},
	}}, nil
}

func (fixed) Dekad(_ context.Context, d model.Dekad) (model.Ranking, error) {
	return model.Ranking{Kind: model.FlagDekad, Period: d.String(), Winners: []model.Ranked{
		{Rank: 1, Subject: "东山所", Name: "东山所", Branch: "东山所", Score: 9100, Eligible: true},
	}}, nil
}

type env struct {
	svc *redflag.Service
	db  *store.DB
	clk *model.Clock
}

func setup(t *testing.T) *env {
	t.Helper()
	clk := model.PinClock(time.Date(2026, 11, 9, 8, 0, 0, 0, shanghai), nil)
	db, err := store.Open(context.Background(), testenv.SQLite(t), clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, _, err := db.UpsertRoster(context.Background(), testenv.Roster(t, "testdata/roster.csv")); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, clk: clk}
	cfg := config.DefaultFlags()
	// 评选小组里也有被评的人：张三（cg01）、李四（cg02），东山所和河西所的所长（ds_head、hx_head）。
	cfg.Group = []string{"judge1", "judge2", "cg01", "cg02", "ds_head", "hx_head"}
	cfg.Announce = []config.AnnounceTarget{{Kind: "robot", Name: "all", Key: "k"}}
	e.svc = &redflag.Service{Store: db, Outbox: db, Staff: db, Ranker: fixed{}, Cfg: cfg,
		Ledger: &ledger.Service{Staff: db, Ledger: db, Catalog: rules.Default(), Clock: clk},
		Clock:  clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return e
}

func (e *env) staff(t *testing.T, id string) model.Staff {
	t.Helper()
	s, err := e.db.Staff(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) announcement(t *testing.T, roundID int64) string {
	t.Helper()
	ns, _ := e.db.Notices(context.Background(), "")
	for _, n := range ns {
		if strings.HasPrefix(n.Key, "flag:"+strconv.FormatInt(roundID, 10)+":announce:") {
			return n.Body
		}
	}
	return ""
}

func TestDecisions(t *testing.T) {
	cases := []struct {
		name       string
		kind       model.FlagKind
		period     string
		by         string
		act        func(e *env, by model.Staff, r model.Round) (redflag.Decision, error)
		wantCode   string
		wantMsg    string
		wantFlags  []string
		wantAnnoun []string
		wantCard   string // 评选小组卡片上的按钮换成的文字；空：不换
	}{
		{name: "member confirms", kind: model.FlagWeekly, period: "2026-W45", by: "judge1",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Confirm(context.Background(), by, r.ID)
			},
			wantFlags: []string{"张三", "王五"}, wantAnnoun: []string{"张三（城关所） 92.50 分", "评选小组已确认"}, wantCard: "已确认（孙评委）"},
		{name: "non-member cannot confirm", kind: model.FlagWeekly, period: "2026-W45", by: "dj01",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Confirm(context.Background(), by, r.ID)
			},
			wantCode: model.EFORBIDDEN, wantMsg: "只有评选小组成员"},
		{name: "member overrides with a reason", kind: model.FlagWeekly, period: "2026-W45", by: "judge2",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Override(context.Background(), by, r.ID, []string{"李四", "张三", "王五", "本周有投诉"})
			},
			wantFlags: []string{"李四", "张三"}, wantAnnoun: []string{"评选小组改选（原提名：张三、王五）", "理由：王五 本周有投诉"}, wantCard: "已改选（周评委）"},
		{name: "a reason written as markdown is announced as text", kind: model.FlagWeekly, period: "2026-W45", by: "judge2",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Override(context.Background(), by, r.ID, []string{"李四", "张三", "[详见](//evil.example)", "<@all>", "**主任已同意**"})
			},
			wantFlags: []string{"李四", "张三"}, wantAnnoun: []string{"理由：［详见］(//evil.example) ＜@all＞ ＊＊主任已同意＊＊。"}, wantCard: "已改选（周评委）"},
		{name: "override to a head is refused", kind: model.FlagWeekly, period: "2026-W45", by: "judge2",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Override(context.Background(), by, r.ID, []string{"陈所长"})
			},
			wantCode: model.EINVALID, wantMsg: "周红旗只评县城网点的窗口员工"},
		{name: "override to an unknown person", kind: model.FlagWeekly, period: "2026-W45", by: "judge2",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Override(context.Background(), by, r.ID, []string{"钱七"})
			},
			wantCode: model.ENOTFOUND, wantMsg: "没有找到“钱七”"},
		{name: "dekad override by branch", kind: model.FlagDekad, period: "2026-10-3", by: "judge1",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Override(context.Background(), by, r.ID, []string{"河西所", "晨会最好"})
			},
			wantFlags: []string{"河西所"}, wantAnnoun: []string{"获旗：河西所", "理由：晨会最好"}, wantCard: "已改选（孙评委）"},
		{name: "dekad override to a county branch is refused", kind: model.FlagDekad, period: "2026-10-3", by: "judge1",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Override(context.Background(), by, r.ID, []string{"城关所"})
			},
			wantCode: model.ENOTFOUND, wantMsg: "没有叫“城关所”的农村网点"},
		// 评选小组成员不对涉及自己的一期作决定（model.May 的 ActJudge）。
		{name: "nominee cannot confirm their own nomination", kind: model.FlagWeekly, period: "2026-W45", by: "cg01",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Confirm(context.Background(), by, r.ID)
			},
			wantCode: model.EFORBIDDEN, wantMsg: "这一期红旗的人选有您本人，您不能确认或改选，应由评选小组其他成员处理"},
		{name: "nominee cannot override their own round", kind: model.FlagWeekly, period: "2026-W45", by: "cg01",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Override(context.Background(), by, r.ID, []string{"李四", "王五"})
			},
			wantCode: model.EFORBIDDEN, wantMsg: "人选有您本人"},
		{name: "member cannot override to choose themselves", kind: model.FlagWeekly, period: "2026-W45", by: "cg02",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Override(context.Background(), by, r.ID, []string{"李四", "张三"})
			},
			wantCode: model.EFORBIDDEN, wantMsg: "人选有您本人"},
		{name: "head cannot confirm their own branch's dekad flag", kind: model.FlagDekad, period: "2026-10-3", by: "ds_head",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Confirm(context.Background(), by, r.ID)
			},
			wantCode: model.EFORBIDDEN, wantMsg: "人选有您所在的东山所"},
		{name: "head cannot override the dekad flag to their own branch", kind: model.FlagDekad, period: "2026-10-3", by: "hx_head",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				return e.svc.Override(context.Background(), by, r.ID, []string{"河西所"})
			},
			wantCode: model.EFORBIDDEN, wantMsg: "人选有您所在的河西所"},
		{name: "confirm after the deadline: the proposal stood", kind: model.FlagWeekly, period: "2026-W45", by: "judge1",
			act: func(e *env, by model.Staff, r model.Round) (redflag.Decision, error) {
				e.clk.Advance(49 * time.Hour)
				return e.svc.Confirm(context.Background(), by, r.ID)
			},
			wantCode: model.ECONFLICT, wantMsg: "确认期限（11月11日 08:00）已过，提名已自动生效",
			wantFlags: []string{"张三", "王五"}, wantAnnoun: []string{"在期限（11月11日 08:00）前未处理，提名自动生效"}, wantCard: "已自动生效"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := setup(t)
			ctx := context.Background()
			r, err := e.svc.Propose(ctx, c.kind, c.period)
			if err != nil || r.ID == 0 {
				t.Fatalf("Propose: %+v, %v", r, err)
			}
			_, err = c.act(e, e.staff(t, c.by), r)
			if got := model.ErrorCode(err); got != c.wantCode {
				t.Fatalf("错误码 %q（%v），想要 %q", got, err, c.wantCode)
			}
			if c.wantMsg != "" && !strings.Contains(model.ErrorMessage(err), c.wantMsg) {
				t.Errorf("提示 %q 应含 %q", model.ErrorMessage(err), c.wantMsg)
			}
			flags, _ := e.db.Flags(ctx, model.FlagFilter{Period: c.period})
			var names []string
			for _, f := range flags {
				names = append(names, f.Name)
			}
			if strings.Join(names, "、") != strings.Join(c.wantFlags, "、") {
				t.Errorf("红旗 %v，想要 %v", names, c.wantFlags)
			}
			body := e.announcement(t, r.ID)
			for _, w := range c.wantAnnoun {
				if !strings.Contains(body, w) {
					t.Errorf("公布缺少“%s”：\n%s", w, body)
				}
			}
			if len(c.wantAnnoun) == 0 && body != "" {
				t.Errorf("没有决定却公布了：\n%s", body)
			}
			var card []string
			ns, _ := e.db.Notices(ctx, "")
			for _, n := range ns {
				if u := n.CardUpdate; u != nil {
					card = append(card, u.ReplaceName)
					if u.TaskID != redflag.CardTaskID(r.ID) || n.Key != "card:"+u.TaskID || len(n.To.Users) != 6 {
						t.Errorf("卡片更新 %s → %s，发给 %v；想要 %s，发给评选小组", n.Key, u.TaskID, n.To.Users, redflag.CardTaskID(r.ID))
					}
				}
			}
			if strings.Join(card, "、") != c.wantCard {
				t.Errorf("卡片换成 %v，想要 %q", card, c.wantCard)
			}
		})
	}
}

func TestProposeTwiceAndAutoConfirm(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	r1, err := e.svc.Propose(ctx, model.FlagWeekly, "2026-W45")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := e.svc.Propose(ctx, model.FlagWeekly, "2026-W45")
	if err != nil || r2.ID != r1.ID {
		t.Fatalf("再次提名应返回同一轮：%d vs %d（%v）", r2.ID, r1.ID, err)
	}
	ns, _ := e.db.Notices(ctx, "")
	if len(ns) != 1 || ns[0].Card == nil {
		t.Errorf("提名通知 %d 条，想要 1 张卡片（不重复，不另发文字）", len(ns))
	}
	if n, err := e.svc.AutoConfirm(ctx); err != nil || n != 0 {
		t.Fatalf("期限内 AutoConfirm = %d, %v；想要 0", n, err)
	}
	e.clk.Advance(48 * time.Hour)
	if n, err := e.svc.AutoConfirm(ctx); err != nil || n != 1 {
		t.Fatalf("过期后 AutoConfirm = %d, %v；想要 1", n, err)
	}
	if n, _ := e.svc.AutoConfirm(ctx); n != 0 {
		t.Errorf("再次 AutoConfirm 生效 %d 轮，想要 0", n)
	}
	got, _ := e.db.RoundByID(ctx, r1.ID)
	if got.Status != model.RoundAuto {
		t.Errorf("状态 %s，想要 auto", got.Status)
	}
}

func TestCancelFlag(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	r, _ := e.svc.Propose(ctx, model.FlagWeekly, "2026-W45")
	if _, err := e.svc.Confirm(ctx, e.staff(t, "judge1"), r.ID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, by, period, who, reason string
		wantCode, wantMsg             string
	}{
		{"a head cannot cancel", "cg_head", "2026-W45", "张三", "造假", model.EFORBIDDEN, "只有中心领导"},
		{"reason required", "boss", "2026-W45", "张三", "", model.EINVALID, "请写明撤销理由"},
		{"bad period", "boss", "第九周", "张三", "造假", model.EINVALID, "期别“第九周”看不懂"},
		{"no such flag", "boss", "2026-W45", "李四", "造假", model.ENOTFOUND, "这一期的红旗是：张三、王五"},
		{"leadership cancels", "boss", "2026-W45", "张三", "测评数据造假", "", ""},
		{"cancel twice", "judge1", "2026-W45", "cg01", "又一次", model.ECONFLICT, "已经撤销过了"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.CancelFlag(ctx, e.staff(t, c.by), c.period, c.who, c.reason)
			if got := model.ErrorCode(err); got != c.wantCode {
				t.Fatalf("错误码 %q（%v），想要 %q", got, err, c.wantCode)
			}
			if !strings.Contains(model.ErrorMessage(err), c.wantMsg) {
				t.Errorf("提示 %q 应含 %q", model.ErrorMessage(err), c.wantMsg)
			}
		})
	}
	all, _ := e.db.Flags(ctx, model.FlagFilter{Period: "2026-W45", IncludeCancelled: true})
	cancelled := 0
	for _, f := range all {
		if f.Cancelled {
			cancelled++
			if f.StaffID != "cg01" || f.CancelNote != "测评数据造假" {
				t.Errorf("撤销的红旗 = %+v", f)
			}
		}
	}
	if len(all) != 2 || cancelled != 1 {
		t.Errorf("红旗 %d 面、撤销 %d 面，想要 2 面中撤销 1 面", len(all), cancelled)
	}
	ns, _ := e.db.Notices(ctx, "")
	var toStaff, toRobot bool
	for _, n := range ns {
		if strings.Contains(n.Key, ":cancel:") {
			toStaff = toStaff || slices.Equal(n.To.Users, []string{"cg01"})
			toRobot = toRobot || n.To.Robot == "all"
		}
	}
	if !toStaff || !toRobot {
		t.Errorf("撤销应通知获旗人和公布群：staff=%v robot=%v", toStaff, toRobot)
	}
	// 所长因虚假信息被扣 200 元，记在撤销当月，只记一次（第二次撤销被拒绝时也不重复记）。
	es, _ := e.db.Entries(ctx, model.EntryFilter{StaffID: "cg_head"})
	if len(es) != 1 || es[0].Amount != -200 || es[0].RuleCode != "flag_false_info" || es[0].Month.String() != "2026-11" {
		t.Fatalf("所长的扣款 = %+v，想要一条 flag_false_info −200 记在 2026-11", es)
	}
	penalty := false
	for _, n := range ns {
		penalty = penalty || (slices.Equal(n.To.Users, []string{"cg_head"}) && strings.Contains(n.Body, "−200 元"))
	}
	if !penalty {
		t.Errorf("所长没有收到扣款通知")
	}
}

// 进程在建好评选、尚未入队提名通知时退出：下一次定时检查（AutoConfirm）把提名补发给评选小组，且只补一次。
func TestCrashAfterCreateRoundStillNotifiesTheGroup(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	r, err := e.db.CreateRound(ctx, model.Round{
		Kind: model.FlagWeekly, Period: "2026-W45", Label: "2026年第45周", Status: model.RoundProposed,
		Proposed:   []model.Ranked{{Rank: 1, Subject: "zs01", Name: "张三", Score: 9050, Eligible: true}},
		ProposedAt: e.clk.Now(), Deadline: e.clk.Now().Add(48 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if ns, _ := e.db.Notices(ctx, ""); len(ns) != 0 {
		t.Fatalf("setup: %d notices before the repair", len(ns))
	}
	for i := 0; i < 2; i++ {
		if n, err := e.svc.AutoConfirm(ctx); err != nil || n != 0 {
			t.Fatalf("AutoConfirm = %d, %v", n, err)
		}
	}
	ns, _ := e.db.Notices(ctx, "")
	if len(ns) != 1 || ns[0].Card == nil {
		t.Fatalf("after the repair %d notices, want the card once (no separate text)", len(ns))
	}
	if got, _ := e.db.RoundByID(ctx, r.ID); got.Status != model.RoundProposed {
		t.Errorf("round status %s, want still proposed", got.Status)
	}
}
