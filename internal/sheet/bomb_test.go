package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

// 最小 XLSX 的固定部件。
var xlsxParts = [][2]string{
	{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
	{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
}

// bomb 描述一个生成的 XLSX：第一个工作表有 rows 行、每行 cols 个相同的单元格 cell
// （cell 里的 %d 换成行号）。
// 行都一样，所以压缩后很小、解压后很大。
type bomb struct {
	rows, cols int
	cell       string
	// lie 非零时，工作表在 zip 目录里登记的解压后大小写成 lie（实际大得多）。
	lie uint64
	// extra 是额外塞进压缩包的空部件个数。
	extra int
}

// sheetXML 返回工作表的 XML。
func (b bomb) sheetXML() []byte {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	row := "<row>" + strings.Repeat(b.cell, b.cols) + "</row>"
	buf.Grow(len(row) * b.rows)
	for r := range b.rows {
		if strings.Contains(row, "%d") {
			fmt.Fprintf(&buf, row, r+1)
		} else {
			buf.WriteString(row)
		}
	}
	buf.WriteString(`</sheetData></worksheet>`)
	return buf.Bytes()
}

// file 生成 XLSX 文件内容。
func (b bomb) file(t testing.TB) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	put := func(name string, body []byte) {
		w, err := zw.Create(name)
		if err == nil {
			_, err = w.Write(body)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range xlsxParts {
		put(p[0], []byte(p[1]))
	}
	for i := range b.extra {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("xl/media/x%d.xml", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	sheet := b.sheetXML()
	if b.lie == 0 {
		put("xl/worksheets/sheet1.xml", sheet)
	} else {
		var z bytes.Buffer
		fw, _ := flate.NewWriter(&z, flate.BestCompression)
		fw.Write(sheet)
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(sheet),
			CompressedSize64: uint64(z.Len()), UncompressedSize64: b.lie,
		})
		if err == nil {
			_, err = w.Write(z.Bytes())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

const (
	inlineX = `<c t="inlineStr"><is><t>x</t></is></c>` // 一个写着 x 的单元格
	farCell = `<c r="GR%d"><v>1</v></c>`               // 第 200 列（GR）的一个数字：这一行算 200 个单元格
)

// TestReadRefusesZipBombs：几百 KB 的 XLSX 解压出几十上百 MB 的表格，导入被拒绝，说明原因，内存有界。
// 修复前，一个 627 KB、解压后 190 MB 的文件（10 万行 × 50 列）让 Read 分配了 5.7 GB、常驻 265 MB，用了 30 秒。
func TestReadRefusesZipBombs(t *testing.T) {
	tests := []struct {
		name    string
		bomb    bomb
		wantErr string
		// beforeReading 为真时，文件应在读表格之前（只看 zip 目录、解压一遍不保存）就被拒绝，分配很少。
		beforeReading bool
	}{
		{"unzips past the cap", bomb{rows: 40_000, cols: 50, cell: inlineX}, "解压后超过 64 MB", true},
		{"the zip directory lies about the size", bomb{rows: 40_000, cols: 50, cell: inlineX, lie: 4096}, "与登记的大小或校验和不符", true},
		{"too many parts", bomb{rows: 1, cols: 1, cell: inlineX, extra: 2000}, "2005 个部件", true},
		{"more rows than allowed", bomb{rows: MaxRows + 1, cols: 1, cell: inlineX}, "超过 100000 行", false},
		{"more columns than allowed", bomb{rows: 2, cols: MaxColumns + 1, cell: inlineX}, "第 1 行有 201 列", false},
		{"more cells than allowed", bomb{rows: MaxCells/MaxColumns + 1, cols: 1, cell: farCell}, "超过 1000000 个单元格", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.bomb.file(t)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			rows, err := Read("花名册.xlsx", bytes.NewReader(data), Options{What: "花名册"})
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("文件 %d KB：%v；读取中分配 %d MB", len(data)>>10, model.ErrorMessage(err), alloc>>20)
			if err == nil || model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("读到 %d 行，err = %v；应拒绝并说明“%s”", len(rows), err, tt.wantErr)
			}
			if tt.beforeReading && alloc > 16<<20 {
				t.Errorf("拒绝之前分配了 %d MB，应在读表格之前拒绝", alloc>>20)
			}
		})
	}
}

// TestReadXLSXWithinLimits：上限以内的大表照常逐行读完，末尾的空行不算。
func TestReadXLSXWithinLimits(t *testing.T) {
	b := bomb{rows: 20_000, cols: 5, cell: inlineX}
	rows, err := Read("测评.xlsx", bytes.NewReader(b.file(t)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != b.rows || rows[len(rows)-1].Line != b.rows || strings.Join(rows[0].Cells, "") != "xxxxx" {
		t.Fatalf("读到 %d 行，最后一行行号 %d，第一行 %q", len(rows), rows[len(rows)-1].Line, rows[0].Cells)
	}
}

// TestReadCSVRowCap：CSV 也有行数上限（20 MB 的换行就是两千万行）。
func TestReadCSVRowCap(t *testing.T) {
	_, err := Read("a.csv", bytes.NewReader(bytes.Repeat([]byte("x\n"), MaxRows+1)), Options{})
	if err == nil || !strings.Contains(model.ErrorMessage(err), "超过 100000 行") {
		t.Fatalf("err = %v，应拒绝并说明行数上限", err)
	}
}
