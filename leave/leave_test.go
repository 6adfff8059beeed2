package leave

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/store"
)

// testClock 是本包测试的时钟，停在 2026-11-16 09:30（上海）；存储的时间戳取自它。
var testClock = model.PinClock(time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai), nil)

func TestParseSpan(t *testing.T) {
	today := model.MakeDate(2026, 11, 16)
	cases := []struct {
		name       string
		args       string
		start, end string
		half       int
		reason     string
		err        string
	}{
		{"一天", "1 天 家中有事", "2026-11-16", "2026-11-16", 2, "家中有事", ""},
		{"连写一天", "1天 家中有事", "2026-11-16", "2026-11-16", 2, "家中有事", ""},
		{"半天", "半天 看病", "2026-11-16", "2026-11-16", 1, "看病", ""},
		{"两天", "两天 探亲", "2026-11-16", "2026-11-17", 4, "探亲", ""},
		{"一天半", "1.5天 探亲", "2026-11-16", "2026-11-17", 3, "探亲", ""},
		{"三天半", "三天半 探亲", "2026-11-16", "2026-11-19", 7, "探亲", ""},
		{"中文日期范围", "11月28日-11月30日 探亲", "2026-11-28", "2026-11-30", 6, "探亲", ""},
		{"只写日的结束", "11月28日-30日 探亲", "2026-11-28", "2026-11-30", 6, "探亲", ""},
		{"跨月只写日", "11月30日-2日 探亲", "2026-11-30", "2026-12-02", 6, "探亲", ""},
		{"两个 ISO 日期", "2026-12-01 2026-12-03 婚假 三天", "2026-12-01", "2026-12-03", 6, "婚假 三天", ""},
		{"ISO 范围连写", "2026-12-01至2026-12-03 婚假", "2026-12-01", "2026-12-03", 6, "婚假", ""},
		{"至 分开写", "12月1日 至 12月3日 婚假", "2026-12-01", "2026-12-03", 6, "婚假", ""},
		{"单日", "11月20日 体检", "2026-11-20", "2026-11-20", 2, "体检", ""},
		{"单日半天", "明天 半天 体检", "2026-11-17", "2026-11-17", 1, "体检", ""},
		{"跨年", "1月2日 探亲", "2027-01-02", "2027-01-02", 2, "探亲", ""},
		{"斜杠", "11/20 体检", "2026-11-20", "2026-11-20", 2, "体检", ""},
		{"倒过来", "11月30日-11月25日 有事", "", "", 0, "", "早于开始日期"},
		{"不存在的日期", "2026-02-30 有事", "", "", 0, "", "2月没有30日"},
		{"不存在的月日", "2月30日", "", "", 0, "", "2月没有30日"},
		{"不存在的结束日", "11月28日-31日 探亲", "", "", 0, "", "11月没有31日"},
		{"日期 下午", "12月20日 下午 看病", "2026-12-20", "2026-12-20", 1, "看病", ""},
		{"日期连写上午", "12月20日上午 看病", "2026-12-20", "2026-12-20", 1, "看病", ""},
		{"明天下午", "明天下午 办证", "2026-11-17", "2026-11-17", 1, "办证", ""},
		{"只写下午", "下午 看病", "2026-11-16", "2026-11-16", 1, "看病", ""},
		{"半天 上午", "半天 上午 看病", "2026-11-16", "2026-11-16", 1, "看病", ""},
		{"看不懂", "下周 有事", "", "", 0, "", "“下周”看不懂"},
		{"空", "", "", "", 0, "", "请写天数或日期"},
		{"一年整", "366 天 病假", "2026-11-16", "2027-11-16", 732, "病假", ""},
		{"天数太大", "367 天 病假", "", "", 0, "", "“367”天不对"},
		{"天数溢出", "9999999999999999 天 有事", "", "", 0, "", "“9999999999999999”天不对"},
		{"天数超出 int64", "99999999999999999999 天 有事", "", "", 0, "", "“99999999999999999999”天不对"},
		{"半天的天数溢出", "9999999999999999.5天 有事", "", "", 0, "", "天不对"},
		{"负的天数", "-3 天 有事", "", "", 0, "", "看不懂"},
		{"科学计数法", "1e9 天 有事", "", "", 0, "", "看不懂"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp, err := ParseSpan(strings.Fields(tc.args), today)
			if tc.err != "" {
				if model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), tc.err) {
					t.Fatalf("错误 %v，应含 %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sp.Start.String() != tc.start || sp.End.String() != tc.end || sp.HalfDays != tc.half || sp.Reason != tc.reason {
				t.Errorf("ParseSpan(%q) = %s..%s 半天数 %d 事由 %q；想要 %s..%s %d %q", tc.args, sp.Start, sp.End, sp.HalfDays, sp.Reason, tc.start, tc.end, tc.half, tc.reason)
			}
			if (sp.HalfDays <= 2) != (model.RouteFor(sp.HalfDays, model.RoleStaff) == model.RouteDirector) {
				t.Errorf("%d 个半天的路线是 %s", sp.HalfDays, model.RouteFor(sp.HalfDays, model.RoleStaff))
			}
		})
	}
}

