// Package rules 读取考核规则目录：内嵌的默认目录（default.yaml，来自考核细则原文），
// 或用户用 HONGQI_RULES 指定的 YAML 文件。文件有误时给出文件名、行号和问题。
package rules

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hongqi-dev/hongqi/model"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultSource 是内嵌默认目录在错误信息中的名字。
const DefaultSource = "default.yaml（内嵌）"

// Default 返回内嵌的默认规则目录。内嵌文件有误是程序错误，会 panic（有测试保证不会发生）。
func Default() *model.Catalog {
	c, err := Parse(defaultYAML, DefaultSource)
	if err != nil {
		panic("rules: 内嵌默认目录有误: " + err.Error())
	}
	return c
}

// DefaultYAML 返回内嵌默认目录的原文，可作为自定义规则文件的起点。
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Load 读取 path 指向的规则文件。读不到或内容有误时返回 EINVALID 错误，说明文件、行号和问题。
func Load(path string) (*model.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, model.Wrap(model.EINVALID, err, "规则文件 %s 读不到：%s", path, describeOSError(err))
	}
	return Parse(data, path)
}

// fileYAML 是规则文件的结构。
type fileYAML struct {
	Rules []ruleYAML `yaml:"rules"`
}

type ruleYAML struct {
	Code   string   `yaml:"code"`
	Name   string   `yaml:"name"`
	Kind   string   `yaml:"kind"`
	Amount int64    `yaml:"amount"`
	Words  []string `yaml:"words"`
	Note   string   `yaml:"note"`
	Manual bool     `yaml:"manual"`
}

var reCode = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Parse 解析规则文件内容；source 是错误信息中使用的文件名。
// 未知字段、类型不对、缺少必填项、金额不是正整数、编码或短词重复都是 EINVALID 错误。
func Parse(data []byte, source string) (*model.Catalog, error) {
	fail := func(line int, format string, args ...any) error {
		where := "规则文件 " + source
		if line > 0 {
			where += fmt.Sprintf(" 第 %d 行", line)
		}
		return model.Errorf(model.EINVALID, "%s：%s", where, fmt.Sprintf(format, args...))
	}

	var f fileYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail(0, "文件是空的，至少要有一条规则（rules:）")
		}
		line, problem := explainYAMLError(err)
		return nil, fail(line, "%s", problem)
	}
	// 只取第一个文档；多余的文档多半是误写。
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fail(extra.Line, "文件里有多个 YAML 文档（---），只能有一个")
	}

	lines := ruleLines(data)
	lineOf := func(i int) int {
		if i < len(lines) {
			return lines[i]
		}
		return 0
	}
	if len(f.Rules) == 0 {
		return nil, fail(0, "没有规则，请在 rules: 下至少写一条")
	}

	rules := make([]model.Rule, 0, len(f.Rules))
	codes := map[string]int{}
	words := map[model.RuleKind]map[string]string{model.Deduction: {}, model.Reward: {}}
	for i, r := range f.Rules {
		line := lineOf(i)
		code := strings.TrimSpace(r.Code)
		name := strings.TrimSpace(r.Name)
		label := fmt.Sprintf("第 %d 条规则", i+1)
		if code != "" {
			label = "规则 " + code
		}
		switch {
		case code == "":
			return nil, fail(line, "%s缺少 code", label)
		case !reCode.MatchString(code):
			return nil, fail(line, "%s的 code 只能用小写字母、数字和下划线，并以字母开头", label)
		case name == "":
			return nil, fail(line, "%s缺少 name（全称）", label)
		case r.Kind != string(model.Deduction) && r.Kind != string(model.Reward):
			return nil, fail(line, "%s的 kind 应为 deduct（扣款）或 reward（奖励），而不是“%s”", label, r.Kind)
		case r.Amount <= 0:
			return nil, fail(line, "%s的 amount 必须是正整数（元），现在是 %d", label, r.Amount)
		case len(r.Words) == 0 && !r.Manual:
			return nil, fail(line, "%s没有 words：主管要打的短词至少写一个", label)
		}
		if j, dup := codes[code]; dup {
			return nil, fail(line, "规则 %s 的 code 与第 %d 行的规则重复", code, lineOf(j))
		}
		codes[code] = i
		kind := model.RuleKind(r.Kind)
		for _, w := range append([]string{code, name}, r.Words...) {
			n := model.NormalizeWord(w)
			if n == "" {
				return nil, fail(line, "规则 %s 有空的 words", code)
			}
			if other, dup := words[kind][n]; dup && other != code {
				return nil, fail(line, "规则 %s 的词“%s”已被规则 %s 使用", code, w, other)
			}
			words[kind][n] = code
		}
		rules = append(rules, model.Rule{
			Code:   code,
			Name:   name,
			Kind:   kind,
			Amount: r.Amount,
			Words:  trimAll(r.Words),
			Note:   strings.TrimSpace(r.Note),
			Manual: r.Manual,
		})
	}
	c, err := model.NewCatalog(rules)
	if err != nil {
		// 上面已做过同样的检查；这里兜底，仍说明是哪个文件。
		return nil, fail(0, "%s", model.ErrorMessage(err))
	}
	return c, nil
}

func trimAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

// ruleLines 返回 rules 序列中每一项的起始行号（解析已成功时调用）。
func ruleLines(data []byte) []int {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "rules" && m.Content[i+1].Kind == yaml.SequenceNode {
			var out []int
			for _, item := range m.Content[i+1].Content {
				out = append(out, item.Line)
			}
			return out
		}
	}
	return nil
}

var (
	reLine       = regexp.MustCompile(`line (\d+): `)
	reNoField    = regexp.MustCompile(`field (\S+) not found in type \S+`)
	reBadType    = regexp.MustCompile("cannot unmarshal !!(\\w+) `([^`]*)` into (\\S+)")
	reMapping    = regexp.MustCompile(`mapping values are not allowed in this context`)
	reAlreadySet = regexp.MustCompile(`mapping key "([^"]*)" already defined at line (\d+)`)
)

// explainYAMLError 把 yaml.v3 的错误翻成中文，并取出第一个行号。
func explainYAMLError(err error) (int, string) {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	first := strings.TrimSpace(strings.SplitN(msg, "\n", 2)[0])
	line := 0
	if m := reLine.FindStringSubmatch(first); m != nil {
		fmt.Sscanf(m[1], "%d", &line)
		first = first[strings.Index(first, m[0])+len(m[0]):]
	}
	switch {
	case reNoField.MatchString(first):
		f := reNoField.FindStringSubmatch(first)[1]
		return line, fmt.Sprintf("未知字段“%s”（可用字段：rules；每条规则 code、name、kind、amount、words、note、manual）", f)
	case reBadType.MatchString(first):
		m := reBadType.FindStringSubmatch(first)
		return line, fmt.Sprintf("值“%s”的类型不对，这里应为%s", m[2], typeLabel(m[3]))
	case reMapping.MatchString(first):
		return line, "格式错误：冒号位置不对或缩进不一致"
	case strings.Contains(first, "did not find expected"):
		return line, "格式错误：缩进不一致，同一层的字段和列表项“- ”要对齐（位置可能在此行之后）"
	case strings.Contains(first, "tab character"):
		return line, "格式错误：不能用 Tab 缩进，请改用空格"
	case strings.Contains(first, "unexpected end of stream"):
		return line, "格式错误：文件意外结束，检查引号是否配对"
	case reAlreadySet.MatchString(first):
		m := reAlreadySet.FindStringSubmatch(first)
		return line, fmt.Sprintf("字段“%s”重复（第 %s 行已写过）", m[1], m[2])
	}
	return line, "格式错误：" + first
}

func typeLabel(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"):
		return "整数（元）"
	case goType == "bool":
		return " true 或 false"
	case goType == "string":
		return "文字"
	case strings.HasPrefix(goType, "[]"):
		return "列表，如 [迟到, 早退]"
	}
	return "规则文件要求的格式（" + goType + "）"
}

func describeOSError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "文件不存在"
	case errors.Is(err, os.ErrPermission):
		return "没有读取权限"
	}
	return "读取失败"
}
