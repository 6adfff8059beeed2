// Package redflag 是流动红旗的评选流程：提名（按排行把建议人选连同分数以一张按钮卡片发给评选小组）、
// 评选小组确认或改选、过期自动生效、在公布群里公布，以及撤销（虚假信息）。
//
// 每一步都落在数据库里：提名是一轮 model.Round（每期只有一轮），决定在一个事务里写入红旗并把公布通知
// 放进发件箱，所以多个副本、重复点击、进程重启都不会让一期评出两次或公布两次。
package redflag

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/internal/picture"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// EventPrefix 是评选按钮的 EventKey 前缀；确认按钮为 "flag:confirm:<评选编号>"。
const EventPrefix = "flag:"

// Service 是评选流程。字段在开始使用前设好；Log 为空时用 slog.Default()。可并发使用。
type Service struct {
	Store  model.FlagStore
	Outbox model.Outbox
	Staff  model.StaffStore
	Ranker model.Ranker
	// Ledger 是台账服务：撤销红旗时经它给所长记“提供虚假信息”的扣款（规则 flag_false_info，
	// 记录和通知与别的记录一样，已结账的月份改记调整）；为空时不记（只撤销红旗）。
	Ledger *ledger.Service
	Cfg    config.Flags
	// DekadFalseInfo 是旬红旗因虚假信息撤销时给所长扣的金额（元，settle.dekad_false_info）。原文只对周红旗
	// 规定了所长的扣款（flag_false_info），对旬红旗没有规定，所以默认 0：撤销的旬红旗不再计数，所长不扣。
	DekadFalseInfo int64
	Clock          *model.Clock // 全系统唯一的时钟，也给出考核时区
	Log            *slog.Logger
}

// Decision 是一轮评选的结果：决定后的评选和授予的红旗。
type Decision struct {
	Round model.Round
	Flags []model.Flag
}

func (s *Service) now() time.Time { return s.Clock.Now() }

func (s *Service) loc() *time.Location { return s.Clock.Location() }

// Said 返回期别代码 period 给人读的说法（“11月第4周（11月23日–29日）”“12月上旬”），不是今年的期带年份。
// 通知、公布、回复都用它，不用代码。
func (s *Service) Said(period string) string {
	return model.SpokenPeriod(period, s.now().In(s.loc()).Year())
}

// shortSaid 是写在命令示例里的期别：“11月第4周”“12月上旬”（不带日期），可以照着写回来。
func (s *Service) shortSaid(period string) string {
	if w, err := model.ParseWeek(period); err == nil {
		t := w.Thursday(time.UTC)
		out := fmt.Sprintf("%d月第%d周", int(t.Month()), (t.Day()-1)/7+1)
		if t.Year() != s.now().In(s.loc()).Year() {
			out = fmt.Sprintf("%d年", t.Year()) + out
		}
		return out
	}
	return s.Said(period)
}

