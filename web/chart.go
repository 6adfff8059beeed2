package web

import (
	"fmt"
	"html/template"
	"strings"
)

// bar 是横条图的一行。
type bar struct {
	Label string // 左侧的名称
	Value int64  // 条的长度（可为负）
	Text  string // 右侧写的数值
	Mark  bool   // 突出显示（如获旗者、本人）
}

// barChart 在服务器上画横条图（内联 SVG，手机上按宽度缩放）：每行左边名称、中间横条、右边数值；
// 有负值时以 0 为轴，负的向左（红），正的向右（绿）。文字都经过转义。
func barChart(title string, bars []bar) string {
	if len(bars) == 0 {
		return ""
	}
	const (
		width  = 360
		rowH   = 26
		labelW = 96
		textW  = 72
		top    = 8
	)
	lo, hi := int64(0), int64(0)
	for _, b := range bars {
		lo, hi = min(lo, b.Value), max(hi, b.Value)
	}
	span := hi - lo
	if span == 0 {
		span = 1
	}
	plot := float64(width - labelW - textW)
	x := func(v int64) float64 { return float64(labelW) + plot*float64(v-lo)/float64(span) }
	height := top*2 + rowH*len(bars)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		width, height, template.HTMLEscapeString(title))
	fmt.Fprintf(&sb, `<title>%s</title>`, template.HTMLEscapeString(title))
	zero := x(0)
	fmt.Fprintf(&sb, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999" stroke-width="1"/>`, zero, top-4, zero, height-top+4)
	for i, b := range bars {
		y := top + i*rowH
		x0, x1 := zero, x(b.Value)
		if x1 < x0 {
			x0, x1 = x1, x0
		}
		fill := "#2e7d32"
		if b.Value < 0 {
			fill = "#c62828"
		}
		if b.Mark {
			fill = "#c9302c"
			if b.Value < 0 {
				fill = "#7b1fa2"
			}
		}
		w := x1 - x0
		if w < 1 && b.Value != 0 {
			w = 1
		}
		label := []rune(b.Label)
		if len(label) > 7 {
			label = append(label[:6], '…')
		}
		weight := "400"
		if b.Mark {
			weight = "700"
		}
		fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="13" font-weight="%s" text-anchor="end" fill="#222">%s</text>`,
			labelW-6, y+17, weight, template.HTMLEscapeString(string(label)))
		fmt.Fprintf(&sb, `<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="2" fill="%s"/>`, x0, y+5, w, rowH-10, fill)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="12" fill="#444">%s</text>`,
			width-textW+6, y+17, template.HTMLEscapeString(b.Text))
	}
	sb.WriteString(`</svg>`)
	return sb.String()
}
