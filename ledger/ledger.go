// Package ledger 是命令处理调用的台账服务：解析人名、匹配事项、写记录和通知、撤销、查询。
// 它只依赖 model 中的接口，存储由 store 包实现。
package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// Service 是台账服务。字段在创建后不再修改，可并发使用。
type Service struct {
	Staff   model.StaffStore
	Ledger  model.LedgerStore
	Catalog *model.Catalog
	Clock   *model.Clock // 全系统唯一的时钟，也给出考核时区
	// AppealWithin 是申诉期限（记录写入后多久内可以申诉，配置 appeal.within），0 表示 model.DefaultAppealWithin。
	AppealWithin time.Duration

	links   map[string]LinkFunc // 按规则编码关联别的记录，见 Link
	notes   []NoteFunc          // 月度台账的附加说明，见 AddNote
	closed  ClosedFunc          // 月份是否已结账，见 CloseWith
	project ProjectFunc         // 还没结账的月份发布时会另记的奖励，见 ProjectWith
}

// Projection 是“查”一个还没结账的月份时，发布结算时会另记的一行（红旗次数奖励、服务明星等），
// 还没有记入台账，只是预计。
type Projection struct {
	Text   string // 如“当月政务服务明星：2026年11月”
	Amount int64  // 带方向的金额（元）
}

// ProjectFunc 算出 who 在 m 发布结算时会另记的各行（由结算服务提供，规则只在那里）。
type ProjectFunc func(ctx context.Context, who model.Staff, m model.Month) ([]Projection, error)

// ProjectWith 让“查”一并给出还没结账的月份发布时会另记的奖励（预计）。应在开始使用前调用。
func (s *Service) ProjectWith(f ProjectFunc) { s.project = f }

// ClosedFunc 报告某个考核月是否已结账（结算已发布）。
type ClosedFunc func(ctx context.Context, m model.Month) (bool, error)

// CloseWith 让撤销先经 f 检查记录所在的月份是否已结账：已结账的记录不再撤销，
// 而是在本月记一笔金额相反的调整（Ref "adjusts:#编号"）。应在开始使用前调用。
func (s *Service) CloseWith(f ClosedFunc) { s.closed = f }

// ErrAdjusted 表示撤销的记录所在月份已结账，改为在本月记了一笔调整。
// 此时 Revoke 返回的错误（errors.Is(err, ErrAdjusted) 为真）的提示说明了调整的编号和金额。
var ErrAdjusted = errors.New("ledger: month closed, adjustment recorded")

// LinkFunc 为记在 target 身上的一条记录找出它关联的业务记录（写入 Entry.Ref），note 是事项之后的备注词。
// 返回的错误（如编号不存在、不是此人的）原样回给用户，什么也不写。
type LinkFunc func(ctx context.Context, target model.Staff, note []string) (ref string, err error)

// NoteFunc 为某人某月的台账给出附加说明行（如当月请假），没有时返回空。
type NoteFunc func(ctx context.Context, who model.Staff, m model.Month) ([]string, error)

// Link 让规则 code 的记录经 f 关联别的业务记录（如虚假请假关联请假单）。应在开始使用前调用。
func (s *Service) Link(code string, f LinkFunc) {
	if s.links == nil {
		s.links = map[string]LinkFunc{}
	}
	s.links[code] = f
}

// AddNote 给“查”的月度台账加一段附加说明（如请假天数）。应在开始使用前调用。
func (s *Service) AddNote(f NoteFunc) { s.notes = append(s.notes, f) }

// Result 是一次记录的结果。
type Result struct {
	Rule    model.Rule
	Entries []model.Entry
	// Totals 是每个被记录人（userid）在该月写入后的合计（元）。
	Totals map[string]int64
	// Duplicate 为 true 表示这条消息先前已处理过，Entries 是当时写入的记录，本次什么也没写。
	Duplicate bool
}

// Statement 是某人某月的台账。
type Statement struct {
	Staff   model.Staff
	Month   model.Month
	Entries []model.Entry // 含已撤销的（Revocation 非空）
	Total   int64         // 未撤销记录的合计（元）
	Revoked int           // 已撤销的条数
	Notes   []string      // 附加说明（如当月请假），来自 AddNote
	// Projected 是该月还没结账时，发布结算会另记的奖励（预计，来自 ProjectWith），不在 Total 里。
	Projected []Projection
}