// Period 解析用户写的期别（上周、11月第4周、12月上旬、2026-W45、2026-11-1，见 model.ParseSpokenPeriod），
// 返回种类和期别代码。
func (s *Service) Period(p string) (model.FlagKind, string, error) {
	return model.ParseSpokenPeriod(p, s.now(), s.loc())
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// ParsePeriod 解析期别代码：2026-W45 是周，2026-11-1 是旬（11 月上旬）。用户写的期别用 Service.Period。
func ParsePeriod(p string) (model.FlagKind, string, error) {
	p = strings.TrimSpace(p)
	if w, err := model.ParseWeek(p); err == nil {
		return model.FlagWeekly, w.String(), nil
	}
	if d, err := model.ParseDekad(p); err == nil {
		return model.FlagDekad, d.String(), nil
	}
	return "", "", model.Errorf(model.EINVALID, "期别“%s”看不懂：周写 2026-W45，旬写 2026-11-1（11月上旬）、2026-11-2、2026-11-3。", p)
}

// Announces 表示是否配置了公布去处（flags.announce）：没有时评选结果和撤销都不公布。
func (s *Service) Announces() bool { return len(s.Cfg.Announce) > 0 }

// IsMember 表示 userID 是否是评选小组成员。
func (s *Service) IsMember(userID string) bool { return slices.Contains(s.Cfg.Group, userID) }

// Propose 为某一期（周 "2026-W45" 或旬 "2026-11-1"）提名：按排行取建议人选，新建一轮评选，
// 并把提名（带“确认红旗”按钮的卡片）发给评选小组。
// 这一期已经提名过时不重新排行，只补发尚未入队的提名通知（按通知 Key 去重），返回已有的那一轮。
// 本期没有合格人选时不建评选，只通知评选小组，返回零值的 Round。
func (s *Service) Propose(ctx context.Context, kind model.FlagKind, period string) (model.Round, error) {
	pk, period, err := ParsePeriod(period)
	if err != nil {
		return model.Round{}, err
	}
	if pk != kind {
		return model.Round{}, model.Errorf(model.EINVALID, "期别“%s”与评选种类（%s）不符。", s.Said(period), kind.Label())
	}
	if r, err := s.Store.Round(ctx, kind, period); err == nil {
		return r, s.sendProposal(ctx, r)
	} else if model.ErrorCode(err) != model.ENOTFOUND {
		return model.Round{}, err
	}
	if s.Ranker == nil {
		return model.Round{}, model.Errorf(model.EINTERNAL, "没有配置排行，无法提名。")
	}
	var rk model.Ranking
	switch kind {
	case model.FlagWeekly:
		w, _ := model.ParseWeek(period)
		rk, err = s.Ranker.Weekly(ctx, w)
		if rk.Label == "" {
			rk.Label = w.Label(s.loc())
		}
	default:
		d, _ := model.ParseDekad(period)
		rk, err = s.Ranker.Dekad(ctx, d)
		if rk.Label == "" {
			rk.Label = d.Label()
		}
	}
	if err != nil {
		return model.Round{}, err
	}
	if len(rk.Winners) == 0 {
		s.log().Warn("本期没有合格的红旗人选", "kind", kind, "period", period)
		return model.Round{}, s.enqueueGroup(ctx, model.Notice{Key: "flag:" + string(kind) + ":" + period + ":none",
			Title: s.Said(period) + " " + kind.Label(), Body: "本期没有符合条件的人选，不评红旗。可发送“排行”查看各项得分。"})
	}
	if len(s.Cfg.Group) == 0 {
		s.log().Warn("没有配置评选小组（flags.group），提名将在期限后自动生效", "kind", kind, "period", period)
	}
	at := s.now()
	r, err := s.Store.CreateRound(ctx, model.Round{
		Kind: kind, Period: period, Label: rk.Label, Status: model.RoundProposed,
		Proposed: rk.Winners, RunnersUp: runnersUp(rk), ProposedAt: at, Deadline: at.Add(s.Cfg.ConfirmWithin),
	})
	if err != nil && model.ErrorCode(err) != model.ECONFLICT {
		return model.Round{}, err
	}
	s.log().Info("红旗提名", "kind", kind, "period", period, "round", r.ID, "winners", len(r.Proposed))
	return r, s.sendProposal(ctx, r)
}

// RunnersUp 是公布的排行图上写在获旗者之后的名次数。
const RunnersUp = 5

// runnersUp 返回排行里建议人选之后的几名合格者（至多 RunnersUp 名）。
func runnersUp(rk model.Ranking) []model.Ranked {
	picked := map[string]bool{}
	for _, w := range rk.Winners {
		picked[w.Subject] = true
	}
	var out []model.Ranked
	for _, e := range rk.Entries {
		if e.Eligible && !picked[e.Subject] && len(out) < RunnersUp {
			out = append(out, e)
		}
	}
	return out
}

// enqueueGroup 把通知 n 发给评选小组（没有配置评选小组时不发）。
func (s *Service) enqueueGroup(ctx context.Context, n model.Notice) error {
	if len(s.Cfg.Group) == 0 {
		return nil
	}
	n.To, n.NextAt = model.ToUsers(s.Cfg.Group...), s.now()
	return s.Outbox.Enqueue(ctx, n)
}

// sendProposal 把提名卡片放进发件箱（Key 固定，重复调用不重复发送）。已决定的评选不再发。
func (s *Service) sendProposal(ctx context.Context, r model.Round) error {
	if r.Status != model.RoundProposed || len(s.Cfg.Group) == 0 {
		return nil
	}
	return s.enqueueGroup(ctx, s.proposal(r))
}

// score 把百分之一分写成“92.50 分”。
func score(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d 分", sign, v/100, v%100)
}

func (s *Service) when(t time.Time) string {
	t = t.In(s.loc())
	return fmt.Sprintf("%d月%d日 %02d:%02d", int(t.Month()), t.Day(), t.Hour(), t.Minute())
}

func overrideUsage(kind model.FlagKind) string {
	if kind == model.FlagDekad {
		return "改选 <网点> [理由]"
	}
	return "改选 <人>… [理由]"
}

// ConfirmKey 返回评选 id 的确认按钮 key。
func ConfirmKey(roundID int64) string {
	return EventPrefix + "confirm:" + strconv.FormatInt(roundID, 10)
}

// md 把用户文字（姓名、网点名、理由）转成 markdown 里的字面文字，见 model.MarkdownText。
// 卡片不解析 markdown，卡片上的用户文字用 model.PlainText。
func md(s string) string { return model.MarkdownText(s) }

// proposal 是发给评选小组的提名：一张带“确认红旗”按钮的卡片，上面有建议人选的名次、分数和各项得分、
// 期限和改选的写法；不另发文字。
func (s *Service) proposal(r model.Round) model.Notice {
	c := &model.Card{
		Source:   "流动红旗评选",
		Subtitle: s.Said(r.Period),
		Description: fmt.Sprintf("请在 %s 前点“确认红旗”（或回复“确认红旗”）；改选请回复“%s”。到期无人处理，提名自动生效。",
			s.when(r.Deadline), overrideUsage(r.Kind)),
		TaskID:  CardTaskID(r.ID),
		Buttons: []model.Button{{Text: "确认红旗", Key: ConfirmKey(r.ID), Style: model.ButtonPrimary}},
	}
	var quote []string
	for _, w := range r.Proposed {
		name := w.Name
		if w.Branch != "" && w.Branch != w.Name {
			name += " " + w.Branch
		}
		c.Lines = append(c.Lines, model.CardLine{Key: fmt.Sprintf("第%d名", w.Rank), Value: model.PlainText(name) + " " + score(w.Score)})
		var parts []string
		for _, p := range w.Parts {
			parts = append(parts, p.Name+" "+p.Value)
		}
		if len(parts) > 0 {
			quote = append(quote, model.PlainText(w.Name+"："+strings.Join(parts, "，")))
		}
	}
	c.Quote = strings.Join(quote, "\n")
	return model.Notice{Key: "flag:" + strconv.FormatInt(r.ID, 10) + ":propose", Title: r.Kind.Label() + "提名", Card: c}
}

// OpenRound 找到要处理的评选：period 为空时取唯一一轮待确认的；否则取这一期的。
func (s *Service) OpenRound(ctx context.Context, period string) (model.Round, error) {
	if strings.TrimSpace(period) != "" {
		kind, p, err := s.Period(period)
		if err != nil {
			return model.Round{}, err
		}
		r, err := s.Store.Round(ctx, kind, p)
		if model.ErrorCode(err) == model.ENOTFOUND {
			return model.Round{}, model.Errorf(model.ENOTFOUND, "%s %s还没有提名，无需确认。", s.Said(p), kind.Label())
		}
		return r, err
	}
	open, err := s.Store.OpenRounds(ctx)
	if err != nil {
		return model.Round{}, err
	}
	switch len(open) {
	case 0:
		if r, ok := s.latestDecided(ctx); ok {
			return model.Round{}, s.decided(r)
		}
		return model.Round{}, model.Errorf(model.ENOTFOUND, "现在没有待确认的红旗评选。")
	case 1:
		return open[0], nil
	}
	var ps []string
	for _, r := range open {
		ps = append(ps, s.Said(r.Period)+" "+r.Kind.Label())
	}
	return model.Round{}, model.Errorf(model.EAMBIGUOUS, "有 %d 期红旗待确认：%s。请写明期别，如“确认红旗 %s”。", len(open), strings.Join(ps, "、"), s.shortSaid(open[0].Period))
}

// latestDecided 返回上一周和上一旬中最近决定的那一轮（用于“已经定了”的回答）。
func (s *Service) latestDecided(ctx context.Context) (model.Round, bool) {
	now := s.now()
	var best model.Round
	found := false
	for _, k := range []struct {
		kind   model.FlagKind
		period string
	}{
		{model.FlagWeekly, model.WeekOf(now, s.loc()).Add(-1).String()},
		{model.FlagDekad, model.DekadOf(now, s.loc()).Add(-1).String()},
	} {
		r, err := s.Store.Round(ctx, k.kind, k.period)
		if err != nil || r.DecidedAt == nil {
			continue
		}
		if !found || r.DecidedAt.After(*best.DecidedAt) {
			best, found = r, true
		}
	}
	return best, found
}

func (s *Service) checkMember(by model.Staff) error {
	if !s.IsMember(by.UserID) {
		return model.Errorf(model.EFORBIDDEN, "只有评选小组成员可以确认或改选红旗。如需参与评选，请联系管理员把您加入评选小组。")
	}
	return nil
}

// decided 把“已经决定过”的冲突改写成说明谁、何时、怎么定的。
func (s *Service) decided(r model.Round) error {
	who := s.staffName(context.Background(), r.DecidedBy)
	var how string
	switch r.Status {
	case model.RoundConfirmed:
		how = "已由 " + who + " 确认"
	case model.RoundOverridden:
		how = "已由 " + who + " 改选"
	default:
		how = "已在期限后自动生效"
	}
	if r.DecidedAt != nil {
		how += "（" + s.when(*r.DecidedAt) + "）"
	}
	return model.Errorf(model.ECONFLICT, "%s的红旗%s，不能再改。如信息有误，请中心领导用“撤销红旗”处理。", s.Said(r.Period), how)
}

func (s *Service) staffName(ctx context.Context, id string) string {
	if st, err := s.Staff.Staff(ctx, id); err == nil {
		return st.Name
	}
	return id
}

// ConfirmPeriod 是“确认红旗 [期别]”：评选小组成员 by 确认 period 这一期的提名；period 为空时取唯一一轮待确认的。
// 不是小组成员时先拒绝（不透露评选的情况）。
func (s *Service) ConfirmPeriod(ctx context.Context, by model.Staff, period string) (Decision, error) {
	if err := s.checkMember(by); err != nil {
		return Decision{}, err
	}
	r, err := s.OpenRound(ctx, period)
	if err != nil {
		return Decision{}, err
	}
	return s.Confirm(ctx, by, r.ID)
}

// OverridePeriod 是“改选 [期别] <人>… [理由]”：评选小组成员 by 改选 period 这一期（为空时取唯一一轮待确认的），
// args 见 Override。
func (s *Service) OverridePeriod(ctx context.Context, by model.Staff, period string, args []string) (Decision, error) {
	if err := s.checkMember(by); err != nil {
		return Decision{}, err
	}
	if len(args) == 0 {
		return Decision{}, model.Errorf(model.EINVALID, "请写明改选谁，如“改选 李四 王五 张三本周有投诉”；旬红旗写网点，如“改选 河西所”。")
	}
	r, err := s.OpenRound(ctx, period)
	if err != nil {
		return Decision{}, err
	}
	return s.Override(ctx, by, r.ID, args)
}

// Confirm 由评选小组成员 by 确认评选 roundID 的提名。过了期限的评选按自动生效处理。
// 非小组成员、提名涉及 by 本人（见 mayJudge）时返回 EFORBIDDEN；已决定过返回 ECONFLICT（说明已如何决定）。
func (s *Service) Confirm(ctx context.Context, by model.Staff, roundID int64) (Decision, error) {
	if err := s.checkMember(by); err != nil {
		return Decision{}, err
	}
	r, err := s.Store.RoundByID(ctx, roundID)
	if err != nil {
		return Decision{}, err
	}
	if r.Status != model.RoundProposed {
		return Decision{Round: r}, s.decided(r)
	}
	if err := mayJudge(by, r, r.Proposed); err != nil {
		return Decision{}, err
	}
	if s.pastDeadline(r) {
		return s.lateDecision(ctx, r)
	}
	flags, err := s.flagsFor(ctx, r, r.Proposed)
	if err != nil {
		return Decision{}, err
	}
	return s.decide(ctx, r, model.RoundConfirmed, by.UserID, "", flags)
}

func (s *Service) pastDeadline(r model.Round) bool { return !s.now().Before(r.Deadline) }

// lateDecision 在期限已过时让提名自动生效，并告诉操作人。
func (s *Service) lateDecision(ctx context.Context, r model.Round) (Decision, error) {
	d, err := s.auto(ctx, r)
	if err != nil {
		return d, err
	}
	return d, model.Errorf(model.ECONFLICT, "%s的确认期限（%s）已过，提名已自动生效，不能再改。", s.Said(r.Period), s.when(r.Deadline))
}

// Override 由评选小组成员 by 改选评选 roundID：args 开头是新人选（周：人名或账号，至多每周名额；
// 旬：网点名），其余是理由。原提名或新人选涉及 by 本人（见 mayJudge）时返回 EFORBIDDEN。
func (s *Service) Override(ctx context.Context, by model.Staff, roundID int64, args []string) (Decision, error) {
	if err := s.checkMember(by); err != nil {
		return Decision{}, err
	}
	r, err := s.Store.RoundByID(ctx, roundID)
	if err != nil {
		return Decision{}, err
	}
	if r.Status != model.RoundProposed {
		return Decision{Round: r}, s.decided(r)
	}
	if len(args) == 0 {
		return Decision{}, model.Errorf(model.EINVALID, "请写明改选谁，如“%s”。", overrideUsage(r.Kind))
	}
	if err := mayJudge(by, r, r.Proposed); err != nil {
		return Decision{}, err
	}
	if s.pastDeadline(r) {
		return s.lateDecision(ctx, r)
	}
	var picks []model.Ranked
	var rest []string
	if r.Kind == model.FlagDekad {
		picks, rest, err = s.pickBranch(ctx, r, args)
	} else {
		picks, rest, err = s.pickStaff(ctx, r, args)
	}
	if err != nil {
		return Decision{}, err
	}
	if err := mayJudge(by, r, picks); err != nil {
		return Decision{}, err
	}
	if err := model.CheckNote("理由", strings.Join(rest, " "), 0); err != nil {
		return Decision{}, err
	}
	flags, err := s.flagsFor(ctx, r, picks)
	if err != nil {
		return Decision{}, err
	}
	return s.decide(ctx, r, model.RoundOverridden, by.UserID, strings.Join(rest, " "), flags)
}

// mayJudge 确认评选小组成员 by 可以对评选 r 的人选 picks（原提名或改选的人选）作决定：人选里没有 by 本人，
// 旬红旗的人选不是 by 所在的网点（model.May 的 ActJudge）。
func mayJudge(by model.Staff, r model.Round, picks []model.Ranked) error {
	for _, p := range picks {
		subject := model.Staff{UserID: p.Subject, Name: p.Name, Branch: p.Branch}
		if r.Kind == model.FlagDekad {
			subject = model.BranchTarget(p.Subject, model.Staff{})
		}
		if err := model.May(by, model.ActJudge, subject); err != nil {
			return err
		}
	}
	return nil
}

func winnersLimit(cfg config.Flags, kind model.FlagKind) int {
	if kind == model.FlagDekad {
		return max(cfg.Dekad.Winners, 1)
	}
	return max(cfg.Weekly.Winners, 1)
}

// pickStaff 从 args 开头取能在花名册中找到的人（至多名额数），其余作为理由。按名字找人用台账服务的
// Find（不限管理范围），答复与别的命令相同。
func (s *Service) pickStaff(ctx context.Context, r model.Round, args []string) ([]model.Ranked, []string, error) {
	if s.Ledger == nil {
		return nil, nil, model.Errorf(model.EINTERNAL, "没有配置台账服务，无法按名字找人。")
	}
	limit := winnersLimit(s.Cfg, r.Kind)
	var picks []model.Ranked
	i := 0
	for ; i < len(args) && len(picks) < limit; i++ {
		st, err := s.Ledger.Find(ctx, args[i])
		if model.ErrorCode(err) == model.ENOTFOUND && i > 0 {
			break // 不是人名：从这里起是理由
		}
		if err != nil {
			return nil, nil, err
		}
		if !st.Active {
			if i > 0 {
				break
			}
			return nil, nil, model.Errorf(model.EINVALID, "%s（%s）已不在花名册中，不能评红旗。", st.Name, st.Branch)
		}
		if st.Role != model.RoleStaff || st.BranchKind != model.BranchCounty {
			return nil, nil, model.Errorf(model.EINVALID, "周红旗只评县城网点的窗口员工，%s 是%s网点的%s。", st.Name, st.BranchKind.Label(), st.Role.Label())
		}
		if slices.ContainsFunc(picks, func(p model.Ranked) bool { return p.Subject == st.UserID }) {
			return nil, nil, model.Errorf(model.EINVALID, "%s 写了两次。", st.Name)
		}
		pick := model.Ranked{Subject: st.UserID, Name: st.Name, Branch: st.Branch, Eligible: true}
		for _, p := range r.Proposed {
			if p.Subject == st.UserID {
				pick.Score, pick.Parts = p.Score, p.Parts
			}
		}
		pick.Rank = len(picks) + 1
		picks = append(picks, pick)
	}
	return picks, args[i:], nil
}

// pickBranch 取 args[0] 为农村网点，其余作为理由。
func (s *Service) pickBranch(ctx context.Context, r model.Round, args []string) ([]model.Ranked, []string, error) {
	all, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return nil, nil, err
	}
	name := args[0]
	var rural []string
	for _, st := range all {
		if st.Active && st.BranchKind == model.BranchRural && !slices.Contains(rural, st.Branch) {
			rural = append(rural, st.Branch)
		}
	}
	if !slices.Contains(rural, name) {
		msg := fmt.Sprintf("没有叫“%s”的农村网点。", name)
		if c := model.Closest(name, rural, 3); len(c) > 0 {
			msg += "是不是：" + strings.Join(c, "、") + "？"
		}
		return nil, nil, model.Errorf(model.ENOTFOUND, "%s", msg)
	}
	pick := model.Ranked{Rank: 1, Subject: name, Name: name, Branch: name, Eligible: true}
	for _, p := range r.Proposed {
		if p.Subject == name {
			pick.Score, pick.Parts = p.Score, p.Parts
		}
	}
	return []model.Ranked{pick}, args[1:], nil
}

