package model

import (
	"fmt"
	"strings"
)

// RuleKind 区分扣分项与奖励项。
type RuleKind string

const (
	Deduction RuleKind = "deduct" // 扣款
	Reward    RuleKind = "reward" // 奖励
)

// Label 返回中文名。
func (k RuleKind) Label() string {
	if k == Reward {
		return "奖励"
	}
	return "扣款"
}

// Rule 是考核细则中的一项。Amount 为正整数元，方向由 Kind 决定。
type Rule struct {
	Code   string   // 稳定编码，如 late、late_long
	Name   string   // 全称，如“到岗迟到或者早退”
	Kind   RuleKind // 扣款或奖励
	Amount int64    // 金额（元），正数
	Words  []string // 主管实际会打的短词，如 迟到、早退
	// Note 是回复中要说明的情形，如“按旷工处理”。
	Note string
	// Manual 为 true 的规则不能用 扣/奖 直接记录（如当月服务明星由专门命令评定）。
	Manual bool
}

// Signed 返回带方向的金额：扣款为负，奖励为正。
func (r Rule) Signed() int64 {
	if r.Kind == Deduction {
		return -r.Amount
	}
	return r.Amount
}

// Catalog 是一套考核规则，创建后只读，可并发使用。
type Catalog struct {
	rules  []Rule
	byCode map[string]int
	byWord map[RuleKind]map[string]int
}

// NewCatalog 校验并建立规则目录：编码唯一、金额为正、同一方向内的词不重复。
func NewCatalog(rules []Rule) (*Catalog, error) {
	c := &Catalog{
		byCode: map[string]int{},
		byWord: map[RuleKind]map[string]int{Deduction: {}, Reward: {}},
	}
	for i, r := range rules {
		where := fmt.Sprintf("第 %d 条规则", i+1)
		if r.Code != "" {
			where += "（" + r.Code + "）"
		}
		switch {
		case strings.TrimSpace(r.Code) == "":
			return nil, Errorf(EINVALID, "%s缺少 code", where)
		case strings.TrimSpace(r.Name) == "":
			return nil, Errorf(EINVALID, "%s缺少 name", where)
		case r.Kind != Deduction && r.Kind != Reward:
			return nil, Errorf(EINVALID, "%s的 kind 应为 deduct 或 reward，而不是“%s”", where, r.Kind)
		case r.Amount <= 0:
			return nil, Errorf(EINVALID, "%s的 amount 必须是正整数（元），现在是 %d", where, r.Amount)
		}
		if _, dup := c.byCode[r.Code]; dup {
			return nil, Errorf(EINVALID, "%s的 code 与前面的规则重复", where)
		}
		c.byCode[r.Code] = i
		for _, w := range append([]string{r.Code, r.Name}, r.Words...) {
			w = NormalizeWord(w)
			if w == "" {
				return nil, Errorf(EINVALID, "%s有空的 words", where)
			}
			if j, dup := c.byWord[r.Kind][w]; dup && j != i {
				return nil, Errorf(EINVALID, "%s的词“%s”已被 %s 使用", where, w, rules[j].Code)
			}
			c.byWord[r.Kind][w] = i
		}
		c.rules = append(c.rules, r)
	}
	return c, nil
}

// WordPrefix 返回 s 开头最长的一个事项词（两个方向的短词、全称、编码都算）的字数；没有时为 0。
// 用来拆开粘在一起的“张三迟到”“迟到长”。
func (c *Catalog) WordPrefix(s string) int {
	best := 0
	r := []rune(s)
	for n := len(r); n > 0; n-- {
		w := NormalizeWord(string(r[:n]))
		for _, k := range []RuleKind{Deduction, Reward} {
			if _, ok := c.byWord[k][w]; ok {
				return n
			}
		}
	}
	return best
}

// NormalizeWord 统一一个词的写法：去空白，转小写。
func NormalizeWord(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

// Rules 返回全部规则（副本）。
func (c *Catalog) Rules() []Rule { return append([]Rule(nil), c.rules...) }

// Rule 按编码取规则。
func (c *Catalog) Rule(code string) (Rule, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return Rule{}, false
	}
	return c.rules[i], true
}

// Lookup 在 kind 方向上按编码、全称或短词精确查找。
func (c *Catalog) Lookup(kind RuleKind, word string) (Rule, bool) {
	i, ok := c.byWord[kind][NormalizeWord(word)]
	if !ok {
		return Rule{}, false
	}
	return c.rules[i], true
}

// Match 找出 words 开头所指的规则：先试前两个词连起来（如“迟到 长”→“迟到长”），再试第一个词。
// 返回规则和它用掉的词数。找不到时返回 ENOTFOUND 错误，提示最接近的规则。
func (c *Catalog) Match(kind RuleKind, words []string) (Rule, int, error) {
	if len(words) == 0 {
		return Rule{}, 0, Errorf(EINVALID, "请写明事项，例如：迟到、卫生。发“规则”查看全部事项。")
	}
	if len(words) >= 2 {
		if r, ok := c.Lookup(kind, words[0]+words[1]); ok {
			return r, 2, nil
		}
	}
	if r, ok := c.Lookup(kind, words[0]); ok {
		return r, 1, nil
	}
	if r, ok := c.Lookup(otherKind(kind), words[0]); ok {
		verb := "扣"
		if r.Kind == Reward {
			verb = "奖"
		}
		return Rule{}, 0, Errorf(EINVALID, "“%s”是%s项（%s），请用“%s”命令。", words[0], r.Kind.Label(), r.Name, verb)
	}
	var names []string
	var keys []string
	for w, i := range c.byWord[kind] {
		keys = append(keys, w)
		_ = i
	}
	seen := map[string]bool{}
	for _, w := range Closest(NormalizeWord(words[0]), keys, 6) {
		r := c.rules[c.byWord[kind][w]]
		if !seen[r.Code] {
			seen[r.Code] = true
			names = append(names, fmt.Sprintf("%s（%s）", firstWord(r), r.Name))
		}
		if len(names) == 3 {
			break
		}
	}
	msg := fmt.Sprintf("没有找到%s事项“%s”。", kind.Label(), words[0])
	if len(names) > 0 {
		msg += "您是不是要找：" + strings.Join(names, "、") + "？"
	}
	msg += "发“规则”查看全部事项。"
	return Rule{}, 0, Errorf(ENOTFOUND, "%s", msg)
}

func firstWord(r Rule) string {
	if len(r.Words) > 0 {
		return r.Words[0]
	}
	return r.Name
}

func otherKind(k RuleKind) RuleKind {
	if k == Reward {
		return Deduction
	}
	return Reward
}
