package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/settlement/cert"
)

// 这台机器上跑不了 Docker：这里检查部署文件彼此一致——compose 挂进去的配置文件 hongqi 读得了，
// Caddy 转发到的端口是 hongqi 监听的端口，镜像里放的字体是证书会去找的那个。

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExampleConfigLoads(t *testing.T) {
	env := map[string]string{"HONGQI_CONFIG": "../../deploy/hongqi.example.yaml"}
	c, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("deploy/hongqi.example.yaml 读不进来：%v", err)
	}
	if !slices.Equal(c.Flags.Group, []string{"cg_head", "admin"}) {
		t.Errorf("评选小组 = %v，想要示例里的 [cg_head admin]", c.Flags.Group)
	}
	if len(c.Flags.Announce) != 1 || c.Flags.Announce[0].Kind != "appchat" || c.Flags.Announce[0].ChatID != "hongqi01" {
		t.Errorf("公布去处 = %+v，想要示例里的应用群聊 hongqi01", c.Flags.Announce)
	}
	if c.Settle.PublishBy != 5 || c.Location.String() != "Asia/Shanghai" {
		t.Errorf("结算期限 %d、时区 %s，想要示例里的 5 日、Asia/Shanghai", c.Settle.PublishBy, c.Location)
	}
	env["HONGQI_FLAG_GROUP"] = "zx_dir,zx_dep"
	if c, err := config.Load(func(k string) string { return env[k] }); err != nil || !slices.Equal(c.Flags.Group, []string{"zx_dir", "zx_dep"}) {
		t.Errorf("HONGQI_FLAG_GROUP 应覆盖文件里的评选小组：%v %v", c.Flags.Group, err)
	}
}

type composeService struct {
	Image       string            `yaml:"image"`
	Ports       []string          `yaml:"ports"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func TestComposeCaddyAndDockerfileAgree(t *testing.T) {
	var compose struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, "../../docker-compose.yml")), &compose); err != nil {
		t.Fatal(err)
	}
	hq, caddy := compose.Services["hongqi"], compose.Services["caddy"]

	// 配置文件：HONGQI_CONFIG 指向挂进来的 ./deploy 里的文件，示例就在 ./deploy 里。
	cfg := hq.Environment["HONGQI_CONFIG"]
	if !slices.Contains(hq.Volumes, "./deploy:/etc/hongqi:ro") || cfg != "/etc/hongqi/hongqi.yaml" {
		t.Errorf("hongqi 的 HONGQI_CONFIG = %q、卷 %v：想要 /etc/hongqi/hongqi.yaml，./deploy 挂在 /etc/hongqi", cfg, hq.Volumes)
	}
	if got := hq.Environment["HONGQI_PUBLIC_URL"]; got != "https://${HONGQI_DOMAIN}" {
		t.Errorf("hongqi 的 HONGQI_PUBLIC_URL = %q，想要 Caddy 服务的 https://${HONGQI_DOMAIN}", got)
	}
	if _, ok := hq.Environment["HONGQI_FLAG_GROUP"]; !ok {
		t.Error("compose 没有把 HONGQI_FLAG_GROUP 传给 hongqi")
	}
	if !slices.Equal(hq.Healthcheck.Test, []string{"CMD", "/usr/local/bin/hongqi", "health"}) {
		t.Errorf("hongqi 的健康检查 = %v，想要 hongqi health", hq.Healthcheck.Test)
	}

	// Caddy：80/443 对外，Caddyfile 挂进去，域名来自 HONGQI_DOMAIN，转发到 hongqi 监听的端口。
	if caddy.Image != "caddy:2" || !slices.Contains(caddy.Ports, "80:80") || !slices.Contains(caddy.Ports, "443:443") {
		t.Errorf("caddy 服务 = %+v，想要 caddy:2 开 80 和 443", caddy)
	}
	if !slices.Contains(caddy.Volumes, "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro") || caddy.Environment["HONGQI_DOMAIN"] == "" {
		t.Errorf("caddy 的卷 %v、环境 %v：想要挂 ./deploy/Caddyfile 并传 HONGQI_DOMAIN", caddy.Volumes, caddy.Environment)
	}
	caddyfile := readFile(t, "../../deploy/Caddyfile")
	if !strings.Contains(caddyfile, "{$HONGQI_DOMAIN} {") {
		t.Error("Caddyfile 的站点地址不是 {$HONGQI_DOMAIN}")
	}
	_, port, _ := strings.Cut(hq.Environment["HONGQI_HTTP_ADDR"], ":")
	if m := regexp.MustCompile(`(?m)^\s*reverse_proxy hongqi:(\d+)`).FindStringSubmatch(caddyfile); m == nil || m[1] != port {
		t.Errorf("Caddyfile 转发到 %v，hongqi 监听端口 %s", m, port)
	}
	for _, p := range hq.Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("hongqi 的端口 %s 对外开放：外面应只经 Caddy 的 HTTPS 进来", p)
		}
	}

	// 镜像：SQLite 在 /data 卷里，健康检查用 hongqi health，补字用的字体是证书首先找的那个文件。
	df := readFile(t, "../../Dockerfile")
	for _, want := range []string{`VOLUME ["/data"]`, "HONGQI_DB=sqlite:/data/hongqi.db", `CMD ["/usr/local/bin/hongqi", "health"]`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile 里没有 %s", want)
		}
	}
	font := regexp.MustCompile(`(?m)^COPY --from=fonts \S+ (\S+\.tt[cf])$`).FindStringSubmatch(df)
	if font == nil || font[1] != cert.SystemFonts[0] {
		t.Errorf("镜像里的字体 %v，证书首先找 %s", font, cert.SystemFonts[0])
	}
}
