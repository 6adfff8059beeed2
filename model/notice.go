package model

import (
	"strconv"
	"strings"
	"time"
)

// Notice 是一条待推送的通知，经数据库发件箱（outbox）由发送进程投递。
// Key 唯一，同一 Key 的通知只会入队一次、送达一次。
//
// 通知只说“发给谁、说什么”；怎样变成企业微信的消息（文本、markdown、模板卡片、文件、图片，
// 应用消息、应用群聊还是群机器人）由 wecom 包决定。标题只放在 Title 里，正文不要再写一遍。
type Notice struct {
	ID  int64
	Key string // 如 "entry:123"、"revoke:123"

	To    Recipient
	Title string // 标题：发送时作为第一行（markdown 为粗体）或卡片的主标题，只写一次
	Body  string // 正文（markdown；Plain 为真时是纯文本），不含标题
	Plain bool   // 正文是纯文本而不是 markdown
	// Card 非空时发按钮卡片（模板卡片）：卡片里带全部文字，Body 不用。发不了卡片的去处
	// （群机器人、应用群聊、只写日志）收到由卡片文字生成的纯文本。
	Card *Card
	// File 非空时发文件或图片（只能私信发给成员）；Title、Body 不用。
	File *File
	// CardUpdate 非空时不发消息，而是把先前发给 To 的卡片（CardUpdate.TaskID）的按钮换成结果文字
	// （企业微信 update_template_card，见 model/card.go）；Title、Body 不用。
	CardUpdate *CardUpdate
	// After 非空时，Key 为 After 的通知送出（或放弃）之前，这一条不发：同一个去处的几条按顺序到达——
	// 公布的文字在排行图之前、长回复续发的几段依次。多个副本同时发送时也是如此（见 Outbox.Claim）。
	After string

	Status    NoticeStatus
	Attempts  int
	NextAt    time.Time // 下次尝试时间
	LastError string    // 最近一次失败原因（已脱敏）
	CreatedAt time.Time
	SentAt    *time.Time
}

// Recipient 是通知的去处：成员（一人或多人）、应用群聊或群机器人，三者只填一项。
type Recipient struct {
	Users []string `json:"users,omitempty"` // 成员 userid
	Chat  string   `json:"chat,omitempty"`  // 本应用建的群聊 chatid
	// Robot 是配置中群机器人的名称；webhook key 只在配置里，不进数据库。
	Robot string `json:"robot,omitempty"`
}

// MaxRecipients 是一条通知最多的成员数（企业微信 touser 的上限）。
const MaxRecipients = 1000

// ToUsers 返回发给这些成员的去处（去掉空的和重复的，保持顺序）。
func ToUsers(ids ...string) Recipient {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !seen[strings.ToLower(id)] {
			seen[strings.ToLower(id)] = true
			out = append(out, id)
		}
	}
	return Recipient{Users: out}
}

// ToChat 返回发到应用群聊 chatID 的去处。
func ToChat(chatID string) Recipient { return Recipient{Chat: chatID} }

// ToRobot 返回经名为 name 的群机器人发到群里的去处。
func ToRobot(name string) Recipient { return Recipient{Robot: name} }

// IsZero 表示没有填任何去处。
func (r Recipient) IsZero() bool { return len(r.Users) == 0 && r.Chat == "" && r.Robot == "" }

// Validate 检查去处：恰好一种，成员不超过 MaxRecipients 个、userid 不为空。
func (r Recipient) Validate() error {
	kinds := 0
	if len(r.Users) > 0 {
		kinds++
	}
	if r.Chat != "" {
		kinds++
	}
	if r.Robot != "" {
		kinds++
	}
	switch {
	case kinds == 0:
		return Errorf(EINVALID, "通知缺少接收人，没有入队。")
	case kinds > 1:
		return Errorf(EINVALID, "通知只能发给成员、群聊或群机器人中的一种，没有入队。")
	case len(r.Users) > MaxRecipients:
		return Errorf(EINVALID, "通知的接收人超过 %d 个，没有入队。", MaxRecipients)
	}
	for _, u := range r.Users {
		if strings.TrimSpace(u) == "" {
			return Errorf(EINVALID, "通知的接收人有空的 userid，没有入队。")
		}
	}
	return nil
}

// String 是写日志用的去处说明，如 "zhangsan|lisi"、"群聊 hongqi-all"、"群机器人 all"。
func (r Recipient) String() string {
	switch {
	case r.Chat != "":
		return "群聊 " + r.Chat
	case r.Robot != "":
		return "群机器人 " + r.Robot
	}
	return strings.Join(r.Users, "|")
}

