package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
)

// Cookie 名。
const (
	sessionCookie = "hq_session"
	stateCookie   = "hq_oauth_state"
	flashCookie   = "hq_flash"
	cookiePath    = "/app/"
)

// visit 是一次已登录的访问。
type visit struct {
	Actor   model.Staff
	CSRF    string // 表单里要带的令牌
	session string // 会话令牌的哈希
	Flash   string // 上一个操作的结果（一次性）
	FlashOK bool
}

// newToken 返回 32 字节的随机令牌（base64url，无填充）。
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read 不会失败（Go 1.24 起出错即终止程序）
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken 返回令牌的 SHA-256（十六进制），库里只存它。
func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// csrfToken 由会话令牌派生出表单令牌：只有持有会话 Cookie（HttpOnly，脚本读不到）的浏览器能拿到
// 这个页面，别的网站既读不到页面也算不出它；库里只有会话令牌的哈希，也算不出它。
func csrfToken(sessionTok string) string {
	h := sha256.Sum256([]byte("hongqi-csrf\x00" + sessionTok))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// secure 表示这次请求是否经 HTTPS 到达：直接的 TLS、Caddy 等反向代理的 X-Forwarded-Proto，
// 或配置的公开地址是 https。
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") ||
		strings.HasPrefix(s.d.PublicURL, "https://")
}

// setCookie 写一个 HttpOnly、SameSite=Lax、HTTPS 下 Secure 的 Cookie。只用 Max-Age（相对时长），
// 不写 Expires：演练时钟与浏览器的时间不同，写绝对时刻会让 Cookie 立刻失效。
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: cookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	s.setCookie(w, r, name, "", -1)
}

// current 读会话 Cookie 并在库里找到未过期的会话；没有会话返回 ENOTFOUND。
func (s *Server) current(r *http.Request) (tok string, sess model.WebSession, err error) {
	c, cerr := r.Cookie(sessionCookie)
	if cerr != nil || c.Value == "" || len(c.Value) > 100 {
		return "", model.WebSession{}, model.Errorf(model.ENOTFOUND, "没有登录。")
	}
	sess, err = s.d.Store.Session(r.Context(), hashToken(c.Value))
	return c.Value, sess, err
}

// rosterStaff 按 userid 取在册的人：不在花名册或已停用返回 EFORBIDDEN（说明给本人看）。
func (s *Server) rosterStaff(ctx context.Context, userID string) (model.Staff, error) {
	st, err := s.d.Staff.Staff(ctx, userID)
	switch model.ErrorCode(err) {
	case "":
	case model.ENOTFOUND:
		return model.Staff{}, model.Errorf(model.EFORBIDDEN, "您的企业微信账号（%s）不在红旗的花名册中，不能使用红旗的网页。如果您是窗口工作人员，请联系中心管理员把您加进花名册。", userID)
	default:
		return model.Staff{}, err
	}
	if !st.Active {
		return model.Staff{}, model.Errorf(model.EFORBIDDEN, "%s（%s）已不在花名册中（离职或调出），不能再使用红旗的网页。如有疑问请联系中心管理员。", st.Name, st.Branch)
	}
	return st, nil
}

// authenticate 找出这次访问的人：有会话、且此人仍在册。会话在但人已离开花名册时删掉会话。
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*visit, error) {
	tok, sess, err := s.current(r)
	if err != nil {
		return nil, err
	}
	st, err := s.rosterStaff(r.Context(), sess.UserID)
	if model.ErrorCode(err) == model.EFORBIDDEN {
		_ = s.d.Store.DeleteSession(r.Context(), sess.TokenHash)
		s.clearCookie(w, r, sessionCookie)
	}
	if err != nil {
		return nil, err
	}
	v := &visit{Actor: st, CSRF: csrfToken(tok), session: sess.TokenHash}
	if c, err := r.Cookie(flashCookie); err == nil && c.Value != "" {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil && len(b) > 1 {
			v.FlashOK, v.Flash = b[0] == '+', string(b[1:])
		}
		s.clearCookie(w, r, flashCookie)
	}
	return v, nil
}

// flash 记下操作结果，下一页显示一次。
func (s *Server) flash(w http.ResponseWriter, r *http.Request, ok bool, msg string) {
	mark := "-"
	if ok {
		mark = "+"
	}
	if len(msg) > 1500 {
		msg = msg[:1500]
	}
	s.setCookie(w, r, flashCookie, base64.RawURLEncoding.EncodeToString([]byte(mark+msg)), 120)
}