// flagsFor 把人选变成红旗：计入月份（周旗为周四所在月，旬旗为该旬所在月）和网点所长。
func (s *Service) flagsFor(ctx context.Context, r model.Round, picks []model.Ranked) ([]model.Flag, error) {
	month, err := periodMonth(r.Kind, r.Period, s.loc())
	if err != nil {
		return nil, err
	}
	all, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	heads := branchHeads(all)
	var out []model.Flag
	for _, p := range picks {
		f := model.Flag{RoundID: r.ID, Kind: r.Kind, Period: r.Period, Month: month, Name: p.Name, Branch: p.Branch, Source: "round"}
		if r.Kind == model.FlagWeekly {
			f.StaffID = p.Subject
		} else {
			f.Name, f.Branch = p.Subject, p.Subject
		}
		f.HeadID = heads[f.Branch]
		out = append(out, f)
	}
	return out, nil
}

// periodMonth 返回一期红旗计入的月份：周旗为其周四所在月，旬旗为该旬所在月。
func periodMonth(kind model.FlagKind, period string, loc *time.Location) (model.Month, error) {
	if kind == model.FlagDekad {
		d, err := model.ParseDekad(period)
		if err != nil {
			return model.Month{}, err
		}
		return d.MonthOf(), nil
	}
	w, err := model.ParseWeek(period)
	if err != nil {
		return model.Month{}, err
	}
	return w.Month(loc), nil
}

