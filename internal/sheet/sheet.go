// Package sheet 读取用户上传的表格文件（CSV 或 XLSX）为带行号的行，供花名册、岗位表、测评仪导出等导入共用。
// 报错都是给用户看的中文，说明是哪个文件、哪一行、怎么改。
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/hongqi-dev/hongqi/model"
)

// MaxFileSize 是导入文件的大小上限。
const MaxFileSize = 20 << 20

// Row 是表格中的一行及其行号（从 1 起）。
type Row struct {
	Line  int
	Cells []string
}

// Options 控制读取方式。
type Options struct {
	// What 是文件在提示里的叫法，如“花名册”“岗位表”。
	What string
	// RawXLSX 为真时 XLSX 单元格取原始值（日期是序列号），否则取显示的文字。
	RawXLSX bool
}

// Read 按扩展名读取 name：.csv/.txt 须为 UTF-8（可带 BOM；首行只有制表符时按制表符分隔，
// 即从表格里直接复制出的文本），.xlsx/.xlsm 读第一个工作表。
func Read(name string, r io.Reader, o Options) ([]Row, error) {
	what := o.What
	if what == "" {
		what = "文件"
	}
	base := filepath.Base(name)
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, model.Wrap(model.EINVALID, err, "读取%s %s 失败。", what, base)
	}
	if len(data) > MaxFileSize {
		return nil, model.Errorf(model.EINVALID, "%s %s 超过 %d MB，请检查是否选错了文件。", what, base, MaxFileSize>>20)
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
		return readCSV(data)
	case ".xlsx", ".xlsm":
		return readXLSX(data, o.RawXLSX)
	case ".xls":
		return nil, model.Errorf(model.EINVALID, "不支持旧版 Excel 文件（.xls）。请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后再导入。")
	}
	return nil, model.Errorf(model.EINVALID, "%s %s 的类型无法识别：只支持 .csv 和 .xlsx。", what, base)
}

func readCSV(data []byte) ([]Row, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, model.Errorf(model.EINVALID,
			"CSV 文件不是 UTF-8 编码（可能是 GBK）。请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”，或直接导入 .xlsx 文件。")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.IndexByte(first, '\t') >= 0 && bytes.IndexByte(first, ',') < 0 {
		cr.Comma = '\t'
	}
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var rows []Row
	for {
		cells, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, model.Wrap(model.EINVALID, err, "第 %d 行：CSV 格式有误（%v），请检查引号和逗号。", pe.Line, pe.Err)
			}
			return nil, model.Wrap(model.EINVALID, err, "读取 CSV 失败。")
		}
		line, _ := cr.FieldPos(0)
		rows = append(rows, Row{Line: line, Cells: cells})
	}
}

func readXLSX(data []byte, raw bool) ([]Row, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, model.Wrap(model.EINVALID, err, "无法读取 XLSX 文件，文件可能已损坏或有密码保护。")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, model.Errorf(model.EINVALID, "XLSX 文件里没有工作表。")
	}
	cells, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: raw})
	if err != nil {
		return nil, model.Wrap(model.EINVALID, err, "无法读取工作表“%s”。", sheets[0])
	}
	rows := make([]Row, len(cells))
	for i, c := range cells {
		rows[i] = Row{Line: i + 1, Cells: c}
	}
	return rows, nil
}

// Blank 表示一行是否全空。
func Blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// NormHeader 规范化表头：去 BOM 和空白、转小写、去掉括号里的说明（如“工号（userid）”）。
func NormHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	if i := strings.IndexAny(s, "(（"); i > 0 {
		s = s[:i]
	}
	return model.NormalizeWord(s)
}

// Open 打开用户给出的导入文件；找不到时返回 ENOTFOUND，其他错误为 EINVALID，提示里用 what 称呼文件。
func Open(path, what string) (*os.File, error) {
	f, err := os.Open(path)
	if err == nil {
		return f, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, model.Wrap(model.ENOTFOUND, err, "找不到%s %s，请检查路径。", what, path)
	}
	return nil, model.Wrap(model.EINVALID, err, "打不开%s %s。", what, path)
}
