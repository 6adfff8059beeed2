// Package e2e 是跨包的端到端测试：流动红旗从定时提名到按钮确认、公布，经过真实的 MariaDB、Redis、
// 签名回调、发件箱和发送器，只有企业微信是假的（wecomtest）。
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/hongqi-dev/hongqi/app"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/handlers"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/outbox"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/redis"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/sched"
	"github.com/hongqi-dev/hongqi/store"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 官方样例 B 的回调参数。
const (
	cbToken  = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	cbAESKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	cbCorpID = "ww1436e0e65a779aee"
	agentID  = "1000002"
	robotKey = "robot-key-e2e-SECRET"
)

var (
	shanghai = mustLoc("Asia/Shanghai")
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// scripted 是固定结果的排行（rank 包之外的测试替身，实现我们自己的 model.Ranker 接口）。
type scripted struct {
	mu     sync.Mutex
	weekly map[string]model.Ranking
	calls  int
}

func (s *scripted) Weekly(_ context.Context, w model.Week) (model.Ranking, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.weekly[w.String()], nil
}

func (s *scripted) Dekad(_ context.Context, d model.Dekad) (model.Ranking, error) {
	return model.Ranking{Kind: model.FlagDekad, Period: d.String(), Label: d.Label()}, nil
}

// replica 是一个装配好的 hongqi 副本：自己的数据库连接、Redis 连接、调度器、发件箱发送进程和回调服务。
type replica struct {
	db     *store.DB
	sched  *sched.Scheduler
	worker *outbox.Worker
	srv    *httptest.Server
	clk    *model.Clock
}

func flagConfig() config.Flags {
	cfg := config.DefaultFlags()
	cfg.Group = []string{"judge1", "judge2"}
	cfg.Announce = []config.AnnounceTarget{
		{Kind: "appchat", Name: "全员群", ChatID: "hongqi-all", Owner: "boss", Members: []string{"boss", "cg01", "cg02", "dj01"}},
		{Kind: "robot", Name: "all", Key: robotKey},
	}
	return cfg
}

func startReplica(t *testing.T, dsn, redisURL, redisPrefix string, api *wecomtest.Server, ranker model.Ranker, clk *model.Clock, goLive time.Time) *replica {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, clk, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rds, err := redis.NewRedis(ctx, redisURL, redisPrefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rds.Close() })
	cfg := flagConfig()

	led := &ledger.Service{Staff: db, Ledger: db, Catalog: rules.Default(), Clock: clk}
	flow := &redflag.Service{Store: db, Outbox: db, Staff: db, Ranker: ranker, Ledger: led, Cfg: cfg, Clock: clk, Log: quiet}
	jobs, err := app.FlagJobs(cfg, clk.Location(), flow)
	if err != nil {
		t.Fatal(err)
	}
	sc := sched.New(clk, rds, db, quiet)
	sc.Add(jobs...)
	sc.GoLive = goLive

	robots := map[string]string{}
	chats := map[string]wecom.AppChat{}
	for _, a := range cfg.Announce {
		if a.Kind == "robot" {
			robots[a.Name] = a.Key
		} else {
			chats[a.ChatID] = wecom.AppChat{Name: a.Name, Owner: a.Owner, Members: a.Members}
		}
	}
	sender, err := wecom.NewSender(wecom.SenderConfig{
		CorpID: wecomtest.CorpID, AgentID: agentID, Secret: wecomtest.Secret, APIBase: api.URL(),
		Cache: rds.TokenCache(), Clock: clk, Log: quiet, Robots: robots, AppChats: chats,
	})
	if err != nil {
		t.Fatal(err)
	}
	worker := &outbox.Worker{Store: db, Notifier: sender, Clock: clk, Log: quiet}

	b := bot.New(bot.Options{Staff: db, Units: db, Log: quiet, Clock: clk})
	handlers.Register(b, handlers.Deps{Ledger: led, Flags: flow, Clock: clk})
	crypto, err := wecom.NewCrypto(cbToken, cbAESKey, cbCorpID)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/wecom/callback", &wecom.Callback{Crypto: crypto, Processor: b, Clock: clk, Log: quiet})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &replica{db: db, sched: sc, worker: worker, srv: srv, clk: clk}
}

// post 以企业微信的身份把一条回调消息签名加密后 POST 给副本，返回解密后的被动回复。
func post(t *testing.T, r *replica, inner string) string {
	t.Helper()
	q, body := wecomtest.SignedRequest(cbToken, cbAESKey, cbCorpID, inner, r.clk.Now(), "nonce"+strconv.Itoa(len(inner)))
	resp, err := http.Post(r.srv.URL+"/wecom/callback?"+q.Encode(), "application/xml", strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("回调答 HTTP %d：%s", resp.StatusCode, raw)
	}
	if len(raw) == 0 {
		return ""
	}
	reply, err := wecomtest.DecryptReply(cbToken, cbAESKey, cbCorpID, raw)
	if err != nil {
		t.Fatalf("解密回复：%v", err)
	}
	return reply
}

