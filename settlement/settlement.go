// Package settlement 是月度结算的服务：评定服务明星、从存储取数据算草稿（calc.Monthly）、
// 发布（结账）：写入结算产生的记录、经发件箱私信每人的结算单并把汇总发给中心领导。
package settlement

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// FlagLister 是结算需要的红旗查询（model.FlagStore 的一部分）。
type FlagLister interface {
	Flags(ctx context.Context, f model.FlagFilter) ([]model.Flag, error)
}

// Service 是月度结算服务。字段在创建后不再修改，可并发使用。
type Service struct {
	// Ledger 提供花名册、台账、规则目录、时区和时钟（以及按名字找人）。
	Ledger *ledger.Service
	Flags  FlagLister
	Store  model.SettlementStore
	Cfg    calc.Config
	// Outbox 用于定时发送草稿（SendDraft）、“导出”的文件（Export）和补发的证书；为空时这几样返回 EUNAVAILABLE。
	Outbox model.Outbox
	// GoLive 是这个中心开始用红旗的时刻（app 从数据库读出）；零值表示不知道（只用于测试）。
	// 不写月份的命令不会落到它之前就结束的月份；它之前的年份没有导入红旗就不做年度结算。
	GoLive time.Time
	// Announce 是发布后把月度结果发到哪些群（配置 flags.announce：群机器人或应用群聊）；为空时不发。
	Announce []model.Recipient
	// AnnounceNames 为真时群里的月度结果点名列出每笔扣款（配置 settle.announce_names，默认不点名）。
	AnnounceNames bool
	// Centre 是发证的中心名称（设置 settle.centre_name / HONGQI_CENTRE），写在证书的落款；为空时不写落款。
	Centre string
	// Fonts 是证书上有内置字体缺的字（如“堃”）时依次找的字体文件；为空时用 cjk.SystemFonts。
	Fonts []string
	// Log 记下没能生成的证书等；为空时用 slog.Default()。
	Log *slog.Logger
}

// PayDay 是结算单上写的兑现时间。
const PayDay = "下月5日前"

// ObjectionHint 是结算单结尾的异议说明：对某条记录的异议在记录通知后的期限内申诉，其他问题找网点主管或中心管理员。
const ObjectionHint = "对某条记录有异议，请在记录通知所说的期限内回复“申诉 编号 理由”；其他问题请联系所在网点主管或中心管理员。回复“查 %s”可以核对明细。"

func (s *Service) now() time.Time { return s.Ledger.Clock.Now() }

// Loc 返回考核所用时区（时钟的时区）。
func (s *Service) Loc() *time.Location { return s.Ledger.Clock.Location() }

func leadershipOnly(actor model.Staff, what string) error {
	if !actor.IsLeadership() {
		return model.Errorf(model.EFORBIDDEN, "只有中心领导可以%s。", what)
	}
	return nil
}

// StarResult 是一次服务明星评定的结果。
type StarResult struct {
	Star     model.Star
	Replaced *model.Star // 被替换的上一位；没有时为 nil
}

// SetStar 评定 month 的服务明星 who（中心领导，不能评自己）。每月一人，新的评定替换旧的；已发布的月份不能再改。
func (s *Service) SetStar(ctx context.Context, actor model.Staff, msg model.Message, who string, month model.Month) (StarResult, error) {
	if err := leadershipOnly(actor, "评定服务明星"); err != nil {
		return StarResult{}, err
	}
	if month.IsZero() {
		var err error
		if month, err = s.DefaultMonth(ctx); err != nil {
			return StarResult{}, err
		}
	}
	if cur := s.Ledger.Month(); month.Start(time.UTC).After(cur.Start(time.UTC)) {
		return StarResult{}, model.Errorf(model.EINVALID, "%s还没到，不能评定服务明星。", month.Label())
	}
	st, err := s.Ledger.Resolve(ctx, actor, who)
	if err != nil {
		return StarResult{}, err
	}
	if !st.Active {
		return StarResult{}, model.Errorf(model.EINVALID, "%s（%s）已不在花名册中（离职或调出），不能评为服务明星。", st.Name, st.Branch)
	}
	if err := model.May(actor, model.ActStar, st); err != nil { // 不能评自己
		return StarResult{}, err
	}
	star := model.Star{Month: month, StaffID: st.UserID, Name: st.Name, Branch: st.Branch,
		ActorID: actor.UserID, ActorName: actor.Name, MsgKey: msg.Key, At: s.now()}
	prev, err := s.Store.SetStar(ctx, star)
	if err != nil {
		return StarResult{}, err
	}
	if prev != nil && prev.StaffID == star.StaffID {
		prev = nil // 重复评定同一人不算替换
	}
	return StarResult{Star: star, Replaced: prev}, nil
}

