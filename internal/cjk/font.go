// Package cjk 是画中文用的字体：二进制里内置的思源宋体粗体（Noto Serif CJK SC Bold，SIL OFL 1.1，见 font/LICENSE）
// GB2312 子集（6763 个汉字、ASCII 和常用全角标点，约 2.1 MB，由 font/gen.sh 从 Debian 的 fonts-noto-cjk 生成），
// 缺字时依次找系统字体（SystemFonts）。年度服务明星证书（settlement/cert）和排行、结算的图片（internal/picture）都用它，
// 所以服务在没有装任何字体的机器上、以静态二进制运行也能画出中文。
package cjk

import (
	_ "embed"
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

//go:embed font/NotoSerifCJKsc-Bold-GB2312.otf
var builtinOTF []byte

// Builtin 返回解析好的内置字体（只解析一次）。
var Builtin = sync.OnceValues(func() (*sfnt.Font, error) {
	return opentype.Parse(builtinOTF)
})

// SystemFonts 是内置字体缺字时默认依次尝试的系统字体文件（Debian/Ubuntu、macOS、Windows 的常见位置）。
// 不存在的文件跳过。
var SystemFonts = []string{
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/noto-cjk/NotoSerifCJK-Bold.ttc",
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/System/Library/Fonts/Supplemental/Songti.ttc",
	"/System/Library/Fonts/PingFang.ttc",
	`C:\Windows\Fonts\simsun.ttc`,
	`C:\Windows\Fonts\msyh.ttc`,
}

// systemCache 缓存解析过的系统字体文件：路径 → []*sfnt.Font（打不开或解析失败的为 nil）。
var systemCache sync.Map

// loadFile 读取并解析一个字体文件（TTC 里的每个字体都返回），结果缓存。
func loadFile(path string) []*sfnt.Font {
	if v, ok := systemCache.Load(path); ok {
		return v.([]*sfnt.Font)
	}
	fonts := parseFile(path)
	systemCache.Store(path, fonts)
	return fonts
}

func parseFile(path string) []*sfnt.Font {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	c, err := opentype.ParseCollection(data)
	if err != nil {
		return nil
	}
	fonts := make([]*sfnt.Font, 0, c.NumFonts())
	for i := range c.NumFonts() {
		if f, err := c.Font(i); err == nil {
			fonts = append(fonts, f)
		}
	}
	// 一个 TTC 中有日、韩、简、繁多种字形时，简体中文优先。
	for i, f := range fonts {
		if isSimplified(f) {
			fonts[0], fonts[i] = fonts[i], fonts[0]
			break
		}
	}
	return fonts
}

// isSimplified 看字体名是否表明是简体中文字体。
func isSimplified(f *sfnt.Font) bool {
	var b sfnt.Buffer
	name, err := f.Name(&b, sfnt.NameIDFull)
	if err != nil {
		return false
	}
	for _, mark := range []string{" SC", "GB", "Simplified", "简"} {
		if strings.Contains(name, mark) {
			return true
		}
	}
	return false
}

// Missing 返回 s 中 f 没有字形的第一个字；都有时返回 0。空白不需要字形。
func Missing(f *sfnt.Font, s string) rune {
	var b sfnt.Buffer
	for _, r := range s {
		if r == ' ' || r == '\u3000' {
			continue
		}
		if i, err := f.GlyphIndex(&b, r); err != nil || i == 0 {
			return r
		}
	}
	return 0
}

// For 返回能画出 s 全部字的字体：先内置字体，再依次找 fallback 中的文件（为空时用 SystemFonts）。
// 都缺字时返回 *MissingGlyph。
func For(s string, fallback []string) (*sfnt.Font, error) {
	if len(fallback) == 0 {
		fallback = SystemFonts
	}
	f, err := Builtin()
	if err != nil {
		return nil, fmt.Errorf("cjk: 内置字体无法解析: %w", err)
	}
	r := Missing(f, s)
	if r == 0 {
		return f, nil
	}
	for _, path := range fallback {
		for _, sf := range loadFile(path) {
			if Missing(sf, s) == 0 {
				return sf, nil
			}
		}
	}
	return nil, &MissingGlyph{Text: s, R: r}
}

// MissingGlyph 表示找不到含某个字的字体：Text 中的 R。
type MissingGlyph struct {
	Text string
	R    rune
}

func (e *MissingGlyph) Error() string {
	return fmt.Sprintf("cjk: no font has %q (U+%04X) in %q", e.R, e.R, e.Text)
}