// startSession 为 userID 建一个会话并写 Cookie。
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, userID string) error {
	tok := newToken()
	exp := s.d.Clock.Now().Add(SessionTTL)
	if err := s.d.Store.CreateSession(r.Context(), model.WebSession{TokenHash: hashToken(tok), UserID: userID, ExpiresAt: exp}); err != nil {
		return err
	}
	s.setCookie(w, r, sessionCookie, tok, int(SessionTTL.Seconds()))
	return nil
}

// page 包装需要登录的 GET 页面：没登录时在企业微信里去网页授权，其他地方显示登录说明。
func (s *Server) page(h func(w http.ResponseWriter, r *http.Request, v *visit)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.authenticate(w, r)
		switch model.ErrorCode(err) {
		case "":
			h(w, r, v)
		case model.ENOTFOUND:
			s.needLogin(w, r)
		default:
			s.failErr(w, r, err)
		}
	}
}

// post 包装需要登录的表单提交：先核对表单令牌，缺了或不对一律 403，什么也不做。
func (s *Server) post(h func(w http.ResponseWriter, r *http.Request, v *visit)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		v, err := s.authenticate(w, r)
		switch model.ErrorCode(err) {
		case "":
		case model.ENOTFOUND:
			s.fail(w, r, http.StatusUnauthorized, "登录已过期，这次没有提交。请重新登录后再操作。")
			return
		default:
			s.failErr(w, r, err)
			return
		}
		got := r.PostFormValue("csrf")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(v.CSRF)) != 1 {
			s.fail(w, r, http.StatusForbidden, "表单已失效（缺少或不符的校验码），这次没有提交。请回到页面刷新后再操作。")
			return
		}
		h(w, r, v)
	}
}

var reNonce = regexp.MustCompile(`^[0-9a-f]{32}$`)

// message 把一次表单提交变成与聊天消息同样的 model.Message：Key 来自表单里的一次性编号，
// 所以同一个表单提交两次（连点、刷新）只生效一次，与企业微信重发同一条消息一样。
func (s *Server) message(r *http.Request, v *visit, text string) (model.Message, error) {
	k := r.PostFormValue("k")
	if !reNonce.MatchString(k) {
		return model.Message{}, model.Errorf(model.EINVALID, "表单缺少编号，这次没有提交。请回到页面刷新后再操作。")
	}
	return model.Message{Key: "web:" + v.Actor.UserID + ":" + k, From: v.Actor.UserID, Text: "网页：" + text, CreateTime: s.d.Clock.Now()}, nil
}

// formText 返回表单里用户写的一段自由文字（事由、备注、理由）：与聊天消息同样经 model.CleanText
// （去掉控制字符和 U+202E 等双向控制符），再去掉首尾空白。字数的上限由服务检查（model.CheckNote），
// 与聊天同一句说明。
func formText(r *http.Request, name string) string {
	return strings.TrimSpace(model.CleanText(r.PostFormValue(name)))
}

// nonce 是每个表单的一次性编号。
func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// inWeCom 表示请求是否来自企业微信的内置浏览器。
func inWeCom(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.UserAgent()), "wxwork")
}

// safeNext 只接受本站 /app/ 下的路径作为登录后的去处。
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/app/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/app/"
	}
	return next
}

