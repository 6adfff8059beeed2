package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// oldNoticeRow 是 notices 表改为 message 一列 JSON 之前的定义（开发库里可能还是这样）。
type oldNoticeRow struct {
	ID         int64      `gorm:"primaryKey;autoIncrement"`
	Key        string     `gorm:"column:key;size:191;not null;uniqueIndex"`
	ToUser     string     `gorm:"size:1000;not null"`
	Format     string     `gorm:"size:16;not null"`
	Title      string     `gorm:"size:200;not null"`
	Body       string     `gorm:"type:mediumtext"`
	Status     string     `gorm:"size:16;not null;index:idx_notices_status_next,priority:1"`
	Attempts   int        `gorm:"not null"`
	NextAt     time.Time  `gorm:"precision:6;not null;index:idx_notices_status_next,priority:2"`
	LeaseUntil *time.Time `gorm:"precision:6"`
	LastError  string     `gorm:"size:1000;not null"`
	CreatedAt  time.Time  `gorm:"precision:6;not null"`
	SentAt     *time.Time `gorm:"precision:6"`
}

func (oldNoticeRow) TableName() string { return "notices" }

// 旧版开发库（to_user、format、title、body 四列）再次启动时，AutoMigrate 把每条通知转成 message 列的 JSON
// 并删掉旧列：待发的通知照常可领，之后入队的新通知也写得进去。
func TestMigrateLegacyNotices(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		g := db.g.WithContext(ctx)
		if err := g.Migrator().DropTable("notices"); err != nil {
			t.Fatal(err)
		}
		if err := g.AutoMigrate(&oldNoticeRow{}); err != nil {
			t.Fatal(err)
		}
		xlsx := []byte("PK\x03\x04 表格")
		old := []oldNoticeRow{
			{Key: "entry:1", ToUser: "zhangsan|lisi", Format: "markdown", Title: "扣款通知", Body: "**扣款通知**\n> 事项：迟到"},
			{Key: "flag:1:announce:robot:all", ToUser: "robot:all", Format: "markdown", Body: "**流动红旗**\n获旗：张三"},
			{Key: "flag:1:announce:appchat:c1", ToUser: "appchat:c1", Format: "text", Title: "公布", Body: "获旗：张三"},
			{Key: "leave:3:card", ToUser: "boss", Format: "template_card", Title: "请假审批 #3：张三",
				Body: `{"card_type":"button_interaction","main_title":{"title":"请假审批 #3","desc":"张三（城关所）"},"horizontal_content_list":[{"keyname":"事由","value":"探亲"}],"task_id":"leave-3","button_list":[{"text":"批准","style":1,"key":"leave:approve:3"},{"text":"驳回","style":2,"key":"leave:reject:3"}]}`},
			{Key: "export:1", ToUser: "boss", Format: "file", Title: "结算.xlsx", Body: base64.StdEncoding.EncodeToString(xlsx)},
		}
		for i := range old {
			old[i].Status, old[i].NextAt, old[i].CreatedAt = "pending", dueNow, t0
			if err := g.Create(&old[i]).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.migrate(ctx); err != nil {
			t.Fatalf("迁移旧版通知：%v", err)
		}
		for _, c := range legacyNoticeColumns {
			if g.Migrator().HasColumn(&noticeRow{}, c) {
				t.Errorf("旧列 %s 还在", c)
			}
		}
		got, err := db.Claim(ctx, t0, t0.Add(time.Minute), 10)
		if err != nil || len(got) != len(old) {
			t.Fatalf("迁移后领取到 %d 条（%v），应为 %d 条", len(got), err, len(old))
		}
		byKey := map[string]model.Notice{}
		for _, n := range got {
			byKey[n.Key] = n
		}
		if n := byKey["entry:1"]; !slices.Equal(n.To.Users, []string{"zhangsan", "lisi"}) || n.Title != "扣款通知" || n.Body != "> 事项：迟到" || n.Plain {
			t.Errorf("markdown 通知 = %+v；应发给两人，标题只在 Title 里", n)
		}
		if n := byKey["flag:1:announce:robot:all"]; n.To.Robot != "all" || len(n.To.Users) != 0 {
			t.Errorf("机器人通知的去处 = %+v", n.To)
		}
		if n := byKey["flag:1:announce:appchat:c1"]; n.To.Chat != "c1" || !n.Plain || n.Body != "获旗：张三" {
			t.Errorf("群聊文本通知 = %+v", n)
		}
		card := byKey["leave:3:card"]
		if c := card.Card; card.Title != "请假审批 #3" || c == nil || c.Subtitle != "张三（城关所）" || c.TaskID != "leave-3" ||
			len(c.Lines) != 1 || c.Lines[0] != (model.CardLine{Key: "事由", Value: "探亲"}) ||
			len(c.Buttons) != 2 || c.Buttons[0].Style != model.ButtonPrimary || c.Buttons[1].Key != "leave:reject:3" {
			t.Errorf("卡片通知 = %+v，卡片 %+v", card, card.Card)
		}
		if f := byKey["export:1"].File; f == nil || f.Name != "结算.xlsx" || f.Kind != model.FileDocument || !bytes.Equal(f.Data, xlsx) {
			t.Errorf("文件通知 = %+v", f)
		}
		if err := db.Enqueue(ctx, model.Notice{Key: "entry:2", To: model.ToUsers("zhangsan"), Title: "奖励通知", Body: "新通知"}); err != nil {
			t.Fatalf("迁移后入队新通知：%v", err)
		}
		// 再次启动什么也不改。
		if err := db.migrate(ctx); err != nil {
			t.Fatal(err)
		}
		all, err := db.Notices(ctx, "")
		if err != nil || len(all) != len(old)+1 {
			t.Fatalf("共 %d 条通知（%v），应为 %d 条", len(all), err, len(old)+1)
		}
	})
}

