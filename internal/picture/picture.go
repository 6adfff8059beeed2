// Package picture 把排行和合计画成手机上看得清的 PNG 图片（宽 750 像素，即 375 点的两倍）：
// 红色标题栏、每行一个名次（或空）、名字和小字说明、按数值比例的横条和右侧的数值，领先的行（Highlight）
// 底色为浅金。字体用 internal/cjk（内置的 GB2312 子集，缺字时用系统字体），所以在没有装字体的机器上也能画。
//
// 图片用于流动红旗的公布（获旗者和之后的几名及其分数）和月度结算发到群里的各网点合计；
// 群机器人的图片不能超过 2 MB（MaxBytes），这里的图片只有几十 KB。
package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/hongqi-dev/hongqi/internal/cjk"
	"github.com/hongqi-dev/hongqi/model"
)

// 版面（像素）。
const (
	Width     = 750
	MaxRows   = 40      // 最多画的行数，多出的只在页脚说明
	MaxBytes  = 2 << 20 // 群机器人图片的上限
	headH     = 132
	rowH      = 76
	footH     = 72
	padX      = 32
	rankW     = 56
	nameW     = 250
	valueW    = 150
	titleSize = 40
	subSize   = 24
	nameSize  = 30
	smallSize = 20
)

var (
	red     = color.RGBA{0xC6, 0x28, 0x28, 0xFF}
	white   = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	paper   = color.RGBA{0xFA, 0xFA, 0xFA, 0xFF}
	gold    = color.RGBA{0xFF, 0xF3, 0xC4, 0xFF}
	ink     = color.RGBA{0x21, 0x21, 0x21, 0xFF}
	grey    = color.RGBA{0x75, 0x75, 0x75, 0xFF}
	line    = color.RGBA{0xE6, 0xE6, 0xE6, 0xFF}
	barPos  = color.RGBA{0x43, 0xA0, 0x47, 0xFF}
	barNeg  = color.RGBA{0xE5, 0x73, 0x73, 0xFF}
	barMain = color.RGBA{0xC6, 0x28, 0x28, 0xFF}
	barTop  = color.RGBA{0xE0, 0xA8, 0x00, 0xFF}
)

// Row 是图上的一行。
type Row struct {
	Rank      int    // 名次，0 表示不写
	Name      string // 如“张三”“河口所”
	Sub       string // 名字下的小字，如网点、“获旗”
	Value     int64  // 横条按它的绝对值占最大值的比例
	ValueText string // 右侧写的数值，如“90.50 分”“+30 元”
	Highlight bool   // 获旗者、领先者：浅金底色、金色横条
}

// Board 是一张图：标题、副标题、各行和页脚。Signed 为 true 时横条按正负着色（合计），否则用红色（得分）。
type Board struct {
	Title    string
	Subtitle string
	Rows     []Row
	Footer   string
	Signed   bool
}

// ErrEmpty 表示没有可画的行。
var ErrEmpty = errors.New("picture: no rows")

// PNG 把 b 画成 PNG。字找不到字体时返回 model.EUNAVAILABLE 的中文错误（说明缺哪个字、装什么字体）。
func (b Board) PNG() ([]byte, error) {
	if len(b.Rows) == 0 {
		return nil, ErrEmpty
	}
	rows := b.Rows
	footer := b.Footer
	if len(rows) > MaxRows {
		footer = strings.TrimSpace(fmt.Sprintf("另有 %d 行未画出。%s", len(rows)-MaxRows, footer))
		rows = rows[:MaxRows]
	}
	h := headH + len(rows)*rowH + footH
	img := image.NewRGBA(image.Rect(0, 0, Width, h))
	fill(img, img.Bounds(), paper)
	fill(img, image.Rect(0, 0, Width, headH-20), red)
	p := &painter{img: img}
	p.text(b.Title, titleSize, white, padX, 62, Width-2*padX, false)
	p.text(b.Subtitle, subSize, white, padX, 96, Width-2*padX, false)

	var top int64
	for _, r := range rows {
		top = max(top, abs(r.Value))
	}
	barX0 := padX + rankW + nameW
	barW := Width - padX - valueW - barX0 - 12
	for i, r := range rows {
		y := headH + i*rowH
		if r.Highlight {
			fill(img, image.Rect(0, y, Width, y+rowH), gold)
		}
		fill(img, image.Rect(padX, y+rowH-1, Width-padX, y+rowH), line)
		if r.Rank > 0 {
			p.text(fmt.Sprint(r.Rank), nameSize, grey, padX, y+48, rankW-8, false)
		}
		nameY := y + 48
		if r.Sub != "" {
			nameY = y + 38
			p.text(r.Sub, smallSize, grey, padX+rankW, y+64, nameW-8, false)
		}
		p.text(r.Name, nameSize, ink, padX+rankW, nameY, nameW-8, false)
		if top > 0 && r.Value != 0 {
			w := int(int64(barW) * abs(r.Value) / top)
			c := barMain
			switch {
			case b.Signed && r.Value < 0:
				c = barNeg
			case b.Signed:
				c = barPos
			case r.Highlight:
				c = barTop
			}
			fill(img, image.Rect(barX0, y+26, barX0+max(w, 4), y+50), c)
		}
		p.text(r.ValueText, nameSize, ink, Width-padX, y+48, valueW, true)
	}
	p.text(footer, smallSize, grey, padX, h-30, Width-2*padX, false)
	if p.err != nil {
		return nil, p.err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("picture: %w", err)
	}
	if buf.Len() > MaxBytes {
		return nil, model.Errorf(model.EINVALID, "图片有 %d KB，超过群机器人的 2 MB 上限。", buf.Len()/1024)
	}
	return buf.Bytes(), nil
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// painter 在图上写字，记下第一个错误（之后不再写）。
type painter struct {
	img *image.RGBA
	err error
}

// text 在基线 y 处写一行字：right 为 false 时从 x 起左对齐，否则右端对齐到 x；太宽时缩小字号放进 maxW。
func (p *painter) text(s string, size float64, c color.Color, x, y, maxW int, right bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "−", "-") // 内置字体没有 U+2212
	if s == "" || p.err != nil {
		return
	}
	f, err := cjk.For(s, nil)
	var mg *cjk.MissingGlyph
	if errors.As(err, &mg) {
		p.err = model.Wrap(model.EUNAVAILABLE, err, "“%s”中的“%c”字在内置字体里没有，本机也找不到含这个字的中文字体，图片没有生成。请在服务器上安装 fonts-noto-cjk。", s, mg.R)
		return
	}
	if err != nil {
		p.err = err
		return
	}
	face, w, err := fit(f, s, size, maxW)
	if err != nil {
		p.err = err
		return
	}
	defer face.Close()
	if right {
		x -= w
	}
	d := font.Drawer{Dst: p.img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// fit 返回 s 在 size 字号下的字体和宽度；超过 maxW 时按比例缩小字号。
func fit(f *sfnt.Font, s string, size float64, maxW int) (font.Face, int, error) {
	for range 3 {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, 0, err
		}
		w := font.MeasureString(face, s).Ceil()
		if w <= maxW {
			return face, w, nil
		}
		face.Close()
		size = size * float64(maxW) / float64(w) * 0.97
	}
	return nil, 0, fmt.Errorf("picture: %q does not fit in %d px", s, maxW)
}
