// Package xlsx 把月度结算结果（calc.MonthResult）写成 Excel 表（XLSX），供管理员下载、
// 财务兑现。
//
// 工作簿有三张表，每张第 1 行是标题（如“2026年11月考核结算”），第 2 行是加粗并冻结的表头：
//   - 汇总：每人一行（工号、姓名、网点、扣款合计、奖励合计、本月合计），一行合计；空一行后是
//     分网点汇总（取自 Summary）；有需要管理员处理的问题（Warnings）时列在最后。
//   - 明细：每张结算单的每一行（工号、姓名、网点、日期、类别、事项、金额、记录编号、关联、状态：申诉中、申诉维持、申诉后撤销）。
//     这里的网点是这一行计入的网点（记录当时、授旗当时），与分网点汇总一致；日期是记入台账的日子
//     （结算产生的行在发布之前没有日期和编号）；关联写成人看得懂的说法（“请假单 #4”“2026年11月政务服务明星”，
//     见 model.RefText）。
//   - 红旗：计入本月的每一面红旗（种类、期别、获旗者、网点、计入月份、状态、撤销说明），
//     已撤销的也列出，状态为“已撤销”。期别是人们说的（“11月第4周（11月23日–29日）”“12月上旬”）。
//
// 金额一律写成整数（单元格是数字，不是文字），扣款为负数、显示为红色。表用 excelize 的流式写入，
// 两万人、十几万行明细也不会占用大量内存。
package xlsx

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// 三张表的名称。
const (
	SheetSummary = "汇总"
	SheetLines   = "明细"
	SheetFlags   = "红旗"
)

// Title 返回工作簿的标题，如“2026年11月考核结算”。
func Title(m model.Month) string { return m.Label() + "考核结算" }

// styles 是工作簿中用到的单元格样式。
type styles struct {
	title, header, text, bold, money, boldMoney, date int
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	moneyFmt := "#,##0;[Red]-#,##0"
	dateFmt := `yyyy"年"m"月"d"日"`
	border := []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}
	defs := []struct {
		id    *int
		style excelize.Style
	}{
		{&s.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&s.header, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}}},
		{&s.text, excelize.Style{}},
		{&s.bold, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&s.money, excelize.Style{CustomNumFmt: &moneyFmt}},
		{&s.boldMoney, excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: &moneyFmt}},
		{&s.date, excelize.Style{CustomNumFmt: &dateFmt}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(&d.style)
		if err != nil {
			return s, err
		}
		*d.id = id
	}
	return s, nil
}

