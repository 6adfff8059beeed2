package cert

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// noSystem 不让测试用到本机装的字体：结果只取决于内置字体和 testdata。
var noSystem = Renderer{Fallback: []string{"testdata/no-such-font.ttc"}}

var star = calc.Certificate{UserID: "s31", Name: "张三丰", Branch: "城关所", Year: 2026, Count: 31}

// render 画证书并解码成图片。
func render(t *testing.T, r Renderer, c calc.Certificate) (image.Image, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(c, &buf); err != nil {
		t.Fatalf("Render(%+v): %v", c, err)
	}
	img, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("decode png: %v", err)
	}
	return img, buf.Bytes()
}

// inked 数 area 中深色（文字颜色）的像素。
func inked(img image.Image, area image.Rectangle) int {
	n := 0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0x8000 && g < 0x8000 && b < 0x8000 {
				n++
			}
		}
	}
	return n
}

// row 是基线为 baseline、字号为 size 的一行字在最大宽度内所占的区域。
func row(baseline, size int) image.Rectangle {
	return image.Rect((Width-textMaxWidth)/2, baseline-size, (Width+textMaxWidth)/2, baseline+size/4)
}

var nameRow = row(nameBaseline, nameSize)

func TestRenderDrawsTheCertificate(t *testing.T) {
	img, _ := render(t, noSystem, star)
	if got := img.Bounds().Size(); got != (image.Point{Width, Height}) || Width != 1600 || Height != 1131 {
		t.Fatalf("size %v, want 1600×1131", got)
	}
	areas := []struct {
		name string
		area image.Rectangle
		min  int
	}{
		{"name", nameRow, 3000},
		{"branch", row(branchBaseline, branchSize), 500},
		{"first body line", row(bodyBaseline, bodySize), 2000},
		{"second body line", row(bodyBaseline+bodyLeading, bodySize), 2000},
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) {
			if n := inked(img, a.area); n < a.min {
				t.Errorf("%d inked pixels in %v, want at least %d", n, a.area, a.min)
			}
		})
	}
	// 标题是红色的，不算深色；但标题行不能是空的。
	title := row(titleBaseline, titleSize)
	red := 0
	for y := title.Min.Y; y < title.Max.Y; y++ {
		for x := title.Min.X; x < title.Max.X; x++ {
			if r, g, _, _ := img.At(x, y).RGBA(); r > 0x9000 && g < 0x5000 {
				red++
			}
		}
	}
	if red < 5000 {
		t.Errorf("title: %d red pixels, want at least 5000", red)
	}
}

func TestRenderDependsOnTheCertificate(t *testing.T) {
	_, base := render(t, noSystem, star)
	_, again := render(t, noSystem, star)
	if !bytes.Equal(base, again) {
		t.Error("the same certificate rendered twice gives different images")
	}
	tests := []struct {
		name   string
		change func(*calc.Certificate)
		area   image.Rectangle
	}{
		{"name", func(c *calc.Certificate) { c.Name = "李四" }, nameRow},
		{"branch", func(c *calc.Certificate) { c.Branch = "城东所" }, row(branchBaseline, branchSize)},
		{"count", func(c *calc.Certificate) { c.Count = 45 }, row(bodyBaseline, bodySize)},
		{"year", func(c *calc.Certificate) { c.Year = 2010 }, row(bodyBaseline, bodySize)},
	}
	baseImg, _ := png.Decode(bytes.NewReader(base))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := star
			tt.change(&c)
			img, _ := render(t, noSystem, c)
			if diff := differing(baseImg, img, tt.area); diff < 200 {
				t.Errorf("changing the %s changed %d pixels in %v", tt.name, diff, tt.area)
			}
		})
	}
}

// differing 数 area 中两张图不同的像素。
func differing(a, b image.Image, area image.Rectangle) int {
	n := 0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return n
}

func TestRenderLongNameStaysInsideTheFrame(t *testing.T) {
	c := star
	c.Name = "阿卜杜热合曼·买买提艾力·司马义·吐尔逊"
	img, _ := render(t, noSystem, c)
	if n := inked(img, nameRow); n < 3000 {
		t.Errorf("%d inked pixels in the name row, want the long name drawn", n)
	}
	band := image.Rect(0, nameRow.Min.Y, Width, nameRow.Max.Y)
	left := image.Rect(0, band.Min.Y, nameRow.Min.X, band.Max.Y)
	right := image.Rect(nameRow.Max.X, band.Min.Y, Width, band.Max.Y)
	if n := inked(img, left) + inked(img, right); n != 0 {
		t.Errorf("%d inked pixels of the name outside the %d px text width", n, textMaxWidth)
	}
}