// Card 是按钮卡片（企业微信的 button_interaction 模板卡片）。主标题是所在通知的 Title。
// 卡片文字要完整：收到卡片的人不会另收一条文字消息。
type Card struct {
	Source      string     `json:"source,omitempty"`      // 卡片顶部的来源，如“红旗考核 · 请假审批”
	Subtitle    string     `json:"subtitle,omitempty"`    // 主标题下的一行辅助文字
	Description string     `json:"description,omitempty"` // 正文：要做什么、怎么做、期限
	Quote       string     `json:"quote,omitempty"`       // 引用区的细节（可多行），如各项得分
	Lines       []CardLine `json:"lines,omitempty"`       // 键值行，至多 6 行
	Buttons     []Button   `json:"buttons,omitempty"`     // 按钮，至多 6 个
	TaskID      string     `json:"task_id,omitempty"`     // 卡片编号，同一应用内不能重复
}

// CardLine 是卡片上的一行“键：值”。
type CardLine struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Button 是卡片上的按钮：点击后企业微信回调 template_card_event，EventKey 为 Key。
type Button struct {
	Text  string      `json:"text"`
	Key   string      `json:"key"`
	Style ButtonStyle `json:"style,omitempty"`
}

// ButtonStyle 是按钮的样式。
type ButtonStyle string

// 按钮样式。
const (
	ButtonPrimary   ButtonStyle = "primary"   // 主要操作（如批准、确认）
	ButtonSecondary ButtonStyle = "secondary" // 次要操作（如驳回）
)

// File 是随通知发送的文件或图片。通知存在数据库里，文件应小（约 2 MB 以内）。
type File struct {
	Name string   `json:"name"` // 文件名，如“2026年11月考核结算.xlsx”
	Kind FileKind `json:"kind"`
	Data []byte   `json:"data"`
}

// FileKind 是文件的种类：普通文件或图片。
type FileKind string

// 文件种类。
const (
	FileDocument FileKind = "file"  // 普通文件
	FileImage    FileKind = "image" // 图片（PNG/JPG）
)

// IDPlaceholder 是通知模板中代表记录编号的占位符：记录写入时由存储换成编号（见 Notice.WithID）。
// 只有生成通知的代码写的“{id}”是占位符：嵌进模板的用户文字经过 MarkdownText 或 PlainText，
// 其中的“{id}”另有写法（idEscaped），不会被换成编号。
const IDPlaceholder = "{id}"

// WithID 返回把 Key、标题、正文、卡片、卡片更新和文件名中的占位符 "{id}" 换成 id 的通知（卡片是新的副本）。
// 用户文字里的“{id}”（经 MarkdownText、PlainText 嵌入的）原样保留。
func (n Notice) WithID(id int64) Notice {
	s := strconv.FormatInt(id, 10)
	r := func(v string) string {
		v = strings.ReplaceAll(v, IDPlaceholder, s)
		return strings.ReplaceAll(v, idEscaped, IDPlaceholder)
	}
	n.Key, n.Title, n.Body, n.After = r(n.Key), r(n.Title), r(n.Body), r(n.After)
	if n.Card != nil {
		c := *n.Card
		c.Source, c.Subtitle, c.Description, c.Quote, c.TaskID = r(c.Source), r(c.Subtitle), r(c.Description), r(c.Quote), r(c.TaskID)
		c.Lines = make([]CardLine, len(n.Card.Lines))
		for i, l := range n.Card.Lines {
			c.Lines[i] = CardLine{Key: r(l.Key), Value: r(l.Value)}
		}
		c.Buttons = make([]Button, len(n.Card.Buttons))
		for i, b := range n.Card.Buttons {
			c.Buttons[i] = Button{Text: r(b.Text), Key: r(b.Key), Style: b.Style}
		}
		n.Card = &c
	}
	if n.File != nil {
		f := *n.File
		f.Name = r(f.Name)
		n.File = &f
	}
	if n.CardUpdate != nil {
		u := *n.CardUpdate
		u.TaskID, u.ReplaceName = r(u.TaskID), r(u.ReplaceName)
		n.CardUpdate = &u
	}
	return n
}

// NoticeStatus 是通知的投递状态。
type NoticeStatus string

const (
	NoticePending NoticeStatus = "pending" // 待发送
	NoticeSending NoticeStatus = "sending" // 已被某个发送进程领取
	NoticeSent    NoticeStatus = "sent"    // 已送达企业微信
	NoticeLogged  NoticeStatus = "logged"  // 未配置企业微信，已写入日志
	NoticeFailed  NoticeStatus = "failed"  // 多次失败后放弃（需人工处理）
)
