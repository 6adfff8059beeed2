package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestParseMonth(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai)
	jan := time.Date(2027, 1, 3, 10, 0, 0, 0, shanghai)
	tests := []struct {
		name, in string
		now      time.Time
		want     string
		wantErr  bool
	}{
		{"empty is this month", "", now, "2026-11", false},
		{"本月", "本月", now, "2026-11", false},
		{"上月", "上月", now, "2026-10", false},
		{"上月 across year", "上月", jan, "2026-12", false},
		{"month only", "10月", now, "2026-10", false},
		{"month only later than now is last year", "12月", jan, "2026-12", false},
		{"iso", "2026-10", now, "2026-10", false},
		{"chinese full", "2025年3月", now, "2025-03", false},
		{"compact", "202609", now, "2026-09", false},
		{"slash", "2026/9", now, "2026-09", false},
		{"month 13", "13月", now, "", true},
		{"garbage", "明年", now, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMonth(tt.in, tt.now, shanghai)
			if tt.wantErr {
				if err == nil || ErrorCode(err) != EINVALID {
					t.Fatalf("ParseMonth(%q) = %v, %v; want EINVALID", tt.in, got, err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("ParseMonth(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestMonthOfUsesShanghai(t *testing.T) {
	// 2026-11-30 17:00 UTC is already 1 December in Shanghai.
	utc := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	if got := MonthOf(utc, shanghai).String(); got != "2026-12" {
		t.Errorf("MonthOf = %s, want 2026-12", got)
	}
	if got := (Month{2026, 12}).Add(1).String(); got != "2027-01" {
		t.Errorf("Add across year = %s", got)
	}
}

func TestStaffScope(t *testing.T) {
	staff := Staff{UserID: "s1", Branch: "城关所", Role: RoleStaff}
	other := Staff{UserID: "s2", Branch: "东街所", Role: RoleStaff}
	sup := Staff{UserID: "m1", Branch: "城关所", Role: RoleSupervisor}
	supWide := Staff{UserID: "m2", Branch: "城关所", Role: RoleSupervisor, Scope: []string{"东街所"}}
	head := Staff{UserID: "h1", Branch: "东街所", Role: RoleHead}
	admin := Staff{UserID: "a1", Branch: "中心", Role: RoleAdmin}
	tests := []struct {
		name           string
		actor, target  Staff
		manages, views bool
	}{
		{"staff views self only", staff, staff, false, true},
		{"staff cannot view colleague", staff, other, false, false},
		{"supervisor manages own branch", sup, staff, true, true},
		{"supervisor not other branch", sup, other, false, false},
		{"roster widens scope", supWide, other, true, true},
		{"head manages own branch", head, other, true, true},
		{"admin manages everyone", admin, other, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.Manages(tt.target); got != tt.manages {
				t.Errorf("Manages = %v, want %v", got, tt.manages)
			}
			if got := tt.actor.CanView(tt.target); got != tt.views {
				t.Errorf("CanView = %v, want %v", got, tt.views)
			}
		})
	}
}

func testCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := NewCatalog([]Rule{
		{Code: "late", Name: "到岗迟到或者早退", Kind: Deduction, Amount: 10, Words: []string{"迟到", "早退"}},
		{Code: "late_long", Name: "迟到或早退时间长", Kind: Deduction, Amount: 30, Words: []string{"迟到长", "长时间迟到"}},
		{Code: "hygiene", Name: "当班人员不打扫卫生", Kind: Deduction, Amount: 20, Words: []string{"卫生"}},
		{Code: "info_adopted", Name: "上报信息被市级部门采纳", Kind: Reward, Amount: 50, Words: []string{"信息采纳"}},
	})
	if err != nil {
		t.Fatalf("NewCatalog: %v", err)
	}
	return c
}

func TestCatalogMatch(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		name     string
		kind     RuleKind
		words    []string
		wantCode string
		wantUsed int
		wantErr  string
	}{
		{"short word", Deduction, []string{"迟到"}, "late", 1, ""},
		{"tier by two words", Deduction, []string{"迟到", "长"}, "late_long", 2, ""},
		{"tier by one word", Deduction, []string{"长时间迟到", "堵车"}, "late_long", 1, ""},
		{"note after item", Deduction, []string{"卫生", "地面有纸屑"}, "hygiene", 1, ""},
		{"code works", Deduction, []string{"hygiene"}, "hygiene", 1, ""},
		{"reward", Reward, []string{"信息采纳"}, "info_adopted", 1, ""},
		{"wrong direction", Reward, []string{"迟到"}, "", 0, "请用“扣”命令"},
		{"typo suggests", Deduction, []string{"迟倒"}, "", 0, "迟到"},
		{"nothing", Deduction, nil, "", 0, "请写明事项"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, used, err := c.Match(tt.kind, tt.words)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(ErrorMessage(err), tt.wantErr) {
					t.Fatalf("Match(%v) err = %v, want message containing %q", tt.words, err, tt.wantErr)
				}
				return
			}
			if err != nil || r.Code != tt.wantCode || used != tt.wantUsed {
				t.Fatalf("Match(%v) = %s, %d, %v; want %s, %d", tt.words, r.Code, used, err, tt.wantCode, tt.wantUsed)
			}
		})
	}
}