// ObjectionHint 返回每条记录通知结尾的异议说明：期限内怎样申诉（“{id}”是记录编号，写入时换成编号）。
func (s *Service) ObjectionHint() string {
	return fmt.Sprintf("如有异议，请在 %s内回复“申诉 {id} 理由”，或在“我的”页点“申诉”；回复“查”可以核对。", model.DurationLabel(s.AppealWindow()))
}

func (s *Service) loc() *time.Location { return s.Clock.Location() }

func (s *Service) now() time.Time { return s.Clock.Now() }

// Month 返回当前的考核月。
func (s *Service) Month() model.Month { return model.MonthOf(s.now(), s.loc()) }

// Record 为 people 中的每个人按 words 所指的事项各写一条 kind 方向的记录，并为每条记录入队一条私信通知。
// 所有人都解析成功、事项匹配成功后才写入；任何一处有问题则什么也不写。
// words 开头是事项（可两个词连写，如“迟到 长”），其余是备注。
// 同一条消息重复到达时返回先前写入的记录，Result.Duplicate 为 true。
func (s *Service) Record(ctx context.Context, actor model.Staff, msg model.Message, kind model.RuleKind, people []string, words []string) (Result, error) {
	if !actor.CanRecord() {
		return Result{}, model.Errorf(model.EFORBIDDEN, "只有主管、所长和中心领导可以记扣款和奖励。")
	}
	verb := verbOf(kind)
	if len(people) == 0 {
		return Result{}, model.Errorf(model.EINVALID, "请写明要%s谁，例如：%s 张三 %s", verb, verb, exampleWord(kind))
	}
	var targets []model.Staff
	seen := map[string]bool{}
	for _, who := range people {
		st, err := s.Resolve(ctx, actor, who)
		if err != nil {
			return Result{}, nothingWritten(err)
		}
		if !st.Active {
			return Result{}, model.Errorf(model.EFORBIDDEN, "%s（%s）%s，不能再记录。本次没有记录。", st.Name, st.Branch, LeftText(st))
		}
		if err := model.May(actor, model.ActRecord, st); err != nil {
			return Result{}, nothingWritten(err)
		}
		if seen[st.UserID] {
			continue
		}
		seen[st.UserID] = true
		targets = append(targets, st)
	}

	rule, used, err := s.Catalog.Match(kind, words)
	if err != nil {
		return Result{}, err
	}
	if rule.Manual {
		msg := fmt.Sprintf("“%s”（%s）不能用“%s”直接记录", strings.Join(words[:used], " "), rule.Name, verb)
		if rule.Note != "" {
			msg += "：" + rule.Note
		}
		return Result{}, model.Errorf(model.EINVALID, "%s。", strings.TrimRight(msg, "。"))
	}
	note := strings.Join(words[used:], " ")
	if err := model.CheckNote("备注", note, 0); err != nil {
		return Result{}, err
	}
	month := s.Month()

	// 合计由存储在写入的事务里锁住被记录人后算出（Notify），不在事务外先读：
	// 同一人同时被记两条时，两条回复和通知里的合计都是对的。
	totals := map[string]int64{}
	req := model.RecordRequest{Msg: msg, Notify: func(e model.Entry, total int64) model.Notice {
		totals[e.StaffID] = total
		return entryNotice(e, rule, total, s.ObjectionHint())
	}}
	for _, t := range targets {
		var ref string
		if link := s.links[rule.Code]; link != nil {
			if ref, err = link(ctx, t, words[used:]); err != nil {
				return Result{}, nothingWritten(err)
			}
		}
		req.Entries = append(req.Entries, model.Entry{
			StaffID:   t.UserID,
			StaffName: t.Name,
			Branch:    t.Branch,
			RuleCode:  rule.Code,
			RuleName:  rule.Name,
			Kind:      rule.Kind,
			Amount:    rule.Signed(),
			Note:      note,
			ActorID:   actor.UserID,
			ActorName: actor.Name,
			MsgKey:    msg.Key,
			Month:     month,
			Ref:       ref,
		})
	}

	entries, err := s.Ledger.Record(ctx, req)
	if model.ErrorCode(err) == model.EDUPLICATE {
		return s.duplicate(ctx, rule, entries)
	}
	if err != nil {
		return Result{}, unavailable(err, "台账暂时写不进去，本次没有记录，请稍后再试。")
	}
	return Result{Rule: rule, Entries: entries, Totals: totals}, nil
}

