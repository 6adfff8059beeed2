package ledger

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// 申诉：被记录人在期限内（Service.AppealWithin，默认 3 天，从记录写入、通知发出算起）对一条记录提出异议，
// 交给记录人的上级（model.AppealDeciders：记录人所在网点的所长；记录人是所长或中心领导时交中心领导；
// 谁能裁决由 model.MayDecideAppeal 判断，与撤销同一套上下），
// 上级“撤销”（经 revokeEntry，与“撤销”命令同一条路：已结账的月份记调整）或“维持”。
// 裁决与撤销在同一事务里写入；申诉人和记录人都会收到结果。谁都不裁决自己的事。

// AppealEventPrefix 是申诉卡片按钮的 EventKey 前缀：撤销为 "appeal:revoke:<申诉编号>"，维持为 "appeal:keep:<申诉编号>"。
const AppealEventPrefix = "appeal:"

// AppealWindow 返回申诉期限（AppealWithin，未设置时为 model.DefaultAppealWithin）。
func (s *Service) AppealWindow() time.Duration {
	if s.AppealWithin > 0 {
		return s.AppealWithin
	}
	return model.DefaultAppealWithin
}

// AppealDeadline 返回记录 e 的申诉截止时刻（记录写入时刻加上申诉期限）。
func (s *Service) AppealDeadline(e model.Entry) time.Time { return e.CreatedAt.Add(s.AppealWindow()) }

// CanAppeal 表示 actor 现在能否对 e 提出申诉（与 Appeal 同一个判断；网页据此显示“申诉”按钮）。
func (s *Service) CanAppeal(actor model.Staff, e model.Entry) bool {
	return s.appealProblem(actor, e) == nil
}

// appealProblem 说明 actor 为什么不能对 e 申诉；可以时返回 nil。
func (s *Service) appealProblem(actor model.Staff, e model.Entry) error {
	switch {
	case e.StaffID != actor.UserID:
		return model.Errorf(model.EFORBIDDEN, "#%d 是%s（%s）的记录，只有本人可以申诉。", e.ID, e.StaffName, e.Branch)
	case e.Revoked():
		return model.Errorf(model.ECONFLICT, "#%d 已撤销，不计入合计，不用申诉。", e.ID)
	case e.AppealID != 0:
		return model.Errorf(model.ECONFLICT, "#%d 已经申诉过（申诉 #%d，%s），每条记录只能申诉一次。", e.ID, e.AppealID, e.Appeal.Label())
	}
	if deadline := s.AppealDeadline(e); !s.now().Before(deadline) {
		return model.Errorf(model.EFORBIDDEN, "#%d 记于 %s，申诉期限已过（%s 截止）。如仍有异议，请联系记录人%s。",
			e.ID, s.when(e.CreatedAt), s.when(deadline), e.ActorName)
	}
	return nil
}

func (s *Service) when(t time.Time) string { return t.In(s.loc()).Format("1月2日 15:04") }

// AppealResult 是一次申诉的结果。
type AppealResult struct {
	Appeal    model.Appeal
	Deciders  []model.Staff // 收到申诉卡片的人
	Duplicate bool          // 这条消息先前已处理过，Appeal 是当时提交的申诉
}