// TestParseSpanHalfAndText 半天假记下上午或下午；有原文时事由照原文（标点不丢）。
func TestParseSpanHalfAndText(t *testing.T) {
	today := model.MakeDate(2026, 11, 16)
	for _, tc := range []struct {
		args string
		half model.HalfDay
	}{
		{"12月20日 下午 看病", model.HalfPM}, {"12月20日上午 看病", model.HalfAM}, {"下午 看病", model.HalfPM},
		{"半天 看病", ""}, {"明天 半天 看病", ""}, {"1 天 看病", ""},
	} {
		sp, err := ParseSpan(strings.Fields(tc.args), today)
		if err != nil || sp.Half != tc.half {
			t.Errorf("ParseSpan(%q) 的上下午 = %q, %v；想要 %q", tc.args, sp.Half, err, tc.half)
		}
	}
	args := []string{"12月20日", "下午", "看病", "复查"}
	tails := []string{"12月20日 下午 看病，复查。", "下午 看病，复查。", "看病，复查。", "复查。"}
	sp, err := ParseSpanText(args, tails, today)
	if err != nil || sp.Reason != "看病，复查。" || (model.Leave{Start: sp.Start, End: sp.End, Half: sp.Half}).Span() != "12月20日下午" {
		t.Errorf("ParseSpanText = %+v, %v；事由应为“看病，复查。”，时间“12月20日下午”", sp, err)
	}
}

func TestMonthHalfDays(t *testing.T) {
	nov := model.Month{Year: 2026, Month: 11}
	l := model.Leave{Start: model.MakeDate(2026, 10, 30), End: model.MakeDate(2026, 11, 2), HalfDays: 8}
	if got := MonthHalfDays(l, nov); got != 4 {
		t.Errorf("跨月请假在 11 月的半天数 = %d，想要 4", got)
	}
	if got := MonthHalfDays(model.Leave{Start: model.MakeDate(2026, 11, 5), End: model.MakeDate(2026, 11, 5), HalfDays: 1}, nov); got != 1 {
		t.Errorf("半天假 = %d", got)
	}
}

// TestImport 导入示例岗位表（与示例花名册配套）；有误的文件按行报错、什么也不写；再导入替换窗口的人。
func TestImport(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, testenv.MySQL(t), testClock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, _, err := roster.Import(ctx, db, "../testdata/roster-example.csv", model.Date{Year: 2026, Month: 11, Day: 2}); err != nil {
		t.Fatal(err)
	}
	find := &ledger.Service{Staff: db, Ledger: db, Clock: testClock}
	added, updated, err := Import(ctx, find, db, "../testdata/posts-example.csv")
	if err != nil || added != 5 || updated != 0 {
		t.Fatalf("导入示例岗位表 added=%d updated=%d err=%v", added, updated, err)
	}
	bad := []struct {
		file string
		want []string
	}{
		{"testdata/bad-posts.csv", []string{"有 4 行有误，没有导入任何窗口", "第 3 行：窗口“城关社保窗口”与第 2 行重复", "第 4 行：窗口为空", "第 5 行：B 岗为空", "第 6 行：cg03 在这个窗口出现了两次"}},
		{"testdata/unknown-people.csv", []string{"第 2 行（城关社保窗口）：B岗：没有找到“nobody”", "第 3 行（东街综合窗口）：A岗：没有找到“ghost”"}},
		// 一次列出全部问题：格式（第 4 行）和人员（第 3 行重名、第 5 行找不到）不分两轮，按行号排。
		{"testdata/names-mixed.csv", []string{"有 3 行有误", "第 3 行（城关医保窗口）：A岗：有 2 位“张三”", "请写成 姓名(工号)", "\n第 4 行：窗口为空\n第 5 行（东街综合窗口）：A岗：没有找到“ghost”"}},
		{"testdata/bad-header.csv", []string{"表头不对", "窗口,A岗,B岗"}},
		{"testdata/missing.csv", []string{"找不到岗位表文件"}},
	}
	for _, tc := range bad {
		t.Run(tc.file, func(t *testing.T) {
			_, _, err := Import(ctx, find, db, tc.file)
			for _, w := range tc.want {
				if !strings.Contains(model.ErrorMessage(err), w) {
					t.Errorf("错误 %q 应含 %q", model.ErrorMessage(err), w)
				}
			}
			p, _ := db.Post(ctx, "城关社保窗口")
			if p.A != "cg01" || !slices.Equal(p.B, []string{"cg02", "cg03"}) {
				t.Errorf("有误的文件改动了城关社保窗口：%+v", p)
			}
		})
	}
	// 姓名也可以，只要不重名（与各命令同一个解析）：李四 → cg02，王五 → cg03，张三(cg01)。
	if _, _, err := Import(ctx, find, db, "testdata/names.csv"); err != nil {
		t.Fatalf("按姓名导入：%v", err)
	}
	if p, _ := db.Post(ctx, "城关社保窗口"); p.A != "cg02" || !slices.Equal(p.B, []string{"cg03", "cg01"}) {
		t.Errorf("按姓名导入后城关社保窗口 = %+v，想要 A cg02、B cg03 cg01", p)
	}
	if _, _, err := Import(ctx, find, db, "../testdata/posts-example.csv"); err != nil {
		t.Fatal(err)
	}
	added, updated, err = Import(ctx, find, db, "testdata/reimport.csv")
	if err != nil || added != 0 || updated != 1 {
		t.Fatalf("再导入 added=%d updated=%d err=%v", added, updated, err)
	}
	p, _ := db.Post(ctx, "城关社保窗口")
	if p.A != "cg02" || !slices.Equal(p.B, []string{"cg01"}) {
		t.Errorf("再导入后城关社保窗口 = %+v，想要 A cg02（工号按花名册写法）、B cg01", p)
	}
}
