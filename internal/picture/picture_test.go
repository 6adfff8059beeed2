package picture

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"
)

// decode 解开 PNG，检查宽度和高度，返回图片。
func decode(t *testing.T, data []byte, rows int) image.Image {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || format != "png" {
		t.Fatalf("不是 PNG：%s %v", format, err)
	}
	b := img.Bounds()
	if b.Dx() != Width || b.Dy() != headH+rows*rowH+footH {
		t.Errorf("图片 %d×%d，应为 %d×%d", b.Dx(), b.Dy(), Width, headH+rows*rowH+footH)
	}
	if len(data) > MaxBytes {
		t.Errorf("图片 %d 字节，超过 2 MB", len(data))
	}
	return img
}

// inked 数 rect 里不是底色的像素（写了字、画了横条的地方）。
func inked(img image.Image, r image.Rectangle, bg color.Color) int {
	br, bgc, bb, _ := bg.RGBA()
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr != br || cg != bgc || cb != bb {
				n++
			}
		}
	}
	return n
}

// TestBoardPNG：排行图和合计图解得开、尺寸对、每一行都写了字（名字那一格和数值那一格都有墨迹），
// 有横条的行画了横条；获旗者那一行是浅金底。
func TestBoardPNG(t *testing.T) {
	cases := []struct {
		name string
		b    Board
	}{
		{"ranking", Board{Title: "流动红旗 · 11月第2周", Subtitle: "县城窗口员工排行（11月9日–15日）", Footer: "获旗 2 人 · 综合分", Rows: []Row{
			{Rank: 1, Name: "张三", Sub: "城关所 · 获旗", Value: 9050, ValueText: "90.50 分", Highlight: true},
			{Rank: 2, Name: "李四", Sub: "城关所 · 获旗", Value: 7100, ValueText: "71.00 分", Highlight: true},
			{Rank: 3, Name: "欧阳娜娜", Sub: "东街所", Value: 6522, ValueText: "65.22 分"},
		}}},
		{"branch totals", Board{Title: "2026年10月考核结果", Subtitle: "各网点合计", Signed: true, Rows: []Row{
			{Name: "城关所", Value: 30, ValueText: "+30 元"},
			{Name: "东街所", Value: -10, ValueText: "−10 元"},
			{Name: "河口所", Value: 0, ValueText: "0 元"},
		}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := c.b.PNG()
			if err != nil {
				t.Fatal(err)
			}
			if dir := os.Getenv("HONGQI_PICTURES"); dir != "" {
				_ = os.WriteFile(filepath.Join(dir, c.name+".png"), data, 0o644)
			}
			img := decode(t, data, len(c.b.Rows))
			if n := inked(img, image.Rect(padX, 20, Width-padX, headH-24), red); n < 500 {
				t.Errorf("标题栏里只有 %d 个写了字的像素", n)
			}
			for i, r := range c.b.Rows {
				y := headH + i*rowH
				bg := paper
				if r.Highlight {
					bg = gold
				}
				if got := img.At(Width-4, y+4); got != color.Color(bg) {
					if cr, cg, cb, _ := got.RGBA(); [3]uint32{cr, cg, cb} != rgb(bg) {
						t.Errorf("第 %d 行底色 %v，应为 %v", i+1, got, bg)
					}
				}
				if n := inked(img, image.Rect(padX+rankW, y+8, padX+rankW+nameW, y+rowH-4), bg); n < 200 {
					t.Errorf("第 %d 行（%s）的名字那一格只有 %d 个像素有字", i+1, r.Name, n)
				}
				if n := inked(img, image.Rect(Width-padX-valueW, y+8, Width-padX, y+rowH-4), bg); n < 100 {
					t.Errorf("第 %d 行的数值 %q 没有画出来（%d 个像素）", i+1, r.ValueText, n)
				}
				bar := inked(img, image.Rect(padX+rankW+nameW, y+30, padX+rankW+nameW+20, y+46), bg)
				if (r.Value != 0) != (bar > 0) {
					t.Errorf("第 %d 行数值 %d，横条像素 %d", i+1, r.Value, bar)
				}
			}
		})
	}
}

func rgb(c color.Color) [3]uint32 {
	r, g, b, _ := c.RGBA()
	return [3]uint32{r, g, b}
}

// TestBoardPNGEmpty：没有行时不画空白图。
func TestBoardPNGEmpty(t *testing.T) {
	if _, err := (Board{Title: "空"}).PNG(); !errors.Is(err, ErrEmpty) {
		t.Errorf("err = %v, want ErrEmpty", err)
	}
}

// TestBoardPNGManyRows：行数超过 MaxRows 时只画前 MaxRows 行，页脚说明另有几行。
func TestBoardPNGManyRows(t *testing.T) {
	var rows []Row
	for i := range MaxRows + 5 {
		rows = append(rows, Row{Rank: i + 1, Name: "网点", Value: int64(i), ValueText: "1 元"})
	}
	data, err := (Board{Title: "多", Rows: rows}).PNG()
	if err != nil {
		t.Fatal(err)
	}
	decode(t, data, MaxRows)
}
