package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 官方样例 B 的参数：Token、EncodingAESKey、企业 ID。
const (
	cbToken  = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	cbAESKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	cbCorpID = "ww1436e0e65a779aee"
)

// TestLeaveButtonsThroughSignedCallback 审批人点卡片上的按钮：企业微信以 template_card_event 回调，
// 经验签、解密、机器人、岗位与请假命令，请假单被批准或驳回，回复加密返回。
func TestLeaveButtonsThroughSignedCallback(t *testing.T) {
	b, db, clk := setupPosts(t)
	c, err := wecom.NewCrypto(cbToken, cbAESKey, cbCorpID)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&wecom.Callback{Crypto: c, Processor: b, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(srv.Close)

	ctx := context.Background()
	for _, text := range []string{"请假 半天 看病", "请假 11月20日-11月22日 探亲"} {
		if reply, err := b.Process(ctx, model.Message{Key: "msg:" + text, From: "a1", Text: text}); err != nil || !strings.Contains(reply, "已提交请假") {
			t.Fatalf("%s: %q, %v", text, reply, err)
		}
	}

	base := clk.Now()
	click := func(i int, from, key string) (int, string) {
		t.Helper()
		inner := wecomtest.EventMessage(cbCorpID, from, "template_card_event", key, "1000002", base.Add(time.Duration(i)*time.Second))
		q, body := wecomtest.SignedRequest(cbToken, cbAESKey, cbCorpID, inner, clk.Now(), "nonce42")
		resp, err := http.Post(srv.URL+"?"+q.Encode(), "application/xml", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || len(raw) == 0 {
			return resp.StatusCode, ""
		}
		reply, err := wecomtest.DecryptReply(cbToken, cbAESKey, cbCorpID, raw)
		if err != nil {
			t.Fatalf("解密回复: %v", err)
		}
		return resp.StatusCode, reply
	}

	cases := []struct {
		name   string
		from   string
		key    string
		want   string
		leave  int64
		status model.LeaveStatus
	}{
		{"分管领导批不了半天的假", "fg", "leave:approve:1", "应由中心主任或副主任审批；您是分管领导", 1, model.LeavePending},
		{"员工点按钮被拒", "b1", "leave:approve:1", "只有中心主任、副主任和分管领导可以审批请假", 1, model.LeavePending},
		{"主任批准", "zr", "leave:approve:1", "已批准请假 #1：张三 11月16日（半天）看病。", 1, model.LeaveApproved},
		{"副主任再点批准", "fzr", "leave:approve:1", "请假 #1 已于", 1, model.LeaveApproved},
		{"副主任再点驳回", "fzr", "leave:reject:1", "由周主任批准，不用再审批", 1, model.LeaveApproved},
		{"分管领导驳回长假", "fg", "leave:reject:2", "已驳回请假 #2：张三 11月20日–11月22日（3 天）探亲。", 2, model.LeaveRejected},
		{"未知按钮", "zr", "leave:maybe:2", "这个按钮无法识别", 2, model.LeaveRejected},
		{"不存在的请假单", "zr", "leave:approve:99", "没有编号为 99 的请假单", 2, model.LeaveRejected},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, reply := click(i, tc.from, tc.key)
			if status != http.StatusOK || !strings.Contains(reply, tc.want) {
				t.Errorf("HTTP %d，回复 %q，应含 %q", status, reply, tc.want)
			}
			l, err := db.Leave(ctx, tc.leave)
			if err != nil || l.Status != tc.status {
				t.Errorf("请假 #%d 状态 %s（%v），应为 %s", tc.leave, l.Status, err, tc.status)
			}
		})
	}

	// 企业微信重发同一个按钮事件（同一 CreateTime）：只处理一次，结果通知只入队一次。
	status, _ := click(2, "zr", "leave:approve:1")
	if status != http.StatusOK {
		t.Errorf("重发的事件得到 HTTP %d", status)
	}
	notices, err := db.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, n := range notices {
		count[n.Key]++
	}
	// 驳回的 #2 不告诉 B 岗：提交时他们没收到过什么。
	for key, want := range map[string]int{"leave:1:result": 1, "leave:1:standin": 1, "leave:2:result": 1, "leave:2:standin": 0} {
		if count[key] != want {
			t.Errorf("通知 %s 入队 %d 次，应为 %d", key, count[key], want)
		}
	}
}
