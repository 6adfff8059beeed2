package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secret 是写进各项设置的“密码”；它不能出现在 stdout、stderr（含日志）和打印出的错误里。
const secret = "S3cr3tPW9x"

// TestSecretsNeverPrinted 用写错的设置运行命令：数据库地址、Redis 地址、企业微信 Secret、EncodingAESKey、
// 群机器人 key 里的密码在任何输出里都不出现，而出错的是哪一项仍然说清楚。
func TestSecretsNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	sqlite := "sqlite:" + filepath.Join(dir, "hongqi.db")
	// busy 是一个被占用的端口：serve 装配完全部部件、开始监听时失败退出。
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	aesKey := strings.Repeat("a", 43-len(secret)) + secret // 43 个字符、合法 base64
	yamlWith := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wecom := map[string]string{
		"HONGQI_WECOM_CORP_ID": "wwcorp", "HONGQI_WECOM_AGENT_ID": "1000002", "HONGQI_WECOM_SECRET": secret,
		"HONGQI_WECOM_TOKEN": "tok" + secret, "HONGQI_WECOM_AES_KEY": aesKey, "HONGQI_WECOM_API_BASE": "http://127.0.0.1:1",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // 说明里应点名的设置
	}{
		{"MySQL DSN without @", map[string]string{"HONGQI_DB": "mysql://root:" + secret + "/hq"}, []string{"staff", "list"}, "HONGQI_DB"},
		{"MySQL DSN written as a URL", map[string]string{"HONGQI_DB": "mysql://root:" + secret + "@127.0.0.1:3306/hq"}, []string{"staff", "list"}, "HONGQI_DB"},
		{"MySQL DSN with a bad parameter", map[string]string{"HONGQI_DB": "mysql://root:" + secret + "@tcp(127.0.0.1:3306)/hq?timeout=soon"}, []string{"staff", "list"}, "HONGQI_DB"},
		{"MySQL DSN with a password holding @ and /", map[string]string{"HONGQI_DB": "mysql://root:p@s/" + secret + "@tcp(127.0.0.1:1)/hq"}, []string{"staff", "list"}, "HONGQI_DB"},
		{"MySQL unreachable", map[string]string{"HONGQI_DB": "mysql://root:" + secret + "@tcp(127.0.0.1:1)/hq"}, []string{"staff", "list"}, "HONGQI_DB"},
		{"MySQL wrong password", map[string]string{"HONGQI_DB": "mysql://root:" + secret + "@tcp(127.0.0.1:3306)/hq"}, []string{"staff", "list"}, "HONGQI_DB"},
		{"DSN without //", map[string]string{"HONGQI_DB": "mysql:root:" + secret + "@tcp(127.0.0.1:3306)/hq"}, []string{"staff", "list"}, "HONGQI_DB"},
		{"DSN of another database", map[string]string{"HONGQI_DB": "postgres://root:" + secret + "@db/hq"}, []string{"staff", "list"}, "HONGQI_DB"},
		{"DSN in the config file", map[string]string{"HONGQI_CONFIG": yamlWith("db.yaml", "db: mysql://root:"+secret+"/hq\n")}, []string{"staff", "list"}, "HONGQI_DB"},
		{"Redis URL with a bad port", map[string]string{"HONGQI_DB": sqlite, "HONGQI_REDIS": "redis://:" + secret + "@127.0.0.1:port/0"}, []string{"chat", "--as", "x"}, "HONGQI_REDIS"},
		{"Redis URL with the host forgotten", map[string]string{"HONGQI_DB": sqlite, "HONGQI_REDIS": "redis://:" + secret}, []string{"chat", "--as", "x"}, "HONGQI_REDIS"},
		{"Redis URL with a bad database", map[string]string{"HONGQI_DB": sqlite, "HONGQI_REDIS": "redis://u:" + secret + "@127.0.0.1:6379/x"}, []string{"chat", "--as", "x"}, "HONGQI_REDIS"},
		{"Redis password in the query", map[string]string{"HONGQI_DB": sqlite, "HONGQI_REDIS": "redis://127.0.0.1:6379/0?password=" + secret + "&dial_timeout=soon"}, []string{"chat", "--as", "x"}, "HONGQI_REDIS"},
		{"Redis unreachable", map[string]string{"HONGQI_DB": sqlite, "HONGQI_REDIS": "redis://:" + secret + "@127.0.0.1:1/0"}, []string{"chat", "--as", "x"}, "HONGQI_REDIS"},
		{"WeCom secret without a corp id", map[string]string{"HONGQI_DB": sqlite, "HONGQI_WECOM_SECRET": secret}, []string{"serve"}, "HONGQI_WECOM_CORP_ID"},
		{"WeCom agent id not a number", with(wecom, "HONGQI_DB", sqlite, "HONGQI_WECOM_AGENT_ID", "app"+secret[:2]), []string{"serve"}, "HONGQI_WECOM_AGENT_ID"},
		{"AES key of the wrong length", with(wecom, "HONGQI_DB", sqlite, "HONGQI_WECOM_AES_KEY", secret), []string{"serve"}, "HONGQI_WECOM_AES_KEY"},
		{"AES key not base64", with(wecom, "HONGQI_DB", sqlite, "HONGQI_WECOM_AES_KEY", strings.Repeat("!", 43-len(secret))+secret), []string{"serve"}, "HONGQI_WECOM_AES_KEY"},
		{"robot key with a bad kind", map[string]string{"HONGQI_DB": sqlite, "HONGQI_CONFIG": yamlWith("robot.yaml",
			"flags:\n  announce:\n    - kind: robots\n      name: all\n      key: "+secret+"\n")}, []string{"serve"}, "announce"},
		{"robot key in a broken config file", map[string]string{"HONGQI_DB": sqlite, "HONGQI_CONFIG": yamlWith("broken.yaml",
			"flags:\n  announce:\n    - kind: robot\n      key: \""+secret+"\n")}, []string{"serve"}, "HONGQI_CONFIG"},
		{"all secrets set, the port taken", with(wecom, "HONGQI_DB", sqlite, "HONGQI_HTTP_ADDR", busy.Addr().String(), "HONGQI_LOG_LEVEL", "debug",
			"HONGQI_CONFIG", yamlWith("full.yaml", "flags:\n  announce:\n    - kind: robot\n      name: all\n      key: "+secret+"\n")), []string{"serve"}, "HONGQI_HTTP_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut, func(k string) string { return tt.env[k] })
			if err == nil {
				t.Fatalf("命令成功了，应因设置有误而失败（stderr：%s）", errOut.String())
			}
			printError(&errOut, err)
			all := out.String() + errOut.String() + err.Error()
			if strings.Contains(all, secret) {
				t.Errorf("输出里有密码：\n%s", all)
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("说明没有点名 %s：\n%s", tt.want, errOut.String())
			}
			t.Logf("%s", strings.TrimSpace(errOut.String()))
		})
	}
}
