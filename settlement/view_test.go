package settlement

import (
	"strings"
	"testing"
)

// TestYearProgressText：“我的”页上今年的周旗次数说明——通向哪一档、还差几次；年中入职的人
// 不参加扣款的几档，只说离年度服务明星还差几次；不参加年度考核的人说明为什么。
func TestYearProgressText(t *testing.T) {
	base := YearProgress{Year: 2026, Eligible: true, Threshold: 30, FewBelow: 2}
	cases := []struct {
		name string
		mod  func(p *YearProgress)
		want string
	}{
		{"star", func(p *YearProgress) { p.Count = 31 }, "今年 31 次，已达到年度服务明星（30 次）"},
		{"on the way", func(p *YearProgress) { p.Count = 12 }, "今年 12 次，再得 18 次为年度服务明星"},
		{"few", func(p *YearProgress) { p.Count = 1 }, "少于 2 次年底扣款"},
		{"none", func(p *YearProgress) { p.Count = 0 }, "今年还没有获得周服务红旗（全年 0 次年底扣款）"},
		{"joined this year: no deduction tiers", func(p *YearProgress) { p.Count, p.Partial = 0, true }, "不是全年都在花名册上，年底不参加扣款的几档；再得 30 次仍为年度服务明星"},
		{"joined this year and already a star", func(p *YearProgress) { p.Count, p.Partial = 30, true }, "已达到年度服务明星"},
		{"rural or a head", func(p *YearProgress) { p.Eligible = false }, "只在县城网点的窗口员工中评"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := base
			c.mod(&p)
			if got := p.Text(); !strings.Contains(got, c.want) {
				t.Errorf("Text() = %q，应含 %q", got, c.want)
			}
		})
	}
}
