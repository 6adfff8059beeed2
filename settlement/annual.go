package settlement

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// YearKey 是年度结算在发布记录里用的“月份”：该年的第 0 月（存为 "2026-00"），与各月的发布记录
// 不会冲突。发布记录表按月份设计（char(7)），放不下 "year:2026"，所以用这个键；它只在这里使用。
func YearKey(year int) model.Month { return model.Month{Year: year} }

// YearDraft 是一年的年度结算草稿。
type YearDraft struct {
	Result calc.YearResult
	// Published 非空表示该年已发布。
	Published *model.Publication
}

// YearDraft 从存储取出 year 年的全部周服务红旗（含撤销的）和花名册（含已停用的人）算出年度草稿。
func (s *Service) YearDraft(ctx context.Context, year int) (YearDraft, error) {
	var d YearDraft
	pub, err := s.Store.Publication(ctx, YearKey(year))
	switch model.ErrorCode(err) {
	case "":
		d.Published = &pub
	case model.ENOTFOUND:
	default:
		return YearDraft{}, err
	}
	staff, err := s.Ledger.Staff.ListStaff(ctx)
	if err != nil {
		return YearDraft{}, err
	}
	flags, err := s.Flags.Flags(ctx, model.FlagFilter{Year: year, IncludeCancelled: true})
	if err != nil {
		return YearDraft{}, err
	}
	d.Result, err = calc.Annual(calc.YearInput{Year: year, Staff: staff, Flags: flags}, s.Ledger.Catalog, s.Cfg)
	if err != nil {
		return YearDraft{}, err
	}
	return d, nil
}

// YearDraftFor 是“年度”命令：中心领导查看 year 年的草稿；year 为 0 时用去年（最近一个已结束的年份）；
// 去年在启用之前而没有导入过红旗时用今年。
// 还没到的年份、上线之前而没有导入过红旗的年份不给草稿（见 checkYear）；今年可以看草稿。
func (s *Service) YearDraftFor(ctx context.Context, actor model.Staff, year int) (YearDraft, error) {
	if err := leadershipOnly(actor, "查看年度结算"); err != nil {
		return YearDraft{}, err
	}
	if year == 0 {
		cur := s.now().In(s.Loc()).Year()
		year = cur - 1
		if s.checkYear(ctx, year) != nil {
			// 去年在启用红旗之前、也没有导入那一年的红旗：没有去年的年度结算，看今年的草稿。
			year = cur
		}
	}
	if err := s.checkYear(ctx, year); err != nil {
		return YearDraft{}, err
	}
	return s.YearDraft(ctx, year)
}

// checkYear 检查红旗能不能给 year 年做年度结算：不能是还没到的年份；上线那年之前的年份，只有用
// hongqi flags import 导入过那一年的红旗（年中启用）才行——否则红旗没见过那一年，人人都是 0 次。
func (s *Service) checkYear(ctx context.Context, year int) error {
	cur := s.now().In(s.Loc()).Year()
	if year > cur {
		return model.Errorf(model.EINVALID, "%d 年还没到，没有年度结算。现在可以发“年度 %d”看今年的草稿。", year, cur)
	}
	if s.GoLive.IsZero() {
		return nil
	}
	live := s.GoLive.In(s.Loc())
	if year >= live.Year() {
		return nil
	}
	flags, err := s.Flags.Flags(ctx, model.FlagFilter{Year: year, IncludeCancelled: true})
	if err != nil {
		return err
	}
	for _, f := range flags {
		if f.Source == "import" {
			return nil
		}
	}
	return model.Errorf(model.EINVALID, "%d 年在启用红旗（%s）之前，红旗没有这一年的红旗记录，不能做年度结算。如果这一年评过红旗，请管理员先用 hongqi flags import 导入这一年的红旗；今年的草稿发“年度 %d”。",
		year, live.Format("2006年1月2日"), cur)
}

// tierLabel 是年度档次的说明。
func tierLabel(tier string, r calc.YearResult, few int) string {
	switch tier {
	case calc.TierStar:
		return fmt.Sprintf("年度服务明星（≥%d 次）", r.Threshold)
	case calc.TierNormal:
		return fmt.Sprintf("不奖不扣（%d–%d 次）", few, r.Threshold-1)
	case calc.TierFew:
		return fmt.Sprintf("少于 %d 次", few)
	default:
		return "0 次"
	}
}

// maxPartialListed 是年度草稿里逐个列出的“不满一年”的人数上限（消息不能太长）。
const maxPartialListed = 20

