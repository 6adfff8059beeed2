package wecom

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
)

// 网页授权的错误码。
const (
	codeInvalidCode = 40029 // code 无效（过期或已用过）
	codeCodeUsed    = 40163 // code 已被使用
)

// AuthorizeURL 返回企业微信网页授权（snsapi_base，静默授权）的地址：在企业微信里打开它，
// 企业微信把用户带回 redirect，并带上 code 和 state。redirect 的域名必须与应用“网页授权及 JS-SDK”
// 里设置的可信域名完全一致（含端口）。state 是调用方生成的随机值，回来时核对，防止登录被伪造。
func (s *Sender) AuthorizeURL(redirect, state string) string {
	u := s.wk.GetOauth().GetTargetURL(redirect)
	// SDK 固定写 state=STATE；换成调用方的值，并带上 agentid（企业微信建议带上）。
	return strings.Replace(u, "state=STATE", "state="+url.QueryEscape(state)+"&agentid="+url.QueryEscape(s.cfg.AgentID), 1)
}

// UserIDFromCode 用网页授权得到的 code 换取企业成员的 userid（/cgi-bin/auth/getuserinfo）。
// code 无效或已用过返回 EINVALID；不是企业成员（只有 openid）返回 EFORBIDDEN；
// 连不上企业微信返回 EUNAVAILABLE。access_token 失效（40014/42001）时换新的重试一次。
func (s *Sender) UserIDFromCode(ctx context.Context, code string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 512 {
		return "", model.Errorf(model.EINVALID, "企业微信没有给出授权码，请从应用主页重新进入。")
	}
	oa := s.wk.GetOauth()
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return "", model.Wrap(model.EUNAVAILABLE, err, "登录已取消，请重新进入。")
		}
		res, err := oa.GetUserInfo(code)
		if err == nil {
			if res.UserID == "" {
				return "", model.Errorf(model.EFORBIDDEN, "您不是本企业的成员，不能使用红旗的网页。")
			}
			return res.UserID, nil
		}
		se := s.classify(err)
		switch {
		case (se.Code == codeInvalidToken || se.Code == codeTokenExpired) && attempt == 0:
			s.log.Info("wecom access token rejected during login, fetching a new one", slog.Int64("errcode", se.Code))
			if derr := s.cache.Delete(s.tokenKey); derr != nil {
				s.log.Warn("wecom cannot drop cached token", slog.String("err", s.redactText(derr.Error())))
			}
			continue
		case se.Code == codeInvalidCode || se.Code == codeCodeUsed:
			return "", model.Wrap(model.EINVALID, se, "登录授权已失效，请从应用主页重新进入。")
		}
		return "", model.Wrap(model.EUNAVAILABLE, se, "暂时连不上企业微信，登录没有完成，请稍后再试。")
	}
}