// Appeal 由 actor 对记录 entryID 提出申诉：只有记录所指的本人、在期限内、记录未撤销、没有申诉过时可以。
// 申诉以一张带“维持”“撤销”按钮的卡片交给 model.AppealDeciders 给出的人（同一事务入队）。
func (s *Service) Appeal(ctx context.Context, actor model.Staff, msg model.Message, entryID int64, reason string) (AppealResult, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return AppealResult{}, model.Errorf(model.EINVALID, "请写明申诉的理由，例如：申诉 %d 当时在窗口办理业务。这次没有提交。", entryID)
	}
	if err := model.CheckNote("申诉理由", reason, 0); err != nil {
		return AppealResult{}, err
	}
	e, err := s.Ledger.Entry(ctx, entryID)
	switch model.ErrorCode(err) {
	case "":
	case model.ENOTFOUND:
		return AppealResult{}, model.Errorf(model.ENOTFOUND, "没有编号为 #%d 的记录。发“查”可以看到您的记录和编号。", entryID)
	default:
		return AppealResult{}, unavailable(err, "台账暂时读不到，这次没有提交，请稍后再试。")
	}
	if err := s.appealProblem(actor, e); err != nil {
		if e.AppealID != 0 && e.StaffID == actor.UserID {
			// 同一条消息重复到达：申诉已经提交过，返回它。
			if prev, perr := s.appeals().Appeal(ctx, e.AppealID); perr == nil && prev.MsgKey == msg.Key {
				return AppealResult{Appeal: prev, Duplicate: true}, nil
			}
		}
		return AppealResult{}, err
	}
	deciders, route, branch, err := s.appealRoute(ctx, e)
	if err != nil {
		return AppealResult{}, err
	}
	a := model.Appeal{EntryID: e.ID, Entry: e, StaffID: actor.UserID, StaffName: actor.Name, Reason: reason,
		Route: route, RouteBranch: branch}
	ids := make([]string, len(deciders))
	for i, d := range deciders {
		ids[i] = d.UserID
	}
	out, err := s.appeals().CreateAppeal(ctx, msg, a, []model.Notice{appealCard(a, s.when(e.CreatedAt), model.ToUsers(ids...))})
	switch model.ErrorCode(err) {
	case "":
		return AppealResult{Appeal: out, Deciders: deciders}, nil
	case model.EDUPLICATE:
		return AppealResult{Appeal: out, Deciders: deciders, Duplicate: true}, nil
	case model.ECONFLICT:
		return AppealResult{}, model.Errorf(model.ECONFLICT, "#%d 已经申诉过（申诉 #%d，%s），每条记录只能申诉一次。", e.ID, out.ID, out.Status.Label())
	case model.ENOTFOUND:
		return AppealResult{}, model.Errorf(model.ENOTFOUND, "没有编号为 #%d 的记录。", entryID)
	}
	return AppealResult{}, unavailable(err, "申诉暂时提交不了，请稍后再试。")
}

// appeals 返回台账存储的申诉部分（store.DB 两者都实现）。
func (s *Service) appeals() model.AppealStore {
	if a, ok := s.Ledger.(model.AppealStore); ok {
		return a
	}
	return noAppeals{}
}

// noAppeals 是不保存申诉的存储（测试里只装了台账时）：一律答 EUNAVAILABLE。
type noAppeals struct{}

func (noAppeals) err() error {
	return model.Errorf(model.EUNAVAILABLE, "申诉功能没有配置存储。")
}
func (n noAppeals) CreateAppeal(context.Context, model.Message, model.Appeal, []model.Notice) (model.Appeal, error) {
	return model.Appeal{}, n.err()
}
func (n noAppeals) Appeal(context.Context, int64) (model.Appeal, error) {
	return model.Appeal{}, n.err()
}
func (n noAppeals) Appeals(context.Context, model.AppealFilter) ([]model.Appeal, error) {
	return nil, n.err()
}
func (n noAppeals) DecideAppeal(context.Context, model.AppealDecision) (model.Appeal, error) {
	return model.Appeal{}, n.err()
}

// appealRoute 按花名册找出记录 e 的申诉交给谁（model.AppealDeciders）；一个人也没有时返回 EINVALID。
func (s *Service) appealRoute(ctx context.Context, e model.Entry) ([]model.Staff, model.AppealRoute, string, error) {
	recorder, known, err := s.recorder(ctx, e)
	if err != nil {
		return nil, "", "", err
	}
	all, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return nil, "", "", unavailable(err, "花名册暂时读不到，这次没有提交，请稍后再试。")
	}
	appellant, err := s.person(ctx, e.StaffID, e.StaffName, e.Branch)
	if err != nil {
		return nil, "", "", err
	}
	if !known {
		recorder.Role = "" // 不在花名册上：角色不明（系统生成的记录也是），只有中心领导裁决
	}
	deciders, route, branch := model.AppealDeciders(e, appellant, recorder, all)
	if len(deciders) == 0 {
		return nil, "", "", model.Errorf(model.EINVALID, "花名册里没有可以处理这条申诉的所长或中心领导，这次没有提交。请联系管理员在花名册中设置角色。")
	}
	return deciders, route, branch, nil
}

