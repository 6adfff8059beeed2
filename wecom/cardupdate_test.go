package wecom_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// memCards 是测试用的 model.CardCodeStore（只在内存里；数据库的实现由 store 的测试对真实 MariaDB 检查）。
type memCards struct {
	mu    sync.Mutex
	clock *model.Clock
	codes []model.CardCode
}

func (m *memCards) SaveCardCode(_ context.Context, c model.CardCode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, old := range m.codes {
		if old.Code == c.Code {
			return nil
		}
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = m.clock.Now()
	}
	m.codes = append(m.codes, c)
	return nil
}

func (m *memCards) CardCodes(_ context.Context, taskID string) ([]model.CardCode, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []model.CardCode
	for _, c := range m.codes {
		if c.TaskID == taskID {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b model.CardCode) int {
		switch {
		case a.Click != b.Click && !a.Click:
			return -1
		case a.Click != b.Click:
			return 1
		}
		return b.IssuedAt.Compare(a.IssuedAt)
	})
	return out, nil
}

func (m *memCards) UseCardCode(_ context.Context, code string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, c := range m.codes {
		if c.Code == code && c.Usable(m.clock.Now()) {
			now := m.clock.Now()
			m.codes[i].UsedAt = &now
			return true, nil
		}
	}
	return false, nil
}

func (m *memCards) ReleaseCardCode(_ context.Context, code string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, c := range m.codes {
		if c.Code == code {
			m.codes[i].UsedAt = nil
		}
	}
	return nil
}

// 卡片换成结果：发送卡片时的 response_code 一次更新全部接收人；过期、用过的 code 不用（不报错、不重试）；
// 企业微信暂时失败时 code 放回、下次再用；企业微信不认的 code 换下一个（点击时的）。
func TestSenderUpdatesCard(t *testing.T) {
	t0 := time.Date(2026, 11, 16, 10, 0, 0, 0, model.Shanghai)
	tests := []struct {
		name   string
		setup  func(t *testing.T, srv *wecomtest.Server, cards *memCards, clock *model.Clock)
		want   []wecomtest.CardUpdate // TaskID、UserIDs、ReplaceName、ResponseCode
		retry  bool                   // Send 返回暂时的错误
		logged string
	}{
		{
			name: "the send's code updates every recipient",
			want: []wecomtest.CardUpdate{{TaskID: "leave-3", UserIDs: []string{"boss", "deputy"}, ReplaceName: "已批准（张主任）", ResponseCode: "rc-1"}},
		},
		{
			name: "a code older than 72 hours is not used",
			setup: func(t *testing.T, _ *wecomtest.Server, _ *memCards, clock *model.Clock) {
				clock.Advance(model.CardCodeValid)
			},
			logged: "no usable response code",
		},
		{
			name: "a used code is not used again",
			setup: func(t *testing.T, _ *wecomtest.Server, cards *memCards, _ *model.Clock) {
				if ok, _ := cards.UseCardCode(context.Background(), "rc-1"); !ok {
					t.Fatal("rc-1 not usable")
				}
			},
			logged: "no usable response code",
		},
		{
			name:  "a busy WeCom keeps the code for the retry",
			setup: func(t *testing.T, srv *wecomtest.Server, _ *memCards, _ *model.Clock) { srv.FailNext(1, -1) },
			retry: true,
		},
		{
			name: "a code WeCom refuses gives way to a click's code",
			setup: func(t *testing.T, srv *wecomtest.Server, cards *memCards, _ *model.Clock) {
				code := srv.ClickCode("leave-3", "deputy")
				_ = cards.SaveCardCode(context.Background(), model.CardCode{TaskID: "leave-3", Code: code, Users: []string{"deputy"}, Click: true})
				// 发送时的 code 在企业微信那边已经失效（库里记的与企业微信发的对不上）：假服务器答 CodeRefused。
				cards.mu.Lock()
				for i := range cards.codes {
					if cards.codes[i].Code == "rc-1" {
						cards.codes[i].Code = "rc-gone"
					}
				}
				cards.mu.Unlock()
			},
			want: []wecomtest.CardUpdate{{TaskID: "leave-3", UserIDs: []string{"boss", "deputy"}, ReplaceName: "已批准（张主任）", ResponseCode: "rc-2"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			clock := model.PinClock(t0, nil)
			srv.SetNow(clock.Now)
			cards := &memCards{clock: clock}
			log, buf := newLogger()
			s, err := wecom.NewSender(wecom.SenderConfig{Clock: clock, CorpID: wecomtest.CorpID, AgentID: "1000002",
				Secret: wecomtest.Secret, APIBase: srv.URL(), Cache: wecom.NewMemoryCache(clock), HTTPTimeout: 5 * time.Second,
				Log: log, Cards: cards})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := s.Send(ctx, leaveCard(model.ToUsers("boss", "deputy"))); err != nil {
				t.Fatalf("sending the card: %v", err)
			}
			if codes, _ := cards.CardCodes(ctx, "leave-3"); len(codes) != 1 || codes[0].Code != "rc-1" || !slices.Equal(codes[0].Users, []string{"boss", "deputy"}) {
				t.Fatalf("kept codes = %+v, want rc-1 for boss and deputy", codes)
			}
			if tt.setup != nil {
				tt.setup(t, srv, cards, clock)
			}
			update := model.CardUpdateNotice("leave-3", model.CardOutcome("已批准", "张主任"), model.ToUsers("boss", "deputy"))
			err = s.Send(ctx, update)
			if tt.retry {
				if err == nil || model.IsPermanent(err) {
					t.Fatalf("Send = %v, want a temporary error", err)
				}
				if len(srv.CardUpdates()) != 0 {
					t.Fatalf("updates after a failure = %+v", srv.CardUpdates())
				}
				if err := s.Send(ctx, update); err != nil {
					t.Fatalf("retry: %v", err)
				}
				tt.want = []wecomtest.CardUpdate{{TaskID: "leave-3", UserIDs: []string{"boss", "deputy"}, ReplaceName: "已批准（张主任）", ResponseCode: "rc-1"}}
			} else if err != nil {
				t.Fatalf("Send(card update) = %v, want nil", err)
			}
			got := srv.CardUpdates()
			if len(got) != len(tt.want) {
				t.Fatalf("fake WeCom got %d update_template_card, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.TaskID != w.TaskID || !slices.Equal(g.UserIDs, w.UserIDs) || g.ReplaceName != w.ReplaceName || g.ResponseCode != w.ResponseCode || g.AgentID != 1000002 {
					t.Errorf("update %d = %+v\nwant %+v", i, g, w)
				}
			}
			if tt.logged != "" && !strings.Contains(buf.String(), tt.logged) {
				t.Errorf("log lacks %q:\n%s", tt.logged, buf.String())
			}
		})
	}
}
