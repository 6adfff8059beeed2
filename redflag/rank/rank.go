// Package rank 是流动红旗的排行：周排行（县城网点窗口员工）和旬排行（农村网点）。
//
// 计算本身是纯函数（Weekly、Dekad），输入是数据库 GROUP BY 得出的汇总（model.StaffInputs、
// model.BranchItemInputs），全部用整数运算，分数以百分之一分为单位（8765 表示 87.65 分）。
// Service 把存储和花名册接上，实现 model.Ranker。
//
// # 周排行
//
// 参评人：县城网点（model.BranchCounty）在职的员工（model.RoleStaff）；所长、主管、管理员不参评。
// 各项先各自算到百分之一分（四舍五入，40/45 是 88.89% 而不是 88.88%），再加权：
//
//	满意率 = (满意×2 + 基本满意×1) ÷ (测评次数×2)，BasicCountsAsHalf 为 false 时基本满意不计满意
//	抽查   = 抽查得分之和 ÷ 抽查次数
//	客户反映 = 50 + 表扬×PraisePoints − 有效投诉×ComplaintPoints，限定在 0–100（认定无效的投诉不计）
//	综合分 = (满意率×满意权重 + 抽查×抽查权重 + 客户反映×反映权重) ÷ 100，四舍五入
//
// 本周没有抽查的人：抽查的权重按比例分给另外两项，即
// 综合分 = (满意率×满意权重 + 客户反映×反映权重) ÷ (满意权重 + 反映权重)。
// 这样没被抽查既不吃亏也不占便宜，只由实际有的数据决定。
//
// 不合格（列在排行末尾，不提名）：测评次数少于 MinRatings；DeductionDisqualifies 为 true 时，
// 本周（周一 0 点至下周一 0 点写入）有未撤销的扣款记录。
//
// 同分时依次比较：满意率高者在前、测评次数多者在前、有效投诉少者在前，最后按工号排序（见 WeeklyTieRule）。
//
// # 旬排行
//
// 参评网点：花名册中有在职人员的农村网点（model.BranchRural）。每个检查项取本旬的平均分（四舍五入到
// 百分之一），没检查的项计 0 分并注明“未检查”；综合分 = Σ 项均分×权重 ÷ 100。本旬一次检查都没有的网点不合格。
// 同分时依次比较：检查次数多者在前，最后按网点名排序（见 DekadTieRule）。
package rank

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/model"
)

// WeeklyTieRule 是周排行同分时的排序规则。
const WeeklyTieRule = "同分时依次比较：满意率高者在前，测评次数多者在前，有效投诉少者在前，最后按工号排序。"

// DekadTieRule 是旬排行同分时的排序规则。
const DekadTieRule = "同分时检查次数多者在前，再按网点名排序。"

// weekly 是周排行计算中的一行及其比较用的原始数。
type weekly struct {
	r      model.Ranked
	satNum int64 // 满意率的分子（以半个满意为单位）
	n      int64 // 测评次数
	compl  int
}

