package handlers

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/outbox"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
	"github.com/xuri/excelize/v2"
)

// TestExportMonth：管理员发“导出 10月”，机器人当即答复；发件箱经真实 SDK 把表格上传到假企业微信
// 并以文件消息发给管理员；上传的字节用 excelize 打开，汇总表的合计与 10 月结算一致：
//
//	李四 迟到 −10、三面周旗 +100、服务明星 +200 = +290；周九 信息采纳 +50；刘所长 三面旬旗 +100；全部 +440。
func TestExportMonth(t *testing.T) {
	b, db, clk, _ := setupSettle(t, conversationDates[0])
	ctx := context.Background()
	n := 0
	say := func(as, text string, want, notWant []string) {
		t.Helper()
		n++
		sayStep(t, b, n-1, model.Message{Key: fmt.Sprintf("msg:export:%d", n), From: as, Text: text, CreateTime: clk.Now()}, want, notWant)
	}
	say("wzg", "扣 李四 迟到", []string{"已记录 #1"}, nil)
	say("wzg", "奖 周九 信息采纳", []string{"已记录 #2"}, nil)
	clk.Set(at(5))
	say("gly", "明星 李四 10月", []string{"已评定 李四"}, nil)
	say("wzg", "导出 10月", []string{"只有"}, []string{"已生成"})
	say("gly", "导出 13月", []string{"月份"}, []string{"已生成"})
	say("gly", "导出", []string{"已生成2026年10月考核结算（草稿，未发布）：", "合计 +440 元", "稍后以文件“2026年10月考核结算.xlsx”发给您"}, nil)

	srv := wecomtest.NewServer(t)
	sender, err := wecom.NewSender(wecom.SenderConfig{CorpID: wecomtest.CorpID, AgentID: "1000002", Secret: wecomtest.Secret, Clock: clk,
		APIBase: srv.URL(), HTTPTimeout: 5 * time.Second, Log: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	w := &outbox.Worker{Store: db, Notifier: sender, Clock: clk, Log: quietLog, PerMinute: 1000}
	for i := 0; i < 10; i++ {
		if sent, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		} else if sent == 0 {
			break
		}
	}
	var files []wecomtest.SentMessage
	for _, m := range srv.Messages() {
		if m.MsgType == "file" {
			files = append(files, m)
		}
	}
	ups := srv.Uploads()
	if len(files) != 1 || files[0].ToUser != "gly" || len(ups) != 1 || files[0].Content != ups[0].MediaID {
		t.Fatalf("文件消息 %+v，上传 %d 个；应为发给 gly 的一个文件", files, len(ups))
	}
	if ups[0].Name != "2026年10月考核结算.xlsx" || ups[0].Type != "file" {
		t.Errorf("上传的文件 %q 类型 %s；应为 2026年10月考核结算.xlsx、file", ups[0].Name, ups[0].Type)
	}
	f, err := excelize.OpenReader(bytes.NewReader(ups[0].Data))
	if err != nil {
		t.Fatalf("上传的不是 XLSX：%v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("汇总", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		if len(r) == 6 && (r[0] == "合计" || r[0] == "全部网点" || r[0] == "ls01") {
			got[r[0]] = strings.Join(r[3:], " ")
		}
	}
	want := map[string]string{"合计": "-10 450 440", "全部网点": "-10 450 440", "ls01": "-10 300 290"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("汇总表 %s 行的 扣款 奖励 合计 = %q，应为 %q", k, got[k], v)
		}
	}

	// 同一条消息重发（企业微信重试回调）不再导出一份。
	sayStep(t, b, n, model.Message{Key: fmt.Sprintf("msg:export:%d", n), From: "gly", Text: "导出", CreateTime: clk.Now()}, nil, nil)
	ns, err := db.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	exports := 0
	for _, nt := range ns {
		if strings.HasPrefix(nt.Key, "export:2026-10:gly:") {
			exports++
		}
	}
	if exports != 1 {
		t.Errorf("导出通知 %d 条，应为 1 条", exports)
	}
}
