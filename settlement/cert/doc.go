// Package cert 把年度服务明星证书（settle.Certificate）画成 PNG 图片。
//
// 图片为 1600×1131 像素（横向 A4 比例），米白底、红金双边框，依次写：标题“年度服务明星证书”、
// 网点、姓名、“在 2026 年度获得周服务红旗标杆岗 31 次，被评为年度服务明星。特发此证，以资鼓励。”，
// 右下角写落款（Renderer.Issuer：发证的中心，可空）和发证日期（Renderer.Date，可空）。
//
// 字体（中文必须有 CJK 字体，而服务要能在没有装任何字体的机器上、以静态二进制运行）：
//
//   - 内置字体：internal/cjk 用 go:embed 带着 font/NotoSerifCJKsc-Bold-GB2312.otf，是思源宋体粗体
//     （Noto Serif CJK SC Bold，SIL OFL 1.1，见 font/LICENSE）中 GB2312 的 6763 个汉字、
//     ASCII 和常用全角标点的子集，约 2.1 MB。标题、正文和绝大多数姓名、网点名都用它画，
//     不需要在机器上安装任何东西。子集由 font/gen.sh 从 Debian 的 fonts-noto-cjk 生成。
//   - 系统字体（只在内置字体缺字时用）：姓名或网点名里有 GB2312 以外的字（如“堃”“喆”“祎”）时，
//     按 Renderer.Fallback（为空时用 SystemFonts）依次找第一个含全部这些字的字体文件
//     （TTF、OTF 或 TTC），该行改用它来画。Debian/Ubuntu 上装 fonts-noto-cjk
//     （apt-get install fonts-noto-cjk）即可覆盖全部常用汉字。
//   - 都没有时 Render 返回 model.EUNAVAILABLE 的中文错误，指明是哪个字、要装什么，
//     绝不画出缺字的方框或空白证书。
//
// 不用 PDF：同样的字体问题 PDF 也要解决，而图片在企业微信里可以直接看、直接转发。
package cert