// duplicate 组装重复消息的结果：先前写入的记录和现在的月合计。
func (s *Service) duplicate(ctx context.Context, rule model.Rule, entries []model.Entry) (Result, error) {
	res := Result{Rule: rule, Entries: entries, Totals: map[string]int64{}, Duplicate: true}
	if len(entries) == 0 {
		return res, nil
	}
	if r, ok := s.Catalog.Rule(entries[0].RuleCode); ok {
		res.Rule = r
	}
	byMonth := map[model.Month][]string{}
	for _, e := range entries {
		byMonth[e.Month] = append(byMonth[e.Month], e.StaffID)
	}
	for m, ids := range byMonth {
		t, err := s.Ledger.MonthTotals(ctx, m, ids)
		if err != nil {
			return Result{}, unavailable(err, "台账暂时读不到，请稍后发“查”核对。")
		}
		for _, id := range ids {
			res.Totals[id] = t[id]
		}
	}
	return res, nil
}

// Revoke 撤销编号为 id 的记录，并通知被记录人。谁能撤销由 model.MayRevoke 判断（记录人或记录人的上级，
// 不能撤销记在自己或上级名下的记录，系统生成的记录只有中心领导能撤）。记录所在的月份已结账时不撤销，
// 改在本月记一笔调整（见 adjust），返回的错误带 ErrAdjusted。返回撤销后的记录和此人该月新的合计。
// “撤销”不写编号时撤销哪一条由调用方先问清（见 LastRecorded），这里不猜。
func (s *Service) Revoke(ctx context.Context, actor model.Staff, msg model.Message, id int64, reason string) (model.Entry, int64, error) {
	if !actor.CanRecord() {
		return model.Entry{}, 0, model.Errorf(model.EFORBIDDEN, "只有主管、所长和中心领导可以撤销记录。")
	}
	if err := model.CheckNote("理由", reason, 0); err != nil {
		return model.Entry{}, 0, err
	}
	if id <= 0 {
		return model.Entry{}, 0, model.Errorf(model.EINVALID, "请写明要撤销的编号，例如：撤销 12 记错人了")
	}
	e, err := s.Ledger.Entry(ctx, id)
	switch model.ErrorCode(err) {
	case "":
	case model.ENOTFOUND:
		return model.Entry{}, 0, model.Errorf(model.ENOTFOUND, "没有编号为 #%d 的记录。发“查 姓名”可以看到编号。", id)
	default:
		return model.Entry{}, 0, unavailable(err, "台账暂时读不到，请稍后再试。")
	}
	if e.Revoked() {
		return model.Entry{}, 0, model.Errorf(model.ECONFLICT, "#%d 已于 %s 被%s撤销，不用再撤。",
			e.ID, e.Revocation.CreatedAt.In(s.loc()).Format("1月2日 15:04"), e.Revocation.ActorName)
	}
	if err := s.MayRevoke(ctx, actor, e); err != nil {
		return model.Entry{}, 0, err
	}
	out, adj, total, err := s.revokeEntry(ctx, actor, msg, e, reason, nil)
	if err == nil && adj != nil {
		return model.Entry{}, 0, s.adjustedErr(e, *adj, total)
	}
	return out, total, err
}

// appealRevoke 是申诉后撤销的附加信息：裁决（与撤销同一事务写入）和申诉本身（通知里说明）。
type appealRevoke struct {
	appeal   model.Appeal
	decision model.AppealDecision
}

