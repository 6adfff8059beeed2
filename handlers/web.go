package handlers

import (
	"fmt"

	"github.com/hongqi-dev/hongqi/bot"
)

// webSection 是“网页”命令：回复给发送人一个一次性登录链接（只能用一次，10 分钟内有效），
// 在企业微信之外（或试用时）用浏览器打开红旗的网页。
func webSection(d *Deps) section {
	return section{title: "网页", topic: "网页", commands: []Command{{
		Names:   []string{"网页", "网站", "登录"},
		Usage:   "网页",
		Summary: "给您一个一次性登录链接（10 分钟内有效，只能用一次），在浏览器里看我的、排行、台账、结算",
		Run: func(c *bot.Context) (string, error) {
			link, err := d.WebLink(c.Ctx, c.Actor)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("您的网页登录链接（10 分钟内有效，只能用一次，请勿转发）：\n%s\n在企业微信里，直接打开红旗应用的主页即可，不用这个链接。", link), nil
		},
	}}}
}

// pageLine 返回长回复末尾的网页链接行；没有配置地址时为空。
func pageLine(base, path string) string {
	if base == "" {
		return ""
	}
	return "\n\n在网页上看全部：" + base + path
}