// branchHeads 返回各网点的所长：在册、角色为所长；一个网点有多位时取工号最小的。
func branchHeads(all []model.Staff) map[string]string {
	heads := map[string]string{}
	for _, st := range all {
		if st.Active && st.Role == model.RoleHead {
			if cur, ok := heads[st.Branch]; !ok || st.UserID < cur {
				heads[st.Branch] = st.UserID
			}
		}
	}
	return heads
}

func (s *Service) decide(ctx context.Context, r model.Round, status model.RoundStatus, by, reason string, flags []model.Flag) (Decision, error) {
	at := s.now()
	var names []string
	for _, f := range flags {
		names = append(names, f.Name)
	}
	notices := s.announcement(r, status, reason, flags)
	if len(s.Cfg.Group) > 0 {
		notices = append(notices, model.CardUpdateNotice(CardTaskID(r.ID), s.cardOutcome(ctx, status, by), model.ToUsers(s.Cfg.Group...)))
	}
	got, err := s.Store.DecideRound(ctx, r.ID, status, by, reason, at, flags, notices)
	if model.ErrorCode(err) == model.ECONFLICT {
		return Decision{Round: got}, s.decided(got)
	}
	if err != nil {
		return Decision{}, err
	}
	s.log().Info("红旗评定", "round", r.ID, "period", r.Period, "status", status, "by", by, "flags", strings.Join(names, ","))
	return Decision{Round: got, Flags: flags}, nil
}

