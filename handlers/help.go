package handlers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/model"
)

// helper 由命令表生成“帮助”和不是命令的消息的回复，按发送人的角色只列出他能用的命令：
//   - “帮助”：一屏的菜单，每个功能一组，每条命令一小句；
//   - “帮助 请假”“帮助 红旗”“帮助 结算”“帮助 记录”：那个主题各命令的用法、说明和例子；
//   - “帮助 扣”：一条命令；
//   - 问候（你好）和进入应用：一句问候和怎样看帮助；
//   - 未知命令：一句话，带最接近的命令。
type helper struct {
	secs []section
}

// greetings 是当作问候的消息（比较时去掉末尾的标点和语气词）。
var greetings = []string{"你好", "您好", "你们好", "在吗", "在不在", "在", "嗨", "哈喽", "喂", "早", "早上好", "上午好",
	"中午好", "下午好", "晚上好", "hi", "hello", "hey"}

// thanks 是当作道谢、应答的消息。
var thanks = []string{"谢谢", "多谢", "谢了", "好的", "好", "收到", "知道了", "嗯", "ok", "okay", "thanks"}

// topicHint 是菜单末尾和未知主题时的提示。
const topicHint = "发“帮助 记录”“帮助 请假”“帮助 红旗”“帮助 结算”看用法和例子，“帮助 扣”看一条命令。"

// help 是“帮助 [主题或命令]”。
func (h *helper) help(c *bot.Context) (string, error) {
	if len(c.Args) == 0 {
		return h.menu(c.Actor), nil
	}
	word := strings.Join(c.Args, "")
	if t, ok := topicWords[word]; ok {
		return h.topic(c.Actor, t), nil
	}
	if cmd, ok := h.command(word); ok {
		return commandHelp(cmd), nil
	}
	return "", model.Errorf(model.EINVALID, "没有“%s”这一项帮助。%s", word, topicHint)
}

// command 按命令名或别名找命令。
func (h *helper) command(name string) (Command, bool) {
	for _, s := range h.secs {
		for _, c := range s.commands {
			for _, n := range c.Names {
				if strings.EqualFold(n, name) {
					return c, true
				}
			}
		}
	}
	return Command{}, false
}

// menu 是“帮助”：发送人能用的命令，每个功能一组（同一主题的几节合成一组），每条一小句说明。
func (h *helper) menu(actor model.Staff) string {
	var sb strings.Builder
	sb.WriteString("红旗考核，您可以发这些命令：")
	var topics []string
	groups := map[string][]Command{}
	titles := map[string]string{}
	for _, s := range h.secs {
		for _, c := range s.commands {
			if c.Run == nil || !c.visibleTo(actor) { // “帮助”本身不列
				continue
			}
			if _, ok := groups[s.topic]; !ok {
				topics = append(topics, s.topic)
				titles[s.topic] = s.title
			}
			groups[s.topic] = append(groups[s.topic], c)
		}
	}
	for _, t := range topics {
		fmt.Fprintf(&sb, "\n\n【%s】", topicTitle(t, titles[t]))
		for _, c := range groups[t] {
			fmt.Fprintf(&sb, "\n%s：%s", c.Names[0], c.brief())
		}
	}
	sb.WriteString("\n\n" + menuHint(topics, groups))
	return sb.String()
}

// menuHint 是菜单末尾的提示，只提发送人有命令的主题，例子用他能用的第一条命令（员工看不到“帮助 结算”“帮助 扣”）。
func menuHint(topics []string, groups map[string][]Command) string {
	var words []string
	for _, t := range topics {
		if _, ok := topicWords[t]; ok && len(groups[t]) > 1 {
			words = append(words, "“帮助 "+t+"”")
		}
	}
	example := ""
	if len(topics) > 0 && len(groups[topics[0]]) > 0 {
		example = groups[topics[0]][0].Names[0]
	}
	switch {
	case len(words) == 0 && example == "":
		return topicHint
	case len(words) == 0:
		return "发“帮助 " + example + "”看一条命令的用法和例子。"
	}
	return "发" + strings.Join(words, "") + "看用法和例子，“帮助 " + example + "”看一条命令。"
}

// topicTitle 是菜单里一组的标题：主题有几节时用主题词（如“红旗”），只有一节时用那一节的标题。
func topicTitle(topic, first string) string {
	switch topic {
	case "红旗":
		return "流动红旗"
	case "结算":
		return "结算"
	}
	return first
}

