package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hongqi-dev/hongqi/model"
)

// labels 是配置文件里每一项的中文名（键的路径 → 说明），报错时和键名一起说出来。
// 列表里的项（flags.announce、flags.dekad.items）的路径不带下标。
var labels = map[string]string{
	"http_addr":     "监听地址",
	"db":            "数据库",
	"redis":         "Redis 地址",
	"rules":         "规则文件",
	"tz":            "时区",
	"public_url":    "用户访问的地址",
	"replay_window": "回调时间戳允许的偏差",
	"debug_addr":    "调试端口",
	"log_level":     "日志级别",

	"wecom":          "企业微信",
	"wecom.corp_id":  "企业 ID",
	"wecom.agent_id": "应用 AgentId",
	"wecom.secret":   "应用 Secret",
	"wecom.token":    "接收消息的 Token",
	"wecom.aes_key":  "接收消息的 EncodingAESKey",
	"wecom.api_base": "企业微信 API 地址",

	"flags":                               "流动红旗",
	"flags.weekly":                        "周红旗的评分",
	"flags.weekly.winners":                "每周评几面周红旗",
	"flags.weekly.min_ratings":            "参评至少要有几次测评",
	"flags.weekly.weight_satisfaction":    "满意率的权重",
	"flags.weekly.weight_spot_check":      "监控抽查的权重",
	"flags.weekly.weight_feedback":        "客户反映的权重",
	"flags.weekly.praise_points":          "每次表扬加几分",
	"flags.weekly.complaint_points":       "每次有效投诉减几分",
	"flags.weekly.basic_counts_as_half":   "“基本满意”是否按半个满意计",
	"flags.weekly.deduction_disqualifies": "本周有扣款是否不参评",
	"flags.dekad":                         "旬红旗的评分",
	"flags.dekad.winners":                 "每旬评几面旬红旗",
	"flags.dekad.items":                   "农村网点的检查项目",
	"flags.dekad.items.code":              "检查项目的编码",
	"flags.dekad.items.name":              "检查项目的名称",
	"flags.dekad.items.words":             "检查项目的可用词",
	"flags.dekad.items.weight":            "检查项目的权重",
	"flags.group":                         "评选小组（工号）",
	"flags.propose_weekly":                "周评选的提名时间",
	"flags.propose_dekad":                 "旬评选的提名时刻",
	"flags.confirm_within":                "评选小组确认的期限",
	"flags.since":                         "开始评红旗的日期",
	"flags.announce":                      "评选结果的公布去处",
	"flags.announce.kind":                 "公布去处的种类",
	"flags.announce.name":                 "公布去处的名字",
	"flags.announce.chat_id":              "应用群聊的 chatid",
	"flags.announce.owner":                "群主（工号）",
	"flags.announce.members":              "群成员（工号）",
	"flags.announce.key":                  "群机器人的 key",

	"settle":                        "月度与年度结算",
	"settle.weekly_per_month":       "当月周红旗几次有奖励",
	"settle.dekad_per_month":        "本所当月旬红旗几次所长有奖励",
	"settle.year_threshold":         "个别年份的年度服务明星门槛",
	"settle.default_year_threshold": "年度服务明星的门槛",
	"settle.few_below":              "全年周红旗少于几次扣款",
	"settle.none_head_per_person":   "所长是否按人次扣款",
	"settle.draft_at":               "每月发结算草稿的时间",
	"settle.publish_by":             "每月自动发布的期限",
	"settle.dekad_false_info":       "旬红旗因虚假信息撤销时所长扣的金额",
	"settle.centre_name":            "发证的中心名称",
	"settle.announce_names":         "群里的月度结果是否点名列出扣款",

	"appeal":        "申诉",
	"appeal.within": "记录写入后多久之内可以申诉",
}

// keyName 是报错里说的一项：键的路径加中文名，如“flags.weekly.winners（每周评几面周红旗）”。
func keyName(path string) string {
	p := path
	if i := strings.Index(p, "["); i >= 0 { // flags.announce[2].kind → flags.announce.kind
		p = p[:i] + p[strings.Index(p, "]")+1:]
	}
	if l, ok := labels[p]; ok {
		return path + "（" + l + "）"
	}
	return path
}

var durationType = reflect.TypeOf(time.Duration(0))