// CardTaskID 是评选 roundID 的提名卡片的 task_id。
func CardTaskID(roundID int64) string { return "flag-" + strconv.FormatInt(roundID, 10) }

// cardOutcome 是提名卡片上的按钮换成的结果：“已确认（王五）”“已改选（王五）”“已自动生效”。
func (s *Service) cardOutcome(ctx context.Context, status model.RoundStatus, by string) string {
	switch status {
	case model.RoundConfirmed:
		return model.CardOutcome("已确认", s.staffName(ctx, by))
	case model.RoundOverridden:
		return model.CardOutcome("已改选", s.staffName(ctx, by))
	}
	return "已自动生效"
}

// announcement 返回公布结果的通知：每个公布去处一条 markdown。
func (s *Service) announcement(r model.Round, status model.RoundStatus, reason string, flags []model.Flag) []model.Notice {
	var sb strings.Builder
	for _, f := range flags {
		sb.WriteString("获旗：" + md(f.Name))
		if f.Branch != "" && f.Branch != f.Name {
			sb.WriteString("（" + md(f.Branch) + "）")
		}
		for _, p := range r.Proposed {
			if p.Subject == flagSubject(f) {
				sb.WriteString(" " + score(p.Score))
			}
		}
		sb.WriteString("\n")
	}
	switch status {
	case model.RoundConfirmed:
		sb.WriteString("评选小组已确认。")
	case model.RoundOverridden:
		var was []string
		for _, p := range r.Proposed {
			was = append(was, md(p.Name))
		}
		sb.WriteString("评选小组改选（原提名：" + strings.Join(was, "、") + "）")
		if reason != "" {
			sb.WriteString("，理由：" + md(reason))
		}
		sb.WriteString("。")
	case model.RoundAuto:
		fmt.Fprintf(&sb, "评选小组在期限（%s）前未处理，提名自动生效。", s.when(r.Deadline))
	}
	prefix := "flag:" + strconv.FormatInt(r.ID, 10) + ":announce:"
	out := s.toTargets(prefix, "流动红旗｜"+s.Said(r.Period)+" "+r.Kind.Label(), sb.String())
	if len(out) == 0 {
		return out
	}
	img, err := s.boardPicture(r, flags)
	if err != nil {
		s.log().Warn("排行图没有生成，公布只有文字", "round", r.ID, "err", err)
		return out
	}
	pics := s.toTargetsFile(prefix+"image:", &model.File{Name: "流动红旗排行.png", Kind: model.FileImage, Data: img})
	for i := range pics {
		pics[i].After = out[i].Key // 同一个去处：先文字，后排行图
	}
	return append(out, pics...)
}