// tickAll 让所有副本同时执行一轮调度。
func tickAll(t *testing.T, rs []*replica) {
	t.Helper()
	var wg sync.WaitGroup
	for _, r := range rs {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.sched.Tick(context.Background()); err != nil {
					t.Errorf("Tick: %v", err)
				}
			}()
		}
	}
	wg.Wait()
}

// drain 让所有副本的发送进程同时送几轮，把到期的通知送完。
func drain(t *testing.T, rs []*replica) {
	t.Helper()
	for range 3 {
		var wg sync.WaitGroup
		for _, r := range rs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.worker.RunOnce(context.Background()); err != nil {
					t.Errorf("RunOnce: %v", err)
				}
			}()
		}
		wg.Wait()
	}
}

func weekRanking() model.Ranking {
	w := model.Week{Year: 2026, Week: 45}
	zs := model.Ranked{Rank: 1, Subject: "cg01", Name: "张三", Branch: "城关所", Score: 9250, Eligible: true,
		Parts: []model.ScorePart{{Name: "满意率", Value: "97.5%"}, {Name: "抽查", Value: "92.0（3 次）"}}}
	ww := model.Ranked{Rank: 2, Subject: "dj01", Name: "王五", Branch: "东街所", Score: 9010, Eligible: true,
		Parts: []model.ScorePart{{Name: "满意率", Value: "95.0%"}}}
	ls := model.Ranked{Rank: 3, Subject: "cg02", Name: "李四", Branch: "城关所", Score: 8800, Eligible: true}
	return model.Ranking{Kind: model.FlagWeekly, Period: w.String(), Label: w.Label(shanghai),
		Entries: []model.Ranked{zs, ww, ls}, Winners: []model.Ranked{zs, ww}, TieRule: "同分按满意率高者在前"}
}

