package sheet

import (
	"bytes"
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