// MonthWorkbook 把 res 写成 XLSX 写入 w；flags 是计入该月的红旗（含已撤销的；Month 不是
// res.Month 的不列）。日期按 loc 写（为空时用 model.Shanghai）。
func MonthWorkbook(res calc.MonthResult, flags []model.Flag, loc *time.Location, w io.Writer) error {
	if loc == nil {
		loc = model.Shanghai
	}
	if res.Month.IsZero() {
		return model.Errorf(model.EINVALID, "结算结果没有月份，无法导出")
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("report: styles: %w", err)
	}
	if err := f.SetSheetName(f.GetSheetName(0), SheetSummary); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, name := range []string{SheetLines, SheetFlags} {
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	title := Title(res.Month)
	sheets := []struct {
		name string
		t    *table
	}{
		{SheetSummary, summaryTable(res, st)},
		{SheetLines, linesTable(res, st, loc)},
		{SheetFlags, flagsTable(res.Month, flags, st, loc)},
	}
	for _, s := range sheets {
		if err := s.t.write(f, s.name, title, st); err != nil {
			return fmt.Errorf("report: sheet %s: %w", s.name, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("report: write xlsx: %w", err)
	}
	return nil
}

// table 是一张表的表头和数据行（标题行之后）。
type table struct {
	header []string
	rows   [][]any // 每个值是 excelize.Cell 或 nil（空单元格）
	// maxWidth 是各列的最大宽度（字符数，CJK 字按 2 计）；0 表示默认上限。
	maxWidth map[int]float64
}

// write 用流式写入把表写进 sheet：标题行（合并到表头的宽度）、冻结的表头、数据行。
func (t *table) write(f *excelize.File, sheet, title string, st styles) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	// excelize 把后设的列排在前面；从最后一列倒着设，文件中的列才是升序（Excel 要求）。
	widths := t.widths()
	for col := len(widths) - 1; col >= 0; col-- {
		if err := sw.SetColWidth(col+1, col+1, widths[col]); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: title}}, excelize.RowOpts{Height: 28}); err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(len(t.header), 1)
	if err != nil {
		return err
	}
	if err := sw.MergeCell("A1", last); err != nil {
		return err
	}
	header := make([]any, len(t.header))
	for i, h := range t.header {
		header[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow("A2", header); err != nil {
		return err
	}
	for i, row := range t.rows {
		if len(row) == 0 {
			continue // 空行
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+3), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// widths 按内容算列宽：最宽的单元格加 2，至少 8，至多 maxWidth（默认 40）。
func (t *table) widths() []float64 {
	out := make([]float64, len(t.header))
	measure := func(col int, v any) {
		if col >= len(out) {
			return
		}
		var s string
		switch v := v.(type) {
		case excelize.Cell:
			switch x := v.Value.(type) {
			case int64:
				s = fmt.Sprintf("-%d,", x) // 留出负号和千分位
			case time.Time:
				s = "2026年12月31日"
			case nil:
			default:
				s = fmt.Sprint(x)
			}
		case nil:
			return
		}
		out[col] = max(out[col], displayWidth(s)+2)
	}
	for i, h := range t.header {
		measure(i, excelize.Cell{Value: h})
	}
	for _, row := range t.rows {
		for i, v := range row {
			measure(i, v)
		}
	}
	for i := range out {
		limit := cmp.Or(t.maxWidth[i], 40)
		out[i] = min(max(out[i], 8), limit)
	}
	return out
}

// displayWidth 是 s 在表格中大致占的宽度：汉字等全角字符按 2 计。
func displayWidth(s string) float64 {
	var w float64
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x30FF) || (r >= 0xFF00 && r <= 0xFFEF) {
			w += 2
		} else {
			w++
		}
	}
	return w
}

func text(st styles, s string) excelize.Cell  { return excelize.Cell{StyleID: st.text, Value: s} }
func bold(st styles, s string) excelize.Cell  { return excelize.Cell{StyleID: st.bold, Value: s} }
func money(st styles, n int64) excelize.Cell  { return excelize.Cell{StyleID: st.money, Value: n} }
func bmoney(st styles, n int64) excelize.Cell { return excelize.Cell{StyleID: st.boldMoney, Value: n} }

// split 返回结算单的扣款合计（≤0）和奖励合计（≥0），与 settle 的汇总同一口径（0 元计入奖励）。
func split(s calc.Statement) (deducted, rewarded int64) {
	for _, l := range s.Lines {
		if l.Amount < 0 {
			deducted += l.Amount
		} else {
			rewarded += l.Amount
		}
	}
	return deducted, rewarded
}

// summaryTable 是“汇总”表：每人一行、合计行、分网点汇总和需要处理的问题。
func summaryTable(res calc.MonthResult, st styles) *table {
	t := &table{header: []string{"工号", "姓名", "网点", "扣款合计", "奖励合计", "本月合计"}}
	var deducted, rewarded, total int64
	for _, s := range res.Statements {
		d, r := split(s)
		deducted, rewarded, total = deducted+d, rewarded+r, total+s.Total
		t.rows = append(t.rows, []any{text(st, s.Staff.UserID), text(st, s.Staff.Name), text(st, s.Staff.Branch),
			money(st, d), money(st, r), money(st, s.Total)})
	}
	t.rows = append(t.rows, []any{bold(st, "合计"), bold(st, fmt.Sprintf("%d 人", len(res.Statements))), nil,
		bmoney(st, deducted), bmoney(st, rewarded), bmoney(st, total)})

	t.rows = append(t.rows, nil,
		[]any{bold(st, "分网点汇总"), nil, nil, bold(st, "扣款合计"), bold(st, "奖励合计"), bold(st, "合计")})
	for _, b := range res.Summary.Branches {
		name := b.Branch
		if name == "" {
			name = "（未填网点）"
		}
		t.rows = append(t.rows, []any{text(st, name), nil, nil, money(st, b.Deducted), money(st, b.Rewarded), money(st, b.Total)})
	}
	t.rows = append(t.rows, []any{bold(st, "全部网点"), nil, nil,
		bmoney(st, res.Summary.Deducted), bmoney(st, res.Summary.Rewarded), bmoney(st, res.Summary.Total)})

	if len(res.Warnings) > 0 {
		t.rows = append(t.rows, nil, []any{bold(st, "需要处理")})
		for _, w := range res.Warnings {
			t.rows = append(t.rows, []any{text(st, w)})
		}
	}
	// 问题说明写在 A 列，很长；列宽只按工号算，说明向右溢出显示。
	t.maxWidth = map[int]float64{0: 16}
	return t
}

// kindLabels 是明细种类的中文名。
var kindLabels = map[string]string{
	calc.LineEntry:        "台账记录",
	calc.LineFlagReward:   "周服务红旗奖励",
	calc.LineDekadHead:    "旬服务红旗奖励（所长）",
	calc.LineStar:         "服务明星",
	calc.LineYearStar:     "年度服务明星",
	calc.LineYearStarHead: "年度服务明星（所长）",
	calc.LineYearFew:      "年度周旗不足",
	calc.LineYearNone:     "年度未获周旗",
	calc.LineYearNoneHead: "年度未获周旗（所长）",
}

// KindLabel 返回明细种类（calc.Line.Kind）的中文名。
func KindLabel(kind string) string {
	if s, ok := kindLabels[kind]; ok {
		return s
	}
	return kind
}

// linesTable 是“明细”表：每张结算单的每一行。
func linesTable(res calc.MonthResult, st styles, loc *time.Location) *table {
	t := &table{header: []string{"工号", "姓名", "网点", "日期", "类别", "事项", "金额", "记录编号", "关联", "状态"},
		maxWidth: map[int]float64{5: 60}}
	names := map[string]string{}
	for _, s := range res.Statements {
		names[s.Staff.UserID] = s.Staff.Name
	}
	name := func(id string) string { return names[id] }
	for _, s := range res.Statements {
		for _, l := range s.Lines {
			var id, at any
			if l.EntryID != 0 {
				id = excelize.Cell{StyleID: st.text, Value: l.EntryID}
			}
			if !l.At.IsZero() {
				at = excelize.Cell{StyleID: st.date, Value: wallDate(l.At, loc)}
			}
			t.rows = append(t.rows, []any{text(st, s.Staff.UserID), text(st, s.Staff.Name), text(st, l.Branch), at,
				text(st, KindLabel(l.Kind)), text(st, l.Text), money(st, l.Amount), id, text(st, model.RefText(l.Ref, name)), text(st, l.Status)})
		}
	}
	return t
}

// wallDate 是 t 在 loc 的那一天（0 点，UTC 表示）：Excel 的日期没有时区，写进去的就是墙上的日期。
func wallDate(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// dayText 是表格里写的一天：与 year 同年时为“11月25日”，否则带年份。
func dayText(t time.Time, year int, loc *time.Location) string {
	t = t.In(loc)
	if t.Year() != year {
		return t.Format("2006年1月2日")
	}
	return t.Format("1月2日")
}

// flagsTable 是“红旗”表：计入 month 的红旗，周旗在前，按期别、编号排序。
func flagsTable(month model.Month, flags []model.Flag, st styles, loc *time.Location) *table {
	t := &table{header: []string{"种类", "期别", "获旗者", "网点", "计入月份", "状态", "撤销说明"}}
	list := make([]model.Flag, 0, len(flags))
	for _, f := range flags {
		if f.Month == month {
			list = append(list, f)
		}
	}
	kindOrder := func(k model.FlagKind) int {
		if k == model.FlagWeekly {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(list, func(x, y model.Flag) int {
		return cmp.Or(cmp.Compare(kindOrder(x.Kind), kindOrder(y.Kind)), cmp.Compare(x.Period, y.Period), cmp.Compare(x.ID, y.ID))
	})
	for _, f := range list {
		status, note := "有效", ""
		if f.Cancelled {
			status = "已撤销"
			note = f.CancelNote
			if f.CancelledAt != nil {
				note = dayText(*f.CancelledAt, month.Year, loc) + "撤销"
				if f.CancelNote != "" {
					note += "：" + f.CancelNote
				}
			}
		}
		t.rows = append(t.rows, []any{text(st, f.Kind.Label()), text(st, model.SpokenPeriod(f.Period, month.Year)), text(st, f.Name),
			text(st, f.Branch), text(st, f.Month.Label()), text(st, status), text(st, note)})
	}
	if len(list) == 0 {
		t.rows = append(t.rows, []any{text(st, "本月没有计入的红旗")})
	}
	return t
}