// revokeEntry 是撤销的唯一写法（“撤销”命令、网页的台账和申诉后撤销都经它）：记录所在月份已结账时
// 在本月记一笔金额相反的调整（adj 非空），否则写撤销记录。total 是此人该月（或调整记入的月份）撤销后的合计。
// ap 非空时裁决与撤销（或调整）在同一事务里写入，通知改说申诉的结果。调用方已检查过权限和记录的状态。
func (s *Service) revokeEntry(ctx context.Context, actor model.Staff, msg model.Message, e model.Entry, reason string, ap *appealRevoke) (out model.Entry, adj *model.Entry, total int64, err error) {
	if s.closed != nil {
		closed, err := s.closed(ctx, e.Month)
		if err != nil {
			return model.Entry{}, nil, 0, unavailable(err, "结算记录暂时读不到，本次没有撤销，请稍后再试。")
		}
		if closed {
			a, total, err := s.adjust(ctx, actor, msg, e, reason, ap)
			if err != nil {
				return model.Entry{}, nil, 0, err
			}
			return e, &a, total, nil
		}
	}
	rev := model.Revocation{EntryID: e.ID, ActorID: actor.UserID, ActorName: actor.Name, MsgKey: msg.Key, Reason: reason}
	// 撤销后的合计由存储在撤销的事务里锁住此人后算出（Notify）。
	var after int64
	req := model.RevokeRequest{Msg: msg, Revocation: rev, Notify: func(_ model.Entry, total int64) model.Notice {
		after = total
		if ap != nil {
			return appealRevokedNotice(ap.appeal, e, actor, ap.decision.Note, nil, e.Month, total)
		}
		return revokeNotice(e, rev, e.Month, total)
	}}
	if ap != nil {
		req.Appeal = &ap.decision
	}
	out, err = s.Ledger.Revoke(ctx, req)
	if errors.Is(err, model.ErrMonthClosed) {
		// 上面查的时候还没结账，写撤销时已发布（存储锁住这个月再查的）：改记调整。
		a, total, err := s.adjust(ctx, actor, msg, e, reason, ap)
		if err != nil {
			return model.Entry{}, nil, 0, err
		}
		return e, &a, total, nil
	}
	switch model.ErrorCode(err) {
	case "":
		return out, nil, after, nil
	case model.EDUPLICATE:
		// 同一条消息重复到达：撤销已经做过，返回那条记录的现状。
		out, total, err := s.revokedNow(ctx, e.ID)
		return out, nil, total, err
	case model.ENOTFOUND, model.ECONFLICT:
		return model.Entry{}, nil, 0, err
	}
	return model.Entry{}, nil, 0, unavailable(err, "台账暂时写不进去，本次没有撤销，请稍后再试。")
}

// MayRevoke 报告 actor 能否撤销记录 e：从花名册取出被记录人和记录人，按 model.MayRevoke 判断。
// 不能时返回 EFORBIDDEN，提示说明应由谁撤销。聊天的“撤销”和网页的撤销按钮都经过它。
func (s *Service) MayRevoke(ctx context.Context, actor model.Staff, e model.Entry) error {
	target, err := s.person(ctx, e.StaffID, e.StaffName, e.Branch)
	if err != nil {
		return err
	}
	recorder, err := s.person(ctx, e.ActorID, e.ActorName, "")
	if err != nil {
		return err
	}
	return model.MayRevoke(actor, e, target, recorder)
}

// person 从花名册取出 userID；不在花名册（从未导入过）时只有记录上的姓名和网点，角色不明。
func (s *Service) person(ctx context.Context, userID, name, branch string) (model.Staff, error) {
	st, err := s.Staff.Staff(ctx, userID)
	switch model.ErrorCode(err) {
	case "":
		return st, nil
	case model.ENOTFOUND:
		return model.Staff{UserID: userID, Name: name, Branch: branch}, nil
	}
	return model.Staff{}, unavailable(err, "花名册暂时读不到，请稍后再试。")
}

// LastRecorded 返回 actor 自己最近记的一条未撤销的记录（“撤销”不写编号时，先告诉对方会撤销哪一条）；
// 没有时返回 ENOTFOUND。
func (s *Service) LastRecorded(ctx context.Context, actor model.Staff) (model.Entry, error) {
	list, err := s.Ledger.Entries(ctx, model.EntryFilter{ActorID: actor.UserID, Desc: true, Limit: 1})
	if err != nil {
		return model.Entry{}, unavailable(err, "台账暂时读不到，请稍后再试。")
	}
	if len(list) == 0 {
		return model.Entry{}, model.Errorf(model.ENOTFOUND, "您还没有可撤销的记录。要撤销别人记的，请写编号：撤销 12")
	}
	return list[0], nil
}

// revokedNow 返回记录 id 的现状和此人该月现在的合计（重复到达的撤销消息的答复）。
func (s *Service) revokedNow(ctx context.Context, id int64) (model.Entry, int64, error) {
	e, err := s.Ledger.Entry(ctx, id)
	if err != nil {
		return model.Entry{}, 0, unavailable(err, "台账暂时读不到，请稍后发“查”核对。")
	}
	t, err := s.Ledger.MonthTotals(ctx, e.Month, []string{e.StaffID})
	if err != nil {
		return model.Entry{}, 0, unavailable(err, "台账暂时读不到，请稍后发“查”核对。")
	}
	return e, t[e.StaffID], nil
}