// needLogin 处理没登录的访问：企业微信里直接去网页授权（静默），别处显示怎样登录。
func (s *Server) needLogin(w http.ResponseWriter, r *http.Request) {
	if s.d.OAuth != nil && inWeCom(r) {
		http.Redirect(w, r, "/app/auth/wecom?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
		return
	}
	w.WriteHeader(http.StatusUnauthorized)
	s.render(w, r, "login", nil, map[string]any{"OAuth": s.d.OAuth != nil, "Next": r.URL.RequestURI()})
}

// oauthStart 把用户送去企业微信网页授权；state 写在 Cookie 里，回来时核对。
func (s *Server) oauthStart(w http.ResponseWriter, r *http.Request) {
	if s.d.OAuth == nil {
		s.fail(w, r, http.StatusNotFound, "没有配置企业微信，不能用企业微信登录。请在与红旗的对话中发送“网页”获取登录链接。")
		return
	}
	state := newToken()
	s.setCookie(w, r, stateCookie, state, 600)
	back := s.d.PublicURL + "/app/auth/wecom/callback?next=" + url.QueryEscape(safeNext(r.URL.Query().Get("next")))
	http.Redirect(w, r, s.d.OAuth.AuthorizeURL(back, state), http.StatusFound)
}

// oauthCallback 是企业微信授权后的回调：核对 state，用 code 换 userid，在册则建会话。
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	if s.d.OAuth == nil {
		s.fail(w, r, http.StatusNotFound, "没有配置企业微信，不能用企业微信登录。")
		return
	}
	q := r.URL.Query()
	c, err := r.Cookie(stateCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(q.Get("state"))) != 1 {
		s.fail(w, r, http.StatusBadRequest, "登录校验没有通过（可能打开得太久了），请从应用主页重新进入。")
		return
	}
	s.clearCookie(w, r, stateCookie)
	userID, err := s.d.OAuth.UserIDFromCode(r.Context(), q.Get("code"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.login(w, r, userID, safeNext(q.Get("next")))
}

// login 为在册的 userID 建会话并转到 next；不在册的人看到说明，没有会话。
func (s *Server) login(w http.ResponseWriter, r *http.Request, userID, next string) {
	if _, err := s.rosterStaff(r.Context(), userID); err != nil {
		s.failErr(w, r, err)
		return
	}
	if err := s.startSession(w, r, userID); err != nil {
		s.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// loginPage 显示一次性登录链接的确认页（GET 不用掉链接：聊天软件预览链接时不会把它用掉）。
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	t, err := s.d.Store.LoginToken(r.Context(), hashToken(tok))
	if err == nil {
		switch {
		case t.UsedAt != nil:
			err = model.Errorf(model.ECONFLICT, "")
		case !s.d.Clock.Now().Before(t.ExpiresAt):
			err = model.Errorf(model.EINVALID, "")
		}
	}
	if err != nil {
		s.linkRefused(w, r, err)
		return
	}
	st, err := s.rosterStaff(r.Context(), t.UserID)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.render(w, r, "link", nil, map[string]any{"Token": tok, "Who": st})
}

// loginSubmit 用掉一次性登录令牌并建会话。
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	tok := r.PostFormValue("t")
	t, err := s.d.Store.UseLoginToken(r.Context(), hashToken(tok))
	if err != nil {
		s.linkRefused(w, r, err)
		return
	}
	s.login(w, r, t.UserID, "/app/")
}

// linkRefused 说明登录链接为什么不能用、怎么办。
func (s *Server) linkRefused(w http.ResponseWriter, r *http.Request, err error) {
	const again = "请在与红旗的对话中重新发送“网页”，获取新的链接。"
	switch model.ErrorCode(err) {
	case model.ECONFLICT:
		s.fail(w, r, http.StatusGone, "这个登录链接已经用过了，每个链接只能用一次。"+again)
	case model.EINVALID:
		s.fail(w, r, http.StatusGone, "这个登录链接已过期（10 分钟内有效）。"+again)
	case model.ENOTFOUND:
		s.fail(w, r, http.StatusNotFound, "这个登录链接不对，可能没有复制完整。"+again)
	default:
		s.failErr(w, r, err)
	}
}

// logout 删除会话（所有副本立即生效）。
func (s *Server) logout(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.d.Store.DeleteSession(r.Context(), v.session); err != nil {
		s.failErr(w, r, err)
		return
	}
	s.clearCookie(w, r, sessionCookie)
	w.WriteHeader(http.StatusOK)
	s.render(w, r, "message", nil, map[string]any{"Title": "已退出", "Text": "您已退出红旗的网页。", "OK": true})
}

// LoginLink 为 actor 生成一次性登录链接（“网页”命令）：只能用一次，LinkTTL 内有效；库里只存令牌的哈希。
func (s *Server) LoginLink(ctx context.Context, actor model.Staff) (string, error) {
	if !actor.Active {
		return "", model.Errorf(model.EFORBIDDEN, "您已不在花名册中，不能使用网页。")
	}
	tok := newToken()
	err := s.d.Store.CreateLoginToken(ctx, model.LoginToken{Hash: hashToken(tok), UserID: actor.UserID, ExpiresAt: s.d.Clock.Now().Add(LinkTTL)})
	if err != nil {
		return "", err
	}
	return s.d.PublicURL + "/app/login?t=" + tok, nil
}
