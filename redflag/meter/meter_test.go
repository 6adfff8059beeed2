package meter

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/sheet"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/store"
)

// testClock 是本包测试的时钟，停在 2026-11-16 09:30（上海）；存储的时间戳取自它。
var testClock = model.PinClock(time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai), nil)

var shanghaiLoc = shanghai()

// openStore 在全新的 MariaDB 库上装好 testdata/roster.csv（含两位“王五”）。
func openStore(t *testing.T) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, testenv.MySQL(t), testClock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, _, err := db.UpsertRoster(ctx, testenv.Roster(t, "testdata/roster.csv")); err != nil {
		t.Fatal(err)
	}
	return db
}

// week45 返回 2026 年第 45 周（11月2日–8日）各人的测评 “满意/基本/不满意”。
func week45(t *testing.T, db *store.DB) map[string][3]int {
	t.Helper()
	w := model.Week{Year: 2026, Week: 45}
	in, err := db.StaffInputs(context.Background(), w.Start(shanghaiLoc), w.End(shanghaiLoc))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][3]int{}
	for _, s := range in {
		out[s.StaffID] = [3]int{s.Satisfied, s.Basic, s.Unsatisfied}
	}
	return out
}

func TestImportSequence(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	steps := []struct {
		name    string
		file    string
		want    model.MeterImport
		layout  string
		ratings int
		counts  map[string][3]int
	}{
		{
			name: "逐条评价，按姓名或工号，1/2/3 与文字都认", file: "ratings.csv",
			want: model.MeterImport{Added: 5}, layout: LayoutRatings, ratings: 7,
			counts: map[string][3]int{"zhangsan": {3, 1, 0}, "wangwu1": {0, 1, 0}, "wangwu2": {0, 0, 1}, "lisi": {0, 0, 1}},
		},
		{
			name: "同一文件再导入一次，不重复计数", file: "ratings.csv",
			want: model.MeterImport{Unchanged: 5}, layout: LayoutRatings, ratings: 7,
			counts: map[string][3]int{"zhangsan": {3, 1, 0}, "wangwu1": {0, 1, 0}, "wangwu2": {0, 0, 1}, "lisi": {0, 0, 1}},
		},
		{
			// 张三 11月2日 以新导出的 20/1/0 为准（替换 2/1/0），11月3日的 1 次保留。
			name: "按人按天的 Excel，日期单元格和文字日期", file: "days.xlsx",
			want: model.MeterImport{Added: 2, Replaced: 1}, layout: LayoutDays, ratings: 55,
			counts: map[string][3]int{"zhangsan": {21, 1, 0}, "zhaoliu": {25, 0, 1}, "wangwu1": {0, 1, 0}, "wangwu2": {0, 0, 1}, "lisi": {8, 0, 1}},
		},
		{
			name: "Excel 再导入一次", file: "days.xlsx",
			want: model.MeterImport{Unchanged: 3}, layout: LayoutDays, ratings: 55,
			counts: map[string][3]int{"zhangsan": {21, 1, 0}, "zhaoliu": {25, 0, 1}, "lisi": {8, 0, 1}},
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			res, err := ImportFile(ctx, db, db, "testdata/"+st.file, shanghaiLoc)
			if err != nil {
				t.Fatalf("导入 %s: %v", st.file, err)
			}
			if res.MeterImport != st.want || res.Layout != st.layout || res.Ratings != st.ratings {
				t.Errorf("结果 = %+v，想要 %+v、%s、%d 次", res, st.want, st.layout, st.ratings)
			}
			got := week45(t, db)
			for id, want := range st.counts {
				if got[id] != want {
					t.Errorf("%s 本周测评 = %v，想要 %v", id, got[id], want)
				}
			}
		})
	}
}

func TestImportBadRows(t *testing.T) {
	cases := []struct {
		file string
		want []string
	}{
		{"bad.csv", []string{
			"5 行有误", "没有导入任何数据",
			"第 3 行：有 2 位“王五”（王五(wangwu1)、王五(wangwu2)），请在导出文件里用工号",
			"第 4 行：“钱七”不在花名册里",
			"第 5 行：评价“很好”看不懂",
			"第 6 行：时间“昨天”看不懂",
			"第 7 行：工号 wangwu1 是王五，不是“王六”",
		}},
		// 标题行、空行照样算行号：用户在表格里看到钱七在第 6 行，报的就是第 6 行。
		{"blank-lines.csv", []string{
			"2 行有误",
			"第 6 行：“钱七”不在花名册里",
			"第 9 行：时间“昨天”看不懂",
		}},
		{"days-bad.csv", []string{
			"3 行有误",
			"第 3 行：张三 11月2日 与第 2 行重复",
			"第 4 行：次数“-1”应为 0 到 10000 的整数",
			"第 5 行：次数“99999999999999999999”应为 0 到 10000 的整数",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			db := openStore(t)
			_, err := ImportFile(context.Background(), db, db, "testdata/"+tc.file, shanghaiLoc)
			if model.ErrorCode(err) != model.EINVALID {
				t.Fatalf("错误 = %v，想要 EINVALID", err)
			}
			msg := model.ErrorMessage(err)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("提示缺少“%s”：\n%s", w, msg)
				}
			}
			if got := week45(t, db); len(got) != 0 {
				t.Errorf("有错的文件写进了数据：%v", got)
			}
		})
	}
}

func TestParseHeaders(t *testing.T) {
	roster := []model.Staff{{UserID: "zhangsan", Name: "张三", Active: true}}
	cases := []struct {
		name string
		rows [][]string
		want string
	}{
		{"空文件", nil, "是空的"},
		{"没有人员列", [][]string{{"时间", "评价"}, {"2026-11-02", "满意"}}, "需要“工号”或“姓名”列"},
		{"没有评价列", [][]string{{"姓名", "时间", "备注"}, {"张三", "2026-11-02", "x"}}, "需要“评价”列"},
		{"只有表头", [][]string{{"姓名", "时间", "评价"}}, "没有数据行"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rows []sheet.Row
			for i, cells := range tc.rows {
				rows = append(rows, sheet.Row{Line: i + 1, Cells: cells})
			}
			_, _, err := Parse("x.csv", rows, roster, time.UTC)
			if !strings.Contains(model.ErrorMessage(err), tc.want) {
				t.Errorf("错误 = %v，想要含“%s”", err, tc.want)
			}
		})
	}
}