// Query 返回 who 在 month 的记录和合计；who 为空表示操作人自己，month 为零值表示本月。
// 员工只能查自己；主管、所长查管理范围内的人；管理员查所有人。
func (s *Service) Query(ctx context.Context, actor model.Staff, who string, month model.Month) (Statement, error) {
	if month.IsZero() {
		month = s.Month()
	}
	target := actor
	if strings.TrimSpace(who) != "" {
		var err error
		target, err = s.Resolve(ctx, actor, who)
		if err != nil {
			return Statement{}, err
		}
	}
	if !actor.CanView(target) {
		if actor.Role == model.RoleStaff {
			return Statement{}, model.Errorf(model.EFORBIDDEN, "员工只能查看自己的记录，发“查”即可。")
		}
		return Statement{}, model.Errorf(model.EFORBIDDEN, "%s（%s）不在您的管理范围内，不能查看。", target.Name, target.Branch)
	}
	entries, err := s.Ledger.Entries(ctx, model.EntryFilter{StaffID: target.UserID, Month: month, IncludeRevoked: true})
	if err != nil {
		return Statement{}, unavailable(err, "台账暂时读不到，请稍后再试。")
	}
	st := Statement{Staff: target, Month: month, Entries: entries}
	for _, f := range s.notes {
		lines, err := f(ctx, target, month)
		if err != nil {
			return Statement{}, unavailable(err, "台账暂时读不到，请稍后再试。")
		}
		st.Notes = append(st.Notes, lines...)
	}
	for _, e := range entries {
		if e.Revoked() {
			st.Revoked++
			continue
		}
		st.Total += e.Amount
	}
	if s.project != nil {
		if st.Projected, err = s.project(ctx, target, month); err != nil {
			return Statement{}, unavailable(err, "结算数据暂时读不到，请稍后再试。")
		}
	}
	return st, nil
}

// LeftText 说明一个不在花名册上的人：“已于2026年6月30日离职”，没有日期时“已不在花名册中（离职或调出）”。
func LeftText(st model.Staff) string {
	if !st.Left.IsZero() {
		return "已于" + st.Left.LongLabel() + "离职"
	}
	return "已不在花名册中（离职或调出）"
}

// RecordedSince 返回本月记下的、规则 code 自 since 起写入且未撤销的记录（按编号升序），如今天已记的缺岗。
func (s *Service) RecordedSince(ctx context.Context, code string, since time.Time) ([]model.Entry, error) {
	list, err := s.Ledger.Entries(ctx, model.EntryFilter{RuleCode: code, Month: s.Month()})
	if err != nil {
		return nil, unavailable(err, "台账暂时读不到，本次没有记录，请稍后再试。")
	}
	var out []model.Entry
	for _, e := range list {
		if !e.CreatedAt.Before(since) {
			out = append(out, e)
		}
	}
	return out, nil
}

// nothingWritten 在用户错误的提示后补一句“本次没有记录。”，让对方知道一个人也没记。
func nothingWritten(err error) error {
	var e *model.Error
	if !errors.As(err, &e) || model.IsRetryable(err) {
		return err
	}
	return &model.Error{Code: e.Code, Message: e.Message + "本次没有记录。", Err: e.Err}
}

// unavailable 保留存储已给出的基础设施错误；其他错误（包括普通 error）包装成 EUNAVAILABLE。
// 用户错误（如 ENOTFOUND）原样返回。
func unavailable(err error, msg string) error {
	switch model.ErrorCode(err) {
	case model.EUNAVAILABLE:
		return err
	case model.EINTERNAL:
		return model.Wrap(model.EUNAVAILABLE, err, "%s", msg)
	}
	return err
}

func verbOf(k model.RuleKind) string {
	if k == model.Reward {
		return "奖"
	}
	return "扣"
}

func exampleWord(k model.RuleKind) string {
	if k == model.Reward {
		return "信息采纳"
	}
	return "迟到"
}

