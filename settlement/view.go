package settlement

import (
	"context"
	"fmt"
	"io"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
	"github.com/hongqi-dev/hongqi/settlement/xlsx"
)

// Forecast 是一个人某月的预计结算：台账记录之外，发布时会加上的红旗奖励、所长奖励和服务明星。
type Forecast struct {
	Month model.Month
	// Statement 是这个人按现有数据算出的结算单（台账记录和结算产生的行）。
	Statement calc.Statement
	// Extra 是结算产生、发布时才记入台账的行（预计）；已发布的月份为空：它们已在台账里。
	Extra []calc.Line
	// Published 非空表示该月已发布。
	Published *model.Publication
	// WeeklyPerMonth 是当月获周服务红旗达到几次有奖励（门槛）。
	WeeklyPerMonth int
}

// Forecast 算出 who 在 month 的预计结算，与“结算”草稿同一套计算（只取这个人的台账记录）。
// 本人总能看自己的；管理者看管理范围内的人（Staff.CanView）。
func (s *Service) Forecast(ctx context.Context, actor, who model.Staff, month model.Month) (Forecast, error) {
	if !actor.CanView(who) {
		return Forecast{}, model.Errorf(model.EFORBIDDEN, "%s（%s）不在您的管理范围内，不能查看。", who.Name, who.Branch)
	}
	if month.IsZero() {
		month = s.Ledger.Month()
	}
	d, err := s.draft(ctx, month, who.UserID)
	if err != nil {
		return Forecast{}, err
	}
	f := Forecast{Month: month, Published: d.Published, WeeklyPerMonth: s.Cfg.WeeklyPerMonth}
	f.Statement, _ = d.Result.Statement(who.UserID)
	f.Statement.Staff = who
	if d.Published == nil {
		for _, l := range f.Statement.Lines {
			if l.Kind != calc.LineEntry {
				f.Extra = append(f.Extra, l)
			}
		}
	}
	return f, nil
}

// YearProgress 是一名员工今年的周服务红旗次数和它通向的年度档次。
type YearProgress struct {
	Year int
	// Eligible 为 false 表示此人不参加年度考核（只有在职的县城网点员工参加），其余字段无意义。
	Eligible bool
	// Partial 表示此人这一年不是全年都在花名册上（年中入职或离职）：不参加年度考核的扣款，
	// 达到门槛照样是年度服务明星。
	Partial   bool
	Count     int
	Periods   []string // 计入的周，如 2026-W45
	Threshold int      // 年度服务明星的门槛
	FewBelow  int      // 少于几次扣款
	Tier      string   // calc.TierStar 等（按现在的次数）
}

// Text 说明现在的次数和离下一档还差多少，如“今年 12 次，再得 18 次为年度服务明星”。
func (p YearProgress) Text() string {
	if !p.Eligible {
		return "年度服务明星只在县城网点的窗口员工中评。"
	}
	if p.Partial && p.Count < p.Threshold {
		return fmt.Sprintf("今年 %d 次。您今年不是全年都在花名册上，年底不参加扣款的几档；再得 %d 次仍为年度服务明星", p.Count, p.Threshold-p.Count)
	}
	switch {
	case p.Count >= p.Threshold:
		return fmt.Sprintf("今年 %d 次，已达到年度服务明星（%d 次）", p.Count, p.Threshold)
	case p.Count >= p.FewBelow:
		return fmt.Sprintf("今年 %d 次，再得 %d 次为年度服务明星", p.Count, p.Threshold-p.Count)
	case p.Count > 0:
		return fmt.Sprintf("今年 %d 次，少于 %d 次年底扣款；再得 %d 次不扣，再得 %d 次为年度服务明星",
			p.Count, p.FewBelow, p.FewBelow-p.Count, p.Threshold-p.Count)
	}
	return fmt.Sprintf("今年还没有获得周服务红旗（全年 0 次年底扣款）；得 %d 次为年度服务明星", p.Threshold)
}

// YearProgress 按年度结算的同一套计算（calc.Annual）给出 who 在 year 年的周服务红旗次数和档次。
func (s *Service) YearProgress(ctx context.Context, actor, who model.Staff, year int) (YearProgress, error) {
	if !actor.CanView(who) {
		return YearProgress{}, model.Errorf(model.EFORBIDDEN, "%s（%s）不在您的管理范围内，不能查看。", who.Name, who.Branch)
	}
	d, err := s.YearDraft(ctx, year)
	if err != nil {
		return YearProgress{}, err
	}
	p := YearProgress{Year: year, Threshold: d.Result.Threshold, FewBelow: s.Cfg.FewBelow}
	for _, c := range d.Result.Counts {
		if c.Staff.UserID == who.UserID {
			p.Eligible, p.Count, p.Periods, p.Tier = true, c.Count, c.Periods, c.Tier
		}
	}
	for _, c := range d.Result.Partial {
		if c.Staff.UserID == who.UserID {
			p.Eligible, p.Partial, p.Count, p.Periods = true, true, c.Count, c.Periods
		}
	}
	return p, nil
}

// Workbook 把 month 的结算（与“结算”同一份草稿：已发布的月份不重复计结算产生的记录；红旗含已撤销的）
// 写成 XLSX（汇总、明细、红旗），只给中心领导。“导出”命令、网页下载和 hongqi report（以 SystemActor）都用它。
func (s *Service) Workbook(ctx context.Context, actor model.Staff, month model.Month, w io.Writer) (Draft, error) {
	d, err := s.DraftFor(ctx, actor, month)
	if err != nil {
		return Draft{}, err
	}
	flags, err := s.Flags.Flags(ctx, model.FlagFilter{Month: d.Result.Month, IncludeCancelled: true})
	if err != nil {
		return Draft{}, err
	}
	return d, xlsx.MonthWorkbook(d.Result, flags, s.Loc(), w)
}

// TierCount 是年度的一个档次及其人数。
type TierCount struct {
	Label string // 如“年度服务明星（≥30 次）”
	N     int
}

// Tiers 返回年度结果各档的说明和人数（与“年度”命令的文字同一套说法），从高到低。
func (s *Service) Tiers(r calc.YearResult) []TierCount {
	count := map[string]int{}
	for _, c := range r.Counts {
		count[c.Tier]++
	}
	var out []TierCount
	for _, tier := range []string{calc.TierStar, calc.TierNormal, calc.TierFew, calc.TierNone} {
		out = append(out, TierCount{Label: tierLabel(tier, r, s.Cfg.FewBelow), N: count[tier]})
	}
	return out
}