func TestNewCatalogRejects(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		want  string
	}{
		{"no code", []Rule{{Name: "x", Kind: Deduction, Amount: 1}}, "缺少 code"},
		{"zero amount", []Rule{{Code: "a", Name: "x", Kind: Deduction}}, "正整数"},
		{"bad kind", []Rule{{Code: "a", Name: "x", Kind: "fine", Amount: 1}}, "deduct 或 reward"},
		{"dup code", []Rule{{Code: "a", Name: "x", Kind: Deduction, Amount: 1}, {Code: "a", Name: "y", Kind: Deduction, Amount: 1}}, "重复"},
		{"dup word", []Rule{{Code: "a", Name: "x", Kind: Deduction, Amount: 1, Words: []string{"迟到"}}, {Code: "b", Name: "y", Kind: Deduction, Amount: 1, Words: []string{"迟到"}}}, "已被 a 使用"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCatalog(tt.rules)
			if err == nil || !strings.Contains(ErrorMessage(err), tt.want) {
				t.Fatalf("NewCatalog err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	names := []string{"张三", "张山", "李四", "王五", "张三丰"}
	got := Closest("张散", names, 3)
	if len(got) == 0 || (got[0] != "张三" && got[0] != "张山") {
		t.Errorf("Closest(张散) = %v, want 张三/张山 first", got)
	}
	if got := Closest("赵六", names, 3); len(got) != 0 {
		t.Errorf("Closest(赵六) = %v, want none", got)
	}
}

func TestErrorMessageHidesInternals(t *testing.T) {
	if msg := ErrorMessage(errString("dial tcp 10.0.0.1: password=xyz")); strings.Contains(msg, "xyz") {
		t.Errorf("internal error leaked: %s", msg)
	}
	if code := ErrorCode(Wrap(EUNAVAILABLE, errString("x"), "数据库暂时不可用")); code != EUNAVAILABLE {
		t.Errorf("code = %s", code)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestIsRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"unavailable", Errorf(EUNAVAILABLE, "数据库暂时不可用"), true},
		{"internal", Errorf(EINTERNAL, "出错了"), true},
		{"plain error is internal", errors.New("boom"), true},
		{"wrapped unavailable", fmt.Errorf("store: %w", Errorf(EUNAVAILABLE, "x")), true},
		{"user error", Errorf(ENOTFOUND, "没有找到“张山”。"), false},
		{"duplicate", Errorf(EDUPLICATE, "已经处理过"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsRetryable(tt.err); got != tt.want {
				t.Errorf("IsRetryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestRefText(t *testing.T) {
	names := map[string]string{"dj01": "张三"}
	tests := []struct{ ref, want string }{
		{"", ""},
		{"leave:4", "请假单 #4"},
		{"adjusts:#88", "更正记录 #88"},
		{"flags:weekly:2026-11", "2026年11月周服务红旗"},
		{"flags:dekad:2026-11:河口所", "河口所2026年11月旬服务红旗"},
		{"star:2026-11", "2026年11月政务服务明星"},
		{"flags:year:2025", "2025年度周服务红旗"},
		{"flags:year:2025:dj01", "2025年度周服务红旗：张三（dj01）"},
		{"flags:year:2025:gone", "2025年度周服务红旗：gone"},
		{"flag:12:false-info", "撤销的红旗 #12（虚假信息）"},
		{"something:else", "something:else"},
	}
	for _, tt := range tests {
		if got := RefText(tt.ref, func(id string) string { return names[id] }); got != tt.want {
			t.Errorf("RefText(%q) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}
