package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

var nov2026 = model.Month{Year: 2026, Month: time.November}

func person(id, name, branch string, kind model.BranchKind, role model.Role) model.Staff {
	return model.Staff{UserID: id, Name: name, Branch: branch, BranchKind: kind, Role: role, Active: true}
}

var (
	jia    = person("jia", "甲", "城关所", model.BranchCounty, model.RoleStaff)
	yi     = person("yi", "乙", "城关所", model.BranchCounty, model.RoleStaff)
	bing   = person("bing", "丙", "城关所", model.BranchCounty, model.RoleStaff)
	ding   = person("ding", "丁", "城东所", model.BranchCounty, model.RoleStaff)
	wu     = person("wu", "戊", "城东所", model.BranchCounty, model.RoleStaff)
	hkHead = person("hkhead", "河口所长", "河口所", model.BranchRural, model.RoleHead)
)

// entry 是 s 在 2026 年 11 月按规则 code 记的一条记录，名称和金额取自默认目录。
func entry(t *testing.T, id int64, s model.Staff, code string) model.Entry {
	t.Helper()
	r, ok := rules.Default().Rule(code)
	if !ok {
		t.Fatalf("default catalog has no rule %s", code)
	}
	return model.Entry{ID: id, StaffID: s.UserID, StaffName: s.Name, Branch: s.Branch, RuleCode: r.Code, RuleName: r.Name,
		Kind: r.Kind, Amount: r.Signed(), ActorID: "sup", ActorName: "赵主管", MsgKey: fmt.Sprintf("msg:%d", id), Month: nov2026,
		CreatedAt: time.Date(2026, 11, 3, 9, 0, 0, 0, model.Shanghai)}
}

func weekFlag(id int64, s model.Staff, week int) model.Flag {
	w := model.Week{Year: 2026, Week: week}
	return model.Flag{ID: id, Kind: model.FlagWeekly, Period: w.String(), Month: w.Month(model.Shanghai),
		StaffID: s.UserID, Name: s.Name, Branch: s.Branch, Source: "round"}
}

func dekadFlag(id int64, branch string, n int, head string) model.Flag {
	d := model.Dekad{Year: 2026, Month: time.November, N: n}
	return model.Flag{ID: id, Kind: model.FlagDekad, Period: d.String(), Month: d.MonthOf(), Name: branch, Branch: branch, HeadID: head, Source: "round"}
}

// november 是 rules-from-seed.md 的 2026 年 11 月算例，另加一面已撤销的周旗和一面计入 10 月的周旗。
// 手算：甲 +100（三面周旗），乙 −10−10+200 = +180，丙 −100，丁 +50，戊 0（记录已撤销），
// 河口所长 +100（三面旬旗）；合计 +330，扣款 −120，奖励 +450。
func november(t *testing.T) (calc.MonthResult, []model.Flag) {
	t.Helper()
	revoked := entry(t, 5, wu, "hygiene")
	revoked.Revocation = &model.Revocation{EntryID: 5, ActorID: "sup", ActorName: "赵主管", MsgKey: "msg:rev"}
	cancelledAt := time.Date(2026, 11, 25, 10, 0, 0, 0, model.Shanghai)
	cancelled := weekFlag(6, yi, 47)
	cancelled.Cancelled, cancelled.CancelledBy, cancelled.CancelledAt, cancelled.CancelNote = true, "admin", &cancelledAt, "虚假信息"
	flags := []model.Flag{
		weekFlag(1, jia, 44), // 计入 10 月
		weekFlag(2, jia, 45), weekFlag(3, jia, 46), weekFlag(4, jia, 47),
		weekFlag(5, yi, 46), cancelled,
		dekadFlag(7, "河口所", 1, "hkhead"), dekadFlag(8, "河口所", 2, "hkhead"), dekadFlag(9, "河口所", 3, "hkhead"),
	}
	in := calc.MonthInput{
		Month: nov2026,
		Staff: []model.Staff{jia, yi, bing, ding, wu, hkHead},
		Entries: []model.Entry{entry(t, 1, yi, "late"), entry(t, 2, yi, "late"), entry(t, 3, bing, "circular"),
			entry(t, 4, ding, "info_adopted"), revoked},
		Flags: flags,
		Star:  yi.UserID,
	}
	res, err := calc.Monthly(in, rules.Default(), calc.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return res, flags
}

// open 写出工作簿并用 excelize 重新打开。
func open(t *testing.T, res calc.MonthResult, flags []model.Flag) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := MonthWorkbook(res, flags, model.Shanghai, &buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func cell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return v
}

// number 读一个必须是数字（不是文字）的整数单元格。
func number(t *testing.T, f *excelize.File, sheet, ref string) int64 {
	t.Helper()
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("%s!%s is of type %v, want a number", sheet, ref, typ)
	}
	n, err := strconv.ParseInt(cell(t, f, sheet, ref), 10, 64)
	if err != nil {
		t.Fatalf("%s!%s is not an integer: %v", sheet, ref, err)
	}
	return n
}

