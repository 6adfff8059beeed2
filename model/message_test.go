package model

import (
	"strings"
	"testing"
)

func TestCardEventKey(t *testing.T) {
	a := CardEventKey("zr", "leave-1", "leave:approve:1")
	if a != "card:leave-1:leave:approve:1:zr" {
		t.Errorf("CardEventKey = %q", a)
	}
	distinct := map[string]bool{
		a: true,
		CardEventKey("zr", "leave-2", "leave:approve:2"):  true, // 另一张卡片
		CardEventKey("zr", "leave-1", "leave:reject:1"):   true, // 同一张卡片的另一个按钮
		CardEventKey("fzr", "leave-1", "leave:approve:1"): true, // 另一个人
	}
	if len(distinct) != 4 {
		t.Errorf("不同的点击得到了相同的 Key：%v", distinct)
	}
	long := CardEventKey("zr", strings.Repeat("t", 128), strings.Repeat("k", 200))
	if len(long) > maxCardKey || !strings.HasPrefix(long, "card:sha256:") || long != CardEventKey("zr", strings.Repeat("t", 128), strings.Repeat("k", 200)) {
		t.Errorf("太长的 Key = %q（%d 字节），应为确定的摘要", long, len(long))
	}
}
