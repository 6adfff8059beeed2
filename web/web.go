// Package web 是红旗的网页（企业微信的应用主页）：我的、排行、台账、结算、审批，由同一个二进制在
// /app/ 下提供。页面在服务器上用 html/template 生成，样式、图标和图表（内联 SVG）都编进二进制，
// 不用 CDN、不用前端构建，手机 375 px 宽也能看清。
//
// 每个页面调用与聊天命令相同的服务（ledger、settlement、redflag、leave）和相同的权限判断
// （model.Staff 的 CanView、InScope、IsLeadership 等，经 authz.go 里的几个小函数）：规则只写一次。
//
// 登录：在企业微信里打开时走网页授权（snsapi_base，静默），用 code 换 userid；企业微信之外，
// 用聊天命令“网页”得到的一次性链接（10 分钟内有效，只能用一次）。会话存在数据库里（只存令牌的
// SHA-256），所以退出和过期对所有副本同时生效；过期按全系统唯一的时钟判断。
//
// 为什么没有用 alexedwards/scs：它用 time.Now 计算会话的到期时间，与“只有一个时钟”相违，
// 演练时钟（HONGQI_CLOCK）和测试里停住的时钟下会话会立刻过期或永不过期，也就无法测试“过期”。
// 会话本身只是一张表和一个随机令牌，这里约 150 行。防跨站请求伪造用两层：标准库的
// http.CrossOriginProtection（按 Sec-Fetch-Site/Origin 拒绝跨站的 POST），以及每个表单里的
// 同步令牌（由会话令牌派生，见 csrfToken），缺了或不对的 POST 一律 403。
package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/settlement"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// 会话与登录链接的时长。
const (
	// SessionTTL 是一次登录的有效期。企业微信里过期后会静默重新授权，用户察觉不到。
	SessionTTL = 12 * time.Hour
	// LinkTTL 是“网页”命令给出的一次性登录链接的有效期。
	LinkTTL = 10 * time.Minute
)

// OAuth 是企业微信网页授权（wecom.Sender 实现）。
type OAuth interface {
	// AuthorizeURL 返回授权地址：企业微信把用户带回 redirect，附上 code 和 state。
	AuthorizeURL(redirect, state string) string
	// UserIDFromCode 用 code 换企业成员的 userid。
	UserIDFromCode(ctx context.Context, code string) (string, error)
}

// Deps 是网页所需的服务。
type Deps struct {
	Staff  model.StaffStore
	Store  model.WebStore
	Ledger *ledger.Service
	Settle *settlement.Service
	Flags  *redflag.Service
	Leave  *leave.Service
	Clock  *model.Clock
	Log    *slog.Logger
	// PublicURL 是用户访问的地址（config.PublicURL），如 https://hongqi.example.cn。
	PublicURL string
	// OAuth 为空表示没有配置企业微信（只能用一次性链接登录）。
	OAuth OAuth
}

// Server 是网页。创建后可并发使用；AddApprovals 应在开始服务之前调用。
type Server struct {
	d         Deps
	pages     map[string]*template.Template
	approvals []Approvals
	mux       *http.ServeMux
}

// New 检查依赖、解析模板并注册路由。
func New(d Deps) (*Server, error) {
	switch {
	case d.Staff == nil || d.Store == nil || d.Ledger == nil || d.Settle == nil || d.Flags == nil || d.Leave == nil:
		return nil, model.Errorf(model.EINTERNAL, "web.New 缺少服务。")
	case d.Clock == nil:
		return nil, model.Errorf(model.EINTERNAL, "web.New 缺少时钟。")
	case d.PublicURL == "":
		return nil, model.Errorf(model.EINTERNAL, "web.New 缺少 PublicURL。")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	s := &Server{d: d}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	s.AddApprovals(leaveApprovals{svc: d.Leave, loc: d.Clock.Location()})
	s.AddApprovals(appealApprovals{svc: d.Ledger, loc: d.Clock.Location()})
	s.routes()
	return s, nil
}

// AddApprovals 在审批页加一类待办（请假和申诉已内置）。
func (s *Server) AddApprovals(a Approvals) { s.approvals = append(s.approvals, a) }

// Handler 返回 /app/ 下的全部路由（应挂在 /app/ 上），外面套着跨站请求拦截和安全响应头。
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "请求来自别的网站，已拒绝。请在红旗的页面上操作。")
	}))
	return securityHeaders(cop.Handler(s.mux))
}

// PageURL 返回页面 path（如 "/app/settle?month=2026-11"）的完整地址，供聊天回复附上链接。
func (s *Server) PageURL(path string) string { return s.d.PublicURL + path }

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /app/static/", http.StripPrefix("/app/static/", cacheStatic(http.FileServerFS(static))))
	m.HandleFunc("GET /app/login", s.loginPage)
	m.HandleFunc("POST /app/login", s.loginSubmit)
	m.HandleFunc("GET /app/auth/wecom", s.oauthStart)
	m.HandleFunc("GET /app/auth/wecom/callback", s.oauthCallback)
	m.HandleFunc("POST /app/logout", s.post(s.logout))

	m.HandleFunc("GET /app/{$}", s.page(s.mePage))
	m.HandleFunc("POST /app/appeal", s.post(s.appealSubmit))
	m.HandleFunc("GET /app/board", s.page(s.boardPage))
	m.HandleFunc("GET /app/ledger", s.page(s.ledgerPage))
	m.HandleFunc("POST /app/ledger/revoke", s.post(s.revokeSubmit))
	m.HandleFunc("GET /app/settle", s.page(s.settlePage))
	m.HandleFunc("GET /app/settle/publish", s.page(s.publishConfirm))
	m.HandleFunc("POST /app/settle/publish", s.post(s.publishSubmit))
	m.HandleFunc("GET /app/settle/xlsx", s.page(s.settleXLSX))
	m.HandleFunc("GET /app/settle/year", s.page(s.yearPage))
	m.HandleFunc("GET /app/approve", s.page(s.approvePage))
	m.HandleFunc("POST /app/approve", s.post(s.approveSubmit))
	m.HandleFunc("/app/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "没有这个页面。")
	})
	s.mux = m
}

// securityHeaders 加上安全响应头：页面不缓存（私人数据）、只用本站的样式和图片、不许被嵌入、
// 不把地址（可能带一次性登录令牌）经 Referer 带给别的网站。
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/app/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}