// 通知的内容整体存为一列 JSON：去处、标题、正文、卡片和文件读回来原样不变，"{id}" 换成记录编号。
func TestNoticeMessageRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		card := model.Notice{Key: "leave:{id}:card", To: model.ToUsers("boss", "deputy"), Title: "请假审批 #{id}",
			Card: &model.Card{Source: "红旗考核", Subtitle: "张三（城关所）", Description: "回复“批准 {id}”同意。", Quote: "第一行\n第二行",
				Lines:   []model.CardLine{{Key: "时间", Value: "11月28日"}},
				Buttons: []model.Button{{Text: "批准", Key: "leave:approve:{id}", Style: model.ButtonPrimary}}, TaskID: "leave-{id}"}}
		out, err := db.Record(ctx, model.RecordRequest{Msg: msg("msg:card"), Entries: []model.Entry{entry("zhangsan", "late", -10)},
			Notices: []model.Notice{card}})
		if err != nil {
			t.Fatal(err)
		}
		ns, err := db.Notices(ctx, "")
		if err != nil || len(ns) != 1 {
			t.Fatalf("通知 %d 条（%v）", len(ns), err)
		}
		want := card.WithID(out[0].ID)
		n := ns[0]
		if n.Key != want.Key || n.Title != want.Title || !slices.Equal(n.To.Users, want.To.Users) || n.Card == nil ||
			n.Card.Description != want.Card.Description || n.Card.Quote != want.Card.Quote || n.Card.TaskID != want.Card.TaskID ||
			!slices.Equal(n.Card.Buttons, want.Card.Buttons) || !slices.Equal(n.Card.Lines, want.Card.Lines) {
			t.Errorf("读回的通知 %+v（卡片 %+v），应为 %+v（卡片 %+v）", n, n.Card, want, want.Card)
		}
		if err := db.Enqueue(ctx, model.Notice{Key: "x", To: model.Recipient{Users: []string{"a"}, Robot: "all"}, Body: "两种去处"}); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("两种去处的通知入队：%v，应为 EINVALID", err)
		}
		if err := db.Enqueue(ctx, model.Notice{Key: "y", Body: "没有去处"}); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("没有去处的通知入队：%v，应为 EINVALID", err)
		}
	})
}
