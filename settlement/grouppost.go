package settlement

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hongqi-dev/hongqi/internal/picture"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// 发布后发到群里的月度结果：各网点合计、红旗奖励和服务明星（点名）、扣款和奖励各几笔，和一张各网点合计的图。
// 个人的扣款只在 AnnounceNames 为真时点名（默认不点：收入是个人的事，明细只私信本人）。
// 通知随发布在同一事务里入队，Key 固定（"month:<月份>:announce:<去处>"），发布又是每月一次（publications 的主键），
// 所以多个副本、重复发布、自动发布和手动发布撞在一起，群里也只收到一次。

// monthPostKey 返回月度结果发到去处 to 的通知 Key（kind 为 "announce" 或 "announce-image"）。
func monthPostKey(m model.Month, kind string, to model.Recipient) string {
	target := "robot:" + to.Robot
	if to.Chat != "" {
		target = "appchat:" + to.Chat
	}
	return "month:" + m.String() + ":" + kind + ":" + target
}

// groupPost 返回发到每个公布去处的月度结果（文字一条、图一张）；没有配置去处时为空。
func (s *Service) groupPost(res calc.MonthResult, note string) []model.Notice {
	if len(s.Announce) == 0 {
		return nil
	}
	title := res.Month.Label() + "考核结果"
	body := MonthPostText(res, s.AnnounceNames, maxMarkdown-titleBytes(title))
	if note != "" && len(body)+len(note)+2 <= maxMarkdown-titleBytes(title) {
		body += "\n" + note
	}
	img, imgErr := BranchPicture(res)
	var out []model.Notice
	for _, to := range s.Announce {
		out = append(out, model.Notice{Key: monthPostKey(res.Month, "announce", to), To: to, Title: title, Body: body})
		if imgErr == nil {
			out = append(out, model.Notice{Key: monthPostKey(res.Month, "announce-image", to), To: to,
				After: monthPostKey(res.Month, "announce", to), // 先文字，后图
				File:  &model.File{Name: title + ".png", Kind: model.FileImage, Data: img}})
		}
	}
	return out
}

// MonthPostText 是发到群里的月度结果（markdown，不含标题），不超过 limit 字节：各网点合计、红旗奖励和
// 服务明星的名字、扣款和奖励的笔数；names 为真时再点名列出每笔扣款（放不下的只写还有几笔）。
func MonthPostText(res calc.MonthResult, names bool, limit int) string {
	var head, tail strings.Builder
	var deductions, rewards int
	var flags, stars, deducted []string
	for _, st := range res.Statements {
		who := model.MarkdownText(st.Staff.Name) + "（" + model.MarkdownText(st.Staff.Branch) + "）"
		for _, l := range st.Lines {
			switch {
			case l.Amount < 0:
				deductions++
			case l.Amount > 0:
				rewards++
			}
			switch l.Kind {
			case calc.LineFlagReward, calc.LineDekadHead:
				flags = append(flags, fmt.Sprintf("%s%s %s", who, model.MarkdownText(strings.TrimPrefix(l.Text, l.RuleName+"：")), ledger.Yuan(l.Amount)))
			case calc.LineStar:
				stars = append(stars, who)
			case calc.LineEntry:
				if l.Amount < 0 {
					deducted = append(deducted, fmt.Sprintf("%s%s %s", who, model.MarkdownText(l.RuleName), ledger.Yuan(l.Amount)))
				}
			}
		}
	}
	sum := res.Summary
	fmt.Fprintf(&head, "> 全中心：奖励 %s，扣款 %s，合计 %s\n", ledger.Yuan(sum.Rewarded), ledger.Yuan(sum.Deducted), ledger.Yuan(sum.Total))
	fmt.Fprintf(&head, "> 本月记扣款 %d 笔、奖励 %d 笔（含红旗和明星的奖励）\n", deductions, rewards)
	if len(stars) > 0 {
		fmt.Fprintf(&head, "> 政务服务明星：%s\n", strings.Join(stars, "、"))
	}
	for _, f := range flags {
		fmt.Fprintf(&head, "> 红旗奖励：%s\n", f)
	}
	fmt.Fprintf(&tail, "\n每人的结算单已私信发送，回复“查 %d月”可以核对自己的明细。", int(res.Month.Month))

	var branches strings.Builder
	branches.WriteString("> 各网点合计：\n")
	rows := branchRows(res)
	budget := limit - head.Len() - tail.Len() - 40
	if names {
		budget /= 2 // 另一半留给点名的扣款
	}
	for i, t := range rows {
		line := fmt.Sprintf("> %s %s（奖 %s，扣 %s）\n", model.MarkdownText(t.Branch), ledger.Yuan(t.Total), ledger.Yuan(t.Rewarded), ledger.Yuan(t.Deducted))
		if branches.Len()+len(line) > budget {
			fmt.Fprintf(&branches, "> ……另有 %d 个网点，见图\n", len(rows)-i)
			break
		}
		branches.WriteString(line)
	}
	text := head.String() + branches.String()
	if names && len(deducted) > 0 {
		var b strings.Builder
		b.WriteString("> 扣款：\n")
		room := limit - len(text) - tail.Len() - 40
		for i, d := range deducted {
			line := "> " + d + "\n"
			if b.Len()+len(line) > room {
				fmt.Fprintf(&b, "> ……另有 %d 笔\n", len(deducted)-i)
				break
			}
			b.WriteString(line)
		}
		text += b.String()
	}
	return text + tail.String()
}

// branchRows 是有奖扣的网点，按合计从高到低（同额按名称）。
func branchRows(res calc.MonthResult) []calc.BranchTotal {
	var rows []calc.BranchTotal
	for _, t := range res.Summary.Branches {
		if t.Rewarded != 0 || t.Deducted != 0 {
			t.Branch = cmpOr(t.Branch, "（未注明）")
			rows = append(rows, t)
		}
	}
	slices.SortStableFunc(rows, func(a, b calc.BranchTotal) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Branch, b.Branch))
	})
	return rows
}

// BranchPicture 画各网点合计的图（PNG）：每个网点一行，横条按合计的大小，奖励为绿、扣款为红。
func BranchPicture(res calc.MonthResult) ([]byte, error) {
	var rows []picture.Row
	for _, t := range branchRows(res) {
		rows = append(rows, picture.Row{Name: t.Branch, Sub: "奖 " + ledger.Yuan(t.Rewarded) + "，扣 " + ledger.Yuan(t.Deducted),
			Value: t.Total, ValueText: ledger.Yuan(t.Total)})
	}
	sum := res.Summary
	return picture.Board{
		Title:    res.Month.Label() + "考核结果",
		Subtitle: "各网点合计（奖励与扣款相抵）",
		Rows:     rows,
		Signed:   true,
		Footer:   fmt.Sprintf("全中心：奖励 %s，扣款 %s，合计 %s", ledger.Yuan(sum.Rewarded), ledger.Yuan(sum.Deducted), ledger.Yuan(sum.Total)),
	}.PNG()
}
