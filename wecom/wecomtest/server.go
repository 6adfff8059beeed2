// Package wecomtest 提供测试用的假企业微信：一个本地 HTTP 服务器（获取 token、发送应用消息、模板卡片和文件图片、上传临时素材、应用群聊建群和发送、群机器人 webhook、故障注入），
// 以及与被测代码无关、只用标准库写成的回调请求加密和被动回复解密，用于端到端测试 /wecom/callback。
package wecomtest

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/hongqi-dev/hongqi/model"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// 假服务器默认接受的企业 ID 和 Secret。
const (
	CorpID = "wwtestcorp0000001"
	Secret = "test-secret-DO-NOT-LOG"
)

// SentMessage 是假服务器收到并“送达”的一条应用消息。
type SentMessage struct {
	ToUser                 string
	MsgType                string
	AgentID                string
	Content                string // text.content 或 markdown.content
	EnableDuplicateCheck   int
	DuplicateCheckInterval int
	Token                  string // 调用时用的 access_token
	Raw                    json.RawMessage
}

// Server 是假企业微信 API。方法可并发调用。
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu           sync.Mutex
	now          func() time.Time
	tokenSeq     int
	tokenFetches int
	sendCalls    int
	valid        map[string]bool // 当前有效的 token
	failNext     int
	failCode     int
	outage       bool
	invalidUsers map[string]bool
	messages     []SentMessage
	duplicates   int
	dedup        map[string]time.Time // 重复检查：内容键 → 首次送达时间
	taskIDs      map[string]bool      // 已用过的模板卡片 task_id（同一应用不能重复）
	codes        map[string]*cardCode // 发出的 response_code（发送卡片的答复、ClickCode）
	codeSeq      int
	cardUpdates  []CardUpdate
	updateCalls  int

	chats         map[string]Chat
	chatCreates   int
	chatMessages  []ChatMessage
	chatFailNext  int
	chatFailCode  int
	robots        map[string]bool        // 有效的 webhook key
	robotSends    map[string][]time.Time // key → 最近一分钟的送达时间
	robotMessages []RobotMessage
	robotCalls    int
	robotFailNext int
	robotFailCode int

	uploads        []Upload
	uploadFailNext int
	uploadFailCode int

	loginCodes map[string]loginCode // 网页授权 code → 身份（用一次即作废）
	loginCalls []string             // 换取身份的调用路径

	sendDelay time.Duration       // 应用消息的答复推迟多久（消息已经记下、送达）
	onSend    func(m SentMessage) // 每条送达的应用消息记下之后调用（在锁外）
}

// Upload 是上传到假服务器的一个临时素材（/cgi-bin/media/upload）。
type Upload struct {
	MediaID string
	Type    string // file、image、voice、video
	Name    string // 文件名
	Size    int
	Data    []byte
}