// rows 返回 sheet 第 3 行起（表头之后）的各行。
func rows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	all, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Fatalf("%s has %d rows", sheet, len(all))
	}
	return all[2:]
}

func TestMonthWorkbookLayout(t *testing.T) {
	res, flags := november(t)
	f := open(t, res, flags)
	if got, want := f.GetSheetList(), []string{"汇总", "明细", "红旗"}; !slices.Equal(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	headers := map[string][]string{
		"汇总": {"工号", "姓名", "网点", "扣款合计", "奖励合计", "本月合计"},
		"明细": {"工号", "姓名", "网点", "日期", "类别", "事项", "金额", "记录编号", "关联", "状态"},
		"红旗": {"种类", "期别", "获旗者", "网点", "计入月份", "状态", "撤销说明"},
	}
	for _, sheet := range f.GetSheetList() {
		t.Run(sheet, func(t *testing.T) {
			if got := cell(t, f, sheet, "A1"); got != "2026年11月考核结算" {
				t.Errorf("title %q", got)
			}
			all, _ := f.GetRows(sheet)
			if got := all[1]; !slices.Equal(got, headers[sheet]) {
				t.Errorf("header %q, want %q", got, headers[sheet])
			}
			id, _ := f.GetCellStyle(sheet, "B2")
			if s, err := f.GetStyle(id); err != nil || s.Font == nil || !s.Font.Bold {
				t.Errorf("header cell B2 is not bold (style %d: %+v, %v)", id, s, err)
			}
			p, err := f.GetPanes(sheet)
			if err != nil || !p.Freeze || p.YSplit != 2 || p.TopLeftCell != "A3" {
				t.Errorf("panes %+v (%v), want the title and header rows frozen", p, err)
			}
			for i := range headers[sheet] {
				col, _ := excelize.ColumnNumberToName(i + 1)
				w, _ := f.GetColWidth(sheet, col)
				if w < 8 || w > 60 {
					t.Errorf("column %s width %.1f, want 8–60", col, w)
				}
			}
		})
	}
	// 事项列按内容放宽，能看清说明。
	if w, _ := f.GetColWidth("明细", "F"); w < 20 {
		t.Errorf("明细!F (事项) width %.1f, want at least 20", w)
	}
}

// TestMonthWorkbookColumnsInOrder 检查每张表的 <col> 按列升序：顺序乱了 Excel 打开时会提示修复文件。
func TestMonthWorkbookColumnsInOrder(t *testing.T) {
	res, flags := november(t)
	var buf bytes.Buffer
	if err := MonthWorkbook(res, flags, model.Shanghai, &buf); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	colMin := regexp.MustCompile(`<col min="(\d+)"`)
	sheets := 0
	for _, zf := range z.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			continue
		}
		sheets++
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		var mins []int
		for _, m := range colMin.FindAllSubmatch(data, -1) {
			n, _ := strconv.Atoi(string(m[1]))
			mins = append(mins, n)
		}
		if len(mins) < 6 || !slices.IsSorted(mins) {
			t.Errorf("%s: <col> min values %v, want ascending widths for every column", zf.Name, mins)
		}
	}
	if sheets != 3 {
		t.Errorf("%d worksheets in the file, want 3", sheets)
	}
}

