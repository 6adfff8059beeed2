package handlers

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// annualSection 是年度结算的命令（年度、发布年度）。
func annualSection(d *Deps) section {
	return section{title: "年度结算", topic: "结算", commands: []Command{
		{
			Names:    []string{"年度", "年度结算"},
			Usage:    "年度 [年份]",
			Summary:  "看某年年度结算草稿：各档人数、年度服务明星证书、所长奖扣（不写年份为去年）",
			Example:  "年度 2026",
			Who:      leadership,
			ReadOnly: true,
			Run:      func(c *bot.Context) (string, error) { return yearDraft(d, c) },
		},
		{
			Names:   []string{"发布年度"},
			Usage:   "发布年度 <年份>",
			Summary: "发布某年年度结算：奖惩记入当月台账、私信每人年度结算单；每年只发布一次",
			Example: "发布年度 2026",
			Who:     leadership,
			Run:     func(c *bot.Context) (string, error) { return publishYear(d, c) },
		},
		{
			Names:   []string{"补发证书"},
			Usage:   "补发证书 <人> [年份]",
			Summary: "重新生成某人的年度服务明星证书，以图片私信本人和中心领导（不写年份为去年）",
			Example: "补发证书 王堃 2026",
			Who:     leadership,
			Run:     func(c *bot.Context) (string, error) { return reissueCertificate(d, c) },
		},
	}}
}

var reYear = regexp.MustCompile(`^\d{4}年?(度)?$`)

func reissueCertificate(d *Deps, c *bot.Context) (string, error) {
	args := c.Args
	year := 0 // 不写年份：去年（年度结算在次年初发布）
	if n := len(args); n > 1 && reYear.MatchString(args[n-1]) {
		y, err := yearArg([]string{strings.TrimSuffix(args[n-1], "度")}, "补发证书 王堃 2026")
		if err != nil {
			return "", err
		}
		year, args = y, args[:n-1]
	}
	if len(args) != 1 {
		return "", model.Errorf(model.EINVALID, "请写明给谁补发、哪一年，例如：补发证书 王堃 2026")
	}
	r, err := d.Settle.ReissueCertificate(c.Ctx, c.Actor, c.Msg, args[0], year)
	if err != nil {
		return "", err
	}
	ct := r.Image.Certificate
	return fmt.Sprintf("已重新生成 %s（%s）%d 年度服务明星证书（全年 %d 次），稍后以图片私信给本人和 %d 位中心领导。",
		ct.Name, ct.Branch, ct.Year, ct.Count, len(r.To)-1), nil
}

// yearArg 解析“2026”或“2026年”；没有写时为 0（由结算服务取去年）。
func yearArg(args []string, example string) (int, error) {
	switch len(args) {
	case 0:
		return 0, nil
	case 1:
		y, err := model.ParseYear(args[0])
		if err != nil {
			return 0, model.Errorf(model.EINVALID, "年份“%s”看不懂，请写成四位数，例如：%s", args[0], example)
		}
		return y, nil
	}
	return 0, model.Errorf(model.EINVALID, "只能写一个年份，例如：%s", example)
}

func yearDraft(d *Deps, c *bot.Context) (string, error) {
	y, err := yearArg(c.Args, "年度 2026")
	if err != nil {
		return "", err
	}
	dr, err := d.Settle.YearDraftFor(c.Ctx, c.Actor, y)
	if err != nil {
		return "", err
	}
	y = dr.Result.Year
	s := "【草稿】" + d.Settle.YearText(dr.Result)
	if p := dr.Published; p != nil {
		return s + fmt.Sprintf("\n\n%d 年的年度结算已于 %s 由%s发布。", y, p.At.In(d.Settle.Loc()).Format("2006年1月2日 15:04"), p.ActorName), nil
	}
	return s + fmt.Sprintf("\n\n年度结束、核对无误后，发送“发布年度 %d”记入台账并私信每个人。", y), nil
}

func publishYear(d *Deps, c *bot.Context) (string, error) {
	if len(c.Args) != 1 {
		return "", model.Errorf(model.EINVALID, "请写明发布哪一年，例如：发布年度 2026")
	}
	y, err := yearArg(c.Args, "发布年度 2026")
	if err != nil {
		return "", err
	}
	r, err := d.Settle.PublishYear(c.Ctx, c.Actor, c.Msg, y)
	if err != nil {
		return "", err
	}
	reply := fmt.Sprintf("已发布 %d 年年度结算：%d 人的年度结算单正在私信发送，汇总已发给 %d 位中心领导；奖惩 %d 条已记入%s台账。合计 %s。",
		y, r.Statements, r.Summaries, len(r.Written), d.Settle.Ledger.Month().Label(), ledger.Yuan(r.Publication.Total))
	if r.Certificates > 0 {
		reply += fmt.Sprintf("\n%d 张年度服务明星证书已作为图片发给本人和中心领导。", r.Certificates)
	}
	for _, w := range r.Warnings {
		reply += "\n" + w
	}
	return reply, nil
}
