package wecom

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/silenceper/wechat/v2/util"
)

// 卡片换成结果：发送按钮卡片时企业微信答复里的 response_code 记进存储（keepCode），按钮回调里的由机器人记下；
// 做了决定之后的 CardUpdate 通知在这里变成 /cgi-bin/message/update_template_card（SDK 没有这个接口，
// 用 SDK 的 HTTP 客户端和缓存的 access_token，经唯一的 token 重试循环 call）。

// keepCode 记下发送卡片得到的 response_code（没有 Cards、卡片没有 task_id 或答复里没有 code 时什么也不做）。
// 卡片已经送出：记不下只写警告，不让发件箱重发卡片。
func (s *Sender) keepCode(ctx context.Context, n model.Notice, code string) {
	if s.cfg.Cards == nil || n.Card == nil || n.Card.TaskID == "" || code == "" {
		return
	}
	c := model.CardCode{TaskID: n.Card.TaskID, Code: code, Users: n.To.Users}
	if err := s.cfg.Cards.SaveCardCode(ctx, c); err != nil {
		s.log.Warn("wecom card response_code not kept; the card will keep its buttons after a decision",
			slog.String("key", n.Key), slog.String("task_id", c.TaskID), slog.String("err", err.Error()))
	}
}

// updateCardRequest 是 update_template_card 换按钮文字的请求体。
type updateCardRequest struct {
	UserIDs      []string `json:"userids"`
	AgentID      int64    `json:"agentid"`
	ResponseCode string   `json:"response_code"`
	Button       struct {
		ReplaceName string `json:"replace_name"`
	} `json:"button"`
}

// updateCard 把通知 n.CardUpdate 说的卡片的按钮换成结果文字，发给收到卡片的每个人：
// 依次取还能用的 response_code（发送时的优先，其次最近一次点击的），先在存储里用掉（一个 code 只用一次），
// 再调用 update_template_card。企业微信暂时失败时放回 code、稍后重试；企业微信不认这个 code（用过、
// 过期）时试下一个。一个能用的也没有（都过了 72 小时、用过了，或没收到过）时只写一条日志、不再重试：
// 按钮保持原样，后点的人仍会收到“已处理”的回复。
func (s *Sender) updateCard(ctx context.Context, n model.Notice) error {
	u := n.CardUpdate
	name := strings.TrimSpace(u.ReplaceName)
	if strings.TrimSpace(u.TaskID) == "" || name == "" {
		return refuse(codeBadTemplate, "卡片更新缺少 task_id 或结果文字，不再重试")
	}
	if s.cfg.Cards == nil {
		s.log.Info("wecom card update skipped: no store for response codes", slog.String("task_id", u.TaskID))
		return nil
	}
	codes, err := s.cfg.Cards.CardCodes(ctx, u.TaskID)
	if err != nil {
		return &SendError{Msg: "读不到卡片的 response_code，稍后重试：" + model.ErrorMessage(err)}
	}
	users := cardUsers(codes, n.To.Users)
	if len(users) == 0 {
		return refuse(0, "卡片更新没有接收人，不再重试")
	}
	now := s.cfg.Clock.Now()
	for _, c := range codes {
		if !c.Usable(now) {
			continue
		}
		used, err := s.cfg.Cards.UseCardCode(ctx, c.Code)
		if err != nil {
			return &SendError{Msg: "没能用掉卡片的 response_code，稍后重试：" + model.ErrorMessage(err)}
		}
		if !used {
			continue // 别的副本刚用掉了，或刚好过期
		}
		err = s.call(ctx, func() error { return s.postCardUpdate(c.Code, users, name) })
		if err == nil {
			s.log.Info("wecom card updated", slog.String("task_id", u.TaskID), slog.String("replace_name", name), slog.Int("users", len(users)))
			return nil
		}
		se, _ := err.(*SendError)
		if se == nil || codeSpent(se) {
			s.log.Warn("wecom refused a card response_code; trying the next one", slog.String("task_id", u.TaskID), slog.String("err", err.Error()))
			continue
		}
		// 暂时失败或设置有误：code 没用上，放回。
		if rerr := s.cfg.Cards.ReleaseCardCode(context.WithoutCancel(ctx), c.Code); rerr != nil {
			s.log.Warn("wecom card response_code not released", slog.String("task_id", u.TaskID), slog.String("err", rerr.Error()))
		}
		return se
	}
	s.log.Info("wecom card update skipped: no usable response code (expired, used or never received)",
		slog.String("task_id", u.TaskID), slog.Int("codes", len(codes)))
	return nil
}

// codeSpent 表示企业微信的拒绝是针对这个 response_code 的（用过、过期、不对）：错误码表里没有的业务错误码。
// 连接失败、HTTP 错误、表里的暂时错误（繁忙、token、限频）和设置错误（无权、IP）都不算。
func codeSpent(se *SendError) bool {
	if se.Code == 0 {
		return false
	}
	_, known := errorCodes[se.Code]
	return !known
}

// cardUsers 返回要更新的人：发送卡片时记下的接收人；没有发送时的 code 时，是通知的接收人和点过按钮的人。
func cardUsers(codes []model.CardCode, to []string) []string {
	for _, c := range codes {
		if !c.Click && len(c.Users) > 0 {
			return c.Users
		}
	}
	ids := append([]string(nil), to...)
	for _, c := range codes {
		ids = append(ids, c.Users...)
	}
	users := model.ToUsers(ids...).Users
	if len(users) > model.MaxRecipients {
		users = users[:model.MaxRecipients]
	}
	return users
}

// postCardUpdate 调用一次 /cgi-bin/message/update_template_card。
func (s *Sender) postCardUpdate(code string, users []string, name string) error {
	tok, err := s.wk.GetContext().GetAccessToken()
	if err != nil {
		return err
	}
	agent, _ := strconv.ParseInt(s.cfg.AgentID, 10, 64)
	req := updateCardRequest{UserIDs: users, AgentID: agent, ResponseCode: code}
	req.Button.ReplaceName = name
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	resp, err := util.HTTPPost(DefaultAPIBase+"/cgi-bin/message/update_template_card?access_token="+tok, string(body))
	if err != nil {
		return err
	}
	var out struct{ util.CommonError }
	return util.DecodeWithError(resp, &out, "UpdateTemplateCard")
}
