// Package app 是 hongqi 的装配层（benbjohnson/wtf 的 Main）：在这里创建全系统唯一的时钟，打开存储、
// Redis 和企业微信，把各功能的服务、命令和定时任务接在一起。cmd/hongqi 的子命令和 e2e 的整机测试
// 都经由它，所以生产装配只写一次。
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/handlers"
	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/outbox"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/redis"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/sched"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/store"
	"github.com/hongqi-dev/hongqi/web"
	"github.com/hongqi-dev/hongqi/wecom"
)

// Main 把各部分按配置装配起来（benbjohnson/wtf 的做法）：存储、去重与锁、规则、机器人、
// 通知发送和 HTTP 回调。Open 之后各字段可用，Close 释放资源。
type Main struct {
	Config config.Config
	Log    *slog.Logger
	// Clock 是全系统唯一的时钟：在这里创建，交给存储、机器人、服务、定时任务和发送进程。
	Clock *model.Clock
	// RedisPrefix 是本实例所有 Redis 键的前缀，默认 "hongqi:"（测试时每个测试各用一个）。
	RedisPrefix string
	// Rehearsal 表示打开的是演练数据库（HONGQI_CLOCK）：发往企业微信的消息都以【演练】开头。OpenStore 设定。
	Rehearsal bool
	// GoLive 是这个中心开始用红旗的时刻（数据库记下的第一次启动，或 flags.since）；Open 设定。
	// 在它之前就结束的周、旬、月，定时任务不提名、不发草稿、不自动发布。
	GoLive time.Time

	DB      *store.DB
	Locker  model.Locker
	Catalog *model.Catalog
	Ledger  *ledger.Service
	Posts   *leave.Service
	Flow    *redflag.Service
	Inputs  *redflag.Inputs
	Sched   *sched.Scheduler
	Settle  *settlement.Service
	Bot     *bot.Bot
	Sender  *outbox.Worker
	// WeCom 是企业微信的发送与网页授权；未配置企业微信时为空。
	WeCom *wecom.Sender
	// Web 是 /app/ 下的网页（应用主页）。
	Web *web.Server

	closers []func() error
}

// NewMain 读取配置并创建日志；不连接任何外部服务。
func NewMain(getenv func(string) string, logOut io.Writer) (*Main, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))
	clock := model.SystemClock(cfg.Location)
	if cfg.Rehearsal() {
		clock = model.StartClock(cfg.Clock, cfg.Location) // 演练：从 HONGQI_CLOCK 起往前走
	}
	return &Main{Config: cfg, Log: log, Clock: clock, RedisPrefix: "hongqi:"}, nil
}

// OpenStore 只打开数据库（花名册导入等命令用），并检查演练时钟的护栏（见 checkClock）。
func (m *Main) OpenStore(ctx context.Context) error {
	db, err := store.Open(ctx, m.Config.DB, m.Clock, m.Log)
	if err != nil {
		return err
	}
	if err := m.checkClock(ctx, db); err != nil {
		db.Close()
		return err
	}
	m.DB = db
	m.closers = append(m.closers, db.Close)
	return nil
}