// boardPicture 画公布用的排行图：获旗者（浅金底）在前，之后是提名时排在后面的几名，都写上提名时的分数。
func (s *Service) boardPicture(r model.Round, flags []model.Flag) ([]byte, error) {
	ranked := map[string]model.Ranked{}
	for _, p := range append(append([]model.Ranked(nil), r.Proposed...), r.RunnersUp...) {
		ranked[p.Subject] = p
	}
	row := func(p model.Ranked, won bool) picture.Row {
		sub := p.Branch
		if sub == p.Name {
			sub = ""
		}
		if won {
			sub = strings.TrimPrefix(sub+" · 获旗", " · ")
		}
		return picture.Row{Rank: p.Rank, Name: p.Name, Sub: sub, Value: p.Score, ValueText: score(p.Score), Highlight: won}
	}
	var rows []picture.Row
	won := map[string]bool{}
	for _, f := range flags {
		won[flagSubject(f)] = true
		if p, ok := ranked[flagSubject(f)]; ok {
			rows = append(rows, row(p, true))
			continue
		}
		rows = append(rows, picture.Row{Name: f.Name, Sub: strings.TrimPrefix(f.Branch+" · 获旗", " · "), ValueText: "改选", Highlight: true})
	}
	var rest []model.Ranked
	for _, p := range append(append([]model.Ranked(nil), r.Proposed...), r.RunnersUp...) {
		if !won[p.Subject] {
			rest = append(rest, p)
		}
	}
	slices.SortStableFunc(rest, func(a, b model.Ranked) int { return a.Rank - b.Rank })
	for _, p := range rest[:min(len(rest), RunnersUp)] {
		rows = append(rows, row(p, false))
	}
	who, unit := "县城窗口员工", "人"
	if r.Kind == model.FlagDekad {
		who, unit = "农村网点", "个网点"
	}
	b := picture.Board{
		Title:    "流动红旗 · " + s.Said(r.Period),
		Subtitle: who + "排行（" + r.Kind.Label() + "）",
		Rows:     rows,
		Footer:   fmt.Sprintf("获旗 %d %s；分数为提名时的综合得分，发“排行”可看各项得分。", len(flags), unit),
	}
	return b.PNG()
}

// toTargetsFile 给每个公布去处生成一条发文件（图片）的通知，Key 为 keyPrefix 加去处名。
func (s *Service) toTargetsFile(keyPrefix string, f *model.File) []model.Notice {
	var out []model.Notice
	for _, n := range s.toTargets(keyPrefix, "", "") {
		n.File = f
		out = append(out, n)
	}
	return out
}

func flagSubject(f model.Flag) string {
	if f.StaffID != "" {
		return f.StaffID
	}
	return f.Branch
}

// toTargets 给每个公布去处（群机器人或应用群聊）生成一条 markdown 通知，Key 为 keyPrefix 加去处名。
func (s *Service) toTargets(keyPrefix, title, body string) []model.Notice {
	var out []model.Notice
	for _, t := range s.Cfg.Announce {
		to, name := model.ToRobot(t.Name), t.Name
		if t.Kind == "appchat" {
			to, name = model.ToChat(t.ChatID), t.ChatID
		}
		out = append(out, model.Notice{Key: keyPrefix + t.Kind + ":" + name, To: to, Title: title, Body: body})
	}
	if len(out) == 0 {
		s.log().Warn("没有配置公布去处（flags.announce），结果不公布", "key", keyPrefix)
	}
	return out
}

func (s *Service) auto(ctx context.Context, r model.Round) (Decision, error) {
	flags, err := s.flagsFor(ctx, r, r.Proposed)
	if err != nil {
		return Decision{}, err
	}
	return s.decide(ctx, r, model.RoundAuto, "", "", flags)
}

