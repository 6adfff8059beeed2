package model

import (
	"slices"
	"testing"
)

func TestRecipientValidate(t *testing.T) {
	many := make([]string, MaxRecipients+1)
	for i := range many {
		many[i] = "u"
	}
	tests := []struct {
		name string
		to   Recipient
		ok   bool
	}{
		{"one user", ToUsers("zhangsan"), true},
		{"several users", ToUsers("zhangsan", "lisi"), true},
		{"app chat", ToChat("hongqi-all"), true},
		{"robot", ToRobot("all"), true},
		{"nobody", Recipient{}, false},
		{"users and a robot", Recipient{Users: []string{"zhangsan"}, Robot: "all"}, false},
		{"chat and robot", Recipient{Chat: "c", Robot: "all"}, false},
		{"empty userid", Recipient{Users: []string{"zhangsan", " "}}, false},
		{"too many users", Recipient{Users: many}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.to.Validate()
			if (err == nil) != tc.ok {
				t.Errorf("Validate(%+v) = %v, want ok=%v", tc.to, err, tc.ok)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Errorf("error code %s, want EINVALID", ErrorCode(err))
			}
		})
	}
}

func TestToUsersDropsBlanksAndRepeats(t *testing.T) {
	got := ToUsers("a4", " ", "gly", "A4", "zr", "gly")
	if want := []string{"a4", "gly", "zr"}; !slices.Equal(got.Users, want) {
		t.Errorf("ToUsers = %v, want %v", got.Users, want)
	}
}

// WithID 把通知各处的 {id} 换成编号，卡片是副本：原通知（模板）不变，可再用于下一条记录。
func TestNoticeWithID(t *testing.T) {
	tmpl := Notice{Key: "leave:{id}:ask", To: ToUsers("boss"), Title: "请假审批 #{id}", Body: "编号 {id}",
		Card: &Card{Description: "回复“批准 {id}”", TaskID: "leave-{id}",
			Lines:   []CardLine{{Key: "编号", Value: "#{id}"}},
			Buttons: []Button{{Text: "批准", Key: "leave:approve:{id}", Style: ButtonPrimary}}},
		File: &File{Name: "{id}.xlsx", Kind: FileDocument}}
	n := tmpl.WithID(12)
	if n.Key != "leave:12:ask" || n.Title != "请假审批 #12" || n.Body != "编号 12" || n.File.Name != "12.xlsx" {
		t.Errorf("WithID = %+v", n)
	}
	if c := n.Card; c.Description != "回复“批准 12”" || c.TaskID != "leave-12" || c.Lines[0].Value != "#12" ||
		c.Buttons[0] != (Button{Text: "批准", Key: "leave:approve:12", Style: ButtonPrimary}) {
		t.Errorf("WithID card = %+v", c)
	}
	if tmpl.Card.TaskID != "leave-{id}" || tmpl.Card.Buttons[0].Key != "leave:approve:{id}" || tmpl.File.Name != "{id}.xlsx" {
		t.Errorf("WithID changed the template: %+v %+v", tmpl.Card, tmpl.File)
	}
}

// 只有模板里的 {id} 是占位符：用户写在备注、事由里的“{id}”（经 MarkdownText、PlainText 嵌入）原样留着。
func TestNoticeWithIDLeavesUserText(t *testing.T) {
	note := "见{id}号文件"
	tmpl := Notice{Key: "entry:{id}", To: ToUsers("cg01"), Title: "扣款通知",
		Body: "> 备注：" + MarkdownText(note) + "\n> 编号：#{id}",
		Card: &Card{Lines: []CardLine{{Key: "事由", Value: PlainText("{id}{id}")}}, TaskID: "leave-{id}"}}
	n := tmpl.WithID(12)
	if n.Body != "> 备注：见{id}号文件\n> 编号：#12" || n.Key != "entry:12" {
		t.Errorf("WithID 正文 = %q，键 %q；备注应原样，编号换成 12", n.Body, n.Key)
	}
	if n.Card.Lines[0].Value != "{id}{id}" || n.Card.TaskID != "leave-12" {
		t.Errorf("WithID 卡片 = %+v；事由应原样", n.Card)
	}
	// 用户自己夹进看不见的字符也伪造不了占位符：显示的仍是“{id}”，不变成编号。
	if got := (Notice{Body: MarkdownText("{\u2060id}")}).WithID(5).Body; got != "{id}" {
		t.Errorf("夹了 U+2060 的“{id}” = %q，应为“{id}”", got)
	}
}
