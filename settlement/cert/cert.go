package cert

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/hongqi-dev/hongqi/internal/cjk"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// SystemFonts 是内置字体缺字时默认依次尝试的系统字体文件（见 cjk.SystemFonts）。
var SystemFonts = cjk.SystemFonts

// 证书图片的尺寸（横向 A4 比例）。
const (
	Width  = 1600
	Height = 1131
)

// 版面：各行的基线、字号（像素）和最大宽度。姓名、网点名太长时缩小字号放进最大宽度。
const (
	titleBaseline  = 260
	titleSize      = 96
	titleTracking  = 28
	branchBaseline = 420
	branchSize     = 50
	nameBaseline   = 580
	nameSize       = 120
	textMaxWidth   = 1100
	bodyBaseline   = 730
	bodyLeading    = 80
	bodySize       = 46
	issuerBaseline = 930
	issuerSize     = 44
	issuerRight    = 1360
	dateBaseline   = 995
	dateSize       = 40
)

var (
	paper = color.RGBA{0xFF, 0xF9, 0xEE, 0xFF}
	red   = color.RGBA{0xB3, 0x26, 0x1E, 0xFF}
	gold  = color.RGBA{0xC9, 0xA2, 0x27, 0xFF}
	ink   = color.RGBA{0x22, 0x22, 0x22, 0xFF}
)

// Renderer 画证书。零值可用：内置字体缺字时找 SystemFonts 中的系统字体。
type Renderer struct {
	// Fallback 是内置字体缺字时依次尝试的字体文件（TTF、OTF、TTC）；为空时用 SystemFonts。
	Fallback []string
	// Issuer 是右下角的落款：发证的中心，如“某某县便民服务中心”（设置 settle.centre_name）；为空时不写。
	Issuer string
	// Date 是落款下面的发证日期（写成“2027年1月5日”）；零值时不写。
	Date time.Time
}

// Render 用零值 Renderer 把证书画成 PNG 写入 w。
func Render(c calc.Certificate, w io.Writer) error {
	return Renderer{}.Render(c, w)
}

// Render 把证书画成 Width×Height 的 PNG 写入 w。证书内容不全时返回 model.EINVALID；
// 姓名、网点或落款中有找不到字体的字时返回 model.EUNAVAILABLE，说明缺哪个字、要装什么字体。
func (r Renderer) Render(c calc.Certificate, w io.Writer) error {
	img, err := r.draw(c)
	if err != nil {
		return err
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("cert: write png: %w", err)
	}
	return nil
}

// line 是证书上的一行字。
type line struct {
	text     string
	size     float64
	tracking float64 // 字间距（像素）
	color    color.Color
	baseline int
	// 水平位置：right 为 0 时以画面中线居中，否则右端对齐到 right。
	right    int
	maxWidth int
}

func (r Renderer) draw(c calc.Certificate) (*image.RGBA, error) {
	name := strings.TrimSpace(c.Name)
	branch := strings.TrimSpace(c.Branch)
	issuer := strings.TrimSpace(r.Issuer)
	switch {
	case name == "":
		return nil, model.Errorf(model.EINVALID, "证书上没有姓名，无法生成证书。")
	case c.Year < 1:
		return nil, model.Errorf(model.EINVALID, "%s的证书没有年份，无法生成证书。", name)
	case c.Count < 1:
		return nil, model.Errorf(model.EINVALID, "%s的证书上获周服务红旗标杆岗的次数为 %d，无法生成证书。", name, c.Count)
	}
	for _, f := range []struct{ what, s string }{{"姓名", name}, {"网点", branch}, {"落款", issuer}} {
		if !printable(f.s) {
			return nil, model.Errorf(model.EINVALID, "%s的证书%s“%s”中有无法显示的字符，请在花名册中改正后重新生成。", name, f.what, f.s)
		}
	}

	lines := []line{
		{text: "年度服务明星证书", size: titleSize, tracking: titleTracking, color: red, baseline: titleBaseline, maxWidth: textMaxWidth},
		{text: branch, size: branchSize, color: ink, baseline: branchBaseline, maxWidth: textMaxWidth},
		{text: name, size: nameSize, color: ink, baseline: nameBaseline, maxWidth: textMaxWidth},
		{text: fmt.Sprintf("在 %d 年度获得周服务红旗标杆岗 %d 次，", c.Year, c.Count), size: bodySize, color: ink, baseline: bodyBaseline, maxWidth: textMaxWidth},
		{text: "被评为年度服务明星。特发此证，以资鼓励。", size: bodySize, color: ink, baseline: bodyBaseline + bodyLeading, maxWidth: textMaxWidth},
		{text: issuer, size: issuerSize, color: ink, baseline: issuerBaseline, right: issuerRight, maxWidth: textMaxWidth / 2},
	}
	if !r.Date.IsZero() {
		lines = append(lines, line{text: r.Date.Format("2006年1月2日"), size: dateSize, color: ink, baseline: dateBaseline, right: issuerRight, maxWidth: textMaxWidth / 2})
	}

	fallback := r.Fallback
	if len(fallback) == 0 {
		fallback = SystemFonts
	}
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	frame(img)
	for _, l := range lines {
		if l.text == "" {
			continue
		}
		f, err := cjk.For(l.text, fallback)
		var mg *cjk.MissingGlyph
		if errors.As(err, &mg) {
			return nil, model.Wrap(model.EUNAVAILABLE, err,
				"无法生成%s的年度服务明星证书：“%s”中的“%c”字在内置字体里没有，本机也找不到含这个字的中文字体。请在服务器上安装中文字体（Debian/Ubuntu：apt-get install fonts-noto-cjk；hongqi 的 Docker 镜像已带）。",
				name, l.text, mg.R)
		}
		if err != nil {
			return nil, model.Wrap(model.EINTERNAL, err, "证书字体加载失败，请联系管理员。")
		}
		if err := drawLine(img, f, l); err != nil {
			return nil, model.Wrap(model.EINTERNAL, err, "证书生成失败，请联系管理员。")
		}
	}
	// 姓名下的金色横线。
	hline(img, Width/2-300, Width/2+300, nameBaseline+36, 3, gold)
	return img, nil
}

