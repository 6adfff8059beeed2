package wecom

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/model"
)

// 这里把 model.Notice 排成企业微信的消息内容。通知只在 Title 里写标题，这里写一次：
// markdown 为粗体首行，文本为首行，卡片为主标题。

// 模板卡片的条数上限（企业微信）。
const (
	maxCardLines   = 6
	maxCardButtons = 6
)

// textContent 返回文本或 markdown 消息的内容和是否为 markdown：标题一行，接着正文。
// 有卡片的通知（发不了卡片的去处）得到由卡片文字生成的纯文本。
func textContent(n model.Notice) (content string, markdown bool) {
	if n.Card != nil {
		return PlainText(n), false
	}
	markdown = !n.Plain
	title := n.Title
	if title != "" && markdown {
		title = "**" + title + "**"
	}
	return joinLines(title, n.Body), markdown
}

// PlainText 返回通知的纯文本：标题、正文；有卡片时是卡片上的全部文字（来源和按钮除外：按钮不能点，
// 卡片的说明里应写明怎样回复）；文件只写文件名和大小。用于群机器人、应用群聊和只写日志的情形。
func PlainText(n model.Notice) string {
	if f := n.File; f != nil {
		return fileLabel(f)
	}
	if u := n.CardUpdate; u != nil {
		return "（卡片 " + u.TaskID + " 的按钮换成“" + u.ReplaceName + "”）"
	}
	c := n.Card
	if c == nil {
		return joinLines(n.Title, n.Body)
	}
	lines := []string{n.Title, c.Subtitle, c.Description}
	for _, l := range c.Lines {
		lines = append(lines, l.Key+"："+l.Value)
	}
	lines = append(lines, c.Quote)
	return joinLines(lines...)
}

// fileLabel 是文件通知在日志和文字里的说明。
func fileLabel(f *model.File) string {
	return "（文件“" + f.Name + "”，" + strconv.Itoa(len(f.Data)) + " 字节）"
}

// joinLines 把非空的几段用换行连起来。
func joinLines(parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

// templateCard 是企业微信 button_interaction 模板卡片（只用到的字段）。
type templateCard struct {
	CardType string `json:"card_type"`
	Source   *struct {
		Desc string `json:"desc"`
	} `json:"source,omitempty"`
	MainTitle struct {
		Title string `json:"title"`
		Desc  string `json:"desc,omitempty"`
	} `json:"main_title"`
	QuoteArea *struct {
		QuoteText string `json:"quote_text"`
	} `json:"quote_area,omitempty"`
	SubTitle   string       `json:"sub_title_text,omitempty"`
	Horizontal []cardKV     `json:"horizontal_content_list,omitempty"`
	TaskID     string       `json:"task_id,omitempty"`
	Buttons    []cardButton `json:"button_list"`
}

type cardKV struct {
	KeyName string `json:"keyname"`
	Value   string `json:"value"`
}

type cardButton struct {
	Text  string `json:"text"`
	Style int    `json:"style"`
	Key   string `json:"key"`
}

// buttonStyle 是企业微信按钮样式的编号：1 主要（蓝），2 次要（灰）。
func buttonStyle(s model.ButtonStyle) int {
	if s == model.ButtonSecondary {
		return 2
	}
	return 1
}

// cardOf 把通知的卡片排成 template_card：主标题是 Title，键值行和按钮各至多 6 个。
func cardOf(n model.Notice) templateCard {
	c := n.Card
	var tc templateCard
	tc.CardType = "button_interaction"
	if c.Source != "" {
		tc.Source = &struct {
			Desc string `json:"desc"`
		}{c.Source}
	}
	tc.MainTitle.Title, tc.MainTitle.Desc = n.Title, c.Subtitle
	if c.Quote != "" {
		tc.QuoteArea = &struct {
			QuoteText string `json:"quote_text"`
		}{c.Quote}
	}
	tc.SubTitle = c.Description
	for i, l := range c.Lines {
		if i == maxCardLines {
			break
		}
		tc.Horizontal = append(tc.Horizontal, cardKV{KeyName: l.Key, Value: l.Value})
	}
	tc.TaskID = c.TaskID
	for i, b := range c.Buttons {
		if i == maxCardButtons {
			break
		}
		tc.Buttons = append(tc.Buttons, cardButton{Text: b.Text, Style: buttonStyle(b.Style), Key: b.Key})
	}
	return tc
}

// cutNote 是截断的内容末尾的说明。
const cutNote = "\n……（内容太长，没有显示完）"

// truncateContent 把文本或 markdown 内容截到不超过 n 字节（通知的生产者应自己控制长度，这里是最后一道保险）：
// 在最后一个能放下的换行处截断——我们的 markdown 写法（**标题**、> 引用、<font>）都不跨行，
// 所以不会把一个写法切成两半；一行本身就超过上限时在字符边界截断，并去掉截断处没有闭合的写法。
// 末尾说明内容没有显示完。
func truncateContent(s string, n int, markdown bool) string {
	if len(s) <= n {
		return s
	}
	room := n - len(cutNote)
	if room <= 0 {
		return truncateBytes(s, n)
	}
	// 换行处太靠前（如只剩标题一行）就不在换行处截，免得丢掉大半内容。
	if cut := strings.LastIndexByte(s[:room+1], '\n'); cut > room/2 {
		return s[:cut] + cutNote
	}
	cut := room
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	head := s[:cut]
	if markdown {
		head = closeMarkdown(head)
	}
	return head + cutNote
}

// closeMarkdown 去掉截断处没有闭合的 markdown 写法，文字保留：多出来的“**”、没有闭合的 <font …>
// 开始标签（标签本身被截断时从它截掉），以及被截断的链接。
func closeMarkdown(s string) string {
	for {
		switch {
		case strings.Count(s, "**")%2 == 1:
			i := strings.LastIndex(s, "**")
			s = s[:i] + s[i+2:]
		case strings.LastIndex(s, "<font") > strings.LastIndex(s, "</font>"):
			i := strings.LastIndex(s, "<font")
			if j := strings.IndexByte(s[i:], '>'); j >= 0 {
				s = s[:i] + s[i+j+1:]
			} else {
				s = s[:i]
			}
		case strings.LastIndex(s, "[") > strings.LastIndex(s, ")"):
			s = s[:strings.LastIndex(s, "[")]
		default:
			return s
		}
	}
}

// truncateBytes 把 s 截到不超过 n 字节，不切断 UTF-8 字符。
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