// NewServer 启动假企业微信，测试结束时关闭。它接受 CorpID 和 Secret。
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:            t,
		now:          model.SystemClock(nil).Now,
		valid:        map[string]bool{},
		invalidUsers: map[string]bool{},
		dedup:        map[string]time.Time{},
		taskIDs:      map[string]bool{},
		codes:        map[string]*cardCode{},
		chats:        map[string]Chat{},
		robots:       map[string]bool{},
		robotSends:   map[string][]time.Time{},
		loginCodes:   map[string]loginCode{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/gettoken", s.handleToken)
	mux.HandleFunc("/cgi-bin/message/send", s.slowly(s.handleSend))
	mux.HandleFunc("/cgi-bin/message/update_template_card", s.handleUpdateCard)
	mux.HandleFunc("/cgi-bin/appchat/create", s.handleChatCreate)
	mux.HandleFunc("/cgi-bin/appchat/send", s.handleChatSend)
	mux.HandleFunc("/cgi-bin/webhook/send", s.handleRobot)
	mux.HandleFunc("/cgi-bin/media/upload", s.handleUpload)
	mux.HandleFunc("/cgi-bin/auth/getuserinfo", s.handleUserInfo)
	mux.HandleFunc("/cgi-bin/user/getuserinfo", s.handleUserInfo)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL 返回服务器地址（用作 APIBase）。
func (s *Server) URL() string { return s.srv.URL }

// SetNow 替换服务器的时钟（用于重复检查的时间窗口）。
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// DelaySends 让应用消息接口（/cgi-bin/message/send）先照常处理（消息记下、送达），再等 d 才答复：
// 模拟企业微信很慢。d 超过调用方的 HTTP 超时时，调用方以为失败，消息其实已经送到。0 表示不推迟。
func (s *Server) DelaySends(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendDelay = d
}

// OnSend 设置每条应用消息送达（记下）之后调用的函数，在答复之前、锁外调用；nil 表示不调用。
func (s *Server) OnSend(f func(m SentMessage)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onSend = f
}

// sentKey 是请求 ctx 里收集本次送达消息的键（见 slowly）。
type sentKey struct{}

// slowly 包装处理函数：先处理并记下结果，调用 OnSend，再按 DelaySends 推迟答复。
func (s *Server) slowly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		var sent []SentMessage
		h(rec, r.WithContext(context.WithValue(r.Context(), sentKey{}, &sent)))
		s.mu.Lock()
		d, f := s.sendDelay, s.onSend
		s.mu.Unlock()
		if f != nil {
			for _, m := range sent {
				f(m)
			}
		}
		if d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}
}

// FailNext 让接下来 n 次发送调用返回 errcode（如 -1、45009、81013）。
func (s *Server) FailNext(n int, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failCode = n, errcode
}

// Outage 开启或结束故障：期间所有接口答 HTTP 503。
func (s *Server) Outage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage = on
}

// ExpireToken 让已发出的 token 全部失效：下次用旧 token 发送得到 40014。
func (s *Server) ExpireToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.valid = map[string]bool{}
}

// InvalidUsers 把这些 userid 标为不存在：全部接收人无效时答 81013，部分无效时在 invaliduser 中列出。
func (s *Server) InvalidUsers(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.invalidUsers[strings.ToLower(id)] = true
	}
}

// Messages 返回已送达的消息（不含被重复检查丢弃的）。
func (s *Server) Messages() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.messages...)
}

// TokenFetches 返回成功获取 token 的次数。
func (s *Server) TokenFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenFetches
}

// SendCalls 返回发送接口被调用的次数（含失败的）。
func (s *Server) SendCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendCalls
}