// Draft 是一个月的结算草稿。
type Draft struct {
	Result calc.MonthResult
	// Published 非空表示该月已发布（此时草稿不含发布时写入台账的结算记录，以免重复）。
	Published *model.Publication
	// Basis 是草稿所依据的台账（该月的记录和撤销条数、服务明星）：发布时存储据此核对台账没有变过。
	Basis model.LedgerBasis
}

// generatedRef 表示 ref 是否是 month 的结算产生的记录（发布时写入台账）。
func generatedRef(ref string, m model.Month) bool {
	ms := m.String()
	return ref == "flags:weekly:"+ms || strings.HasPrefix(ref, "flags:dekad:"+ms+":") || ref == "star:"+ms
}

// Draft 从存储取出 month 的全部数据算出结算草稿：花名册（含已停用的人）、台账（含撤销的）、
// 红旗（含撤销的）和服务明星。
func (s *Service) Draft(ctx context.Context, month model.Month) (Draft, error) {
	return s.draft(ctx, month, "")
}

// draft 是 Draft；staffID 非空时只取这个人的台账记录（花名册、红旗和明星仍取全部，
// 所长奖励等要看它们），用于一个人的预计。
func (s *Service) draft(ctx context.Context, month model.Month, staffID string) (Draft, error) {
	var d Draft
	pub, err := s.Store.Publication(ctx, month)
	switch model.ErrorCode(err) {
	case "":
		d.Published = &pub
	case model.ENOTFOUND:
	default:
		return Draft{}, err
	}
	staff, err := s.Ledger.Staff.ListStaff(ctx)
	if err != nil {
		return Draft{}, err
	}
	entries, err := s.Ledger.Ledger.Entries(ctx, model.EntryFilter{Month: month, StaffID: staffID, IncludeRevoked: true})
	if err != nil {
		return Draft{}, err
	}
	d.Basis.Entries = len(entries)
	for _, e := range entries {
		if e.Revoked() {
			d.Basis.Revoked++
		}
	}
	// 已发布的月份：结算产生的记录已在台账里，不再作为台账记录计入（下面按同样的规则重算出这些行），
	// 而是把它们的编号和时间填回重算出的行上，表格和网页上与“查”看到的是同一个编号。
	type genKey struct{ staff, ref string }
	written := map[genKey]model.Entry{}
	if d.Published != nil {
		entries = slices.DeleteFunc(entries, func(e model.Entry) bool {
			if !generatedRef(e.Ref, month) {
				return false
			}
			if !e.Revoked() {
				written[genKey{e.StaffID, e.Ref}] = e
			}
			return true
		})
	}
	flags, err := s.Flags.Flags(ctx, model.FlagFilter{Month: month, IncludeCancelled: true})
	if err != nil {
		return Draft{}, err
	}
	in := calc.MonthInput{Month: month, Staff: staff, Entries: entries, Flags: flags}
	star, err := s.Store.Star(ctx, month)
	switch model.ErrorCode(err) {
	case "":
		in.Star = star.StaffID
	case model.ENOTFOUND:
	default:
		return Draft{}, err
	}
	d.Basis.Star = in.Star // 发布前改评了明星，存储发布时看得出（与记录、撤销一样）
	d.Result, err = calc.Monthly(in, s.Ledger.Catalog, s.Cfg)
	if err != nil {
		return Draft{}, err
	}
	for i := range d.Result.Statements {
		st := &d.Result.Statements[i]
		for j := range st.Lines {
			l := &st.Lines[j]
			if e, ok := written[genKey{st.Staff.UserID, l.Ref}]; ok && l.Kind != calc.LineEntry {
				l.EntryID, l.At = e.ID, e.CreatedAt
			}
		}
	}
	return d, nil
}

