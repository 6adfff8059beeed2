// Package sheet 读取用户上传的表格文件（CSV 或 XLSX）为带行号的行，供花名册、岗位表、测评仪导出等导入共用。
// 报错都是给用户看的中文，说明是哪个文件、哪一行、怎么改。
package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/hongqi-dev/hongqi/model"
)

// 导入文件的上限。XLSX 是 zip 压缩包：几百 KB 的文件可以解压出几百 MB 的表格（“压缩炸弹”），
// 所以除了文件大小，还限制解压后的大小、行数和单元格数；超过时整份文件不读，说明原因。
// 花名册、岗位表、测评仪导出和红旗表都远在这些上限之内。
const (
	// MaxFileSize 是导入文件本身的大小上限。
	MaxFileSize = 20 << 20
	// MaxUnzippedSize 是 XLSX 解压后各部分合计的上限（按 zip 目录里登记的大小检查，
	// 解压时实际多出登记大小的，archive/zip 会报错）。
	MaxUnzippedSize = 64 << 20
	// MaxRows 是一个表格（XLSX 的一个工作表，或 CSV）最多的行数，空行也算。
	MaxRows = 100_000
	// MaxColumns 是一行最多的列数。
	MaxColumns = 200
	// MaxCells 是整个表格最多的单元格数（每行算到最后一个非空单元格）。
	MaxCells = 1_000_000

	// maxZipEntries 是 XLSX 压缩包里最多的文件数。
	maxZipEntries = 1000
	// maxSharedStrings 是共享字符串表（xl/sharedStrings.xml）解压后的上限；
	// maxOtherPart 是工作表和共享字符串以外各部分（样式、工作簿等）解压后的上限，这些部分会整个读进内存。
	maxSharedStrings = 16 << 20
	maxOtherPart     = 4 << 20
	// maxPartInMemory 以上的工作表和共享字符串表由 excelize 解压到临时文件，逐行读取。
	maxPartInMemory = 4 << 20
)

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
	// Header 认出表头行。给出时，表头前的标题行（如合并单元格的“2026年花名册”）、说明行都跳过：
	// XLSX 依次看每个工作表的前 HeaderSearch 行，读第一个有表头的工作表，从表头那一行起；CSV 同样从表头起。
	// 哪个工作表都没有表头时，照旧读第一个工作表的全部行（由调用方说明表头缺什么）。
	Header func(cells []string) bool
}

// HeaderSearch 是找表头时每个工作表最多看的行数。
const HeaderSearch = 20

// Table 是读出的表格：各行（给了 Options.Header 且找到了表头时从表头起），以及读的是哪个工作表、
// 表头在哪一行——导入的回复和报错据此告诉用户读了哪里。
type Table struct {
	Rows []Row
	// Sheet 是 XLSX 中读的工作表名；CSV 为空。
	Sheet string
	// Sheets 是 XLSX 的工作表数。
	Sheets int
	// HeaderLine 是找到的表头所在行（从 1 起）；没有给 Header 或没找到时为 0。
	HeaderLine int
}

// Where 说读了哪里，如“工作表“人员”第 3 行起”；CSV 的表头就在第 1 行、或没有找表头时为空。
func (t Table) Where() string {
	switch {
	case t.Sheet != "" && t.HeaderLine > 0:
		return fmt.Sprintf("工作表“%s”第 %d 行起", t.Sheet, t.HeaderLine)
	case t.Sheet != "":
		return fmt.Sprintf("工作表“%s”", t.Sheet)
	case t.HeaderLine > 1:
		return fmt.Sprintf("第 %d 行起", t.HeaderLine)
	}
	return ""
}

// Read 按扩展名读取 name，见 ReadTable；只要各行。
func Read(name string, r io.Reader, o Options) ([]Row, error) {
	t, err := ReadTable(name, r, o)
	return t.Rows, err
}