// Duplicates 返回被重复消息检查丢弃的次数。
func (s *Server) Duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.duplicates
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outage {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	q := r.URL.Query()
	if q.Get("corpid") != CorpID {
		writeErr(w, 40013, "invalid corpid")
		return
	}
	if q.Get("corpsecret") != Secret {
		writeErr(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	s.tokenSeq++
	s.tokenFetches++
	tok := "tok-" + strconv.Itoa(s.tokenSeq)
	s.valid[tok] = true
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
}

func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendCalls++
	if !s.checkToken(w, r) || s.injectedFailure(w) {
		return
	}
	var req struct {
		ToUser                 string `json:"touser"`
		MsgType                string `json:"msgtype"`
		AgentID                any    `json:"agentid"`
		EnableDuplicateCheck   int    `json:"enable_duplicate_check"`
		DuplicateCheckInterval int    `json:"duplicate_check_interval"`
		Text                   *struct {
			Content string `json:"content"`
		} `json:"text"`
		Markdown *struct {
			Content string `json:"content"`
		} `json:"markdown"`
		TemplateCard json.RawMessage `json:"template_card"`
	}
	var raw json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		writeErr(w, 47001, "data format error")
		return
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		writeErr(w, 47001, "data format error")
		return
	}
	agent := fmt.Sprint(req.AgentID)
	if req.AgentID == nil || agent == "" {
		writeErr(w, 40056, "invalid agentid")
		return
	}
	var content, taskID string
	switch req.MsgType {
	case "text":
		if req.Text != nil {
			content = req.Text.Content
		}
	case "markdown":
		if req.Markdown != nil {
			content = req.Markdown.Content
		}
	case "file", "image":
		var media struct {
			MediaID string `json:"media_id"`
		}
		var field json.RawMessage
		var all map[string]json.RawMessage
		if json.Unmarshal(raw, &all) == nil {
			field = all[req.MsgType]
		}
		if len(field) == 0 || json.Unmarshal(field, &media) != nil || media.MediaID == "" {
			writeErr(w, 41006, "media_id missing")
			return
		}
		up, ok := s.upload(media.MediaID)
		if !ok || up.Type != req.MsgType {
			writeErr(w, 40007, "invalid media_id")
			return
		}
		content = media.MediaID
	case "template_card":
		var card struct {
			CardType string `json:"card_type"`
			TaskID   string `json:"task_id"`
		}
		if len(req.TemplateCard) == 0 || json.Unmarshal(req.TemplateCard, &card) != nil || card.CardType == "" {
			writeErr(w, 40058, "template_card invalid")
			return
		}
		if card.TaskID != "" {
			if s.taskIDs[card.TaskID] {
				writeErr(w, 40058, "task_id duplicated")
				return
			}
			s.taskIDs[card.TaskID] = true
		}
		taskID = card.TaskID
		content = string(req.TemplateCard)
	default:
		writeErr(w, 40008, "invalid message type")
		return
	}
	if content == "" {
		writeErr(w, 44004, "empty content")
		return
	}
	var okUsers, badUsers []string
	for _, u := range strings.Split(req.ToUser, "|") {
		if u == "" {
			continue
		}
		if s.invalidUsers[strings.ToLower(u)] {
			badUsers = append(badUsers, strings.ToLower(u))
		} else {
			okUsers = append(okUsers, u)
		}
	}
	if len(okUsers) == 0 {
		writeErr(w, 81013, "user & party & tag all invalid")
		return
	}
	msgid := "msg-" + strconv.Itoa(s.sendCalls)
	if req.EnableDuplicateCheck == 1 {
		interval := req.DuplicateCheckInterval
		if interval <= 0 {
			interval = 1800
		}
		key := req.ToUser + "\x00" + req.MsgType + "\x00" + agent + "\x00" + content
		if first, seen := s.dedup[key]; seen && s.now().Sub(first) < time.Duration(interval)*time.Second {
			s.duplicates++
			writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": msgid})
			return
		}
		s.dedup[key] = s.now()
	}
	m := SentMessage{
		ToUser:                 req.ToUser,
		MsgType:                req.MsgType,
		AgentID:                agent,
		Content:                content,
		EnableDuplicateCheck:   req.EnableDuplicateCheck,
		DuplicateCheckInterval: req.DuplicateCheckInterval,
		Token:                  r.URL.Query().Get("access_token"),
		Raw:                    raw,
	}
	s.messages = append(s.messages, m)
	if sent, ok := r.Context().Value(sentKey{}).(*[]SentMessage); ok {
		*sent = append(*sent, m)
	}
	resp := map[string]any{"errcode": 0, "errmsg": "ok", "invaliduser": strings.Join(badUsers, "|"), "msgid": msgid}
	if req.MsgType == "template_card" {
		// 按钮交互型卡片的答复带 response_code：可用一次 update_template_card 更新这张卡片的接收人。
		resp["response_code"] = s.issueCode(taskID, okUsers)
	}
	writeJSON(w, resp)
}

// Chat 是假服务器上的一个应用群聊。
type Chat struct {
	ChatID   string
	Name     string
	Owner    string
	UserList []string
}

// ChatMessage 是发到应用群聊的一条消息。图片和文件消息的 Content 是 media_id，Data 是那个素材的内容。
type ChatMessage struct {
	ChatID  string
	MsgType string
	Content string
	Data    []byte
}