// adjust 处理已结账月份的撤销：原记录不动，在本月记一笔金额相反、Ref 为 "adjusts:#编号" 的调整，
// 并私信通知本人（ap 非空时是申诉的结果，裁决同一事务写入）。同一记录只调整一次。返回调整和此人调整所在月份的合计。
func (s *Service) adjust(ctx context.Context, actor model.Staff, msg model.Message, e model.Entry, reason string, ap *appealRevoke) (model.Entry, int64, error) {
	ref := fmt.Sprintf("adjusts:#%d", e.ID)
	month := s.Month()
	prev, err := s.Ledger.Entries(ctx, model.EntryFilter{Ref: ref})
	if err != nil {
		return model.Entry{}, 0, unavailable(err, "台账暂时读不到，本次没有撤销，请稍后再试。")
	}
	var adj model.Entry
	if len(prev) > 0 && prev[0].MsgKey != msg.Key {
		return model.Entry{}, 0, s.alreadyAdjusted(e, prev[0])
	}
	if len(prev) > 0 {
		adj = prev[0] // 同一条消息重复到达
	} else {
		kind := model.Reward
		if e.Amount > 0 {
			kind = model.Deduction
		}
		note := fmt.Sprintf("调整 #%d（%s已结账）", e.ID, e.Month.Label())
		if reason != "" {
			note += " " + reason
		}
		adj = model.Entry{
			StaffID: e.StaffID, StaffName: e.StaffName, Branch: e.Branch, RuleCode: e.RuleCode, RuleName: e.RuleName,
			Kind: kind, Amount: -e.Amount, Note: note, ActorID: actor.UserID, ActorName: actor.Name,
			MsgKey: msg.Key, Month: month, Ref: ref, Adjusts: e.ID,
		}
		req := model.RecordRequest{Msg: msg, Entries: []model.Entry{adj}, Notify: func(cur model.Entry, total int64) model.Notice {
			if ap != nil {
				return appealRevokedNotice(ap.appeal, e, actor, ap.decision.Note, &cur, month, total)
			}
			return adjustNotice(e, cur, total, s.ObjectionHint())
		}}
		if ap != nil {
			req.Appeal = &ap.decision
		}
		out, err := s.Ledger.Record(ctx, req)
		switch {
		case model.ErrorCode(err) == model.EDUPLICATE && len(out) > 0:
			adj = out[0]
		case errors.Is(err, model.ErrAdjustedTwice):
			// 另一人同时撤销了同一条记录，他的调整先提交：唯一键拦下了这一笔，说明已有的那笔。
			return s.adjustedBefore(ctx, e, ref)
		case model.ErrorCode(err) == model.ECONFLICT:
			return model.Entry{}, 0, err
		case err != nil:
			return model.Entry{}, 0, unavailable(err, "台账暂时写不进去，本次没有撤销，请稍后再试。")
		default:
			adj = out[0]
		}
	}
	totals, err := s.Ledger.MonthTotals(ctx, adj.Month, []string{e.StaffID})
	if err != nil {
		return model.Entry{}, 0, unavailable(err, "台账暂时读不到，请稍后发“查”核对。")
	}
	return adj, totals[e.StaffID], nil
}

// adjustedErr 是撤销已结账月份的记录时的答复（带 ErrAdjusted）：原记录不改，本月记了调整。
func (s *Service) adjustedErr(e, adj model.Entry, total int64) error {
	return &model.Error{Code: model.ECONFLICT, Err: ErrAdjusted, Message: fmt.Sprintf(
		"#%d 所在的%s已结账，原记录不改；已在%s记一笔调整 #%d：%s %s（%s）。%s%s合计 %s。\n已私信通知本人。",
		e.ID, e.Month.Label(), adj.Month.Label(), adj.ID, e.StaffName, Yuan(adj.Amount), e.RuleName,
		e.StaffName, adj.Month.Label(), Yuan(total))}
}

// alreadyAdjusted 说明 e 已由调整 adj 更正过。
func (s *Service) alreadyAdjusted(e, adj model.Entry) error {
	return model.Errorf(model.ECONFLICT, "#%d 所在的%s已结账，已于 %s 由%s记过调整 #%d，不用再撤。",
		e.ID, e.Month.Label(), adj.CreatedAt.In(s.loc()).Format("1月2日 15:04"), adj.ActorName, adj.ID)
}

// adjustedBefore 找出 e 已有的调整（Ref 为 ref），说明不用再撤。
func (s *Service) adjustedBefore(ctx context.Context, e model.Entry, ref string) (model.Entry, int64, error) {
	prev, err := s.Ledger.Entries(ctx, model.EntryFilter{Ref: ref, IncludeRevoked: true})
	if err != nil {
		return model.Entry{}, 0, unavailable(err, "台账暂时读不到，请稍后发“查”核对。")
	}
	for _, p := range prev {
		if p.Adjusts == e.ID {
			return model.Entry{}, 0, s.alreadyAdjusted(e, p)
		}
	}
	return model.Entry{}, 0, model.Errorf(model.ECONFLICT, "#%d 所在的%s已结账，已经记过调整，不用再撤。发“查”可以核对。", e.ID, e.Month.Label())
}