// ReadTable 按扩展名读取 name：.csv/.txt 须为 UTF-8（可带 BOM；首行只有制表符时按制表符分隔，
// 即从表格里直接复制出的文本），.xlsx/.xlsm 读第一个有表头的工作表（见 Options.Header；没有 Header 时读第一个）。
// 行号是文件里的行号，空行也算，所以报错说的“第 5 行”就是用户在表格里看到的第 5 行。
func ReadTable(name string, r io.Reader, o Options) (Table, error) {
	what := o.What
	if what == "" {
		what = "文件"
	}
	base := filepath.Base(name)
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return Table{}, model.Wrap(model.EINVALID, err, "读取%s %s 失败。", what, base)
	}
	if len(data) > MaxFileSize {
		return Table{}, model.Errorf(model.EINVALID, "%s %s 超过 %d MB，请检查是否选错了文件。", what, base, MaxFileSize>>20)
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
		rows, err := readCSV(data)
		if err != nil {
			return Table{}, err
		}
		t := Table{Rows: rows}
		if o.Header != nil {
			if i := findHeader(rows, o.Header); i >= 0 {
				t.Rows, t.HeaderLine = rows[i:], rows[i].Line
			}
		}
		return t, nil
	case ".xlsx", ".xlsm":
		return readXLSX(data, o.RawXLSX, o.Header)
	case ".xls":
		return Table{}, model.Errorf(model.EINVALID, "不支持旧版 Excel 文件（.xls）。请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后再导入。")
	}
	return Table{}, model.Errorf(model.EINVALID, "%s %s 的类型无法识别：只支持 .csv 和 .xlsx。", what, base)
}

// findHeader 返回 rows 前 HeaderSearch 行中第一个表头行的位置，没有为 -1。
func findHeader(rows []Row, isHeader func([]string) bool) int {
	for i, r := range rows {
		if r.Line > HeaderSearch {
			break
		}
		if !Blank(r.Cells) && isHeader(r.Cells) {
			return i
		}
	}
	return -1
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
	cr.ReuseRecord = false
	var rows []Row
	var lim limits
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
		if err := lim.add(line, len(cells)); err != nil {
			return nil, err
		}
		rows = append(rows, Row{Line: line, Cells: cells})
	}
}

// limits 在逐行读取时数行数和单元格数，超过 MaxRows、MaxColumns、MaxCells 时给出说明。
type limits struct {
	rows, cells int
}

func (l *limits) add(line, cells int) error {
	l.rows++
	l.cells += cells
	switch {
	case l.rows > MaxRows:
		return model.Errorf(model.EINVALID, "表格超过 %d 行，没有导入。请检查是否选错了文件，或分成几份导入。", MaxRows)
	case cells > MaxColumns:
		return model.Errorf(model.EINVALID, "第 %d 行有 %d 列，超过 %d 列，没有导入。请检查是否选错了文件。", line, cells, MaxColumns)
	case l.cells > MaxCells:
		return model.Errorf(model.EINVALID, "表格超过 %d 个单元格，没有导入。请检查是否选错了文件，或分成几份导入。", MaxCells)
	}
	return nil
}

// errUnzipped 是 XLSX 解压后太大时的说明。
func errUnzipped(err error) error {
	return model.Wrap(model.EINVALID, err,
		"XLSX 文件解压后超过 %d MB（表格里可能有大量空白或重复的内容，也可能是选错了文件），没有导入。请只保留需要的数据，或另存为 CSV 后导入。",
		MaxUnzippedSize>>20)
}

