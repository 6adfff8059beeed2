package e2e

import (
	"os"
	"testing"
)

// TestMain 在全部测试之后删掉 buildHongqi 编出的二进制。
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
