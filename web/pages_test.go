package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestTypedPageNumbers：地址里的页码是别人能随手改的数——超大、溢出、负数、1e9、全角——
// 页面照常显示（第 1 页或最后一页），不会因偏移量溢出而崩溃或答 503。
func TestTypedPageNumbers(t *testing.T) {
	in := start(t, options{seed: true})
	v := in.login(t, "zx_dir")
	pages := []string{"2", "99999999999999999999", "9223372036854775807", "4611686018427387904", "-5", "0", "1e9", "４", "abc"}
	views := []struct{ name, path, want string }{
		{"ledger entries", "/app/ledger?month=2026-11&page=", "张三"},
		{"ledger people", "/app/ledger?month=2026-11&view=people&page=", "张三"},
		{"settlement", "/app/settle?month=2026-11&page=", "2026年11月结算"},
	}
	for _, vw := range views {
		for _, p := range pages {
			t.Run(vw.name+" page="+p, func(t *testing.T) {
				status, body := v.get(vw.path + p)
				if status != http.StatusOK || !strings.Contains(body, vw.want) {
					t.Errorf("HTTP %d，页面应含“%s”：%.300s", status, vw.want, text(body))
				}
			})
		}
	}
}
