package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/hongqi-dev/hongqi/model"
)

// noticeMessage 是 notices.message 列的 JSON：通知要发的内容。投递状态（状态、次数、下次时间、租约）
// 是单独的列，发送进程按它们领取；内容只有发送时才读。
type noticeMessage struct {
	To    model.Recipient `json:"to"`
	Title string          `json:"title,omitempty"`
	Body  string          `json:"body,omitempty"`
	Plain bool            `json:"plain,omitempty"`
	Card  *model.Card     `json:"card,omitempty"`
	File  *model.File     `json:"file,omitempty"`
	// CardUpdate 是卡片换成结果（update_template_card）。
	CardUpdate *model.CardUpdate `json:"card_update,omitempty"`
}

func messageOf(n model.Notice) noticeMessage {
	return noticeMessage{To: n.To, Title: n.Title, Body: n.Body, Plain: n.Plain, Card: n.Card, File: n.File, CardUpdate: n.CardUpdate}
}

func (m noticeMessage) apply(n *model.Notice) {
	n.To, n.Title, n.Body, n.Plain, n.Card, n.File, n.CardUpdate = m.To, m.Title, m.Body, m.Plain, m.Card, m.File, m.CardUpdate
}

// checkNotice 在入队前检查通知：有 Key、去处恰好一种。
func checkNotice(n model.Notice) error {
	if n.Key == "" || utf8.RuneCountInString(n.Key) > sizeKey {
		return model.Errorf(model.EINVALID, "通知缺少标识或标识太长，没有入队。")
	}
	return n.To.Validate()
}

// legacyNoticeRow 是 notices 表改为 message 一列 JSON 之前的样子（to_user、format、title、body 四列）。
type legacyNoticeRow struct {
	ID     int64
	ToUser string
	Format string
	Title  string
	Body   string
}

// legacyNoticeColumns 是旧版 notices 表里被 message 列取代的列。
var legacyNoticeColumns = []string{"to_user", "format", "title", "body"}

// migrateLegacyNotices 把旧版 notices 表（开发库）的 to_user、format、title、body 转成 message 列的 JSON，
// 再删掉这四列。新库没有这些列，什么也不做；转换中途失败时下次启动接着做（只转 message 为空的行）。
func migrateLegacyNotices(g *gorm.DB) error {
	mg := g.Migrator()
	if !mg.HasColumn(&noticeRow{}, "to_user") {
		return nil
	}
	var rows []legacyNoticeRow
	if err := g.Table("notices").Select("id, to_user, format, title, body").
		Where("message IS NULL OR message = ''").Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("读取旧版通知：%w", err)
	}
	for _, r := range rows {
		b, err := json.Marshal(legacyMessage(r))
		if err != nil {
			return err
		}
		if err := g.Table("notices").Where("id = ?", r.ID).Update("message", string(b)).Error; err != nil {
			return fmt.Errorf("转换旧版通知 %d：%w", r.ID, err)
		}
	}
	for _, c := range legacyNoticeColumns {
		if mg.HasColumn(&noticeRow{}, c) {
			if err := mg.DropColumn(&noticeRow{}, c); err != nil {
				return fmt.Errorf("删除旧版通知的 %s 列：%w", c, err)
			}
		}
	}
	return nil
}

// legacyMessage 把一行旧版通知转成 noticeMessage：接收人 "a|b"、"appchat:<chatid>"、"robot:<名称>"；
// markdown 正文开头重复的标题去掉；模板卡片的 JSON 转成 model.Card；文件的 base64 解码。
func legacyMessage(r legacyNoticeRow) noticeMessage {
	var m noticeMessage
	switch {
	case strings.HasPrefix(r.ToUser, "robot:"):
		m.To = model.ToRobot(strings.TrimPrefix(r.ToUser, "robot:"))
	case strings.HasPrefix(r.ToUser, "appchat:"):
		m.To = model.ToChat(strings.TrimPrefix(r.ToUser, "appchat:"))
	default:
		m.To = model.ToUsers(strings.Split(r.ToUser, "|")...)
	}
	m.Title = r.Title
	switch r.Format {
	case "file", "image":
		data, _ := base64.StdEncoding.DecodeString(r.Body)
		m.File = &model.File{Name: r.Title, Kind: model.FileKind(r.Format), Data: data}
	case "template_card":
		m.Card, m.Title = legacyCard(r.Body, r.Title)
	case "markdown":
		m.Body = strings.TrimPrefix(r.Body, "**"+r.Title+"**\n")
	default:
		m.Body, m.Plain = r.Body, true
	}
	return m
}

// legacyCard 把旧版通知正文里的 template_card JSON 转成 model.Card，返回卡片和主标题
// （没有主标题时用旧的文字摘要）。
func legacyCard(body, summary string) (*model.Card, string) {
	var c struct {
		Source struct {
			Desc string `json:"desc"`
		} `json:"source"`
		MainTitle struct {
			Title string `json:"title"`
			Desc  string `json:"desc"`
		} `json:"main_title"`
		SubTitle   string `json:"sub_title_text"`
		Horizontal []struct {
			KeyName string `json:"keyname"`
			Value   string `json:"value"`
		} `json:"horizontal_content_list"`
		TaskID  string `json:"task_id"`
		Buttons []struct {
			Text  string `json:"text"`
			Style int    `json:"style"`
			Key   string `json:"key"`
		} `json:"button_list"`
	}
	_ = json.Unmarshal([]byte(body), &c)
	card := &model.Card{Source: c.Source.Desc, Subtitle: c.MainTitle.Desc, Description: c.SubTitle, TaskID: c.TaskID}
	for _, h := range c.Horizontal {
		card.Lines = append(card.Lines, model.CardLine{Key: h.KeyName, Value: h.Value})
	}
	for _, b := range c.Buttons {
		style := model.ButtonPrimary
		if b.Style != 1 {
			style = model.ButtonSecondary
		}
		card.Buttons = append(card.Buttons, model.Button{Text: b.Text, Key: b.Key, Style: style})
	}
	title := c.MainTitle.Title
	if title == "" {
		title = summary
	}
	return card, title
}