// recorder 返回记录 e 的记录人（花名册上的）；不在花名册上（如系统生成的记录）时 known 为 false。
func (s *Service) recorder(ctx context.Context, e model.Entry) (model.Staff, bool, error) {
	st, err := s.Staff.Staff(ctx, e.ActorID)
	switch model.ErrorCode(err) {
	case "":
		return st, true, nil
	case model.ENOTFOUND:
		return model.Staff{UserID: e.ActorID, Name: e.ActorName}, false, nil
	}
	return model.Staff{}, false, unavailable(err, "花名册暂时读不到，请稍后再试。")
}

// AppealDecided 是一次裁决的结果。
type AppealDecided struct {
	Appeal model.Appeal
	// Adjust 非空表示记录所在月份已结账，撤销改为在本月记的这笔调整。
	Adjust *model.Entry
	// Total 是撤销后此人该月（或调整记入的月份）的合计；维持时为 0。
	Total     int64
	Duplicate bool // 这条消息先前已处理过
}

// DecideAppeal 由 actor 裁决申诉 id：revoke 为 true 时撤销记录（已结账的月份记调整，经 revokeEntry），
// 否则维持。只有 model.MayDecideAppeal 允许的人可以裁决（在申诉人和记录人之上，不是他们本人），每条申诉只裁决一次；
// 申诉人和记录人都收到结果。
func (s *Service) DecideAppeal(ctx context.Context, actor model.Staff, msg model.Message, id int64, revoke bool, note string) (AppealDecided, error) {
	note = strings.TrimSpace(note)
	if err := model.CheckNote("理由", note, 0); err != nil {
		return AppealDecided{}, err
	}
	a, err := s.appeals().Appeal(ctx, id)
	switch model.ErrorCode(err) {
	case "":
	case model.ENOTFOUND:
		return AppealDecided{}, model.Errorf(model.ENOTFOUND, "没有编号为 #%d 的申诉。", id)
	default:
		return AppealDecided{}, unavailable(err, "申诉暂时读不到，请稍后再试。")
	}
	if a.Status != model.AppealOpen {
		if a.DecisionMsg == msg.Key {
			res := AppealDecided{Appeal: a, Duplicate: true}
			if a.AdjustID != 0 {
				if adj, err := s.Ledger.Entry(ctx, a.AdjustID); err == nil {
					res.Adjust = &adj
				}
			}
			return res, nil
		}
		return AppealDecided{}, s.appealDecidedErr(a)
	}
	recorder, known, err := s.recorder(ctx, a.Entry)
	if err != nil {
		return AppealDecided{}, err
	}
	appellant, err := s.person(ctx, a.StaffID, a.StaffName, a.Entry.Branch)
	if err != nil {
		return AppealDecided{}, err
	}
	if err := model.MayDecideAppeal(actor, a, appellant, recorder); err != nil {
		return AppealDecided{}, err
	}
	status := model.AppealKept
	if revoke {
		status = model.AppealRevoked
	}
	d := model.AppealDecision{AppealID: a.ID, Status: status, By: actor.UserID, ByName: actor.Name, Note: note, At: s.now(), Msg: msg}
	d.Notices = append(d.Notices, s.appealCardUpdate(ctx, a, status, actor))
	if known && recorder.Active {
		d.Notices = append(d.Notices, appealRecorderNotice(a, recorder, actor, status, note))
	}
	e := a.Entry
	if !revoke || e.Revoked() {
		// 维持；或记录在申诉期间已被撤销（不用再撤），只记下裁决。
		if status == model.AppealKept {
			d.Notices = append(d.Notices, appealKeptNotice(a, actor, note))
		}
		out, err := s.appeals().DecideAppeal(ctx, d)
		return s.decidedResult(out, nil, 0, err)
	}
	reason := fmt.Sprintf("申诉 #%d 成立", a.ID)
	if note != "" {
		reason += "：" + note
	}
	_, adj, total, err := s.revokeEntry(ctx, actor, msg, e, reason, &appealRevoke{appeal: a, decision: d})
	if err != nil {
		if model.ErrorCode(err) == model.ECONFLICT {
			if now, gerr := s.appeals().Appeal(ctx, id); gerr == nil && now.Status != model.AppealOpen {
				return AppealDecided{}, s.appealDecidedErr(now)
			}
		}
		return AppealDecided{}, err
	}
	out, err := s.appeals().Appeal(ctx, id)
	if err != nil {
		return AppealDecided{}, unavailable(err, "申诉已处理，暂时读不到结果，请稍后发“查”核对。")
	}
	return AppealDecided{Appeal: out, Adjust: adj, Total: total}, nil
}