// Weekly 计算周排行：staff 是花名册（函数自己挑出县城网点的在职员工），inputs 是本周汇总。
// 返回全部参评人（合格者按名次在前，不合格者在后）和建议人选（合格者前 cfg.Winners 名）。
func Weekly(cfg config.WeeklyRanking, staff []model.Staff, inputs []model.StaffInputs) (entries, winners []model.Ranked) {
	byID := make(map[string]model.StaffInputs, len(inputs))
	for _, in := range inputs {
		byID[in.StaffID] = in
	}
	var rows []weekly
	for _, st := range staff {
		if !st.Active || st.Role != model.RoleStaff || st.BranchKind != model.BranchCounty {
			continue
		}
		rows = append(rows, weeklyRow(cfg, st, byID[st.UserID]))
	}
	slices.SortFunc(rows, func(a, b weekly) int {
		if a.r.Eligible != b.r.Eligible {
			if a.r.Eligible {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.r.Score, a.r.Score); c != 0 {
			return c
		}
		// 满意率 a.satNum/a.n 与 b.satNum/b.n 交叉相乘比较，不经过取整。
		if c := cmp.Compare(b.satNum*a.n, a.satNum*b.n); c != 0 {
			return c
		}
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		if c := cmp.Compare(a.compl, b.compl); c != 0 {
			return c
		}
		return cmp.Compare(a.r.Subject, b.r.Subject)
	})
	entries = make([]model.Ranked, 0, len(rows))
	for i, w := range rows {
		if w.r.Eligible {
			w.r.Rank = i + 1
		}
		entries = append(entries, w.r)
	}
	return entries, top(entries, cfg.Winners)
}

func top(entries []model.Ranked, n int) []model.Ranked {
	var out []model.Ranked
	for _, e := range entries {
		if e.Eligible && len(out) < n {
			out = append(out, e)
		}
	}
	return out
}

func weeklyRow(cfg config.WeeklyRanking, st model.Staff, in model.StaffInputs) weekly {
	n := int64(in.Ratings())
	satNum := 2 * int64(in.Satisfied)
	if cfg.BasicCountsAsHalf {
		satNum += int64(in.Basic)
	}
	var rate int64 // 百分之一个百分点：9750 表示 97.50%
	if n > 0 {
		rate = roundDiv(satNum*10000, 2*n)
	}
	fbPts := min(max(50+in.Praise*cfg.PraisePoints-in.Complaints*cfg.ComplaintPoints, 0), 100)
	fb := int64(fbPts) * 100
	ws, wsp, wf := int64(cfg.WeightSatisfaction), int64(cfg.WeightSpotCheck), int64(cfg.WeightFeedback)

	parts := []model.ScorePart{{
		Name:  "满意率",
		Value: fmt.Sprintf("%s%%（满意 %d、基本 %d、不满意 %d）", hundredths(rate), in.Satisfied, in.Basic, in.Unsatisfied),
	}}
	var score int64
	if in.SpotCount > 0 {
		spot := roundDiv(int64(in.SpotSum)*100, int64(in.SpotCount))
		score = roundDiv(ws*rate+wsp*spot+wf*fb, 100)
		parts = append(parts, model.ScorePart{Name: "抽查", Value: fmt.Sprintf("%s 分（%d 次）", hundredths(spot), in.SpotCount)})
	} else {
		if w := ws + wf; w > 0 {
			score = roundDiv(ws*rate+wf*fb, w)
		}
		parts = append(parts, model.ScorePart{Name: "抽查", Value: "未抽查（权重分给其他两项）"})
	}
	parts = append(parts, model.ScorePart{Name: "客户反映", Value: fmt.Sprintf("%d 分（表扬 %d、有效投诉 %d）", fbPts, in.Praise, in.Complaints)})

	var why []string
	if n < int64(cfg.MinRatings) {
		why = append(why, fmt.Sprintf("测评不足 %d 次（只有 %d 次）", cfg.MinRatings, n))
	}
	if cfg.DeductionDisqualifies && in.Deductions > 0 {
		why = append(why, fmt.Sprintf("本周有 %d 条扣款", in.Deductions))
	}
	return weekly{
		r: model.Ranked{
			Subject: st.UserID, Name: st.Name, Branch: st.Branch, Score: score, Parts: parts,
			Eligible: len(why) == 0, Reason: strings.Join(why, "；"),
		},
		satNum: satNum, n: n, compl: in.Complaints,
	}
}

// roundDiv 返回 a÷b 四舍五入到整数（b > 0；负数对称处理）。分数、比率都先这样算到百分之一，
// 显示的两位小数就是四舍五入的结果，而不是截掉的。
func roundDiv(a, b int64) int64 {
	if a < 0 {
		return -roundDiv(-a, b)
	}
	return (2*a + b) / (2 * b)
}

// hundredths 把百分之一为单位的整数写成两位小数：9166 → "91.66"。
func hundredths(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Score 把综合分（百分之一分）写成“91.99”。
func Score(v int64) string { return hundredths(v) }

// Dekad 计算旬排行：branches 是参评的农村网点，inputs 是本旬各网点各检查项的汇总。
func Dekad(cfg config.DekadRanking, branches []string, inputs []model.BranchItemInputs) (entries, winners []model.Ranked) {
	type agg struct{ sum, n int }
	by := map[string]map[string]agg{}
	for _, in := range inputs {
		if by[in.Branch] == nil {
			by[in.Branch] = map[string]agg{}
		}
		a := by[in.Branch][in.Item]
		by[in.Branch][in.Item] = agg{a.sum + in.Sum, a.n + in.Count}
	}
	type row struct {
		r     model.Ranked
		count int
	}
	var rows []row
	for _, b := range branches {
		var score int64
		count := 0
		var parts []model.ScorePart
		for _, it := range cfg.Items {
			a := by[b][it.Code]
			if a.n == 0 {
				parts = append(parts, model.ScorePart{Name: it.Name, Value: "未检查（计 0 分）"})
				continue
			}
			avg := roundDiv(int64(a.sum)*100, int64(a.n))
			score += avg * int64(it.Weight)
			count += a.n
			parts = append(parts, model.ScorePart{Name: it.Name, Value: fmt.Sprintf("%s 分（%d 次）", hundredths(avg), a.n)})
		}
		r := model.Ranked{Subject: b, Name: b, Branch: b, Score: roundDiv(score, 100), Parts: parts, Eligible: count > 0}
		if count == 0 {
			r.Reason = "本旬没有检查记录"
		}
		rows = append(rows, row{r, count})
	}
	slices.SortFunc(rows, func(a, b row) int {
		if a.r.Eligible != b.r.Eligible {
			if a.r.Eligible {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.r.Score, a.r.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return cmp.Compare(a.r.Subject, b.r.Subject)
	})
	entries = make([]model.Ranked, 0, len(rows))
	for i, r := range rows {
		if r.r.Eligible {
			r.r.Rank = i + 1
		}
		entries = append(entries, r.r)
	}
	return entries, top(entries, cfg.Winners)
}

// Service 按存储中的评分依据和花名册计算排行，实现 model.Ranker。Loc 为空时用 model.Shanghai。
type Service struct {
	Inputs model.FlagInputStore
	Staff  model.StaffStore
	Cfg    config.Flags
	Loc    *time.Location
}

var _ model.Ranker = (*Service)(nil)

func (s *Service) loc() *time.Location {
	if s.Loc != nil {
		return s.Loc
	}
	return model.Shanghai
}

// Weekly 计算某周的周排行。
func (s *Service) Weekly(ctx context.Context, w model.Week) (model.Ranking, error) {
	loc := s.loc()
	staff, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return model.Ranking{}, err
	}
	in, err := s.Inputs.StaffInputs(ctx, w.Start(loc), w.End(loc))
	if err != nil {
		return model.Ranking{}, err
	}
	entries, winners := Weekly(s.Cfg.Weekly, staff, in)
	return model.Ranking{
		Kind: model.FlagWeekly, Period: w.String(), Label: w.Label(loc),
		Entries: entries, Winners: winners, TieRule: WeeklyTieRule,
	}, nil
}

// Dekad 计算某旬的旬排行。
func (s *Service) Dekad(ctx context.Context, d model.Dekad) (model.Ranking, error) {
	loc := s.loc()
	staff, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return model.Ranking{}, err
	}
	in, err := s.Inputs.BranchInputs(ctx, d.Start(loc), d.End(loc))
	if err != nil {
		return model.Ranking{}, err
	}
	entries, winners := Dekad(s.Cfg.Dekad, RuralBranches(staff), in)
	return model.Ranking{
		Kind: model.FlagDekad, Period: d.String(), Label: d.Label(),
		Entries: entries, Winners: winners, TieRule: DekadTieRule,
	}, nil
}

// RuralBranches 返回花名册中有在职人员的农村网点名，按名称排序。
func RuralBranches(staff []model.Staff) []string {
	seen := map[string]bool{}
	var out []string
	for _, st := range staff {
		if st.Active && st.BranchKind == model.BranchRural && !seen[st.Branch] {
			seen[st.Branch] = true
			out = append(out, st.Branch)
		}
	}
	slices.Sort(out)
	return out
}
