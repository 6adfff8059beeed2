package handlers

import (
	"fmt"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/model"
)

// settleSection 是月度结算的命令（明星、结算、发布）。
func settleSection(d *Deps) section {
	return section{title: "月度结算", topic: "结算", commands: []Command{
		{
			Names:   []string{"明星", "服务明星"},
			Usage:   "明星 <人> [月份]",
			Summary: "评定某月政务服务明星（每月一人，再评一次就替换；不写月份为最近一个结束了还没发布的月份）",
			Example: "明星 李四 11月",
			Who:     leadership,
			Run:     func(c *bot.Context) (string, error) { return setStar(d, c) },
		},
		{
			Names:    []string{"结算"},
			Usage:    "结算 [月份]",
			Summary:  "看某月结算草稿：分网点合计、红旗和明星奖励（不写月份同“明星”）",
			Example:  "结算 上月",
			Who:      leadership,
			ReadOnly: true,
			Run:      func(c *bot.Context) (string, error) { return draft(d, c) },
		},
		{
			Names:   []string{"发布"},
			Usage:   "发布 <月份>",
			Summary: "发布某月结算：记入奖励、私信每人结算单；发布后该月结账",
			Example: "发布 2026-11",
			Who:     leadership,
			Run:     func(c *bot.Context) (string, error) { return publish(d, c) },
		},
	}}
}

// monthArg 解析可选的月份参数；没有写时为零值。
func monthArg(d *Deps, c *bot.Context, arg string) (model.Month, error) {
	if arg == "" {
		return model.Month{}, nil
	}
	return model.ParseMonth(arg, c.Now, d.Settle.Loc())
}

func setStar(d *Deps, c *bot.Context) (string, error) {
	var who, marg string
	for _, a := range c.Args {
		switch {
		case model.LooksLikeMonth(a) && marg == "":
			marg = a
		case who == "":
			who = a
		default:
			return "", model.Errorf(model.EINVALID, "每月只评一位服务明星，例如：明星 李四 11月")
		}
	}
	if who == "" {
		return "", model.Errorf(model.EINVALID, "请写明评谁，例如：明星 李四 11月")
	}
	m, err := monthArg(d, c, marg)
	if err != nil {
		return "", err
	}
	r, err := d.Settle.SetStar(c.Ctx, c.Actor, c.Msg, who, m)
	if err != nil {
		return "", err
	}
	s := fmt.Sprintf("已评定 %s（%s）为%s政务服务明星，发布结算时奖励。", r.Star.Name, r.Star.Branch, r.Star.Month.Label())
	if r.Replaced != nil {
		s += fmt.Sprintf("\n原来评定的 %s（%s）已被替换。", r.Replaced.Name, r.Replaced.Branch)
	}
	return s, nil
}

func draft(d *Deps, c *bot.Context) (string, error) {
	if len(c.Args) > 1 {
		return "", model.Errorf(model.EINVALID, "只能写一个月份，例如：结算 上月")
	}
	var arg string
	if len(c.Args) == 1 {
		arg = c.Args[0]
	}
	m, err := monthArg(d, c, arg)
	if err != nil {
		return "", err
	}
	dr, err := d.Settle.DraftFor(c.Ctx, c.Actor, m) // 不写月份：最近一个结束了还没发布的月份
	if err != nil {
		return "", err
	}
	m = dr.Result.Month
	return d.Settle.DraftText(dr, m) + pageLine(d.Web, "/app/settle?month="+m.String()), nil
}

func publish(d *Deps, c *bot.Context) (string, error) {
	if len(c.Args) != 1 {
		return "", model.Errorf(model.EINVALID, "请写明发布哪个月，例如：发布 2026-11")
	}
	m, err := monthArg(d, c, c.Args[0])
	if err != nil {
		return "", err
	}
	r, err := d.Settle.Publish(c.Ctx, c.Actor, c.Msg, m)
	if err != nil {
		return "", err
	}
	return r.Text(), nil
}
