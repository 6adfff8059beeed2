package sheet

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/hongqi-dev/hongqi/model"
)

func xlsx(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, file string
		data       []byte
		want       [][]string // cells of each row
		wantLines  []int
		wantErr    string
	}{
		{"csv with BOM", "a.csv", []byte("\xef\xbb\xbf工号,姓名\ncg01,张三\n"), [][]string{{"工号", "姓名"}, {"cg01", "张三"}}, []int{1, 2}, ""},
		{"quoted newline keeps line numbers", "a.csv", []byte("a,b\n\"x\ny\",z\nq,r\n"), [][]string{{"a", "b"}, {"x\ny", "z"}, {"q", "r"}}, []int{1, 2, 4}, ""},
		{"tab separated paste", "a.txt", []byte("工号\t姓名\ncg01\t张三\n"), [][]string{{"工号", "姓名"}, {"cg01", "张三"}}, []int{1, 2}, ""},
		{"xlsx first sheet", "a.xlsx", xlsx(t, [][]any{{"工号", "姓名"}, {"cg01", "张三"}}), [][]string{{"工号", "姓名"}, {"cg01", "张三"}}, []int{1, 2}, ""},
		{"gbk refused with advice", "a.csv", []byte{0xb9, 0xa4, 0xba, 0xc5, '\n'}, nil, nil, "CSV UTF-8"},
		{"old xls refused", "a.xls", []byte("x"), nil, nil, ".xlsx"},
		{"unknown type", "a.pdf", []byte("x"), nil, nil, "只支持 .csv 和 .xlsx"},
		{"too big", "a.csv", bytes.Repeat([]byte("a"), MaxFileSize+1), nil, nil, "超过"},
		{"broken xlsx", "a.xlsx", []byte("not a zip"), nil, nil, "无法读取 XLSX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := Read(tt.file, bytes.NewReader(tt.data), Options{What: "花名册"})
			if tt.wantErr != "" {
				if err == nil || model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("err = %v, want EINVALID mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(tt.want) {
				t.Fatalf("got %d rows, want %d: %+v", len(rows), len(tt.want), rows)
			}
			for i, r := range rows {
				if strings.Join(r.Cells, "|") != strings.Join(tt.want[i], "|") || r.Line != tt.wantLines[i] {
					t.Errorf("row %d = line %d %q, want line %d %q", i, r.Line, r.Cells, tt.wantLines[i], tt.want[i])
				}
			}
		})
	}
}

func TestNormHeader(t *testing.T) {
	for in, want := range map[string]string{"\ufeff工号": "工号", " UserID ": "userid", "工号（userid）": "工号", "B 岗": "b岗"} {
		if got := NormHeader(in); got != want {
			t.Errorf("NormHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

// 真实的花名册：第一个工作表是说明，人员在第二个工作表；表头上面有一行合并单元格的标题、一行空行。
// 读的是有表头的那个工作表、从表头起，并说清楚读了哪里；行号是表格里看到的行号。
func TestReadTableFindsTheHeader(t *testing.T) {
	isHeader := func(cells []string) bool { return len(cells) > 1 && cells[0] == "工号" && cells[1] == "姓名" }
	f := excelize.NewFile()
	if err := f.SetCellValue("Sheet1", "A1", "填表说明：每人一行"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("人员"); err != nil {
		t.Fatal(err)
	}
	for cell, v := range map[string]string{"A1": "2026年城关所花名册", "A3": "工号", "B3": "姓名", "A4": "cg01", "B4": "张三", "A6": "cg02", "B6": "李四"} {
		if err := f.SetCellValue("人员", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.MergeCell("人员", "A1", "B1"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	csvData := []byte("城关所花名册,\n\n工号,姓名\ncg01,张三\n\ncg02,李四\n")

	tests := []struct {
		name, file string
		data       []byte
		header     func([]string) bool
		wantSheet  string
		wantWhere  string
		wantLines  []int
		wantFirst  string
	}{
		{"xlsx: second sheet under a merged title", "r.xlsx", buf.Bytes(), isHeader, "人员", "工作表“人员”第 3 行起", []int{3, 4, 5, 6}, "工号"},
		{"xlsx without a header predicate reads the first sheet", "r.xlsx", buf.Bytes(), nil, "Sheet1", "工作表“Sheet1”", []int{1}, "填表说明：每人一行"},
		{"xlsx with no header anywhere falls back to the first sheet", "r.xlsx", buf.Bytes(), func([]string) bool { return false }, "Sheet1", "工作表“Sheet1”", []int{1}, "填表说明：每人一行"},
		{"csv: title row and blank lines keep their line numbers", "r.csv", csvData, isHeader, "", "第 3 行起", []int{3, 4, 6}, "工号"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := ReadTable(tt.file, bytes.NewReader(tt.data), Options{What: "花名册", Header: tt.header})
			if err != nil {
				t.Fatal(err)
			}
			if tab.Sheet != tt.wantSheet || tab.Where() != tt.wantWhere {
				t.Errorf("read %q, where %q; want %q, %q", tab.Sheet, tab.Where(), tt.wantSheet, tt.wantWhere)
			}
			var lines []int
			for _, r := range tab.Rows {
				lines = append(lines, r.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.wantLines) || len(tab.Rows) == 0 || tab.Rows[0].Cells[0] != tt.wantFirst {
				t.Errorf("rows %+v, want lines %v starting with %q", tab.Rows, tt.wantLines, tt.wantFirst)
			}
		})
	}
}