// AutoConfirm 让过了期限仍无人处理的评选按提名自动生效并公布，返回生效的轮数。
// 与确认、改选同时发生时只有一个生效（见 FlagStore.DecideRound）。
// 对尚未到期的评选，它再入队一次提名通知：通知的 Key 固定，已入队的不会重复；这样即使进程在
// 建好评选、尚未入队通知时退出，下一次定时检查也会把提名补发给评选小组。
func (s *Service) AutoConfirm(ctx context.Context) (int, error) {
	open, err := s.Store.OpenRounds(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range open {
		if !s.pastDeadline(r) {
			if err := s.sendProposal(ctx, r); err != nil {
				return n, err
			}
			continue
		}
		_, err := s.auto(ctx, r)
		switch model.ErrorCode(err) {
		case "":
			n++
		case model.ECONFLICT:
		default:
			return n, err
		}
	}
	return n, nil
}

// ErrAlreadyCancelled 表示红旗已经撤销过（CancelFlag 返回的 ECONFLICT 带着它）。这时可能补记了
// 所长的扣款，那是要提交的写入：调用方应把它当作正常结果回复，而不是拒绝。
var ErrAlreadyCancelled = errors.New("redflag: flag already cancelled")

// Cancellation 是一次撤销红旗的结果：撤销的红旗，以及告诉了谁，好让回复只说真的做了的事。
type Cancellation struct {
	Flag model.Flag
	// Announced 是收到撤销公布的去处（群机器人名或群聊 chatid）；没有配置公布去处（flags.announce）时为空。
	Announced []string
	// ToldStaff 表示获旗员工本人收到了私信（旬旗没有个人）。
	ToldStaff bool
	// HeadPenalty 非空表示给网点所长记了“提供虚假信息”的扣款（已私信所长）。
	HeadPenalty *model.Entry
}

// CancelFlag 由中心领导 by 撤销 period 这一期 who（人名、账号或网点名）的红旗：原记录保留并标记为撤销，
// 并在公布去处和获旗人处通知。扣回奖励等后果由结算处理。period 可写“上周”“11月第4周”或代码（见 Period）。
// 已撤销过时补记所长的扣款（若没记上），返回带 ErrAlreadyCancelled 的 ECONFLICT。
func (s *Service) CancelFlag(ctx context.Context, by model.Staff, period, who, reason string) (Cancellation, error) {
	if err := model.MayAny(by, model.ActCancelFlag); err != nil {
		return Cancellation{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Cancellation{}, model.Errorf(model.EINVALID, "请写明撤销理由，如“撤销红旗 上周 张三 测评数据造假”。")
	}
	if err := model.CheckNote("理由", reason, 0); err != nil {
		return Cancellation{}, err
	}
	_, p, err := s.Period(period)
	if err != nil {
		return Cancellation{}, err
	}
	said := s.Said(p)
	flags, err := s.Store.Flags(ctx, model.FlagFilter{Period: p, IncludeCancelled: true})
	if err != nil {
		return Cancellation{}, err
	}
	var match []model.Flag
	for _, f := range flags {
		if strings.EqualFold(f.StaffID, who) || f.Name == who || (f.StaffID == "" && f.Branch == who) {
			match = append(match, f)
		}
	}
	switch len(match) {
	case 0:
		var names []string
		for _, f := range flags {
			names = append(names, f.Name)
		}
		if len(names) == 0 {
			return Cancellation{}, model.Errorf(model.ENOTFOUND, "%s没有授予红旗。", said)
		}
		return Cancellation{}, model.Errorf(model.ENOTFOUND, "%s没有“%s”的红旗；这一期的红旗是：%s。", said, who, strings.Join(names, "、"))
	case 1:
	default:
		var ids []string
		for _, f := range match {
			ids = append(ids, f.StaffID+"（"+f.Branch+"）")
		}
		return Cancellation{}, model.Errorf(model.EAMBIGUOUS, "%s有 %d 面红旗都叫“%s”：%s，请写工号。", said, len(match), who, strings.Join(ids, "、"))
	}
	f := match[0]
	if err := s.mayCancel(ctx, by, f); err != nil {
		return Cancellation{}, err
	}
	if f.Cancelled {
		// 撤销过了；所长的扣款若因中途退出没记上，这里补记（按红旗编号只记一次）。补记是要提交的写入，
		// 所以返回的错误带 ErrAlreadyCancelled：这是正常结果，不是拒绝（拒绝的命令的写入会被撤回）。
		if _, err := s.penalizeHead(ctx, f, by, f.CancelNote); err != nil {
			return Cancellation{Flag: f}, err
		}
		return Cancellation{Flag: f}, &model.Error{Code: model.ECONFLICT, Err: ErrAlreadyCancelled, Message: fmt.Sprintf("%s %s 的红旗已经撤销过了。", said, f.Name)}
	}
	id := strconv.FormatInt(f.ID, 10)
	res := Cancellation{}
	notices := s.toTargets("flag:"+id+":cancel:", "流动红旗撤销｜"+said+" "+f.Kind.Label(), fmt.Sprintf("%s 的%s已撤销，理由：%s。", md(f.Name), f.Kind.Label(), md(reason)))
	for _, t := range s.Cfg.Announce {
		res.Announced = append(res.Announced, cmpOr(t.Name, t.ChatID))
	}
	if f.StaffID != "" {
		notices = append(notices, model.Notice{Key: "flag:" + id + ":cancel:staff", To: model.ToUsers(f.StaffID), Plain: true,
			Body: fmt.Sprintf("您%s的%s已被 %s 撤销，理由：%s。如有异议，请联系中心领导。", said, f.Kind.Label(), by.Name, reason)})
		res.ToldStaff = true
	}
	out, err := s.Store.CancelFlag(ctx, f.ID, by.UserID, reason, s.now(), notices)
	res.Flag = out
	if err != nil {
		return res, err
	}
	penalty, err := s.penalizeHead(ctx, out, by, reason)
	if err != nil {
		return res, err
	}
	res.HeadPenalty = penalty
	s.log().Info("红旗撤销", "flag", f.ID, "period", p, "by", by.UserID)
	return res, nil
}

// mayCancel 按 model.May（ActCancelFlag）判断 by 能否撤销红旗 f：撤销关系到获旗人（旬红旗是网点）的奖励和
// 红旗上记下的所长（会被扣“提供虚假信息”），两者都须在 by 之下——谁也不撤销涉及自己的红旗。
func (s *Service) mayCancel(ctx context.Context, by model.Staff, f model.Flag) error {
	person := func(id, name, branch string) (model.Staff, error) {
		st, err := s.Staff.Staff(ctx, id)
		switch model.ErrorCode(err) {
		case "":
			return st, nil
		case model.ENOTFOUND:
			return model.Staff{UserID: id, Name: name, Branch: branch}, nil
		}
		return model.Staff{}, err
	}
	var head model.Staff
	if f.HeadID != "" {
		var err error
		if head, err = person(f.HeadID, "", f.Branch); err != nil {
			return err
		}
		if err := model.May(by, model.ActCancelFlag, head); err != nil {
			return err
		}
	}
	winner := model.BranchTarget(f.Branch, head)
	if f.StaffID != "" {
		var err error
		if winner, err = person(f.StaffID, f.Name, f.Branch); err != nil {
			return err
		}
	}
	return model.May(by, model.ActCancelFlag, winner)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// DekadFalseInfoRule 是旬红旗因虚假信息撤销时所长扣款的规则编码（金额来自 settle.dekad_false_info）。
const DekadFalseInfoRule = "flag_dekad_false_info"

// penaltyRule 返回红旗因虚假信息撤销时所长扣款的规则：周红旗为目录里的 flag_false_info；
// 旬红旗为 DekadFalseInfoRule，金额是 DekadFalseInfo，为 0 时不扣（ok 为 false）。
func (s *Service) penaltyRule(kind model.FlagKind) (model.Rule, bool) {
	if kind == model.FlagDekad {
		if s.DekadFalseInfo <= 0 {
			return model.Rule{}, false
		}
		return model.Rule{Code: DekadFalseInfoRule, Name: "所长提供虚假信息使本所获旬服务红旗标杆所", Kind: model.Deduction,
			Amount: s.DekadFalseInfo, Manual: true}, true
	}
	return s.Ledger.Catalog.Rule(falseInfoRule)
}

// penalizeHead 给因虚假信息被撤销的红旗上记下的所长（Flag.HeadID：授旗或导入时那个网点的所长，不是现在的）
// 记一笔“提供虚假信息”的扣款（周红旗 flag_false_info；旬红旗见 penaltyRule，默认不扣），经台账服务写入并私信通知。
// 扣款计入撤销红旗的那个月；补记时（进程在撤销后、记扣款前退出）那个月若已结账，台账服务把它作为调整记在本月。
// 以红旗编号作为来源消息，同一面红旗只记一次；没有所长或没有配置台账时不记。返回这次新记的扣款（先前已记过、或不记时为 nil）。
func (s *Service) penalizeHead(ctx context.Context, f model.Flag, by model.Staff, reason string) (*model.Entry, error) {
	if s.Ledger == nil || f.HeadID == "" {
		return nil, nil
	}
	rule, ok := s.penaltyRule(f.Kind)
	if !ok {
		return nil, nil
	}
	head, err := s.Staff.Staff(ctx, f.HeadID)
	if err != nil {
		if model.ErrorCode(err) == model.ENOTFOUND {
			return nil, nil
		}
		return nil, err
	}
	cancelledAt := s.now()
	if f.CancelledAt != nil {
		cancelledAt = *f.CancelledAt
	}
	month := model.MonthOf(cancelledAt, s.loc())
	key := fmt.Sprintf("flag-cancel:%d", f.ID)
	res, err := s.Ledger.RecordGenerated(ctx, ledger.Generated{
		Staff: head, Rule: rule.Code, Custom: custom(rule, f.Kind), Actor: by,
		Note:  fmt.Sprintf("%s %s 的%s因虚假信息撤销：%s", model.SpokenPeriod(f.Period, month.Year), f.Name, f.Kind.Label(), reason),
		Month: month,
		Ref:   fmt.Sprintf("flag:%d:false-info", f.ID),
		Msg:   model.Message{Key: key, From: by.UserID, Text: "撤销红旗 " + f.Period + " " + f.Name, CreateTime: s.now()},
	})
	if err != nil || res.Duplicate {
		return nil, err
	}
	return &res.Entry, nil
}

// falseInfoRule 是所长因提供虚假信息被扣款的规则编码（周红旗）。
const falseInfoRule = "flag_false_info"

// custom 是不在规则目录里、金额来自设置的扣款（旬红旗的 settle.dekad_false_info）；目录里的规则返回 nil。
func custom(r model.Rule, kind model.FlagKind) *model.Rule {
	if kind == model.FlagDekad {
		return &r
	}
	return nil
}