// appealCardUpdate 是把申诉 a 的卡片换成裁决结果（“已维持（刘所长）”“已撤销（刘所长）”）的通知，
// 发给收到卡片的人（发卡片时记下的接收人优先，见 wecom；这里按花名册再算一遍，算不出时发给裁决人）。
func (s *Service) appealCardUpdate(ctx context.Context, a model.Appeal, status model.AppealStatus, by model.Staff) model.Notice {
	done := "已维持"
	if status == model.AppealRevoked {
		done = "已撤销"
	}
	ids := []string{by.UserID}
	if deciders, _, _, err := s.appealRoute(ctx, a.Entry); err == nil {
		ids = ids[:0]
		for _, d := range deciders {
			ids = append(ids, d.UserID)
		}
	}
	return model.CardUpdateNotice(AppealTaskID(a.ID), model.CardOutcome(done, by.Name), model.ToUsers(ids...))
}

// AppealTaskID 是申诉 id 的卡片的 task_id。
func AppealTaskID(id int64) string { return "appeal-" + strconv.FormatInt(id, 10) }

// decidedResult 把“维持”写入的结果变成返回值。
func (s *Service) decidedResult(a model.Appeal, adj *model.Entry, total int64, err error) (AppealDecided, error) {
	switch model.ErrorCode(err) {
	case "":
		return AppealDecided{Appeal: a, Adjust: adj, Total: total}, nil
	case model.EDUPLICATE:
		return AppealDecided{Appeal: a, Duplicate: true}, nil
	case model.ECONFLICT:
		return AppealDecided{}, s.appealDecidedErr(a)
	case model.ENOTFOUND:
		return AppealDecided{}, err
	}
	return AppealDecided{}, unavailable(err, "申诉暂时处理不了，请稍后再试。")
}

// appealDecidedErr 说明申诉已被谁、何时裁决。
func (s *Service) appealDecidedErr(a model.Appeal) error {
	when := ""
	if a.DecidedAt != nil {
		when = "于 " + s.when(*a.DecidedAt) + " "
	}
	what := "维持原记录"
	if a.Status == model.AppealRevoked {
		what = "撤销记录"
	}
	return model.Errorf(model.ECONFLICT, "申诉 #%d 已%s由%s处理（%s），不能再改。", a.ID, when, a.DecidedByName, what)
}

// PendingAppeals 返回 actor 可以裁决的待处理申诉（与 DecideAppeal 同一个判断：model.MayDecideAppeal）。
func (s *Service) PendingAppeals(ctx context.Context, actor model.Staff) ([]model.Appeal, error) {
	if err := model.MayAny(actor, model.ActDecideAppeal); err != nil {
		return nil, err
	}
	all, err := s.appeals().Appeals(ctx, model.AppealFilter{Status: model.AppealOpen})
	if err != nil {
		return nil, unavailable(err, "申诉暂时读不到，请稍后再试。")
	}
	if len(all) == 0 {
		return nil, nil
	}
	roster, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return nil, unavailable(err, "花名册暂时读不到，请稍后再试。")
	}
	byID := make(map[string]model.Staff, len(roster))
	for _, st := range roster {
		byID[st.UserID] = st
	}
	person := func(id, name, branch string) model.Staff {
		if st, ok := byID[id]; ok {
			return st
		}
		return model.Staff{UserID: id, Name: name, Branch: branch}
	}
	var out []model.Appeal
	for _, a := range all {
		appellant := person(a.StaffID, a.StaffName, a.Entry.Branch)
		recorder := person(a.Entry.ActorID, a.Entry.ActorName, "")
		if model.MayDecideAppeal(actor, a, appellant, recorder) == nil {
			out = append(out, a)
		}
	}
	return out, nil
}