func TestWeeklyFlagEndToEnd(t *testing.T) {
	dsn := testenv.MySQL(t)
	redisURL, prefix := testenv.Redis(t)
	api := wecomtest.NewServer(t)
	api.AddRobot(robotKey)
	ranker := &scripted{weekly: map[string]model.Ranking{"2026-W45": weekRanking()}}
	monday := time.Date(2026, 11, 9, 7, 59, 0, 0, shanghai)
	clk := model.PinClock(monday, nil)
	api.SetNow(clk.Now)
	rs := []*replica{
		startReplica(t, dsn, redisURL, prefix, api, ranker, clk, monday.AddDate(0, 0, -7)), // 上周一上线：那时 W44 已经结束，不提名
		startReplica(t, dsn, redisURL, prefix, api, ranker, clk, monday.AddDate(0, 0, -7)), // 上周一上线：那时 W44 已经结束，不提名
	}
	ctx := context.Background()
	if _, _, err := rs[0].db.UpsertRoster(ctx, testenv.Roster(t, "testdata/roster.csv")); err != nil {
		t.Fatal(err)
	}

	// 07:59：还没到点，什么也不做。
	tickAll(t, rs)
	drain(t, rs)
	if n := len(api.Messages()); n != 0 {
		t.Fatalf("没到点就发了 %d 条消息", n)
	}

	// 08:00：两个副本同时到点，只提名一次，评选小组收到一张卡片（文字都在卡片上，不另发）。
	clk.Set(monday.Add(time.Minute))
	tickAll(t, rs)
	drain(t, rs)
	if ranker.calls != 1 {
		t.Errorf("排行算了 %d 次，想要 1 次", ranker.calls)
	}
	round, err := rs[0].db.Round(ctx, model.FlagWeekly, "2026-W45")
	if err != nil {
		t.Fatalf("没有提名 2026-W45：%v", err)
	}
	msgs := api.Messages()
	if len(msgs) != 1 || msgs[0].MsgType != "template_card" {
		t.Fatalf("评选小组收到 %d 条消息，想要只有 1 张卡片：%+v", len(msgs), msgs)
	}
	card := msgs[0]
	if card.ToUser != "judge1|judge2" {
		t.Errorf("提名发给了 %q，想要评选小组 judge1|judge2", card.ToUser)
	}
	for _, want := range []string{"张三", "92.50 分", "满意率 97.5%", "王五", "确认红旗", "改选"} {
		if !strings.Contains(card.Content, want) {
			t.Errorf("提名卡片缺少“%s”：\n%s", want, card.Content)
		}
	}
	var c struct {
		CardType string `json:"card_type"`
		TaskID   string `json:"task_id"`
		Buttons  []struct {
			Key string `json:"key"`
		} `json:"button_list"`
	}
	if err := json.Unmarshal([]byte(card.Content), &c); err != nil {
		t.Fatalf("卡片不是 JSON：%v\n%s", err, card.Content)
	}
	taskID := "flag-" + strconv.FormatInt(round.ID, 10)
	if c.CardType != "button_interaction" || c.TaskID != taskID || len(c.Buttons) != 1 {
		t.Fatalf("卡片 = %+v，想要 button_interaction、task_id %s、一个按钮", c, taskID)
	}
	button := c.Buttons[0].Key

	// 不在评选小组的人点按钮：拒绝，不改变评选。
	clk.Advance(5 * time.Minute)
	reply := post(t, rs[1], wecomtest.TemplateCardEvent(cbCorpID, "cg02", button, taskID, agentID, clk.Now()))
	if !strings.Contains(reply, "只有评选小组成员") {
		t.Errorf("非评选小组成员点按钮，回复 %q", reply)
	}

	// 评选小组成员点“确认红旗”：企业微信把同一事件重试到两个副本上，只确认一次，
	// 每个副本都回同一句确认（数据库里存下的那一句）。
	clk.Advance(time.Minute)
	ev := wecomtest.TemplateCardEvent(cbCorpID, "judge1", button, taskID, agentID, clk.Now())
	var replies []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range []*replica{rs[0], rs[1], rs[0]} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep := post(t, r, ev)
			mu.Lock()
			replies = append(replies, rep)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, rep := range replies {
		if rep != replies[0] || !strings.HasPrefix(rep, "已确认") || !strings.Contains(rep, "张三、王五") {
			t.Errorf("三次投递的回复 %q，应都是同一句列出获旗人的确认", replies)
			break
		}
	}
	if fs, err := rs[0].db.Flags(context.Background(), model.FlagFilter{Period: round.Period}); err != nil || len(fs) != 2 {
		t.Errorf("确认后 %s 有 %d 面红旗（%v），应为 2", round.Period, len(fs), err)
	}

	// 另一位成员随后再确认：清楚地告诉他已经定了。
	clk.Advance(time.Minute)
	reply = post(t, rs[1], wecomtest.TextMessage(cbCorpID, "judge2", "确认红旗", 9001, agentID, clk.Now()))
	if !strings.Contains(reply, "已由 孙评委 确认") || !strings.Contains(reply, "不能再改") {
		t.Errorf("已决定后再确认，回复 %q", reply)
	}
	reply = post(t, rs[0], wecomtest.TextMessage(cbCorpID, "judge2", "改选 李四", 9002, agentID, clk.Now()))
	if !strings.Contains(reply, "不能再改") && !strings.Contains(reply, "没有待确认") {
		t.Errorf("已决定后再改选，回复 %q", reply)
	}

	// 过了期限，两个副本的自动生效都不再动这一轮。
	clk.Set(monday.Add(72 * time.Hour))
	tickAll(t, rs)
	drain(t, rs)
	clk.Advance(2 * time.Minute)
	drain(t, rs)

	robot := api.RobotMessages()
	chat := api.ChatMessages()
	if len(robot) != 2 || len(chat) != 2 || robot[1].MsgType != "image" || chat[1].MsgType != "image" {
		t.Fatalf("公布：机器人 %d 条、群聊 %d 条，想要各恰好 1 条文字、1 张排行图", len(robot), len(chat))
	}
	// 排行图：两位获旗者之后是提名时排在后面的合格者。
	checkPicture(t, robot[1].Data, 2)
	if !bytes.Equal(robot[1].Data, chat[1].Data) {
		t.Error("群机器人和应用群聊收到的排行图不同")
	}
	for _, body := range []string{robot[0].Content, chat[0].Content} {
		for _, want := range []string{"张三（城关所）", "王五（东街所）", "评选小组已确认"} {
			if !strings.Contains(body, want) {
				t.Errorf("公布缺少“%s”：\n%s", want, body)
			}
		}
	}
	if api.ChatCreates() != 1 || len(api.Chats()["hongqi-all"].UserList) != 4 {
		t.Errorf("公布群应建 1 次（成员 4 人），建了 %d 次：%+v", api.ChatCreates(), api.Chats())
	}
	flags, err := rs[1].db.Flags(ctx, model.FlagFilter{Period: "2026-W45"})
	if err != nil || len(flags) != 2 {
		t.Fatalf("红旗 %d 面（%v），想要 2 面", len(flags), err)
	}
	heads := map[string]string{}
	for _, f := range flags {
		heads[f.StaffID] = f.HeadID
		if f.Month.String() != "2026-11" {
			t.Errorf("%s 的红旗计入 %s，想要 2026-11", f.Name, f.Month)
		}
	}
	if heads["cg01"] != "cg_head" || heads["dj01"] != "" {
		t.Errorf("所长 = %v，想要城关所 cg_head、东街所没有所长", heads)
	}
	got, _ := rs[0].db.Round(ctx, model.FlagWeekly, "2026-W45")
	if got.Status != model.RoundConfirmed || got.DecidedBy != "judge1" {
		t.Errorf("评选状态 %s、由 %q 决定，想要 confirmed、judge1", got.Status, got.DecidedBy)
	}
	// 之后的应用消息只有 11 月上旬的旬评选（排行里没有合格网点）：通知评选小组不评，不建评选。
	later := api.Messages()[1:]
	if len(later) != 1 || !strings.Contains(later[0].Content, "11月上旬 旬服务红旗标杆所") || !strings.Contains(later[0].Content, "没有符合条件") {
		t.Errorf("提名之后的应用消息 = %+v，想要只有 11 月上旬无人合格的通知", later)
	}
	if _, err := rs[0].db.Round(ctx, model.FlagDekad, "2026-11-1"); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("无人合格的旬不应建评选：%v", err)
	}
}