// Open 装配全部部件。
func (m *Main) Open(ctx context.Context) error {
	if m.DB == nil {
		if err := m.OpenStore(ctx); err != nil {
			return err
		}
	}
	cat, err := m.loadCatalog()
	if err != nil {
		return err
	}
	m.Catalog = cat
	if m.GoLive, err = m.goLive(ctx); err != nil {
		return err
	}
	if err := m.checkConfiguredPeople(ctx); err != nil {
		return err
	}

	var tokenCache wecom.TokenCache
	if m.Config.Redis != "" {
		redis.SetLogger(m.Log) // go-redis 自己的日志只在 debug 级别出现
		r, err := redis.NewRedis(ctx, m.Config.Redis, m.RedisPrefix)
		if err != nil {
			return err
		}
		m.closers = append(m.closers, r.Close)
		m.Locker = r
		tokenCache = r.TokenCache()
	} else {
		mem := redis.NewMemory(m.Clock)
		m.Locker = mem
		tokenCache = mem.TokenCache()
	}

	m.Ledger = &ledger.Service{Staff: m.DB, Ledger: m.DB, Catalog: cat, Clock: m.Clock, AppealWithin: m.Config.Appeal.Within}
	// 消息是否处理过只由数据库决定：写命令在 m.DB.Once 的事务里处理（Redis 不在这条路径上）。
	m.Bot = bot.New(bot.Options{
		Staff:  m.DB,
		Units:  m.DB,
		Log:    m.Log,
		Clock:  m.Clock,
		Outbox: m.DB, // 超过企业微信上限的回复，其余几段经发件箱私信续发
		Cards:  m.DB, // 按钮事件带的 response_code
	})
	m.Posts = &leave.Service{Staff: m.DB, Posts: m.DB, Leaves: m.DB, Ledger: m.Ledger, Clock: m.Clock}
	m.Posts.HookLedger()
	if err := m.openFlags(); err != nil {
		return err
	}
	if err := m.openSettlement(); err != nil {
		return err
	}
	if err := m.openJobs(); err != nil {
		return err
	}
	var notifier model.Notifier = wecom.LogNotifier{Log: m.Log}
	if w := m.Config.WeCom; w.SendEnabled() {
		robots, chats := announceTargets(m.Config.Flags.Announce)
		s, err := wecom.NewSender(wecom.SenderConfig{
			CorpID: w.CorpID, AgentID: w.AgentID, Secret: w.Secret, APIBase: w.APIBase,
			Cache: tokenCache, Clock: m.Clock, HTTPTimeout: 10 * time.Second, Log: m.Log,
			Robots: robots, AppChats: chats, Mark: m.mark(), Cards: m.DB,
		})
		if err != nil {
			return err
		}
		notifier = s
		m.WeCom = s
	} else {
		// 命令行（chat、report 等）也经过这里：只在 debug 级别说；服务启动时 Serve 另用 info 说一次。
		m.Log.Debug("未配置企业微信发消息（HONGQI_WECOM_CORP_ID/AGENT_ID/SECRET），通知只写入日志")
	}
	m.Sender = &outbox.Worker{Store: m.DB, Notifier: notifier, Clock: m.Clock, Log: m.Log}
	if err := m.openWeb(); err != nil {
		return err
	}
	handlers.Register(m.Bot, handlers.Deps{
		Ledger: m.Ledger, Leave: m.Posts, Flags: m.Flow, Inputs: m.Inputs,
		Settle: m.Settle, Clock: m.Clock, WebLink: m.Web.LoginLink, Web: m.Config.PublicURL,
	})
	return nil
}