// checkZip 在交给 excelize 之前检查 XLSX 压缩包的目录：文件数、各部分和合计的解压后大小。
// 只读目录，不解压任何内容。登记的大小不可信时，解压中 archive/zip 会在超过登记大小处报错。
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return model.Wrap(model.EINVALID, err, "无法读取 XLSX 文件，文件可能已损坏或有密码保护。")
	}
	if len(zr.File) > maxZipEntries {
		return model.Errorf(model.EINVALID, "XLSX 文件里有 %d 个部件，不像是一份普通的表格，没有导入。请另存为新的 .xlsx 或 CSV 后导入。", len(zr.File))
	}
	var total uint64
	for _, f := range zr.File {
		size := f.UncompressedSize64
		total += size
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		limit := uint64(maxOtherPart)
		switch {
		case strings.HasPrefix(name, "xl/worksheets/"):
			limit = MaxUnzippedSize
		case name == "xl/sharedstrings.xml":
			limit = maxSharedStrings
		}
		if size > limit || total > MaxUnzippedSize {
			return errUnzipped(fmt.Errorf("zip entry %s: %d bytes unzipped (limit %d), total %d (limit %d)", f.Name, size, limit, total, MaxUnzippedSize))
		}
	}
	// 登记的大小可能是假的：解压一遍（不保存），archive/zip 在超过登记大小或校验和不对时报错。
	// 合计已不超过 MaxUnzippedSize，这一遍的耗时也有上限。
	for _, f := range zr.File {
		if err := drain(f); err != nil {
			return model.Wrap(model.EINVALID, fmt.Errorf("zip entry %s: %w", f.Name, err), "XLSX 文件已损坏（压缩包里的内容与登记的大小或校验和不符），没有导入。请在 Excel 中重新保存后再导入。")
		}
	}
	return nil
}

// drain 解压 f 并丢弃内容，只为让 archive/zip 核对大小和校验和。
func drain(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

func readXLSX(data []byte, raw bool, isHeader func([]string) bool) (Table, error) {
	if err := checkZip(data); err != nil {
		return Table{}, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    MaxUnzippedSize,
		UnzipXMLSizeLimit: maxPartInMemory,
	})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return Table{}, errUnzipped(err)
		}
		return Table{}, model.Wrap(model.EINVALID, err, "无法读取 XLSX 文件，文件可能已损坏或有密码保护。")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Table{}, model.Errorf(model.EINVALID, "XLSX 文件里没有工作表。")
	}
	if isHeader != nil {
		// 先只看每个工作表的前几行找表头；找到了再把那个工作表整个读出来。
		for _, name := range sheets {
			head, err := sheetRows(f, name, raw, HeaderSearch)
			if err != nil {
				return Table{}, err
			}
			if i := findHeader(head, isHeader); i >= 0 {
				rows, err := sheetRows(f, name, raw, 0)
				if err != nil {
					return Table{}, err
				}
				return Table{Rows: rows[i:], Sheet: name, Sheets: len(sheets), HeaderLine: head[i].Line}, nil
			}
		}
	}
	rows, err := sheetRows(f, sheets[0], raw, 0)
	if err != nil {
		return Table{}, err
	}
	return Table{Rows: rows, Sheet: sheets[0], Sheets: len(sheets)}, nil
}

// sheetRows 逐行读工作表 name（不用 GetRows 一次读进全部），边读边数，超过上限立即停下；
// upTo > 0 时只读前 upTo 行。行号是表格里的行号（中间的空行也算），末尾的空行不要。
func sheetRows(f *excelize.File, name string, raw bool, upTo int) ([]Row, error) {
	bad := func(err error) error {
		return model.Wrap(model.EINVALID, err, "无法读取工作表“%s”。", name)
	}
	it, err := f.Rows(name)
	if err != nil {
		return nil, bad(err)
	}
	defer it.Close()
	var rows []Row
	var lim limits
	last := 0 // 最后一个非空行在 rows 里的位置 + 1
	for line := 1; (upTo == 0 || line <= upTo) && it.Next(); line++ {
		cells, err := it.Columns(excelize.Options{RawCellValue: raw})
		if err != nil {
			return nil, bad(err)
		}
		if err := lim.add(line, len(cells)); err != nil {
			return nil, err
		}
		rows = append(rows, Row{Line: line, Cells: cells})
		if len(cells) > 0 {
			last = len(rows)
		}
	}
	if err := it.Error(); err != nil {
		return nil, bad(err)
	}
	return rows[:last], nil
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
