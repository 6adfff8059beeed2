package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// pageNames 是模板目录里的页面（每个页面与 layout.html 一起解析）。
var pageNames = []string{"me", "board", "ledger", "settle", "publish", "year", "approve", "login", "link", "message"}

func (s *Server) parseTemplates() error {
	loc := s.d.Clock.Location()
	funcs := template.FuncMap{
		"yuan":     ledger.Yuan,
		"signed":   signedClass,
		"when":     func(t time.Time) string { return t.In(loc).Format("1月2日 15:04") },
		"day":      func(t time.Time) string { return t.In(loc).Format("1月2日") },
		"monthStr": func(m model.Month) string { return m.String() },
		"score":    score,
		"add":      func(a, b int) int { return a + b },
		"days":     model.DaysLabel,
		"nonce":    nonce, // 每个表单各一个一次性编号
		"week": func(p string) string { // 把期别 2026-W45 写成人们说的“11月第1周（11月2日–8日）”
			if w, err := model.ParseWeek(p); err == nil {
				return w.Spoken(loc)
			}
			return p
		},
		"query": query,
		"svg":   func(s string) template.HTML { return template.HTML(s) }, // 只用于 chart.go 生成、已转义的 SVG
	}
	s.pages = map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// nav 是导航栏的一项。
type nav struct {
	Path, Label string
	Current     bool
}

// view 是交给模板的全部数据。
type view struct {
	Title string
	V     *visit
	Nav   []nav
	Data  any
}

// navFor 按权限列出导航（判断见 authz.go）。
func (s *Server) navFor(v *visit, current string) []nav {
	if v == nil {
		return nil
	}
	items := []nav{{Path: "/app/", Label: "我的"}, {Path: "/app/board", Label: "排行"}}
	if canBrowseLedger(v.Actor) {
		items = append(items, nav{Path: "/app/ledger", Label: "台账"})
	}
	if canSettle(v.Actor) {
		items = append(items, nav{Path: "/app/settle", Label: "结算"})
	}
	if s.canApprove(v.Actor) {
		items = append(items, nav{Path: "/app/approve", Label: "审批"})
	}
	for i := range items {
		items[i].Current = items[i].Path == current
	}
	return items
}

var titles = map[string]string{
	"me": "我的", "board": "排行", "ledger": "台账", "settle": "结算", "publish": "发布结算", "year": "年度结算",
	"approve": "审批", "login": "登录", "link": "登录", "message": "红旗",
}

var navPaths = map[string]string{
	"me": "/app/", "board": "/app/board", "ledger": "/app/ledger", "settle": "/app/settle", "publish": "/app/settle",
	"year": "/app/settle", "approve": "/app/approve",
}

// render 用页面 name 的模板输出。渲染先写进缓冲区，出错时不会留下半页。
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, v *visit, data any) {
	t := s.pages[name]
	title := titles[name]
	if m, ok := data.(map[string]any); ok {
		if tt, ok := m["Title"].(string); ok && tt != "" {
			title = tt
		}
	}
	var buf bytes.Buffer
	err := t.Execute(&buf, view{Title: title, V: v, Nav: s.navFor(v, navPaths[name]), Data: data})
	if err != nil {
		s.d.Log.Error("网页渲染失败", "page", name, "err", err)
		http.Error(w, "页面出错了，请稍后再试。", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}

// fail 显示一条说明和返回的链接，状态码为 code。
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	w.WriteHeader(code)
	s.render(w, r, "message", nil, map[string]any{"Title": "红旗", "Text": msg, "Back": "/app/"})
}

// failErr 把服务返回的错误变成 HTTP 状态和给人看的说明（说明与聊天回复相同）。
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	switch model.ErrorCode(err) {
	case model.EFORBIDDEN:
		code = http.StatusForbidden
	case model.ENOTFOUND:
		code = http.StatusNotFound
	case model.EINVALID, model.EAMBIGUOUS:
		code = http.StatusBadRequest
	case model.ECONFLICT, model.EDUPLICATE:
		code = http.StatusConflict
	case model.EUNAVAILABLE:
		code = http.StatusServiceUnavailable
	default:
		s.d.Log.Error("网页出错", "path", r.URL.Path, "err", err)
	}
	s.fail(w, r, code, model.ErrorMessage(err))
}

func signedClass(n int64) string {
	switch {
	case n < 0:
		return "neg"
	case n > 0:
		return "pos"
	}
	return "zero"
}

// score 把百分之一分写成“87.65”。
func score(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/100, 10) + "." + fmt.Sprintf("%02d", v%100)
	if neg {
		s = "-" + s
	}
	return s
}

// query 生成“?a=1&b=2”（空值省略），键值成对给出。
func query(kv ...any) template.URL {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		k := fmt.Sprint(kv[i])
		v := fmt.Sprint(kv[i+1])
		if v != "" && v != "0" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return template.URL("?" + q.Encode())
}

// parseMonthParam 解析地址里的 month（2026-11），空则用 def。
func (s *Server) parseMonthParam(r *http.Request, def model.Month) (model.Month, error) {
	v := strings.TrimSpace(r.URL.Query().Get("month"))
	if v == "" {
		v = r.PostFormValue("month")
	}
	if v == "" {
		return def, nil
	}
	return model.ParseMonth(v, s.d.Clock.Now(), s.d.Clock.Location())
}

// recentMonths 返回从本月起往前 n 个月（筛选用）。
func (s *Server) recentMonths(n int) []model.Month {
	cur := s.d.Ledger.Month()
	out := make([]model.Month, n)
	for i := range out {
		out[i] = cur.Add(-i)
	}
	return out
}
