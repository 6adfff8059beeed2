#!/bin/sh
# gen.sh 重新生成内置字体 NotoSerifCJKsc-Bold-GB2312.otf：思源宋体（Noto Serif CJK SC）粗体中
# GB2312 的全部字符（6763 个汉字和符号）加 ASCII 与常用全角标点。需要 Debian 的两个包：
#   apt-get install fonts-noto-cjk fonttools
# 在本目录下运行：sh gen.sh
set -eu
src=/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc # 第 2 号字体是 SC（简体中文）
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
python3 - "$chars" <<'PY'
import sys
s = set(chr(c) for c in range(0x20, 0x7F))
s.update("·—–‘’“”…、。〇《》「」『』【】〔〕（），：；！？　－．／０１２３４５６７８９")
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            s.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(s)))
PY
pyftsubset "$src" --font-number=2 --text-file="$chars" --layout-features='' \
	--no-hinting --name-IDs='*' --output-file=NotoSerifCJKsc-Bold-GB2312.otf
