package settlement

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// monthResult 造一个月的结果：branches 个网点，每个网点一人扣款 late 笔，另有一位服务明星和一笔周旗奖励。
func monthResult(branches, late int) calc.MonthResult {
	res := calc.MonthResult{Month: model.Month{Year: 2026, Month: time.October}}
	for b := range branches {
		branch := fmt.Sprintf("第%d网点", b+1)
		st := calc.Statement{Staff: model.Staff{UserID: fmt.Sprintf("u%d", b), Name: fmt.Sprintf("员工%d", b), Branch: branch}}
		for i := range late {
			st.Lines = append(st.Lines, calc.Line{Kind: calc.LineEntry, RuleName: "到岗迟到或者早退", Amount: -10, EntryID: int64(b*100 + i)})
		}
		if b == 0 {
			st.Lines = append(st.Lines,
				calc.Line{Kind: calc.LineStar, RuleName: "当月政务服务明星", Text: "当月政务服务明星：2026年10月", Amount: 200},
				calc.Line{Kind: calc.LineFlagReward, RuleName: "当月获周服务红旗标杆岗3次以上（营业人员）", Text: "当月获周服务红旗标杆岗3次以上（营业人员）：本月 3 次", Amount: 100})
		}
		var total int64
		for _, l := range st.Lines {
			total += l.Amount
		}
		st.Total = total
		res.Statements = append(res.Statements, st)
		rew := int64(0)
		if b == 0 {
			rew = 300
		}
		res.Summary.Branches = append(res.Summary.Branches, calc.BranchTotal{Branch: branch, Rewarded: rew, Deducted: int64(-10 * late), Total: rew - int64(10*late)})
		res.Summary.Rewarded += rew
		res.Summary.Deducted += int64(-10 * late)
	}
	res.Summary.Total = res.Summary.Rewarded + res.Summary.Deducted
	return res
}

// TestMonthPostText：群里的月度结果有各网点合计、明星和红旗奖励的名字、扣款和奖励的笔数；默认不点名扣款，
// announce_names 时点名；网点和扣款再多也不超过企业微信 markdown 的 2048 字节，放不下的说明还有多少。
func TestMonthPostText(t *testing.T) {
	cases := []struct {
		name              string
		branches, late    int
		names             bool
		want, notWant     []string
		wantMoreBranches  bool
		wantMoreDeduction bool
	}{
		{name: "names off", branches: 3, late: 2,
			want:    []string{"第1网点 +280 元", "第2网点 −20 元", "政务服务明星：员工0（第1网点）", "红旗奖励：员工0（第1网点）本月 3 次 +100 元", "本月记扣款 6 笔、奖励 2 笔", "回复“查 10月”"},
			notWant: []string{"到岗迟到", "员工1"}},
		{name: "names on", branches: 3, late: 2, names: true,
			want: []string{"扣款：", "员工1（第2网点）到岗迟到或者早退 −10 元"}},
		{name: "many branches", branches: 80, late: 1, wantMoreBranches: true},
		{name: "many deductions named", branches: 5, late: 40, names: true, wantMoreDeduction: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			title := "2026年10月考核结果"
			limit := maxMarkdown - titleBytes(title)
			text := MonthPostText(monthResult(c.branches, c.late), c.names, limit)
			if len(text)+titleBytes(title) > maxMarkdown {
				t.Errorf("%d 字节，超过 2048", len(text)+titleBytes(title))
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("缺少 %q：\n%s", w, text)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(text, w) {
					t.Errorf("不应有 %q：\n%s", w, text)
				}
			}
			if got := strings.Contains(text, "个网点，见图"); got != c.wantMoreBranches {
				t.Errorf("“另有几个网点” = %v：\n%s", got, text)
			}
			if got := strings.Contains(text, "笔\n") && strings.Contains(text, "……另有"); c.wantMoreDeduction && !got {
				t.Errorf("没有说还有几笔扣款：\n%s", text)
			}
			if strings.Contains(text, "2026-10") {
				t.Errorf("群里的文字有内部编码：\n%s", text)
			}
		})
	}
}