// YearText 是年度结算的文字（草稿和给中心领导的汇总）：各档人数、证书、所长奖扣和合计。
func (s *Service) YearText(r calc.YearResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d 年年度结算：参加考核 %d 人，年度服务明星门槛 %d 次\n", r.Year, len(r.Counts), r.Threshold)
	count := map[string]int{}
	for _, c := range r.Counts {
		count[c.Tier]++
	}
	for _, tier := range []string{calc.TierStar, calc.TierNormal, calc.TierFew, calc.TierNone} {
		fmt.Fprintf(&b, "%s：%d 人\n", tierLabel(tier, r, s.Cfg.FewBelow), count[tier])
	}
	if len(r.Certificates) > 0 {
		b.WriteString("\n年度服务明星证书：\n")
		for _, c := range r.Certificates {
			fmt.Fprintf(&b, "%s（%s）%d 次\n", c.Name, c.Branch, c.Count)
		}
	}
	var heads []string
	for _, st := range r.Statements {
		for _, l := range st.Lines {
			if l.Kind == calc.LineYearStarHead || l.Kind == calc.LineYearNoneHead {
				heads = append(heads, fmt.Sprintf("%s：%s %s", st.Staff.Name, l.Text, ledger.Yuan(l.Amount)))
			}
		}
	}
	if len(heads) > 0 {
		b.WriteString("\n所长奖扣：\n" + strings.Join(heads, "\n") + "\n")
	}
	if len(r.Partial) > 0 {
		fmt.Fprintf(&b, "\n%s（%d 人）：\n", calc.PartialNote, len(r.Partial))
		for i, c := range r.Partial {
			if i == maxPartialListed {
				fmt.Fprintf(&b, "……另有 %d 人\n", len(r.Partial)-i)
				break
			}
			fmt.Fprintf(&b, "%s（%s）%s\n", c.Staff.Name, c.Staff.Branch, cmpOr(c.Staff.Dates(), "入职日期不详"))
		}
	}
	fmt.Fprintf(&b, "\n奖励 %s，扣款 %s，合计 %s（%d 人）\n", ledger.Yuan(r.Summary.Rewarded), ledger.Yuan(r.Summary.Deducted),
		ledger.Yuan(r.Summary.Total), len(r.Statements))
	for _, w := range r.Warnings {
		b.WriteString("\n注意：" + w + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// PublishYear 发布 year 年的年度结算（中心领导）：只能发布已经结束的年份，每年一次。在一个事务里
// 登记发布（发布记录的键见 YearKey）、把年度奖惩写入当月台账（带 Ref，已有的跳过），并入队每个有奖惩的人
// 的年度结算单（Key "year-statement:<年份>:<userid>"）和给每位在职中心领导的汇总。
// 已发布时返回 ECONFLICT，什么也不发。
func (s *Service) PublishYear(ctx context.Context, actor model.Staff, msg model.Message, year int) (PublishResult, error) {
	if err := leadershipOnly(actor, "发布年度结算"); err != nil {
		return PublishResult{}, err
	}
	now := s.now()
	if cur := now.In(s.Loc()).Year(); year == cur {
		return PublishResult{}, model.Errorf(model.EINVALID, "%d 年还没结束，不能发布年度结算；现在可以发“年度 %d”看草稿。", year, year)
	}
	if err := s.checkYear(ctx, year); err != nil {
		return PublishResult{}, err
	}
	d, err := s.YearDraft(ctx, year)
	if err != nil {
		return PublishResult{}, err
	}
	if p := d.Published; p != nil {
		return PublishResult{Publication: *p}, s.yearPublished(year, *p)
	}
	res := d.Result
	cur := s.Ledger.Month()
	req := model.PublishRequest{Publication: model.Publication{Month: YearKey(year), ActorID: actor.UserID, ActorName: actor.Name,
		MsgKey: msg.Key, At: now, Total: res.Summary.Total}}
	out := PublishResult{}
	for _, st := range res.Statements {
		if len(st.Lines) == 0 {
			continue
		}
		for _, l := range st.Lines {
			req.Entries = append(req.Entries, generatedEntry(st.Staff, l, actor, msg, cur))
		}
		req.Notices = append(req.Notices, YearStatementNotice(year, cur, st))
		out.Statements++
	}
	req.Publication.People = out.Statements
	staff, err := s.Ledger.Staff.ListStaff(ctx)
	if err != nil {
		return PublishResult{}, err
	}
	var leaders []string
	for _, p := range staff {
		if p.Active && p.IsLeadership() {
			leaders = append(leaders, p.UserID)
		}
	}
	certs, warnings := s.certificateNotices(year, res.Certificates, leaders, now)
	req.Notices = append(req.Notices, certs...)
	out.Certificates = len(certs)
	out.Warnings = warnings
	summary := s.YearText(res) + fmt.Sprintf("\n\n以上奖惩已记入%s台账，随当月结算兑现。", cur.Label())
	for _, w := range warnings {
		summary += "\n" + w
	}
	for _, p := range staff {
		if p.Active && p.IsLeadership() {
			req.Notices = append(req.Notices, model.Notice{
				Key: fmt.Sprintf("year-summary:%d:%s", year, p.UserID), To: model.ToUsers(p.UserID), Plain: true,
				Title: fmt.Sprintf("%d 年年度结算汇总", year), Body: summary,
			})
			out.Summaries++
		}
	}
	pub, written, err := s.Store.Publish(ctx, req)
	if model.ErrorCode(err) == model.ECONFLICT {
		return PublishResult{Publication: pub}, s.yearPublished(year, pub)
	}
	if err != nil {
		return PublishResult{Publication: pub}, err
	}
	out.Publication, out.Written = pub, written
	return out, nil
}

func (s *Service) yearPublished(year int, p model.Publication) error {
	return model.Errorf(model.ECONFLICT, "%d 年的年度结算已于 %s 由%s发布，这次没有重复发送。",
		year, p.At.In(s.Loc()).Format("2006年1月2日 15:04"), cmpOr(p.ActorName, p.ActorID))
}

// YearStatementNotice 生成一个人的年度结算单私信（markdown）：全年周旗次数、各项奖惩、合计、
// 记入哪个月的台账和异议方式。
func YearStatementNotice(year int, booked model.Month, st calc.Statement) model.Notice {
	title := fmt.Sprintf("%d 年年度考核结算单", year)
	var b strings.Builder
	fmt.Fprintf(&b, "> %s（%s）\n", model.MarkdownText(st.Staff.Name), model.MarkdownText(st.Staff.Branch))
	if len(st.WeeklyFlags) > 0 {
		fmt.Fprintf(&b, "> 全年周服务红旗：%d 次\n", len(st.WeeklyFlags))
	}
	for _, l := range st.Lines {
		fmt.Fprintf(&b, "> %s %s\n", model.MarkdownText(l.Text), ledger.Yuan(l.Amount))
	}
	color := "info"
	if st.Total < 0 {
		color = "warning"
	}
	fmt.Fprintf(&b, "> 合计：<font color=\"%s\">%s</font>\n", color, ledger.Yuan(st.Total))
	fmt.Fprintf(&b, "> 已记入%s台账，随当月结算兑现（%s5日前）\n\n", booked.Label(), booked.Add(1).Label())
	fmt.Fprintf(&b, ObjectionHint, booked.Label())
	body := b.String()
	if limit := maxMarkdown - titleBytes(title); len(body) > limit {
		body = body[:limit] // 所长名下人很多时才会超长：截到上限，再退回到最后一个完整的行
		if i := strings.LastIndex(body, "\n"); i > 0 {
			body = body[:i]
		}
	}
	return model.Notice{Key: fmt.Sprintf("year-statement:%d:%s", year, st.Staff.UserID), To: model.ToUsers(st.Staff.UserID),
		Title: title, Body: body}
}

// certificateNotices 为每位年度服务明星画好证书（PNG，落款是中心、日期是 issued），作为图片私信发给本人和中心领导。
// 个别证书画不出（姓名里有字体缺的字）时不阻止发布：记日志，返回的提醒（含怎么补发）写进领导的汇总和发布人的回复。
func (s *Service) certificateNotices(year int, certs []calc.Certificate, leaders []string, issued time.Time) ([]model.Notice, []string) {
	var out []model.Notice
	var warnings []string
	for _, c := range certs {
		img, err := s.renderCert(c, issued)
		if err != nil {
			warnings = append(warnings, "证书没有生成："+model.ErrorMessage(err))
			continue
		}
		out = append(out, model.Notice{
			Key:  fmt.Sprintf("certificate:%d:%s", year, c.UserID),
			To:   model.ToUsers(append([]string{c.UserID}, leaders...)...),
			File: &model.File{Name: img.FileName, Kind: model.FileImage, Data: img.PNG},
		})
	}
	return out, warnings
}