// checkConfiguredPeople 核对配置里写的人都在花名册上、在职：评选小组（flags.group / HONGQI_FLAG_GROUP）、
// 应用群聊的群主和成员（flags.announce）。写错一个，评选小组里就少了一个人（他点“确认”会被拒绝），
// 或者建群失败，而且要到第一次评选才发现——所以启动时就拒绝，说清楚是哪一项、哪个工号。工号不分大小写，
// 核对后换成花名册上的写法。花名册还是空的（刚装好、还没导入）时只记一条警告。
func (m *Main) checkConfiguredPeople(ctx context.Context) error {
	staff, err := m.DB.ListStaff(ctx)
	if err != nil {
		return err
	}
	f := &m.Config.Flags
	if len(staff) == 0 {
		if len(f.Group) > 0 || len(f.Announce) > 0 {
			m.Log.Warn("花名册是空的，还不能核对评选小组和公布群的成员；导入花名册后重启会再核对")
		}
		return nil
	}
	byID := map[string]model.Staff{}
	var ids []string
	for _, st := range staff {
		byID[strings.ToLower(st.UserID)] = st
		ids = append(ids, st.UserID)
	}
	var problems []string
	check := func(key string, id *string) {
		st, ok := byID[strings.ToLower(strings.TrimSpace(*id))]
		switch {
		case !ok:
			msg := fmt.Sprintf("%s里的“%s”不在花名册上", key, *id)
			if c := model.Closest(*id, ids, 1); len(c) > 0 {
				msg += "（是不是 " + c[0] + "？）"
			}
			problems = append(problems, msg)
		case !st.Active:
			problems = append(problems, fmt.Sprintf("%s里的 %s（%s）已不在职", key, st.UserID, st.Name))
		default:
			*id = st.UserID
		}
	}
	for i := range f.Group {
		check("flags.group（评选小组，或 HONGQI_FLAG_GROUP）", &f.Group[i])
	}
	for i := range f.Announce {
		t := &f.Announce[i]
		if t.Kind != "appchat" {
			continue
		}
		key := fmt.Sprintf("flags.announce 第 %d 项（%s）的", i+1, cmpOr(t.Name, t.ChatID))
		if t.Owner != "" {
			check(key+" owner（群主）", &t.Owner)
		}
		for j := range t.Members {
			check(key+" members（群成员）", &t.Members[j])
		}
	}
	if len(problems) > 0 {
		return model.Errorf(model.EINVALID, "HONGQI_CONFIG：配置里写的人要在花名册上、在职，hongqi 没有启动：\n%s\n请改正配置里的工号（hongqi staff list 可查），或先导入花名册。",
			strings.Join(problems, "\n"))
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// openWeb 装配网页：与命令同一套服务；企业微信配置齐全时可用网页授权登录，否则只用“网页”命令的一次性链接。
func (m *Main) openWeb() error {
	d := web.Deps{
		Staff: m.DB, Store: m.DB, Ledger: m.Ledger, Settle: m.Settle, Flags: m.Flow, Leave: m.Posts,
		Clock: m.Clock, Log: m.Log, PublicURL: m.Config.PublicURL,
	}
	if m.WeCom != nil {
		d.OAuth = m.WeCom
	}
	w, err := web.New(d)
	if err != nil {
		return err
	}
	m.Web = w
	return nil
}

// mark 是发往企业微信的每条消息开头的标记：演练数据库为【演练】，否则为空。
func (m *Main) mark() string {
	if m.Rehearsal {
		return RehearsalMark
	}
	return ""
}

// announceTargets 把配置里的公布去处分成群机器人（名称 → key）和应用群聊（chatid → 建群信息）。
func announceTargets(ts []config.AnnounceTarget) (map[string]string, map[string]wecom.AppChat) {
	robots, chats := map[string]string{}, map[string]wecom.AppChat{}
	for _, t := range ts {
		switch t.Kind {
		case "robot":
			robots[t.Name] = t.Key
		case "appchat":
			chats[t.ChatID] = wecom.AppChat{Name: t.Name, Owner: t.Owner, Members: t.Members}
		}
	}
	return robots, chats
}

func (m *Main) loadCatalog() (*model.Catalog, error) {
	if m.Config.Rules == "" {
		return rules.Default(), nil
	}
	c, err := rules.Load(m.Config.Rules)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Handler 返回 HTTP 路由：/wecom/callback、/app/（网页）与 /healthz。
func (m *Main) Handler() (http.Handler, error) {
	mux := http.NewServeMux()
	if w := m.Config.WeCom; w.CallbackEnabled() {
		c, err := wecom.NewCrypto(w.Token, w.AESKey, w.CorpID)
		if err != nil {
			return nil, err
		}
		// 回调的时钟只管传输（重放窗口、回复的时间戳）：企业微信按真实时间签名，所以演练时用真实时间的时钟。
		transport := m.Clock
		if m.Rehearsal {
			transport = model.SystemClock(m.Clock.Location())
		}
		mux.Handle("/wecom/callback", &wecom.Callback{
			Crypto: c, Processor: m.Bot, Clock: transport, ReplayWindow: m.Config.ReplayWindow,
			MaxBody: 64 << 10, Log: m.Log, Mark: m.mark(),
		})
	} else {
		m.Log.Info("未配置企业微信回调（HONGQI_WECOM_CORP_ID/TOKEN/AES_KEY），/wecom/callback 暂不可用")
		mux.HandleFunc("/wecom/callback", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "未配置企业微信回调：请设置 HONGQI_WECOM_CORP_ID、HONGQI_WECOM_TOKEN、HONGQI_WECOM_AES_KEY", http.StatusServiceUnavailable)
		})
	}
	if m.Web != nil {
		mux.Handle("/app/", m.Web.Handler())
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := m.DB.Ping(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux, nil
}

// Close 按打开的相反顺序释放资源。
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}

// Serve 读配置、装配全部部件，启动 HTTP 服务、通知发送和定时任务，直到 ctx 结束。
func Serve(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	m, err := NewMain(getenv, logOut)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	h, err := m.Handler()
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              m.Config.HTTPAddr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	workerCtx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	go m.Sender.Run(workerCtx, time.Second)
	go m.Sched.Run(workerCtx, 30*time.Second)
	if addr := m.Config.DebugAddr; addr != "" {
		dbg := &http.Server{Addr: addr, Handler: debugMux(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := dbg.ListenAndServe(); err != nil && err != http.ErrServerClosed {
				m.Log.Warn("调试端口启动失败", "addr", addr, "err", err)
			}
		}()
		defer dbg.Close()
		m.Log.Info("pprof 调试端口已开", "addr", addr)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	if m.WeCom == nil {
		m.Log.Info("未配置企业微信发消息（HONGQI_WECOM_CORP_ID/AGENT_ID/SECRET），通知只写入日志")
	}
	m.Log.Info("hongqi 已启动", "addr", m.Config.HTTPAddr, "config", m.Config.String())
	select {
	case err := <-errc:
		if strings.Contains(err.Error(), "address already in use") {
			return model.Wrap(model.EINVALID, err, "HONGQI_HTTP_ADDR：端口 %s 已被占用，请换一个地址", m.Config.HTTPAddr)
		}
		return err
	case <-ctx.Done():
	}
	m.Log.Info("正在停止…")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutCtx)
}

// debugMux 只挂 pprof，不与业务端口共用。
func debugMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	return mux
}