func TestRenderRareCharacters(t *testing.T) {
	c := star
	c.Name = "王喆"
	t.Run("a fallback font that has them is used for that line", func(t *testing.T) {
		img, _ := render(t, Renderer{Fallback: []string{"testdata/no-such-font.ttc", "testdata/rare-sc.otf"}}, c)
		if n := inked(img, nameRow); n < 2000 {
			t.Errorf("%d inked pixels in the name row, want the name drawn with the fallback font", n)
		}
	})
	t.Run("no font has them: a clear error and no image", func(t *testing.T) {
		var buf bytes.Buffer
		err := noSystem.Render(c, &buf)
		if model.ErrorCode(err) != model.EUNAVAILABLE {
			t.Fatalf("err = %v, want %s", err, model.EUNAVAILABLE)
		}
		msg := model.ErrorMessage(err)
		for _, want := range []string{"王喆", "“喆”字", "apt-get install fonts-noto-cjk"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q does not mention %q", msg, want)
			}
		}
		if buf.Len() != 0 {
			t.Errorf("%d bytes written despite the error", buf.Len())
		}
	})
	t.Run("the fallback must have the whole line", func(t *testing.T) {
		c := c
		c.Name = "王喆祎" // rare-sc.otf 有“王喆”，没有“祎”
		err := Renderer{Fallback: []string{"testdata/rare-sc.otf"}}.Render(c, &bytes.Buffer{})
		if model.ErrorCode(err) != model.EUNAVAILABLE {
			t.Fatalf("err = %v, want %s", err, model.EUNAVAILABLE)
		}
	})
}

func TestRenderRejectsIncompleteCertificates(t *testing.T) {
	tests := []struct {
		name   string
		change func(*calc.Certificate)
		want   string
	}{
		{"no name", func(c *calc.Certificate) { c.Name = "  " }, "没有姓名"},
		{"no year", func(c *calc.Certificate) { c.Year = 0 }, "没有年份"},
		{"no flags", func(c *calc.Certificate) { c.Count = 0 }, "次数为 0"},
		{"control character in the name", func(c *calc.Certificate) { c.Name = "张\x00三" }, "无法显示的字符"},
		{"invalid UTF-8 in the branch", func(c *calc.Certificate) { c.Branch = "城\xff关所" }, "无法显示的字符"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := star
			tt.change(&c)
			var buf bytes.Buffer
			err := noSystem.Render(c, &buf)
			if model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), tt.want) {
				t.Errorf("err = %v, want %s mentioning %q", err, model.EINVALID, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written despite the error", buf.Len())
			}
		})
	}
}

func TestRenderWithSystemDefaults(t *testing.T) {
	// 零值 Renderer：常见姓名只用内置字体，不依赖本机字体。
	var buf bytes.Buffer
	if err := Render(star, &buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n := inked(img, nameRow); n < 3000 {
		t.Errorf("%d inked pixels in the name row", n)
	}
}

func TestIssuerAndDateAreRightAligned(t *testing.T) {
	issued := time.Date(2027, 1, 5, 10, 0, 0, 0, model.Shanghai)
	img, _ := render(t, Renderer{Fallback: noSystem.Fallback, Issuer: "城关镇便民服务中心", Date: issued}, star)
	area := image.Rect(issuerRight-textMaxWidth/2, issuerBaseline-issuerSize, issuerRight, issuerBaseline+issuerSize/4)
	if n := inked(img, area); n < 1000 {
		t.Errorf("%d inked pixels where the issuer goes", n)
	}
	dateArea := image.Rect(issuerRight-textMaxWidth/2, dateBaseline-dateSize, issuerRight, dateBaseline+dateSize/4)
	if n := inked(img, dateArea); n < 500 {
		t.Errorf("%d inked pixels where the date goes", n)
	}
	if dateArea.Max.Y >= Height-86 {
		t.Errorf("the date row ends at %d, inside the frame (%d)", dateArea.Max.Y, Height-86)
	}
	plain, _ := render(t, noSystem, star)
	if n := inked(plain, area) + inked(plain, dateArea); n != 0 {
		t.Errorf("%d inked pixels in the issuer and date area without an issuer or a date", n)
	}
}