// checkYAML 逐项核对配置文件 root 与 Config 的对应：写错的键、类型不对的值，连同行号、键的中文名和应写什么，
// 一次列出全部（至多 10 条）。yaml 库自己的报错（“field flgas not found in type config.Config”
// “cannot unmarshal !!str `two` into int”）不给人看。
func checkYAML(root *yaml.Node, path string) error {
	if root == nil || len(root.Content) == 0 {
		return nil
	}
	var problems []string
	walk(root.Content[0], reflect.TypeOf(Config{}), "", &problems)
	if len(problems) == 0 {
		return nil
	}
	if len(problems) > 10 {
		problems = append(problems[:10:10], fmt.Sprintf("……另有 %d 处", len(problems)-10))
	}
	return model.Errorf(model.EINVALID, "HONGQI_CONFIG：配置文件 %s 有 %d 处写得不对，hongqi 没有启动：\n%s", path, len(problems), strings.Join(problems, "\n"))
}

// walk 核对节点 n 能否放进类型 t 的值里（path 是它的键路径），问题追加到 problems。
func walk(n *yaml.Node, t reflect.Type, path string, problems *[]string) {
	bad := func(want string) {
		*problems = append(*problems, fmt.Sprintf("第 %d 行：%s应为%s，现在写的是%s。", n.Line, keyName(path), want, shown(n)))
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // 空着：取默认值
	}
	switch {
	case t == durationType:
		if n.Kind != yaml.ScalarNode {
			bad("时长，如 48h、30m")
		} else if _, err := time.ParseDuration(n.Value); err != nil {
			if _, err := strconv.ParseInt(n.Value, 10, 64); err != nil {
				bad("时长，如 48h、30m")
			}
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			bad("一组设置（下一行缩进写 键: 值）")
			return
		}
		fields := map[string]reflect.StructField{}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			fields[tag] = f
			names = append(names, tag)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := k.Value
			if path != "" {
				sub = path + "." + k.Value
			}
			f, ok := fields[k.Value]
			if !ok {
				where := "这里"
				if path != "" {
					where = keyName(path) + "下面"
				}
				msg := fmt.Sprintf("第 %d 行：%s没有“%s”这一项", k.Line, where, k.Value)
				if c := model.Closest(k.Value, names, 1); len(c) > 0 {
					p := c[0]
					if path != "" {
						p = path + "." + c[0]
					}
					msg += "，是不是 " + keyName(p) + "？"
				} else {
					msg += "。可以写的有：" + strings.Join(names, "、") + "。"
				}
				*problems = append(*problems, msg)
				continue
			}
			walk(v, f.Type, sub, problems)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			bad("一组值，如 [a, b]，或每行一个“- 值”")
			return
		}
		for i, e := range n.Content {
			sub := fmt.Sprintf("%s[%d]", path, i+1)
			if t.Elem().Kind() != reflect.Struct {
				sub = path
			}
			walk(e, t.Elem(), sub, problems)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			bad("年份: 次数 的对照，如 {2010: 20}")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if t.Key().Kind() == reflect.Int {
				if _, err := strconv.Atoi(k.Value); err != nil {
					*problems = append(*problems, fmt.Sprintf("第 %d 行：%s里的“%s”应为年份（四位数）。", k.Line, keyName(path), k.Value))
					continue
				}
			}
			walk(v, t.Elem(), path, problems)
		}
	case reflect.Int, reflect.Int64:
		if n.Kind != yaml.ScalarNode {
			bad("整数")
		} else if _, err := strconv.ParseInt(n.Value, 10, 64); err != nil {
			bad("整数")
		}
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			bad(" true 或 false")
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			bad("一个值（文字）")
		}
	}
}

// shown 是报错里引用的值：标量原样加引号，列表和一组设置说是什么。
func shown(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return "“" + n.Value + "”"
	case yaml.SequenceNode:
		return "一组值"
	case yaml.MappingNode:
		return "一组设置"
	}
	return "别的写法"
}

// yamlSyntax 把 yaml 库的语法错误（“yaml: line 3: mapping values are not allowed in this context”）
// 说成哪一行、怎么查；原文留作原因。
func yamlSyntax(err error, path string) error {
	msg := err.Error()
	line := ""
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+len("line "):]
		if j := strings.IndexAny(rest, ": "); j > 0 {
			line = "第 " + rest[:j] + " 行"
		}
	}
	if line == "" {
		line = "里"
	}
	return model.Wrap(model.EINVALID, err, "HONGQI_CONFIG：配置文件 %s %s的写法不对（YAML 格式），请检查缩进（用空格，不用 Tab）、冒号后的空格和引号。", path, line)
}