// printable 报告 s 是否只含可显示的字符（不含控制字符、私用区字符等）。
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) || unicode.Is(unicode.Co, r) {
			return false
		}
	}
	return true
}

// drawLine 画一行字；太宽时按比例缩小字号。
func drawLine(dst *image.RGBA, f *sfnt.Font, l line) error {
	face, width, err := fit(f, l)
	if err != nil {
		return err
	}
	defer face.Close()
	x := (Width - width) / 2
	if l.right != 0 {
		x = l.right - width
	}
	d := font.Drawer{Dst: dst, Src: image.NewUniform(l.color), Face: face}
	d.Dot = fixed.P(x, l.baseline)
	if l.tracking == 0 {
		d.DrawString(l.text)
		return nil
	}
	for _, r := range l.text {
		d.DrawString(string(r))
		d.Dot.X += fixed.Int26_6(l.tracking * 64)
	}
	return nil
}

// fit 返回 l 的字体和宽度（像素）；超过 l.maxWidth 时缩小字号。
func fit(f *sfnt.Font, l line) (font.Face, int, error) {
	size := l.size
	for range 3 {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, 0, err
		}
		n := utf8.RuneCountInString(l.text)
		width := font.MeasureString(face, l.text).Ceil() + int(l.tracking)*(n-1)
		if width <= l.maxWidth {
			return face, width, nil
		}
		face.Close()
		size = size * float64(l.maxWidth) / float64(width) * 0.98
	}
	return nil, 0, fmt.Errorf("cert: %q does not fit in %d px", l.text, l.maxWidth)
}

// frame 画红色粗边框和两道金色细线。
func frame(img *image.RGBA) {
	rect(img, 40, 18, red)
	rect(img, 72, 4, gold)
	rect(img, 86, 2, gold)
	// 四角的金色方块。
	for _, p := range []image.Point{{72, 72}, {Width - 72 - 24, 72}, {72, Height - 72 - 24}, {Width - 72 - 24, Height - 72 - 24}} {
		draw.Draw(img, image.Rect(p.X, p.Y, p.X+24, p.Y+24), image.NewUniform(gold), image.Point{}, draw.Src)
	}
}

// rect 画距边缘 inset、粗 t 的矩形框。
func rect(img *image.RGBA, inset, t int, c color.Color) {
	u := image.NewUniform(c)
	x0, y0, x1, y1 := inset, inset, Width-inset, Height-inset
	for _, r := range []image.Rectangle{
		image.Rect(x0, y0, x1, y0+t), image.Rect(x0, y1-t, x1, y1),
		image.Rect(x0, y0, x0+t, y1), image.Rect(x1-t, y0, x1, y1),
	} {
		draw.Draw(img, r, u, image.Point{}, draw.Src)
	}
}

// hline 画一条从 x0 到 x1、粗 t 的横线。
func hline(img *image.RGBA, x0, x1, y, t int, c color.Color) {
	draw.Draw(img, image.Rect(x0, y, x1, y+t), image.NewUniform(c), image.Point{}, draw.Src)
}