// RobotMessage 是群机器人发出的一条消息。图片消息的 Data 是解开 base64、核对过 MD5 的图片。
type RobotMessage struct {
	Key     string
	MsgType string
	Content string
	Data    []byte
	At      time.Time
}

// MaxImageField 是群机器人图片的上限（base64 编码前 2 MB），与企业微信一致。
const MaxImageField = 2 << 20

// RobotPerMinute 是假服务器对每个群机器人每分钟的限额（超出答 45009），与企业微信一致。
const RobotPerMinute = 20

// AddChat 预先建好一个应用群聊。
func (s *Server) AddChat(c Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats[c.ChatID] = c
}

// Chats 返回现有的应用群聊。
func (s *Server) Chats() map[string]Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Chat{}
	for k, v := range s.chats {
		out[k] = v
	}
	return out
}

// ChatCreates 返回建群接口成功调用的次数。
func (s *Server) ChatCreates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatCreates
}

// ChatMessages 返回发到应用群聊的消息。
func (s *Server) ChatMessages() []ChatMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChatMessage(nil), s.chatMessages...)
}

// FailChatNext 让接下来 n 次群聊发送返回 errcode。
func (s *Server) FailChatNext(n, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatFailNext, s.chatFailCode = n, errcode
}

// AddRobot 登记一个有效的群机器人 webhook key；未登记的 key 答 93000。
func (s *Server) AddRobot(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robots[key] = true
}

// RemoveRobot 模拟群机器人被移出群聊：之后答 93000。
func (s *Server) RemoveRobot(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.robots, key)
}

// FailRobotNext 让接下来 n 次机器人调用返回 errcode（如 -1、45009）。
func (s *Server) FailRobotNext(n, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robotFailNext, s.robotFailCode = n, errcode
}

// RobotMessages 返回群机器人发出的消息。
func (s *Server) RobotMessages() []RobotMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RobotMessage(nil), s.robotMessages...)
}

// RobotCalls 返回机器人接口被调用的次数（含失败的）。
func (s *Server) RobotCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.robotCalls
}

// checkToken 检查故障和 access_token；不通过时已写好回答，返回 false。调用方持有 s.mu。
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request) bool {
	if s.outage {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return false
	}
	if r.Method != http.MethodPost {
		writeErr(w, 43002, "require POST method")
		return false
	}
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		writeErr(w, 41001, "access_token missing")
		return false
	}
	if !s.valid[tok] {
		writeErr(w, 40014, "invalid access_token")
		return false
	}
	return true
}

// injectedFailure 答 FailNext 安排的错误（还有剩余次数时），返回是否答了。
func (s *Server) injectedFailure(w http.ResponseWriter) bool {
	if s.failNext <= 0 {
		return false
	}
	s.failNext--
	writeErr(w, s.failCode, fmt.Sprintf("injected failure %d", s.failCode))
	return true
}

func (s *Server) handleChatCreate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkToken(w, r) {
		return
	}
	var c struct {
		Name     string   `json:"name"`
		Owner    string   `json:"owner"`
		UserList []string `json:"userlist"`
		ChatID   string   `json:"chatid"`
	}
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		writeErr(w, 47001, "data format error")
		return
	}
	if len(c.UserList) < 2 {
		writeErr(w, 86004, "invalid userlist: at least 2 members")
		return
	}
	if c.ChatID == "" {
		c.ChatID = "chat" + strconv.Itoa(len(s.chats)+1)
	}
	if _, ok := s.chats[c.ChatID]; ok {
		writeErr(w, 86215, "chat exists")
		return
	}
	s.chats[c.ChatID] = Chat{ChatID: c.ChatID, Name: c.Name, Owner: c.Owner, UserList: c.UserList}
	s.chatCreates++
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "chatid": c.ChatID})
}

