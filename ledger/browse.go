package ledger

import (
	"context"
	"slices"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
)

// BrowseFilter 是台账页的筛选条件；零值字段不作限制，Month 为零值表示本月。
type BrowseFilter struct {
	Month    model.Month
	Branch   string // 记录当时的网点
	Person   string // 被记录人：姓名、工号或“姓名(工号)”，与“查”一样解析
	RuleCode string
	Recorder string // 记录人：姓名、工号或“姓名(工号)”，在全体花名册中找
	Page     int    // 从 1 起；0 视为 1
	PerPage  int    // 0 视为 DefaultPerPage
}

// DefaultPerPage 是台账页每页的条数。
const DefaultPerPage = 30

// Browse 是台账页的一页：记录（按编号倒序，含已撤销的）、总条数、按人的合计，以及操作人可以筛选的网点。
type Browse struct {
	Filter   BrowseFilter
	Person   *model.Staff // 解析出的被记录人（筛选了人时）
	Recorder *model.Staff // 解析出的记录人（筛选了记录人时）
	Entries  []model.Entry
	Count    int                // 满足条件的记录条数（含已撤销的）
	People   []model.StaffTotal // 满足条件的记录按人汇总
	Total    int64              // 满足条件、未撤销的记录合计
	Branches []string           // 操作人管理范围内的网点，按名称排序
	Pages    int
	// Revocable 是这一页里操作人能撤销的记录（编号）：与“撤销”同一个判断（model.MayRevoke）。
	Revocable map[int64]bool
}

// Branches 返回 actor 管理范围内的网点（花名册上出现过的网点中 actor.InScope 为真的），按名称排序。
func (s *Service) Branches(ctx context.Context, actor model.Staff) ([]string, error) {
	all, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return nil, unavailable(err, "花名册暂时读不到，请稍后再试。")
	}
	var out []string
	for _, st := range all {
		if actor.InScope(st.Branch) && !slices.Contains(out, st.Branch) {
			out = append(out, st.Branch)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Browse 返回台账页：主管、所长看管理范围内网点的记录，中心领导看全部。筛选某个网点或某个人时，
// 它必须在操作人的管理范围内（与“查”同一个判断：Staff.InScope、Staff.CanView）。
func (s *Service) Browse(ctx context.Context, actor model.Staff, f BrowseFilter) (Browse, error) {
	if !actor.CanRecord() {
		return Browse{}, model.Errorf(model.EFORBIDDEN, "只有主管、所长和中心领导可以查看台账。发“查”可以看自己的记录。")
	}
	if f.Month.IsZero() {
		f.Month = s.Month()
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage <= 0 {
		f.PerPage = DefaultPerPage
	}
	branches, err := s.Branches(ctx, actor)
	if err != nil {
		return Browse{}, err
	}
	out := Browse{Filter: f, Branches: branches}
	q := model.EntryFilter{Month: f.Month, RuleCode: f.RuleCode, IncludeRevoked: true}
	if !actor.IsLeadership() {
		q.Branches = branches
	}
	if f.Branch != "" {
		if !actor.InScope(f.Branch) {
			return Browse{}, model.Errorf(model.EFORBIDDEN, "%s不在您的管理范围内，不能查看它的台账。", f.Branch)
		}
		q.Branches = []string{f.Branch}
	}
	if strings.TrimSpace(f.Person) != "" {
		target, err := s.Resolve(ctx, actor, f.Person)
		if err != nil {
			return Browse{}, err
		}
		if !actor.CanView(target) {
			return Browse{}, model.Errorf(model.EFORBIDDEN, "%s（%s）不在您的管理范围内，不能查看。", target.Name, target.Branch)
		}
		out.Person, q.StaffID = &target, target.UserID
	}
	if strings.TrimSpace(f.Recorder) != "" {
		rec, err := s.Find(ctx, f.Recorder)
		if err != nil {
			return Browse{}, err
		}
		out.Recorder, q.ActorID = &rec, rec.UserID
	}
	if out.Count, err = s.Ledger.CountEntries(ctx, q); err != nil {
		return Browse{}, unavailable(err, "台账暂时读不到，请稍后再试。")
	}
	if out.People, err = s.Ledger.StaffTotals(ctx, q); err != nil {
		return Browse{}, unavailable(err, "台账暂时读不到，请稍后再试。")
	}
	for _, p := range out.People {
		out.Total += p.Total
	}
	out.Pages = (out.Count + f.PerPage - 1) / f.PerPage
	if f.Page > out.Pages {
		// 超过最后一页（包括地址里写的超大页码）：给最后一页，偏移量不会溢出。
		f.Page = max(out.Pages, 1)
		out.Filter.Page = f.Page
	}
	page := q
	page.Desc, page.Limit, page.Offset = true, f.PerPage, (f.Page-1)*f.PerPage
	if out.Entries, err = s.Ledger.Entries(ctx, page); err != nil {
		return Browse{}, unavailable(err, "台账暂时读不到，请稍后再试。")
	}
	if out.Revocable, err = s.revocable(ctx, actor, out.Entries); err != nil {
		return Browse{}, err
	}
	return out, nil
}

// revocable 返回 entries 中 actor 能撤销的记录：与 MayRevoke 相同，花名册只读一次。
func (s *Service) revocable(ctx context.Context, actor model.Staff, entries []model.Entry) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(entries) == 0 || !actor.CanRecord() {
		return out, nil
	}
	all, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return nil, unavailable(err, "花名册暂时读不到，请稍后再试。")
	}
	roster := make(map[string]model.Staff, len(all))
	for _, st := range all {
		roster[st.UserID] = st
	}
	person := func(id, name, branch string) model.Staff {
		if st, ok := roster[id]; ok {
			return st
		}
		return model.Staff{UserID: id, Name: name, Branch: branch}
	}
	for _, e := range entries {
		if e.Revoked() {
			continue
		}
		if model.MayRevoke(actor, e, person(e.StaffID, e.StaffName, e.Branch), person(e.ActorID, e.ActorName, "")) == nil {
			out[e.ID] = true
		}
	}
	return out, nil
}

// Months 返回 who 每个有记录的月份的合计（按月份倒序）；员工只能看自己，管理者看管理范围内的人。
func (s *Service) Months(ctx context.Context, actor, who model.Staff) ([]model.MonthTotal, error) {
	if !actor.CanView(who) {
		return nil, model.Errorf(model.EFORBIDDEN, "%s（%s）不在您的管理范围内，不能查看。", who.Name, who.Branch)
	}
	out, err := s.Ledger.MonthsOf(ctx, who.UserID)
	if err != nil {
		return nil, unavailable(err, "台账暂时读不到，请稍后再试。")
	}
	return out, nil
}
