package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// 页面计时：一个 2,000 人的中心（20 个网点），一个月 20,000 条记录，在 MariaDB 上。
// 计的是服务器处理一页的时间（从收到请求到写完响应，不含网络），报告 p50 和 p99。
//
//	go test ./web -run '^$' -bench 'Page' -benchtime 50x
const (
	benchBranches  = 20
	benchPerBranch = 100 // 每个网点：1 位所长、2 位主管、97 位员工
	benchEntries   = 20000
)

var benchMonth = model.Month{Year: 2026, Month: time.November}

// bigCentre 造出大中心的花名册和一个月的台账（每 500 条一个事务，与一条消息写多人一样）。
func bigCentre(b *testing.B, in *instance) {
	b.Helper()
	ctx := context.Background()
	var staff []model.Staff
	for _, id := range []string{"admin", "zx_dir", "zx_dep", "zx_lead"} {
		role := map[string]model.Role{"admin": model.RoleAdmin, "zx_dir": model.RoleDirector, "zx_dep": model.RoleDeputy, "zx_lead": model.RoleLeader}[id]
		staff = append(staff, model.Staff{UserID: id, Name: id, Branch: "中心", BranchKind: model.BranchCounty, Role: role, Active: true})
	}
	var people []model.Staff
	for br := 0; br < benchBranches; br++ {
		branch := fmt.Sprintf("第%02d所", br+1)
		kind := model.BranchCounty
		if br >= benchBranches/2 {
			kind = model.BranchRural
		}
		for i := 0; i < benchPerBranch; i++ {
			role := model.RoleStaff
			switch i {
			case 0:
				role = model.RoleHead
			case 1, 2:
				role = model.RoleSupervisor
			}
			s := model.Staff{UserID: fmt.Sprintf("u%02d%03d", br, i), Name: fmt.Sprintf("员工%02d%03d", br, i), Branch: branch, BranchKind: kind, Role: role, Active: true}
			staff = append(staff, s)
			if role == model.RoleStaff {
				people = append(people, s)
			}
		}
	}
	if _, _, err := in.m.DB.UpsertRoster(ctx, staff); err != nil {
		b.Fatal(err)
	}
	rules := []model.Rule{}
	for _, r := range in.m.Catalog.Rules() {
		if !r.Manual {
			rules = append(rules, r)
		}
	}
	const batch = 500
	for start := 0; start < benchEntries; start += batch {
		req := model.RecordRequest{Msg: model.Message{Key: fmt.Sprintf("bench:%d", start), From: "zx_dir"}}
		for i := start; i < start+batch; i++ {
			p := people[(i*7919)%len(people)]
			r := rules[i%len(rules)]
			req.Entries = append(req.Entries, model.Entry{StaffID: p.UserID, StaffName: p.Name, Branch: p.Branch, RuleCode: r.Code,
				RuleName: r.Name, Kind: r.Kind, Amount: r.Signed(), ActorID: "zx_dir", ActorName: "林主任", Month: benchMonth})
		}
		if _, err := in.m.DB.Record(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// sessionCookie 用一次性链接为 who 登录，返回会话 Cookie。
func sessionCookie(b *testing.B, in *instance, who string) *http.Cookie {
	b.Helper()
	st, err := in.m.DB.Staff(context.Background(), who)
	if err != nil {
		b.Fatal(err)
	}
	link, err := in.m.Web.LoginLink(context.Background(), st)
	if err != nil {
		b.Fatal(err)
	}
	form := url.Values{"t": {link[strings.Index(link, "t=")+2:]}}
	req := httptest.NewRequest(http.MethodPost, "/app/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	in.handler(b).ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "hq_session" {
			return c
		}
	}
	b.Fatalf("no session for %s: %d", who, rec.Code)
	return nil
}

func (in *instance) handler(b testing.TB) http.Handler {
	h, err := in.m.Handler()
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// timePage 让 who 取 path b.N 次，报告每页服务器时间的 p50、p99（毫秒）和页面大小。
func timePage(b *testing.B, in *instance, who, path, want string) {
	h := in.handler(b)
	cookie := sessionCookie(b, in, who)
	durations := make([]time.Duration, 0, b.N)
	size := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		durations = append(durations, time.Since(t0))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			b.Fatalf("%s: HTTP %d, page lacks %q", path, rec.Code, want)
		}
		size = rec.Body.Len()
	}
	b.StopTimer()
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[min(len(durations)-1, int(p*float64(len(durations))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(size)/1024, "page-KB")
}

// BenchmarkPages 给台账页和结算页计时（数据只造一次，几项共用）：
//   - ledger/leadership：中心领导看全中心本月台账的第一页（20,000 条，2,000 人的合计）；
//   - ledger/leadership-people：中心领导看每人合计的第一页；
//   - ledger/supervisor：一个网点的主管看本所的台账（约 1,000 条）；
//   - settle：中心领导看 11 月结算草稿（2,000 人、20,000 条的完整计算，分网点小计，第一页 100 人）。
func BenchmarkPages(b *testing.B) {
	in := start(b, options{clock: model.PinClock(time.Date(2026, 12, 3, 10, 0, 0, 0, model.Shanghai), nil)})
	bigCentre(b, in)
	b.Run("ledger/leadership", func(b *testing.B) { timePage(b, in, "zx_dir", "/app/ledger?month=2026-11", "20000") })
	b.Run("ledger/leadership-people", func(b *testing.B) {
		timePage(b, in, "zx_dir", "/app/ledger?month=2026-11&view=people", "每人合计")
	})
	b.Run("ledger/supervisor", func(b *testing.B) { timePage(b, in, "u00001", "/app/ledger?month=2026-11", "第01所") })
	b.Run("settle", func(b *testing.B) { timePage(b, in, "zx_dir", "/app/settle?month=2026-11", "2026年11月结算") })
}