func (s *Server) handleChatSend(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkToken(w, r) {
		return
	}
	if s.chatFailNext > 0 {
		s.chatFailNext--
		writeErr(w, s.chatFailCode, fmt.Sprintf("injected failure %d", s.chatFailCode))
		return
	}
	var req struct {
		ChatID string `json:"chatid"`
		textOrMarkdown
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 47001, "data format error")
		return
	}
	if _, ok := s.chats[req.ChatID]; !ok {
		writeErr(w, 86003, "chat not exist")
		return
	}
	var data []byte
	var content string
	switch req.MsgType {
	case "image", "file":
		var mediaID string
		switch {
		case req.MsgType == "file" && req.File != nil:
			mediaID = req.File.MediaID
		case req.MsgType == "image" && req.ImageField != nil:
			mediaID = req.ImageField.MediaID
		}
		if mediaID == "" {
			writeErr(w, 41006, "media_id missing")
			return
		}
		up, ok := s.upload(mediaID)
		if !ok || up.Type != req.MsgType {
			writeErr(w, 40007, "invalid media_id")
			return
		}
		content, data = mediaID, up.Data
	default:
		c, ok := req.content(w)
		if !ok {
			return
		}
		content = c
	}
	s.chatMessages = append(s.chatMessages, ChatMessage{ChatID: req.ChatID, MsgType: req.MsgType, Content: content, Data: data})
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (s *Server) handleRobot(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robotCalls++
	if s.outage {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	key := r.URL.Query().Get("key")
	if !s.robots[key] {
		writeErr(w, 93000, "invalid webhook url")
		return
	}
	if s.robotFailNext > 0 {
		s.robotFailNext--
		writeErr(w, s.robotFailCode, fmt.Sprintf("injected failure %d", s.robotFailCode))
		return
	}
	now := s.now()
	var recent []time.Time
	for _, t := range s.robotSends[key] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= RobotPerMinute {
		s.robotSends[key] = recent
		writeErr(w, 45009, "api freq out of limit")
		return
	}
	var req textOrMarkdown
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 40035, "invalid parameter")
		return
	}
	var content string
	var data []byte
	if req.MsgType == "image" {
		if req.ImageField == nil || req.ImageField.Base64 == "" {
			writeErr(w, 40035, "invalid parameter: image")
			return
		}
		img, err := base64.StdEncoding.DecodeString(req.ImageField.Base64)
		if err != nil {
			writeErr(w, 40035, "invalid base64")
			return
		}
		sum := md5.Sum(img)
		if !strings.EqualFold(hex.EncodeToString(sum[:]), req.ImageField.MD5) {
			writeErr(w, 40035, "md5 mismatch")
			return
		}
		if len(img) > MaxImageField {
			writeErr(w, 40009, "image size out of limit")
			return
		}
		data, content = img, req.ImageField.MD5
	} else {
		c, ok := req.content(w)
		if !ok {
			return
		}
		content = c
	}
	s.robotSends[key] = append(recent, now)
	s.robotMessages = append(s.robotMessages, RobotMessage{Key: key, MsgType: req.MsgType, Content: content, Data: data, At: now})
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// Uploads 返回已上传的临时素材。
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// FailUploadNext 让接下来 n 次上传返回 errcode。
func (s *Server) FailUploadNext(n, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploadFailNext, s.uploadFailCode = n, errcode
}

// upload 按 media_id 找已上传的素材。调用方持有 s.mu。
func (s *Server) upload(id string) (Upload, bool) {
	for _, u := range s.uploads {
		if u.MediaID == id {
			return u, true
		}
	}
	return Upload{}, false
}

