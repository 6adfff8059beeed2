package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/hongqi-dev/hongqi/model"
)

// Generated 是系统按规则生成的一条记录（不是谁用“扣”“奖”记的），如撤销红旗时给所长记的“提供虚假信息”扣款。
type Generated struct {
	Staff model.Staff // 被记录人
	Rule  string      // 规则编码，如 "flag_false_info"；金额和名称取自规则目录
	// Custom 非空时用这条规则（编码、名称、金额），不查目录：金额来自设置而不是规则文件的扣款，
	// 如旬红旗因虚假信息撤销时所长的扣款（settle.dekad_false_info）。
	Custom *model.Rule
	Note   string      // 备注（原因）
	Month  model.Month // 应计入的考核月；零值为本月
	Ref    string      // 关联的业务记录，如 "flag:12:false-info"
	Actor  model.Staff // 引起这条记录的人（如撤销红旗的中心领导）
	// Msg 是这条记录的来源消息：Key 唯一，同一 Key 只记一次（重试、补记都不会重复）。
	Msg model.Message
}

// GeneratedResult 是 RecordGenerated 的结果。
type GeneratedResult struct {
	Entry model.Entry
	Total int64 // 此人在记入月份的合计（元）
	// Adjusted 表示应计入的月份已结账，这条记录作为调整记在了本月。
	Adjusted bool
	// Duplicate 表示这个来源先前已记过，Entry 是当时的记录，本次什么也没写。
	Duplicate bool
}

// RecordGenerated 写入一条系统生成的记录，并像“扣”“奖”一样私信通知本人（同一事务入队，合计在事务里锁人后算出）。
// 与撤销一样守结账的规矩：g.Month 已结账（结算已发布）时，原月份不改，这条记录记在本月并在备注里说明，
// 是一笔调整。是否已结账由存储在写入的事务里锁住那个月再查（RecordRequest.OpenMonth），与发布排队：
// 发布先锁住，写入就等它提交、看到已结账而改记本月；写入先锁住，发布就等它提交，结算单上有这一条。
// 规则不在目录中时返回 EINVALID；g.Ref 不是系统生成的记录的 Ref（model.IsGeneratedRef）时返回 EINTERNAL。
func (s *Service) RecordGenerated(ctx context.Context, g Generated) (GeneratedResult, error) {
	rule, ok := s.Catalog.Rule(g.Rule)
	if g.Custom != nil {
		rule, ok = *g.Custom, g.Custom.Amount > 0
	}
	if !ok {
		return GeneratedResult{}, model.Errorf(model.EINVALID, "规则目录里没有“%s”，没有记录。", g.Rule)
	}
	if !model.IsGeneratedRef(g.Ref) {
		// 系统生成的记录靠 Ref 的前缀认出来（只有中心领导能撤销，见 model.Entry.Generated）。
		return GeneratedResult{}, model.Errorf(model.EINTERNAL, "系统生成的记录的关联标识“%s”不是已知的种类，没有记录。", g.Ref)
	}
	cur := s.Month()
	month := g.Month
	if month.IsZero() {
		month = cur
	}
	adjust := func() (GeneratedResult, error) {
		res, err := s.recordGenerated(ctx, g, rule, cur, fmt.Sprintf("调整（原属%s，该月已结账）%s", month.Label(), g.Note))
		if err == nil {
			res.Adjusted = true
		}
		return res, err
	}
	if month != cur && s.closed != nil {
		closed, err := s.closed(ctx, month)
		if err != nil {
			return GeneratedResult{}, unavailable(err, "结算记录暂时读不到，本次没有记录，请稍后再试。")
		}
		if closed {
			return adjust()
		}
	}
	res, err := s.recordGenerated(ctx, g, rule, month, g.Note)
	if errors.Is(err, model.ErrMonthClosed) && month != cur {
		// 上面查的时候还没结账，写入时已发布（存储锁住这个月再查的）：原月份不改，作为调整记在本月。
		return adjust()
	}
	return res, err
}

// recordGenerated 把 g 记入 month（须未结账，由存储在事务里查），备注为 note。
func (s *Service) recordGenerated(ctx context.Context, g Generated, rule model.Rule, month model.Month, note string) (GeneratedResult, error) {
	e := model.Entry{
		StaffID: g.Staff.UserID, StaffName: g.Staff.Name, Branch: g.Staff.Branch,
		RuleCode: rule.Code, RuleName: rule.Name, Kind: rule.Kind, Amount: rule.Signed(), Note: note,
		ActorID: g.Actor.UserID, ActorName: g.Actor.Name, MsgKey: g.Msg.Key, Month: month, Ref: g.Ref,
	}
	var total int64
	out, err := s.Ledger.Record(ctx, model.RecordRequest{Msg: g.Msg, Entries: []model.Entry{e}, OpenMonth: month,
		Notify: func(e model.Entry, t int64) model.Notice {
			total = t
			return entryNotice(e, rule, t, s.ObjectionHint())
		}})
	switch {
	case model.ErrorCode(err) == model.EDUPLICATE && len(out) > 0:
		t, terr := s.Ledger.MonthTotals(ctx, out[0].Month, []string{e.StaffID})
		if terr != nil {
			return GeneratedResult{}, unavailable(terr, "台账暂时读不到，请稍后发“查”核对。")
		}
		return GeneratedResult{Entry: out[0], Total: t[e.StaffID], Duplicate: true}, nil
	case errors.Is(err, model.ErrMonthClosed):
		return GeneratedResult{}, err
	case err != nil:
		return GeneratedResult{}, unavailable(err, "台账暂时写不进去，本次没有记录，请稍后再试。")
	}
	return GeneratedResult{Entry: out[0], Total: total}, nil
}