// topic 是“帮助 <主题>”：这个主题各节里发送人能用的命令的用法、说明和例子。
func (h *helper) topic(actor model.Staff, topic string) string {
	var sb strings.Builder
	hidden := map[string]bool{}
	for _, s := range h.secs {
		if s.topic != topic {
			continue
		}
		var sec strings.Builder
		for _, c := range s.commands {
			if c.Run == nil {
				continue
			}
			if !c.visibleTo(actor) {
				if c.Who.Label != "" {
					hidden[c.Who.Label] = true
				}
				continue
			}
			writeCommand(&sec, c, false)
		}
		if sec.Len() == 0 {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteString("\n\n")
		}
		sb.WriteString("【" + s.title + "】" + sec.String())
		if s.note != "" {
			sb.WriteString("\n" + s.note)
		}
	}
	if topic == "记录" {
		sb.WriteString("\n\n<人> 写姓名、工号，或 姓名(工号)（重名时用）。")
	}
	if sb.Len() == 0 {
		var who []string
		for w := range hidden {
			who = append(who, w)
		}
		slices.Sort(who)
		if len(who) > 0 {
			return fmt.Sprintf("“帮助 %s”里的命令只有%s可以用。发“帮助”看您可以用的命令。", topic, strings.Join(who, "、"))
		}
		return fmt.Sprintf("现在没有“%s”方面的命令。发“帮助”看您可以用的命令。", topic)
	}
	return strings.TrimLeft(sb.String(), "\n")
}

// commandHelp 是“帮助 <命令>”：用法、说明、谁能用、例子和别名。
func commandHelp(c Command) string {
	var sb strings.Builder
	writeCommand(&sb, c, true)
	if len(c.Names) > 1 {
		fmt.Fprintf(&sb, "\n  也可以写：%s", strings.Join(c.Names[1:], "、"))
	}
	return strings.TrimLeft(sb.String(), "\n")
}

// writeCommand 写出一条命令的用法、说明、示例；who 为真时说明谁能用（主题帮助只列发送人能用的，不必再说）。
func writeCommand(sb *strings.Builder, c Command, who bool) {
	fmt.Fprintf(sb, "\n%s\n  %s", c.Usage, c.Summary)
	if who && c.Who.Label != "" {
		fmt.Fprintf(sb, "（%s）", c.Who.Label)
	}
	if c.Example != "" {
		fmt.Fprintf(sb, "\n  例：%s", c.Example)
	}
}

// fallback 回复不是命令的消息：进入应用、空消息和问候得到一句问候；开头像命令但后面看不懂的
// （c.Guess），说那条命令怎么写；其余说没有这个命令，带最接近的一条。都是一句话，不附整张帮助。
func (h *helper) fallback(c *bot.Context) string {
	switch {
	case c.Msg.Event != "" || c.Command == "" || isOneOf(c.Msg.Text, greetings):
		return fmt.Sprintf("您好，%s！发“帮助”看您可以用的命令。", c.Actor.Name)
	case isOneOf(c.Msg.Text, thanks):
		return "不客气。需要时发“帮助”看您可以用的命令。"
	}
	if c.Guess != "" {
		if cmd, ok := h.command(c.Guess); ok {
			return fmt.Sprintf("没有“%s”这个命令。要用“%s”，请在“%s”后面空一格再写，例如：%s", c.Command, c.Guess, c.Guess, exampleOf(cmd))
		}
	}
	if cmd, ok := h.closest(c.Actor, c.Command); ok {
		return fmt.Sprintf("没有“%s”这个命令。您是不是要发“%s”？例如：%s。发“帮助”看全部命令。", c.Command, cmd.Names[0], exampleOf(cmd))
	}
	return fmt.Sprintf("没有“%s”这个命令，发“帮助”看您可以用的命令。", c.Command)
}

// exampleOf 是命令的例子，没有例子时是用法。
func exampleOf(c Command) string {
	if c.Example != "" {
		return c.Example
	}
	return c.Usage
}

// closest 在发送人看得到的命令里找与 word 最接近的一条（至少有一个字相同，见 model.Closest）。
func (h *helper) closest(actor model.Staff, word string) (Command, bool) {
	byName := map[string]Command{}
	var names []string
	for _, s := range h.secs {
		for _, c := range s.commands {
			if !c.visibleTo(actor) {
				continue
			}
			for _, n := range c.Names {
				if strings.ContainsAny(strings.ToLower(n), strings.ToLower(word)) {
					byName[n] = c
					names = append(names, n)
				}
			}
		}
	}
	if best := model.Closest(word, names, 1); len(best) == 1 {
		return byName[best[0]], true
	}
	return Command{}, false
}

// isOneOf 表示 text 去掉空白、末尾的标点和语气词后是 words 之一（“你好呀！”“在吗？”“谢谢～”）。
func isOneOf(text string, words []string) bool {
	t := strings.ToLower(strings.Join(strings.Fields(text), ""))
	t = strings.TrimRight(t, "!！?？。.,，~～啊呀呢哈啦")
	return slices.Contains(words, t)
}