// DraftFor 是“结算”“导出”命令：中心领导查看 month 的草稿；month 为零值时用 DefaultMonth。
// 用的是哪个月见 Draft.Result.Month。
func (s *Service) DraftFor(ctx context.Context, actor model.Staff, month model.Month) (Draft, error) {
	if err := leadershipOnly(actor, "查看结算"); err != nil {
		return Draft{}, err
	}
	if month.IsZero() {
		var err error
		if month, err = s.DefaultMonth(ctx); err != nil {
			return Draft{}, err
		}
	}
	return s.Draft(ctx, month)
}

// BeforeGoLive 报告 month 是否在启用红旗（上线时刻）之前就结束了：红旗没有这个月的考核，不用也不能发布。
func (s *Service) BeforeGoLive(month model.Month) bool {
	return !s.GoLive.IsZero() && !month.End(s.Loc()).After(s.GoLive)
}

// beforeGoLiveText 是对上线之前就结束的月份的说明（发布的拒绝和草稿末尾用同一句）。
func (s *Service) beforeGoLiveText(month model.Month) string {
	return fmt.Sprintf("%s在启用红旗（%s）之前就结束了，红旗没有这个月的考核，不用发布。",
		month.Label(), s.GoLive.In(s.Loc()).Format("2006年1月2日"))
}

// maxLookBack 是没有上线时刻时，DefaultMonth 往回找未发布月份的上限（月）。
const maxLookBack = 1

// DefaultMonth 是“明星”“结算”“导出”不写月份时用的月份：最近一个已经结束、还没有发布的月份
// （服务明星在月底之后的月度考核时评），不早于上线（上线之前就结束的月份不算）；
// 上线以来结束的月份都已发布时为本月。
func (s *Service) DefaultMonth(ctx context.Context) (model.Month, error) {
	loc := s.Loc()
	cur := model.MonthOf(s.now(), loc)
	for m, n := cur.Add(-1), 0; ; m, n = m.Add(-1), n+1 {
		if s.GoLive.IsZero() && n >= maxLookBack {
			break
		}
		if !s.GoLive.IsZero() && !m.End(loc).After(s.GoLive) {
			break
		}
		closed, err := s.Closed(ctx, m)
		if err != nil {
			return model.Month{}, err
		}
		if !closed {
			return m, nil
		}
	}
	return cur, nil
}

