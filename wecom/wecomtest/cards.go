package wecomtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// CodeValid 是假服务器上 response_code 的有效期，与企业微信一致（72 小时）。
const CodeValid = 72 * time.Hour

// CodeRefused 是假服务器对不能用的 response_code（不认识、用过、过期）答的错误码。企业微信文档没写明
// 这几种情形的错误码，这里取一个 hongqi 错误码表里没有的值。
const CodeRefused = 40099

// cardCode 是假服务器发出的一个 response_code。
type cardCode struct {
	taskID string
	users  []string
	at     time.Time
	used   bool
}

// CardUpdate 是假服务器收到并接受的一次 update_template_card。
type CardUpdate struct {
	TaskID       string // response_code 所属的卡片
	UserIDs      []string
	AgentID      int64
	ResponseCode string
	ReplaceName  string // button.replace_name
	Token        string
	Raw          json.RawMessage
}

// issueCode 发出卡片 taskID 的一个 response_code（调用方持有锁）。
func (s *Server) issueCode(taskID string, users []string) string {
	s.codeSeq++
	code := "rc-" + strconv.Itoa(s.codeSeq)
	s.codes[code] = &cardCode{taskID: taskID, users: append([]string(nil), users...), at: s.now()}
	return code
}

// ClickCode 像企业微信在 user 点了卡片 taskID 的按钮时那样发出一个 response_code，放进回调
// （TemplateCardEventCode）。
func (s *Server) ClickCode(taskID, user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueCode(taskID, []string{user})
}

// CardUpdates 返回接受了的 update_template_card 调用。
func (s *Server) CardUpdates() []CardUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CardUpdate(nil), s.cardUpdates...)
}

// UpdateCalls 返回 update_template_card 被调用的次数（含被拒绝的）。
func (s *Server) UpdateCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateCalls
}

// handleUpdateCard 是 /cgi-bin/message/update_template_card：校验 token 和请求体（userids 1–1000 个、
// agentid 是整数、response_code、button.replace_name 或 template_card），response_code 必须是本服务器
// 发出的、没用过、72 小时之内的；接受后记下，code 作废。
func (s *Server) handleUpdateCard(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updateCalls++
	if !s.checkToken(w, r) || s.injectedFailure(w) {
		return
	}
	var raw json.RawMessage
	var req struct {
		UserIDs      []string        `json:"userids"`
		AgentID      json.RawMessage `json:"agentid"`
		ResponseCode string          `json:"response_code"`
		Button       *struct {
			ReplaceName string `json:"replace_name"`
		} `json:"button"`
		TemplateCard json.RawMessage `json:"template_card"`
	}
	if json.NewDecoder(r.Body).Decode(&raw) != nil || json.Unmarshal(raw, &req) != nil {
		writeErr(w, 47001, "data format error")
		return
	}
	agent, err := strconv.ParseInt(string(req.AgentID), 10, 64)
	if err != nil || agent <= 0 {
		writeErr(w, 40056, "invalid agentid")
		return
	}
	if len(req.UserIDs) == 0 || len(req.UserIDs) > 1000 {
		writeErr(w, 40031, "invalid userid list")
		return
	}
	name := ""
	switch {
	case req.Button != nil && req.Button.ReplaceName != "":
		name = req.Button.ReplaceName
	case len(req.TemplateCard) > 0:
	default:
		writeErr(w, 40058, "button.replace_name or template_card missing")
		return
	}
	c := s.codes[req.ResponseCode]
	switch {
	case req.ResponseCode == "" || c == nil:
		writeErr(w, CodeRefused, "invalid response_code")
		return
	case c.used:
		writeErr(w, CodeRefused, "response_code already used")
		return
	case s.now().Sub(c.at) >= CodeValid:
		writeErr(w, CodeRefused, "response_code expired")
		return
	}
	c.used = true
	s.cardUpdates = append(s.cardUpdates, CardUpdate{TaskID: c.taskID, UserIDs: req.UserIDs, AgentID: agent,
		ResponseCode: req.ResponseCode, ReplaceName: name, Token: r.URL.Query().Get("access_token"), Raw: raw})
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}