// entryLabel 是通知里的一条记录，如“#12（到岗迟到或者早退 −10 元）”。
func entryLabel(e model.Entry) string {
	return fmt.Sprintf("#%d（%s %s）", e.ID, e.RuleName, Yuan(e.Amount))
}

// entryLabelMD 是放进 markdown 通知的 entryLabel：只有事项名按 md 处理，编号的“#”照常是半角
// （不在行首，不会成为标题），与其他通知里的 #编号 写法一致。
func entryLabelMD(e model.Entry) string {
	return fmt.Sprintf("#%d（%s %s）", e.ID, md(e.RuleName), Yuan(e.Amount))
}

// appealCard 是交给裁决人的按钮卡片：申诉人、记录、记录人、理由和怎样处理都在卡片上，不另发文字。
func appealCard(a model.Appeal, recorded string, to model.Recipient) model.Notice {
	e := a.Entry
	return model.Notice{
		Key: "appeal:{id}:ask", To: to, Title: "申诉待处理 #{id}",
		Card: &model.Card{
			Source:      "红旗考核 · 申诉",
			Subtitle:    model.PlainText(fmt.Sprintf("%s（%s）对 #%d 提出申诉", a.StaffName, e.Branch, e.ID)),
			Description: "请核实后点“撤销”（记录作废；所在月份已结账的，本月记一笔调整）或“维持”；也可以回复“申诉 撤销 {id} 理由”或“申诉 维持 {id} 理由”。",
			Lines: []model.CardLine{
				{Key: "记录", Value: model.PlainText(fmt.Sprintf("#%d %s %s", e.ID, e.RuleName, Yuan(e.Amount)))},
				{Key: "记录人", Value: model.PlainText(e.ActorName + " " + recorded)},
				{Key: "申诉理由", Value: model.PlainText(a.Reason)},
			},
			Buttons: []model.Button{
				{Text: "维持", Key: "appeal:keep:{id}", Style: model.ButtonSecondary},
				{Text: "撤销", Key: "appeal:revoke:{id}", Style: model.ButtonPrimary},
			},
			TaskID: "appeal-{id}",
		},
	}
}

// appealRevokedNotice 告诉申诉人：申诉成立，记录已撤销（adj 非空：所在月份已结账，记了这笔调整）。
// 通知随撤销（或调整）写入，Key 里的编号是申诉的。
func appealRevokedNotice(a model.Appeal, e model.Entry, by model.Staff, note string, adj *model.Entry, m model.Month, total int64) model.Notice {
	var b strings.Builder
	fmt.Fprintf(&b, "> 您对 %s 的申诉（#%d）已由%s处理：撤销记录。\n", entryLabelMD(e), a.ID, md(by.Name))
	if note != "" {
		fmt.Fprintf(&b, "> 理由：%s\n", md(note))
	}
	if adj != nil {
		fmt.Fprintf(&b, "> %s已结账，原记录不改；已在%s记一笔调整 #{id}：%s。\n", e.Month.Label(), adj.Month.Label(), Yuan(adj.Amount))
	}
	fmt.Fprintf(&b, "> %s合计：%s\n\n", m.Label(), Yuan(total))
	b.WriteString("原记录仍可查到，标为“申诉后撤销”。回复“查”核对。")
	return model.Notice{Key: fmt.Sprintf("appeal:%d:result", a.ID), To: model.ToUsers(a.StaffID), Title: "申诉结果：已撤销", Body: b.String()}
}

