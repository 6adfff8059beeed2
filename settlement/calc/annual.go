package calc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
)

// 年度档次（YearCount.Tier）。
const (
	TierStar   = "star"   // 达到门槛：年度服务明星
	TierNormal = "normal" // 不奖不扣
	TierFew    = "few"    // 少于 FewBelow 次（至少 1 次）
	TierNone   = "none"   // 0 次
)

// PartialNote 是不满一年的人在年度草稿里的说明。
const PartialNote = "不满一年，不参加年度考核"

// YearInput 是一年结算的全部输入。
type YearInput struct {
	Year int
	// Staff 是花名册（含已停用的人）。
	Staff []model.Staff
	// Flags 是 Month.Year 为该年的周服务红旗（可含已撤销的，这里排除；旬旗和其他年份的不计）。
	Flags []model.Flag
}

// YearCount 是一名参加年度考核的员工的周旗次数和档次。
type YearCount struct {
	Staff   model.Staff
	Count   int
	Periods []string // 计入的周，如 2026-W45，按期间排序
	Tier    string   // TierStar、TierNormal、TierFew、TierNone
}

// Certificate 是一张年度服务明星证书的内容。
type Certificate struct {
	UserID string
	Name   string
	Branch string
	Year   int
	Count  int // 全年获周服务红旗标杆岗次数
}

// YearResult 是一年的结算结果。
type YearResult struct {
	Year      int
	Threshold int // 该年的年度服务明星门槛
	// Counts 是全部参加年度考核的员工（全年在花名册上的县城网点员工，以及不满一年但达到年度服务明星门槛的），
	// 按网点、姓名、userid 排序。
	Counts []YearCount
	// Partial 是这一年只有一部分日子在花名册上、没有达到门槛的县城网点员工：不满一年，不参加年度考核
	// （不扣款，其所长也不扣），按网点、姓名、userid 排序。Tier 为空。
	Partial []YearCount
	// Statements 是有年度奖惩的人（员工和所长）的结算单，按网点、姓名、userid 排序。
	Statements   []Statement
	Certificates []Certificate // 按网点、姓名、userid 排序
	Summary      Summary
	Warnings     []string
}