func TestMonthWorkbookSummary(t *testing.T) {
	res, flags := november(t)
	f := open(t, res, flags)
	type sums struct{ deducted, rewarded, total int64 }
	want := map[string]sums{
		"jia": {0, 100, 100}, "yi": {-20, 200, 180}, "bing": {-100, 0, -100},
		"ding": {0, 50, 50}, "wu": {0, 0, 0}, "hkhead": {0, 100, 100},
	}
	got := map[string]sums{}
	var sumOfPeople int64
	totalRow := 0
	for i, r := range rows(t, f, "汇总") {
		n := i + 3
		if len(r) > 0 && r[0] == "合计" {
			totalRow = n
			break
		}
		s := sums{number(t, f, "汇总", fmt.Sprintf("D%d", n)), number(t, f, "汇总", fmt.Sprintf("E%d", n)), number(t, f, "汇总", fmt.Sprintf("F%d", n))}
		got[r[0]] = s
		sumOfPeople += s.total
		if s.deducted+s.rewarded != s.total {
			t.Errorf("row %d (%s): %d + %d != %d", n, r[1], s.deducted, s.rewarded, s.total)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("per person\n got %v\nwant %v", got, want)
	}
	if totalRow == 0 {
		t.Fatal("no 合计 row")
	}
	grand := number(t, f, "汇总", fmt.Sprintf("F%d", totalRow))
	if grand != 330 || grand != res.Summary.Total || grand != sumOfPeople {
		t.Errorf("grand total %d; want 330 = Summary.Total %d = sum of people %d", grand, res.Summary.Total, sumOfPeople)
	}
	if d, r := number(t, f, "汇总", fmt.Sprintf("D%d", totalRow)), number(t, f, "汇总", fmt.Sprintf("E%d", totalRow)); d != -120 || r != 450 {
		t.Errorf("total deducted %d, rewarded %d; want -120, 450", d, r)
	}
	if got := cell(t, f, "汇总", fmt.Sprintf("B%d", totalRow)); got != "6 人" {
		t.Errorf("people %q, want 6 人", got)
	}

	// 分网点汇总：城关所 100+180−100，城东所 50+0，河口所 100。
	branches := map[string]int64{}
	inBlock := false
	for i, r := range rows(t, f, "汇总") {
		switch {
		case len(r) > 0 && r[0] == "分网点汇总":
			inBlock = true
		case len(r) > 0 && r[0] == "全部网点":
			if n := number(t, f, "汇总", fmt.Sprintf("F%d", i+3)); n != res.Summary.Total {
				t.Errorf("全部网点 %d, want %d", n, res.Summary.Total)
			}
			inBlock = false
		case inBlock:
			branches[r[0]] = number(t, f, "汇总", fmt.Sprintf("F%d", i+3))
		}
	}
	if want := map[string]int64{"城关所": 180, "城东所": 50, "河口所": 100}; !maps.Equal(branches, want) {
		t.Errorf("branches\n got %v\nwant %v", branches, want)
	}
}

func TestMonthWorkbookLines(t *testing.T) {
	res, flags := november(t)
	f := open(t, res, flags)
	rs := rows(t, f, "明细")
	// 甲 1 行，乙 3 行（两次迟到、服务明星），丙 1 行，丁 1 行，河口所长 1 行；戊的记录已撤销。
	if len(rs) != 7 {
		t.Fatalf("%d lines, want 7: %q", len(rs), rs)
	}
	var sum int64
	found := false
	for i, r := range rs {
		n := i + 3
		sum += number(t, f, "明细", fmt.Sprintf("G%d", n))
		if r[0] == "wu" {
			t.Errorf("revoked entry listed: %q", r)
		}
		if r[0] == "bing" {
			found = true
			if r[4] != "台账记录" || number(t, f, "明细", fmt.Sprintf("H%d", n)) != 3 || number(t, f, "明细", fmt.Sprintf("G%d", n)) != -100 {
				t.Errorf("丙's line %q, want 台账记录 #3 −100", r)
			}
			// 日期是一个日期单元格，显示为“2026年11月3日”（记录时间 11 月 3 日 9:00，上海）。
			if got, _ := f.GetCellValue("明细", fmt.Sprintf("D%d", n)); got != "2026年11月3日" {
				t.Errorf("丙's date shows %q, want 2026年11月3日", got)
			}
		}
		if r[0] == "jia" && (r[4] != "周服务红旗奖励" || r[8] != "2026年11月周服务红旗" || r[7] != "" || r[3] != "" ||
			!strings.Contains(r[5], "本月 3 次（第1周、第2周、第3周）")) {
			t.Errorf("甲's line %q, want a weekly flag reward (weeks as people say them) without a date or entry number before publishing", r)
		}
		if r[0] == "yi" && r[4] == "服务明星" && r[8] != "2026年11月政务服务明星" {
			t.Errorf("乙's star line %q, want 关联 2026年11月政务服务明星", r)
		}
	}
	if !found {
		t.Error("no line for 丙")
	}
	if sum != res.Summary.Total {
		t.Errorf("lines sum to %d, summary total %d", sum, res.Summary.Total)
	}
}

func TestMonthWorkbookFlags(t *testing.T) {
	res, flags := november(t)
	f := open(t, res, flags)
	rs := rows(t, f, "红旗")
	// 11 月的 5 面周旗（甲 3 面，乙 2 面、其中 1 面已撤销）和 3 面旬旗；W44 计入 10 月，不列。
	if len(rs) != 8 {
		t.Fatalf("%d flags, want 8: %q", len(rs), rs)
	}
	status := map[string]int{}
	for _, r := range rs {
		status[r[5]]++
		if strings.Contains(r[1], "10月26日") {
			t.Errorf("an October flag is listed: %q", r)
		}
		if r[2] == "乙" && r[1] == "11月第3周（11月16日–22日）" {
			if r[5] != "已撤销" || r[6] != "11月25日撤销：虚假信息" {
				t.Errorf("cancelled flag %q, want 已撤销 with the note", r)
			}
		}
	}
	if want := map[string]int{"有效": 7, "已撤销": 1}; !maps.Equal(status, want) {
		t.Errorf("status %v, want %v", status, want)
	}
	if got := rs[0]; got[0] != "周服务红旗标杆岗" || got[1] != "11月第1周（11月2日–8日）" || got[4] != "2026年11月" {
		t.Errorf("first flag %q", got)
	}
	if got := rs[7]; got[0] != "旬服务红旗标杆所" || got[1] != "11月下旬" || got[3] != "河口所" {
		t.Errorf("last flag %q", got)
	}
}

func TestMonthWorkbookEmptyAndInvalid(t *testing.T) {
	t.Run("a month with nobody and no flags is still a workbook", func(t *testing.T) {
		res, err := calc.Monthly(calc.MonthInput{Month: nov2026}, rules.Default(), calc.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		f := open(t, res, nil)
		if got := cell(t, f, "汇总", "A3"); got != "合计" {
			t.Errorf("汇总!A3 %q, want 合计", got)
		}
		if got := number(t, f, "汇总", "F3"); got != 0 {
			t.Errorf("total %d", got)
		}
		if got := cell(t, f, "红旗", "A3"); got != "本月没有计入的红旗" {
			t.Errorf("红旗!A3 %q", got)
		}
	})
	t.Run("warnings are listed for the admin", func(t *testing.T) {
		in := calc.MonthInput{Month: nov2026, Flags: []model.Flag{
			dekadFlag(1, "石桥所", 1, ""), dekadFlag(2, "石桥所", 2, ""), dekadFlag(3, "石桥所", 3, "")}}
		res, err := calc.Monthly(in, rules.Default(), calc.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 1 {
			t.Fatalf("warnings %q, want one about the missing head", res.Warnings)
		}
		f := open(t, res, in.Flags)
		rs := rows(t, f, "汇总")
		last := rs[len(rs)-1]
		if len(rs) < 2 || rs[len(rs)-2][0] != "需要处理" || last[0] != res.Warnings[0] {
			t.Errorf("汇总 ends with %q, want 需要处理 and the warning", rs[max(0, len(rs)-2):])
		}
	})
	t.Run("no month", func(t *testing.T) {
		var buf bytes.Buffer
		err := MonthWorkbook(calc.MonthResult{}, nil, nil, &buf)
		if model.ErrorCode(err) != model.EINVALID || buf.Len() != 0 {
			t.Errorf("err = %v, %d bytes written; want %s and nothing", err, buf.Len(), model.EINVALID)
		}
	})
}