// appealKeptNotice 告诉申诉人：维持原记录。
func appealKeptNotice(a model.Appeal, by model.Staff, note string) model.Notice {
	var b strings.Builder
	fmt.Fprintf(&b, "> 您对 %s 的申诉（#{id}）已由%s处理：维持原记录。\n", entryLabelMD(a.Entry), md(by.Name))
	if note != "" {
		fmt.Fprintf(&b, "> 理由：%s\n", md(note))
	}
	fmt.Fprintf(&b, "\n记录照常计入，标为“申诉维持”。如有疑问，请联系%s。", md(by.Name))
	return model.Notice{Key: "appeal:{id}:result", To: model.ToUsers(a.StaffID), Title: "申诉结果：维持原记录", Body: b.String()}
}

// appealRecorderNotice 告诉记录人：他记的一条记录被申诉，以及裁决的结果。
func appealRecorderNotice(a model.Appeal, recorder, by model.Staff, status model.AppealStatus, note string) model.Notice {
	what := "维持原记录"
	if status == model.AppealRevoked {
		what = "撤销记录"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s（%s）对您记的 %s 提出申诉（#{id}），已由%s处理：%s。\n",
		md(a.StaffName), md(a.Entry.Branch), entryLabelMD(a.Entry), md(by.Name), what)
	fmt.Fprintf(&b, "> 申诉理由：%s\n", md(a.Reason))
	if note != "" {
		fmt.Fprintf(&b, "> 处理理由：%s\n", md(note))
	}
	return model.Notice{Key: "appeal:{id}:recorder", To: model.ToUsers(recorder.UserID), Title: "申诉结果", Body: strings.TrimRight(b.String(), "\n")}
}

// Reply 是提交申诉后的答复（聊天和网页用同一句）。
func (res AppealResult) Reply() string {
	a, e := res.Appeal, res.Appeal.Entry
	var sb strings.Builder
	if res.Duplicate {
		sb.WriteString("这条申诉已经提交过，没有重复提交。\n")
	}
	fmt.Fprintf(&sb, "已提交申诉 #%d：#%d %s %s。", a.ID, e.ID, e.RuleName, Yuan(e.Amount))
	who := a.Route.Label(a.RouteBranch)
	if len(res.Deciders) > 0 {
		who = staffNames(res.Deciders) + "（" + who + "）"
	}
	fmt.Fprintf(&sb, "\n已交%s处理，结果会私信告诉您。处理之前记录照常计入。", who)
	return sb.String()
}

// Reply 是裁决后的答复（聊天和网页用同一句）。
func (res AppealDecided) Reply() string {
	a, e := res.Appeal, res.Appeal.Entry
	var sb strings.Builder
	if res.Duplicate {
		sb.WriteString("这条消息已经处理过。\n")
	}
	if a.Status == model.AppealRevoked {
		fmt.Fprintf(&sb, "申诉 #%d 成立：已撤销 #%d %s（%s）%s %s。", a.ID, e.ID, e.StaffName, e.Branch, e.RuleName, Yuan(e.Amount))
		if adj := res.Adjust; adj != nil {
			fmt.Fprintf(&sb, "\n%s已结账，原记录不改；已在%s记一笔调整 #%d（%s）。", e.Month.Label(), adj.Month.Label(), adj.ID, Yuan(adj.Amount))
		}
	} else {
		fmt.Fprintf(&sb, "申诉 #%d 不成立：维持 #%d %s（%s）%s %s。", a.ID, e.ID, e.StaffName, e.Branch, e.RuleName, Yuan(e.Amount))
	}
	if a.DecisionNote != "" {
		fmt.Fprintf(&sb, "\n理由：%s", a.DecisionNote)
	}
	fmt.Fprintf(&sb, "\n已通知%s和记录人%s。", e.StaffName, e.ActorName)
	return sb.String()
}

func staffNames(ss []model.Staff) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return strings.Join(names, "、")
}
