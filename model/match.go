package model

import "sort"

// Closest 返回 candidates 中与 q 最接近的至多 n 个（按编辑距离，含子串优先），用于“您是不是要找”。
// 距离超过较长者一半的候选不返回。结果确定：距离相同时按字典序。
func Closest(q string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	qr := []rune(q)
	var out []scored
	for _, c := range candidates {
		cr := []rune(c)
		d := editDistance(qr, cr)
		if containsRunes(cr, qr) || containsRunes(qr, cr) {
			d = 0
		}
		limit := max(len(qr), len(cr)) / 2
		if limit < 1 {
			limit = 1
		}
		if d <= limit {
			out = append(out, scored{c, d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		return out[i].s < out[j].s
	})
	res := make([]string, 0, n)
	for i := 0; i < len(out) && i < n; i++ {
		res = append(res, out[i].s)
	}
	return res
}

func containsRunes(hay, needle []rune) bool {
	if len(needle) == 0 || len(needle) > len(hay) {
		return false
	}
outer:
	for i := 0; i+len(needle) <= len(hay); i++ {
		for j := range needle {
			if hay[i+j] != needle[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

// editDistance 是按字符（rune）计的 Levenshtein 距离。
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