// Annual 结算一年：县城网点员工按全年未撤销的周服务红旗次数分档——达到门槛的奖励并发证书，
// 其所长每人次奖励；少于 FewBelow 次扣款；0 次扣得更多（不与“少于”叠加），其所长也扣款。
// 扣款的几档只对全年（1 月 1 日到 12 月 31 日）都在花名册上的人：年中入职、离职的人达到门槛照样奖励，
// 没达到的列入 Partial（不满一年，不参加年度考核）。
// 撤销的红旗不计；所长因虚假信息的扣款在撤销红旗时已记入台账，这里不重复。
func Annual(in YearInput, cat *model.Catalog, cfg Config) (YearResult, error) {
	if in.Year < 1 {
		return YearResult{}, model.Errorf(model.EINVALID, "没有指定结算年份")
	}
	if err := cfg.Validate(); err != nil {
		return YearResult{}, err
	}
	rules, err := rulesFor(cat, RuleYearStar, RuleYearStarHead, RuleYearFew, RuleYearNone, RuleYearNoneHead)
	if err != nil {
		return YearResult{}, err
	}
	threshold := cfg.Threshold(in.Year)
	res := YearResult{Year: in.Year, Threshold: threshold}
	ref := fmt.Sprintf("flags:year:%d", in.Year)
	b := newBook(in.Staff)

	flags := countFlags(in.Flags,
		func(f model.Flag) bool { return f.Kind == model.FlagWeekly && f.Month.Year == in.Year },
		func(f model.Flag) string { return f.StaffID })

	var eligible []model.Staff
	jan1, dec31 := model.Date{Year: in.Year, Month: 1, Day: 1}, model.Date{Year: in.Year, Month: 12, Day: 31}
	for _, s := range in.Staff {
		if s.Role == model.RoleStaff && s.BranchKind == model.BranchCounty && s.OnRosterIn(jan1, dec31) {
			eligible = append(eligible, s)
		}
	}
	sortStaff(eligible)

	// noneHead 记下每位所长名下年度未获旗的员工（每位所长只扣一次时用）。
	noneHead := map[string][]model.Staff{}
	headFallback := func(branch string) model.Staff {
		return model.Staff{Branch: branch, BranchKind: model.BranchCounty, Role: model.RoleHead}
	}
	missingHead := func(s model.Staff, what string, r model.Rule) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s（%s）%s，但找不到%s唯一的在职所长，所长%s %d 元没有计入。请在花名册中补上所长后重新结算。",
			s.Name, s.Branch, what, s.Branch, r.Kind.Label(), r.Amount))
	}

	for _, s := range eligible {
		fs := flags[s.UserID]
		c := YearCount{Staff: s, Count: len(fs), Periods: periods(fs)}
		if c.Count < threshold && !s.OnRosterAll(jan1, dec31) {
			res.Partial = append(res.Partial, c)
			continue
		}
		switch {
		case c.Count >= threshold:
			c.Tier = TierStar
			r := rules[RuleYearStar]
			b.add(s.UserID, s, newLine(LineYearStar, r, fmt.Sprintf("%s：%d 年 %d 次（门槛 %d 次）", r.Name, in.Year, c.Count, threshold), ref, s.Branch))
			res.Certificates = append(res.Certificates, Certificate{UserID: s.UserID, Name: s.Name, Branch: s.Branch, Year: in.Year, Count: c.Count})
			// 所长：达到门槛那面旗上记录的所长，没有记录时用花名册。
			hr := rules[RuleYearStarHead]
			head := fs[threshold-1].HeadID
			branch := fs[threshold-1].Branch
			if head == "" {
				head, _ = b.rosterHead(s.Branch)
				branch = s.Branch
			}
			if head == "" {
				missingHead(s, "获年度服务明星", hr)
				break
			}
			b.add(head, headFallback(branch), newLine(LineYearStarHead, hr,
				fmt.Sprintf("%s：%s（%d 次）", hr.Name, s.Name, c.Count), ref+":"+s.UserID, branch))
		case c.Count == 0:
			c.Tier = TierNone
			r := rules[RuleYearNone]
			b.add(s.UserID, s, newLine(LineYearNone, r, fmt.Sprintf("%s：%d 年 0 次", r.Name, in.Year), ref, s.Branch))
			hr := rules[RuleYearNoneHead]
			head, ok := b.rosterHead(s.Branch)
			switch {
			case !ok:
				missingHead(s, "年度未获周服务红旗标杆岗", hr)
			case cfg.NoneHeadPerPerson:
				b.add(head, headFallback(s.Branch), newLine(LineYearNoneHead, hr,
					fmt.Sprintf("%s：%s", hr.Name, s.Name), ref+":"+s.UserID, s.Branch))
			default:
				noneHead[head] = append(noneHead[head], s)
			}
		case c.Count < cfg.FewBelow:
			c.Tier = TierFew
			r := rules[RuleYearFew]
			b.add(s.UserID, s, newLine(LineYearFew, r, fmt.Sprintf("%s：%d 年 %d 次", r.Name, in.Year, c.Count), ref, s.Branch))
		default:
			c.Tier = TierNormal
		}
		res.Counts = append(res.Counts, c)
	}

	// 每位所长只扣一次：一行列出本所全部未获旗的员工，计入第一位员工的网点。
	for _, head := range sortedKeys(noneHead) {
		list := noneHead[head]
		names := make([]string, len(list))
		for i, s := range list {
			names[i] = s.Name
		}
		hr := rules[RuleYearNoneHead]
		b.add(head, headFallback(list[0].Branch), newLine(LineYearNoneHead, hr,
			fmt.Sprintf("%s：%s", hr.Name, strings.Join(names, "、")), ref+":none", list[0].Branch))
	}

	res.Statements = b.statements()
	for i := range res.Statements {
		if fs, ok := flags[res.Statements[i].Staff.UserID]; ok {
			res.Statements[i].WeeklyFlags = periods(fs)
		}
	}
	res.Summary = summarize(res.Statements, nil)
	return res, nil
}

// sortStaff 按网点、姓名、userid 排序。
func sortStaff(s []model.Staff) { slices.SortFunc(s, compareStaff) }

func compareStaff(x, y model.Staff) int {
	return cmp.Or(cmp.Compare(x.Branch, y.Branch), cmp.Compare(x.Name, y.Name), cmp.Compare(x.UserID, y.UserID))
}
