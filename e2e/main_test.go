package e2e

import (
	"maps"
	"os"
	"testing"

	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// TestMain 在全部测试之后删掉 buildHongqi 编出的二进制。
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// fakeWeCom 是指向假企业微信 fake 的企业微信设置（回调的 Token、EncodingAESKey，发消息的企业 ID、AgentId、
// Secret 和 API 地址），加上 env 里的其他设置。
func fakeWeCom(fake *wecomtest.Server, env map[string]string) map[string]string {
	out := map[string]string{
		"HONGQI_WECOM_CORP_ID":  wecomtest.CorpID,
		"HONGQI_WECOM_AGENT_ID": "1000002",
		"HONGQI_WECOM_SECRET":   wecomtest.Secret,
		"HONGQI_WECOM_TOKEN":    testToken,
		"HONGQI_WECOM_AES_KEY":  testAESKey,
		"HONGQI_WECOM_API_BASE": fake.URL(),
	}
	maps.Copy(out, env)
	return out
}