// MaxUploadBytes 是假服务器接受的素材大小上限（企业微信普通文件为 20 MB）。
const MaxUploadBytes = 20 << 20

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkToken(w, r) {
		return
	}
	if s.uploadFailNext > 0 {
		s.uploadFailNext--
		writeErr(w, s.uploadFailCode, fmt.Sprintf("injected failure %d", s.uploadFailCode))
		return
	}
	typ := r.URL.Query().Get("type")
	switch typ {
	case "file", "image", "voice", "video":
	default:
		writeErr(w, 40004, "invalid media type")
		return
	}
	if err := r.ParseMultipartForm(MaxUploadBytes); err != nil {
		writeErr(w, 41005, "media data missing")
		return
	}
	f, hdr, err := r.FormFile("media")
	if err != nil {
		writeErr(w, 41005, "media data missing")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		writeErr(w, 41005, "media data missing")
		return
	}
	if len(data) < 5 {
		writeErr(w, 40005, "invalid file size")
		return
	}
	up := Upload{MediaID: "media-" + strconv.Itoa(len(s.uploads)+1), Type: typ, Name: hdr.Filename, Size: len(data), Data: data}
	s.uploads = append(s.uploads, up)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "type": typ, "media_id": up.MediaID, "created_at": strconv.FormatInt(s.now().Unix(), 10)})
}

// textOrMarkdown 是群聊和群机器人消息的正文：text/markdown，群聊的图片、文件（media_id），群机器人的图片（base64 + md5）。
type textOrMarkdown struct {
	MsgType string `json:"msgtype"`
	File    *struct {
		MediaID string `json:"media_id"`
	} `json:"file"`
	ImageField *struct {
		MediaID string `json:"media_id"`
		Base64  string `json:"base64"`
		MD5     string `json:"md5"`
	} `json:"image"`
	Text *struct {
		Content string `json:"content"`
	} `json:"text"`
	Markdown *struct {
		Content string `json:"content"`
	} `json:"markdown"`
}

// content 取出正文；类型不对或为空时写出企业微信的错误码并返回 false。
func (m textOrMarkdown) content(w http.ResponseWriter) (string, bool) {
	var c string
	switch {
	case m.MsgType == "text" && m.Text != nil:
		c = m.Text.Content
	case m.MsgType == "markdown" && m.Markdown != nil:
		c = m.Markdown.Content
	default:
		writeErr(w, 40008, "invalid message type")
		return "", false
	}
	if c == "" {
		writeErr(w, 44004, "empty content")
		return "", false
	}
	return c, true
}

// loginCode 是测试登记的一个网页授权 code 所代表的身份。
type loginCode struct {
	userID string // 企业成员
	openID string // 非企业成员
}

// LoginCode 登记一个网页授权 code：用它换身份（/cgi-bin/auth/getuserinfo）得到 userID。
// 与企业微信一样，code 只能用一次，再用答 40029。
func (s *Server) LoginCode(code, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginCodes[code] = loginCode{userID: userID}
}

// ExternalLoginCode 登记一个非企业成员的 code：换身份只得到 openid。
func (s *Server) ExternalLoginCode(code, openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginCodes[code] = loginCode{openID: openID}
}

// LoginCalls 返回换取身份的调用（路径），按先后。
func (s *Server) LoginCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.loginCalls...)
}

// handleUserInfo 是“获取访问用户身份”：新接口 /cgi-bin/auth/getuserinfo 答 userid，
// 旧接口 /cgi-bin/user/getuserinfo 答 UserId（两者字段名不同，与企业微信一致）。
func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginCalls = append(s.loginCalls, r.URL.Path)
	if s.outage {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	q := r.URL.Query()
	tok := q.Get("access_token")
	if tok == "" {
		writeErr(w, 41001, "access_token missing")
		return
	}
	if !s.valid[tok] {
		writeErr(w, 40014, "invalid access_token")
		return
	}
	code := q.Get("code")
	lc, ok := s.loginCodes[code]
	if code == "" || !ok {
		writeErr(w, 40029, "invalid code")
		return
	}
	delete(s.loginCodes, code)
	legacy := r.URL.Path == "/cgi-bin/user/getuserinfo"
	switch {
	case lc.userID != "" && legacy:
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "UserId": lc.userID, "DeviceId": ""})
	case lc.userID != "":
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": lc.userID})
	case legacy:
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "OpenId": lc.openID})
	default:
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "openid": lc.openID, "external_userid": ""})
	}
}