// Projected 是“查”一个还没发布的月份时，who 在发布结算时会另记的奖励（周旗次数、所长旬旗、服务明星），
// 由与发布同一套计算（calc.Monthly）按现在的红旗和服务明星算出；已发布的月份返回空（已记入台账）。
func (s *Service) Projected(ctx context.Context, who model.Staff, month model.Month) ([]ledger.Projection, error) {
	closed, err := s.Closed(ctx, month)
	if err != nil || closed {
		return nil, err
	}
	staff, err := s.Ledger.Staff.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	flags, err := s.Flags.Flags(ctx, model.FlagFilter{Month: month, IncludeCancelled: true})
	if err != nil {
		return nil, err
	}
	in := calc.MonthInput{Month: month, Staff: staff, Flags: flags}
	star, err := s.Store.Star(ctx, month)
	switch model.ErrorCode(err) {
	case "":
		in.Star = star.StaffID
	case model.ENOTFOUND:
	default:
		return nil, err
	}
	res, err := calc.Monthly(in, s.Ledger.Catalog, s.Cfg)
	if model.ErrorCode(err) == model.EINVALID {
		// 这个月现在算不出结算（如规则文件里缺红旗的规则）：“查”照常给出台账，只是没有预计；
		// 问题由“结算”草稿向中心领导说明。
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st, ok := res.Statement(who.UserID)
	if !ok {
		return nil, nil
	}
	var out []ledger.Projection
	for _, l := range st.Lines {
		if l.Kind != calc.LineEntry {
			out = append(out, ledger.Projection{Text: l.Text, Amount: l.Amount})
		}
	}
	return out, nil
}

// Text 是发布之后给发布人的一句话（“发布”命令和网页共用）。
func (r PublishResult) Text() string {
	m := r.Result.Month
	return fmt.Sprintf("已发布%s结算：%d 张结算单正在私信发送（其中 %d 人有奖扣），汇总已发给 %d 位中心领导；结算产生的奖励 %d 条已记入台账。合计 %s。\n%s已结账，之后的更正记在下一个月。",
		m.Label(), r.Statements, r.Result.Counts().WithLines, r.Summaries, len(r.Written), ledger.Yuan(r.Result.Summary.Total), m.Label())
}

// PublishResult 是一次发布的结果。
type PublishResult struct {
	Publication model.Publication
	Result      calc.MonthResult
	Written     []model.Entry // 写入台账的结算产生的记录
	Statements  int           // 入队的结算单数
	Summaries   int           // 入队的汇总数（每位中心领导一条）
	// Certificates 是入队的年度服务明星证书（图片）数；Warnings 是没能生成证书等提醒。
	Certificates int
	Warnings     []string
}

// Publish 发布 month 的结算（中心领导）：只能发布已经结束的月份。在一个事务里登记发布、
// 写入结算产生的记录（红旗奖励、所长奖励、服务明星，带 Ref，已有的跳过），并入队每个有明细的人的
// 结算单（Key "statement:<月份>:<userid>"）、给每位在职中心领导的汇总和发到公布群的月度结果（见 groupPost）。已发布时返回 ECONFLICT，
// 说明何时由谁发布，什么也不发。
func (s *Service) Publish(ctx context.Context, actor model.Staff, msg model.Message, month model.Month) (PublishResult, error) {
	return s.publish(ctx, actor, msg, month, "")
}

// publishAttempts 是发布时台账一直在变（ErrLedgerMoved）最多重算草稿的次数。
const publishAttempts = 5

// publish 是 Publish；note 非空时写在每张结算单和汇总上。
//
// 草稿在发布的事务之外算出；存储在事务里锁住这个月（与撤销排队）后核对草稿所依据的台账（Draft.Basis）。
// 其间有人记录或撤销了这个月的记录时，什么也不发布（ErrLedgerMoved），这里重算草稿再发布，
// 所以结算单上的合计总是与发布那一刻的台账（“查”）一致。
func (s *Service) publish(ctx context.Context, actor model.Staff, msg model.Message, month model.Month, note string) (PublishResult, error) {
	if err := leadershipOnly(actor, "发布结算"); err != nil {
		return PublishResult{}, err
	}
	if cur := s.Ledger.Month(); !month.Start(time.UTC).Before(cur.Start(time.UTC)) {
		return PublishResult{}, model.Errorf(model.EINVALID, "%s还没结束，不能发布。月底之后再发“发布 %[2]s”；现在可以发“结算 %[2]s”看草稿。", month.Label(), MonthArg(month, s.now(), s.Loc()))
	}
	if s.BeforeGoLive(month) {
		// 红旗没见过这个月：发布只会给每个人发一张“合计 0 元”的结算单，还把这个月锁住。
		return PublishResult{}, model.Errorf(model.EINVALID, "%s", s.beforeGoLiveText(month))
	}
	for attempt := 1; ; attempt++ {
		out, err := s.publishOnce(ctx, actor, msg, month, note)
		if !errors.Is(err, model.ErrLedgerMoved) {
			return out, err
		}
		if attempt == publishAttempts {
			return PublishResult{}, model.Wrap(model.EUNAVAILABLE, err, "%s的台账一直有人在记录或撤销，结算没有发布。请稍后再发“发布 %s”。", month.Label(), month)
		}
	}
}

// publishOnce 算一次草稿并发布；草稿算完之后台账有变时返回 ErrLedgerMoved，什么也没发布。
func (s *Service) publishOnce(ctx context.Context, actor model.Staff, msg model.Message, month model.Month, note string) (PublishResult, error) {
	d, err := s.Draft(ctx, month)
	if err != nil {
		return PublishResult{}, err
	}
	if d.Published != nil {
		p := d.Published
		return PublishResult{Publication: *p}, model.Errorf(model.ECONFLICT, "%s的结算已于 %s 由%s发布，这次没有重复发送。",
			month.Label(), p.At.In(s.Loc()).Format("1月2日 15:04"), cmpOr(p.ActorName, p.ActorID))
	}
	res := d.Result
	basis := d.Basis
	req := model.PublishRequest{Publication: model.Publication{Month: month, ActorID: actor.UserID, ActorName: actor.Name,
		MsgKey: msg.Key, At: s.now(), Total: res.Summary.Total}, Basis: &basis}
	out := PublishResult{Result: res}
	for _, st := range res.Statements {
		for _, l := range st.Lines {
			if l.Kind == calc.LineEntry {
				continue
			}
			req.Entries = append(req.Entries, generatedEntry(st.Staff, l, actor, msg, month))
		}
		// 这个月在花名册上的员工、主管、所长都收到结算单，没有记录的人也收到一份“合计 0 元”，知道本月已结算；
		// 中心领导没有记录时只收汇总。月初之前就离职的人不再收结算单（记录照样算进汇总）。见 calc.Statement.Delivered。
		if !st.Delivered(month) {
			continue
		}
		req.Notices = append(req.Notices, statementNotice(month, st, note))
		out.Statements++
	}
	req.Publication.People = out.Statements
	staff, err := s.Ledger.Staff.ListStaff(ctx)
	if err != nil {
		return PublishResult{}, err
	}
	summary := SummaryText(res)
	if note != "" {
		summary += "\n\n" + note
	}
	for _, p := range staff {
		if p.Active && p.IsLeadership() {
			req.Notices = append(req.Notices, model.Notice{
				Key: "summary:" + month.String() + ":" + p.UserID, To: model.ToUsers(p.UserID),
				Title: month.Label() + "结算汇总", Body: model.MarkdownLines(summary),
			})
			out.Summaries++
		}
	}
	req.Notices = append(req.Notices, s.groupPost(res, note)...)
	pub, written, err := s.Store.Publish(ctx, req)
	if err != nil {
		return PublishResult{Publication: pub}, err
	}
	out.Publication, out.Written = pub, written
	return out, nil
}

// generatedEntry 把结算产生的一行变成台账记录。
func generatedEntry(who model.Staff, l calc.Line, actor model.Staff, msg model.Message, month model.Month) model.Entry {
	kind := model.Reward
	if l.Amount < 0 {
		kind = model.Deduction
	}
	return model.Entry{
		StaffID: who.UserID, StaffName: who.Name, Branch: l.Branch, RuleCode: l.RuleCode, RuleName: l.RuleName,
		Kind: kind, Amount: l.Amount, Note: strings.TrimPrefix(l.Text, l.RuleName+"："), ActorID: actor.UserID,
		ActorName: actor.Name, MsgKey: msg.Key, Month: month, Ref: l.Ref,
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// maxMarkdown 是企业微信 markdown 消息内容的上限（字节）。
const maxMarkdown = 2048

// StatementNotice 生成一个人的结算单私信（markdown）：逐条明细、红旗、合计、兑现时间和异议方式。
// 明细太多时只列前面的，并说明如何查看全部。
func StatementNotice(month model.Month, st calc.Statement) model.Notice {
	return statementNotice(month, st, "")
}

// statementNotice 是 StatementNotice；note 非空时写在合计之后。
func statementNotice(month model.Month, st calc.Statement, note string) model.Notice {
	title := month.Label() + "考核结算单"
	var head, tail strings.Builder
	fmt.Fprintf(&head, "> %s（%s）\n", model.MarkdownText(st.Staff.Name), model.MarkdownText(st.Staff.Branch))
	if len(st.WeeklyFlags) > 0 {
		fmt.Fprintf(&tail, "> 本月周服务红旗：%d 次（%s）\n", len(st.WeeklyFlags), model.PeriodsInMonth(st.WeeklyFlags))
	}
	color := "info"
	if st.Total < 0 {
		color = "warning"
	}
	fmt.Fprintf(&tail, "> 合计：<font color=\"%s\">%s</font>\n", color, ledger.Yuan(st.Total))
	fmt.Fprintf(&tail, "> 兑现：%s（%s）\n", PayDay, month.Add(1).Label()+"5日前")
	if note != "" {
		fmt.Fprintf(&tail, "> %s\n", note)
	}
	tail.WriteString("\n")
	fmt.Fprintf(&tail, ObjectionHint, month.Label())
	budget := maxMarkdown - titleBytes(title) - len(head.String()) - len(tail.String()) - 80
	var lines strings.Builder
	if len(st.Lines) == 0 {
		lines.WriteString("> 本月没有扣款和奖励记录\n")
	}
	for i, l := range st.Lines {
		var s string
		if l.EntryID > 0 {
			status := ""
			if l.Status != "" {
				status = "（" + l.Status + "）"
			}
			s = fmt.Sprintf("> #%d %s %s%s\n", l.EntryID, model.MarkdownText(l.Text), ledger.Yuan(l.Amount), status)
		} else {
			s = fmt.Sprintf("> %s %s\n", model.MarkdownText(l.Text), ledger.Yuan(l.Amount))
		}
		if lines.Len()+len(s) > budget {
			fmt.Fprintf(&lines, "> ……另有 %d 条，回复“查 %s”查看全部\n", len(st.Lines)-i, month.Label())
			break
		}
		lines.WriteString(s)
	}
	return model.Notice{
		Key:   "statement:" + month.String() + ":" + st.Staff.UserID,
		To:    model.ToUsers(st.Staff.UserID),
		Title: title,
		Body:  head.String() + lines.String() + tail.String(),
	}
}

// titleBytes 是发送时标题在 markdown 内容里占的字节数（“**标题**”和换行）。
func titleBytes(title string) int { return len("**" + title + "**\n") }

// SummaryText 是给中心领导的汇总（也是“结算”草稿的主体）：结算单张数（calc.Counts，与发布回复同一对数）、
// 奖扣合计、分网点合计、结算产生的奖励和需要处理的问题。没有任何奖扣时不列分网点。
func SummaryText(res calc.MonthResult) string {
	var b strings.Builder
	sum := res.Summary
	fmt.Fprintf(&b, "%s结算：%s\n", res.Month.Label(), res.Counts().Text())
	var branches []string
	for _, t := range sum.Branches {
		if t.Rewarded == 0 && t.Deducted == 0 {
			continue
		}
		branches = append(branches, fmt.Sprintf("%s：奖 %s，扣 %s，合计 %s", cmpOr(t.Branch, "（未注明）"), ledger.Yuan(t.Rewarded), ledger.Yuan(t.Deducted), ledger.Yuan(t.Total)))
	}
	if len(branches) == 0 {
		b.WriteString("本月没有奖扣记录，合计 0 元。\n")
	} else {
		fmt.Fprintf(&b, "奖励 %s，扣款 %s，合计 %s\n", ledger.Yuan(sum.Rewarded), ledger.Yuan(sum.Deducted), ledger.Yuan(sum.Total))
		b.WriteString("\n分网点：\n" + strings.Join(branches, "\n") + "\n")
	}
	var gen []string
	booked := true
	for _, st := range res.Statements {
		for _, l := range st.Lines {
			if l.Kind != calc.LineEntry {
				id := ""
				if l.EntryID > 0 {
					id = fmt.Sprintf("#%d ", l.EntryID)
				} else {
					booked = false
				}
				gen = append(gen, fmt.Sprintf("%s%s：%s %s", id, st.Staff.Name, l.Text, ledger.Yuan(l.Amount)))
			}
		}
	}
	if len(gen) > 0 {
		if booked {
			b.WriteString("\n结算产生的奖励（已记入台账）：\n")
		} else {
			b.WriteString("\n结算产生的奖励（发布时记入台账）：\n")
		}
		b.WriteString(strings.Join(gen, "\n") + "\n")
	}
	top := topPeople(res.Statements, 5)
	if len(top) > 0 {
		b.WriteString("\n金额最大的几位：\n")
		for _, st := range top {
			fmt.Fprintf(&b, "%s（%s）%s\n", st.Staff.Name, st.Staff.Branch, ledger.Yuan(st.Total))
		}
	}
	for _, w := range res.Warnings {
		b.WriteString("\n注意：" + w + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// topPeople 返回合计绝对值最大的 n 人（合计为 0 的不列）。
func topPeople(sts []calc.Statement, n int) []calc.Statement {
	var out []calc.Statement
	for _, st := range sts {
		if st.Total != 0 {
			out = append(out, st)
		}
	}
	slices.SortStableFunc(out, func(x, y calc.Statement) int {
		return cmp.Compare(abs(y.Total), abs(x.Total))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// Closed 报告 m 是否已结账（结算已发布），供 ledger.Service.CloseWith 使用。
func (s *Service) Closed(ctx context.Context, m model.Month) (bool, error) {
	_, err := s.Store.Publication(ctx, m)
	switch model.ErrorCode(err) {
	case "":
		return true, nil
	case model.ENOTFOUND:
		return false, nil
	}
	return false, err
}
