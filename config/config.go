// Package config 读取 hongqi 的配置：环境变量，以及 HONGQI_CONFIG 指定的 YAML 文件
// （环境变量优先）。缺少或写错的设置在启动时报错，错误信息点名是哪一项。
package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hongqi-dev/hongqi/model"
)

// Config 是 hongqi 的全部配置。yaml 标签即配置文件中的键名。
type Config struct {
	HTTPAddr string `yaml:"http_addr"` // HONGQI_HTTP_ADDR，默认 127.0.0.1:8080
	DB       string `yaml:"db"`        // HONGQI_DB，默认 sqlite:hongqi.db
	Redis    string `yaml:"redis"`     // HONGQI_REDIS，空表示进程内去重和锁
	Rules    string `yaml:"rules"`     // HONGQI_RULES，规则文件路径，空表示内置默认规则
	TZ       string `yaml:"tz"`        // HONGQI_TZ，默认 Asia/Shanghai
	// PublicURL 是用户访问 hongqi 的地址（HONGQI_PUBLIC_URL），如 https://hongqi.example.cn：
	// 网页登录链接和企业微信网页授权的回调都用它。默认由监听地址得出（http://127.0.0.1:8080）。
	PublicURL string `yaml:"public_url"`

	WeCom WeCom `yaml:"wecom"`
	Flags Flags `yaml:"flags"`
	// Settle 是结算门槛、草稿和发布期限（见 settle.go）。
	Settle Settle `yaml:"settle"`
	// Appeal 是申诉的设置。
	Appeal Appeal `yaml:"appeal"`

	// ReplayWindow 是回调时间戳允许的偏差（HONGQI_REPLAY_WINDOW，默认 5m）。
	ReplayWindow time.Duration `yaml:"replay_window"`
	// DebugAddr 是 pprof 调试端口（HONGQI_DEBUG_ADDR，默认空即关闭；只应监听 127.0.0.1）。
	DebugAddr string `yaml:"debug_addr"`
	// LogLevel 是日志级别（HONGQI_LOG_LEVEL：debug/info/warn/error，默认 info）。
	LogLevel string `yaml:"log_level"`

	// Location 是 TZ 解析后的时区。
	Location *time.Location `yaml:"-"`

	// Clock 是演练时钟的起点（HONGQI_CLOCK，RFC 3339，如 2026-12-31T20:00:00+08:00）：设了它，
	// hongqi 的时钟从这一刻起往前走，数据库标为演练数据库。零值表示真实时间。只能用环境变量设。
	Clock time.Time `yaml:"-"`
	// ClockText 是 HONGQI_CLOCK 原样的写法（记在数据库里，判断是不是同一次演练）。
	ClockText string `yaml:"-"`
}

// Rehearsal 表示是否设了演练时钟（HONGQI_CLOCK）。
func (c Config) Rehearsal() bool { return !c.Clock.IsZero() }

// WeCom 是企业微信应用的设置。
type WeCom struct {
	CorpID  string `yaml:"corp_id"`  // HONGQI_WECOM_CORP_ID
	AgentID string `yaml:"agent_id"` // HONGQI_WECOM_AGENT_ID
	Secret  string `yaml:"secret"`   // HONGQI_WECOM_SECRET
	Token   string `yaml:"token"`    // HONGQI_WECOM_TOKEN
	AESKey  string `yaml:"aes_key"`  // HONGQI_WECOM_AES_KEY（EncodingAESKey，43 个字符）
	APIBase string `yaml:"api_base"` // HONGQI_WECOM_API_BASE，默认 https://qyapi.weixin.qq.com
}

// CallbackEnabled 表示是否配置了接收消息回调（Token、EncodingAESKey、CorpID 齐全）。
func (w WeCom) CallbackEnabled() bool { return w.Token != "" && w.AESKey != "" && w.CorpID != "" }

// SendEnabled 表示是否配置了主动发送消息（CorpID、AgentID、Secret 齐全）。
func (w WeCom) SendEnabled() bool { return w.CorpID != "" && w.AgentID != "" && w.Secret != "" }

// Appeal 是申诉的设置。
type Appeal struct {
	// Within 是记录写入（通知发出）后多久内可以申诉（HONGQI_APPEAL_WITHIN，默认 72h）。
	Within time.Duration `yaml:"within"`
}

// Default 返回内置默认配置。
func Default() Config {
	return Config{
		HTTPAddr:     "127.0.0.1:8080",
		DB:           "sqlite:hongqi.db",
		TZ:           "Asia/Shanghai",
		ReplayWindow: 5 * time.Minute,
		LogLevel:     "info",
		WeCom:        WeCom{APIBase: "https://qyapi.weixin.qq.com"},
		Flags:        DefaultFlags(),
		Settle:       DefaultSettle(),
		Appeal:       Appeal{Within: model.DefaultAppealWithin},
	}
}

// Load 依次应用默认值、HONGQI_CONFIG 文件和环境变量，然后校验。getenv 通常是 os.Getenv。
func Load(getenv func(string) string) (Config, error) {
	c := Default()
	if path := getenv("HONGQI_CONFIG"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, model.Errorf(model.EINVALID, "HONGQI_CONFIG：读不了配置文件 %s：%v", path, err)
		}
		if err := parseYAML(&c, data, path); err != nil {
			return c, err
		}
	}
	str := map[string]*string{
		"HONGQI_HTTP_ADDR":      &c.HTTPAddr,
		"HONGQI_DB":             &c.DB,
		"HONGQI_REDIS":          &c.Redis,
		"HONGQI_RULES":          &c.Rules,
		"HONGQI_TZ":             &c.TZ,
		"HONGQI_PUBLIC_URL":     &c.PublicURL,
		"HONGQI_LOG_LEVEL":      &c.LogLevel,
		"HONGQI_DEBUG_ADDR":     &c.DebugAddr,
		"HONGQI_WECOM_CORP_ID":  &c.WeCom.CorpID,
		"HONGQI_WECOM_AGENT_ID": &c.WeCom.AgentID,
		"HONGQI_WECOM_SECRET":   &c.WeCom.Secret,
		"HONGQI_WECOM_TOKEN":    &c.WeCom.Token,
		"HONGQI_WECOM_AES_KEY":  &c.WeCom.AESKey,
		"HONGQI_WECOM_API_BASE": &c.WeCom.APIBase,
		"HONGQI_CENTRE":         &c.Settle.CentreName,
	}
	for name, p := range str {
		if v, ok := lookup(getenv, name); ok {
			*p = v
		}
	}
	if v, ok := lookup(getenv, "HONGQI_FLAG_GROUP"); ok {
		c.Flags.Group = nil
		for _, id := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
			c.Flags.Group = append(c.Flags.Group, id)
		}
	}
	if v, ok := lookup(getenv, "HONGQI_CLOCK"); ok {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return c, model.Errorf(model.EINVALID, "HONGQI_CLOCK：“%s”不是 RFC 3339 时间，应写成 2026-12-31T20:00:00+08:00（带时区）", v)
		}
		c.Clock, c.ClockText = t, v
	}
	if v, ok := lookup(getenv, "HONGQI_REPLAY_WINDOW"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, model.Errorf(model.EINVALID, "HONGQI_REPLAY_WINDOW：“%s”不是时长，应写成 5m、300s 这样", v)
		}
		c.ReplayWindow = d
	}
	if v, ok := lookup(getenv, "HONGQI_APPEAL_WITHIN"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, model.Errorf(model.EINVALID, "HONGQI_APPEAL_WITHIN：“%s”不是时长，应写成 72h、48h 这样", v)
		}
		c.Appeal.Within = d
	}
	return c, c.validate()
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := strings.TrimSpace(getenv(name))
	return v, v != ""
}

// parseYAML 读配置文件：先逐项核对键名和值的类型（checkYAML，报错说中文名和应写什么，不转述 yaml 库的话），
// 再填进 c。
func parseYAML(c *Config, data []byte, path string) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return yamlSyntax(err, path)
	}
	if err := checkYAML(&root, path); err != nil {
		return err
	}
	if len(root.Content) == 0 {
		return nil
	}
	if err := root.Decode(c); err != nil {
		return model.Wrap(model.EINVALID, err, "HONGQI_CONFIG：配置文件 %s 有一项的值读不进来，请对照 deploy/hongqi.example.yaml 检查。", path)
	}
	return nil
}

func (c *Config) validate() error {
	host, port, err := net.SplitHostPort(c.HTTPAddr)
	if err != nil {
		return model.Errorf(model.EINVALID, "HONGQI_HTTP_ADDR：“%s”不是 主机:端口 形式，例如 127.0.0.1:8080", c.HTTPAddr)
	}
	if c.PublicURL == "" {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		c.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	if err := c.checkPublicURL(); err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(c.DB, "sqlite:") && len(c.DB) > len("sqlite:"):
	case strings.HasPrefix(c.DB, "mysql://") && strings.Contains(c.DB, "/"):
	default:
		return model.Errorf(model.EINVALID, "HONGQI_DB：“%s”无法识别，应为 sqlite:文件路径 或 mysql://用户:密码@tcp(主机:3306)/库名", redactDSN(c.DB))
	}
	if c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://") {
		return model.Errorf(model.EINVALID, "HONGQI_REDIS：应为 redis://主机:6379/0，留空表示不用 Redis")
	}
	loc, err := time.LoadLocation(c.TZ)
	if err != nil {
		return model.Errorf(model.EINVALID, "HONGQI_TZ：时区“%s”无法识别，例如 Asia/Shanghai", c.TZ)
	}
	c.Location = loc
	if c.ReplayWindow <= 0 {
		return model.Errorf(model.EINVALID, "HONGQI_REPLAY_WINDOW 必须大于 0")
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			return model.Errorf(model.EINVALID, "HONGQI_DEBUG_ADDR：“%s”不是 主机:端口 形式，例如 127.0.0.1:6060", c.DebugAddr)
		}
	}
	if err := c.Flags.validate(); err != nil {
		return err
	}
	if err := c.Settle.validate(); err != nil {
		return err
	}
	if c.Appeal.Within < time.Hour || c.Appeal.Within > 90*24*time.Hour {
		return model.Errorf(model.EINVALID, "appeal.within（HONGQI_APPEAL_WITHIN）应在 1h 到 2160h（90 天）之间，现在是 %s", c.Appeal.Within)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return model.Errorf(model.EINVALID, "HONGQI_LOG_LEVEL：“%s”应为 debug、info、warn 或 error", c.LogLevel)
	}
	w := c.WeCom
	cb := []string{w.Token, w.AESKey}
	if anySet(cb...) && !(allSet(cb...) && w.CorpID != "") {
		return model.Errorf(model.EINVALID, "企业微信回调需要同时设置 HONGQI_WECOM_CORP_ID、HONGQI_WECOM_TOKEN 和 HONGQI_WECOM_AES_KEY，现在缺少 %s",
			missing(map[string]string{"HONGQI_WECOM_CORP_ID": w.CorpID, "HONGQI_WECOM_TOKEN": w.Token, "HONGQI_WECOM_AES_KEY": w.AESKey}))
	}
	if w.AESKey != "" && len(w.AESKey) != 43 {
		return model.Errorf(model.EINVALID, "HONGQI_WECOM_AES_KEY 应为 43 个字符（企业微信后台生成的 EncodingAESKey），现在是 %d 个", len(w.AESKey))
	}
	if anySet(w.AgentID, w.Secret) && !w.SendEnabled() {
		return model.Errorf(model.EINVALID, "企业微信发消息需要同时设置 HONGQI_WECOM_CORP_ID、HONGQI_WECOM_AGENT_ID 和 HONGQI_WECOM_SECRET，现在缺少 %s",
			missing(map[string]string{"HONGQI_WECOM_CORP_ID": w.CorpID, "HONGQI_WECOM_AGENT_ID": w.AgentID, "HONGQI_WECOM_SECRET": w.Secret}))
	}
	if w.AgentID != "" {
		if _, err := strconv.Atoi(w.AgentID); err != nil {
			return model.Errorf(model.EINVALID, "HONGQI_WECOM_AGENT_ID 应为数字（应用的 AgentId），现在是“%s”", w.AgentID)
		}
	}
	if !strings.HasPrefix(w.APIBase, "http://") && !strings.HasPrefix(w.APIBase, "https://") {
		return model.Errorf(model.EINVALID, "HONGQI_WECOM_API_BASE 应以 http:// 或 https:// 开头，现在是“%s”", w.APIBase)
	}
	return nil
}

// checkPublicURL 检查 HONGQI_PUBLIC_URL 是 http(s)://主机[:端口] 形式（不带路径），去掉末尾的 /。
func (c *Config) checkPublicURL() error {
	u, err := url.Parse(strings.TrimRight(c.PublicURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return model.Errorf(model.EINVALID, "HONGQI_PUBLIC_URL：“%s”应为 https://域名 或 http://主机:端口（不带路径），例如 https://hongqi.example.cn", c.PublicURL)
	}
	c.PublicURL = u.Scheme + "://" + u.Host
	return nil
}

func anySet(vs ...string) bool {
	for _, v := range vs {
		if v != "" {
			return true
		}
	}
	return false
}

func allSet(vs ...string) bool {
	for _, v := range vs {
		if v == "" {
			return false
		}
	}
	return true
}

func missing(m map[string]string) string {
	var out []string
	for _, k := range []string{"HONGQI_WECOM_CORP_ID", "HONGQI_WECOM_AGENT_ID", "HONGQI_WECOM_SECRET", "HONGQI_WECOM_TOKEN", "HONGQI_WECOM_AES_KEY"} {
		if v, ok := m[k]; ok && v == "" {
			out = append(out, k)
		}
	}
	return strings.Join(out, "、")
}

// redactDSN 去掉 DSN 中的密码（包括写错了的 DSN 里像密码的部分，见 model.DSNSecrets），用于报错和日志。
func redactDSN(dsn string) string { return model.RedactDSN(dsn) }

// RedactedDB 返回去掉密码的 HONGQI_DB，可以写日志。
func (c Config) RedactedDB() string { return redactDSN(c.DB) }

// String 供调试打印，不含任何密钥。
func (c Config) String() string {
	s := fmt.Sprintf("http=%s public=%s db=%s redis=%t rules=%q tz=%s wecom(callback=%t send=%t api=%s)",
		c.HTTPAddr, c.PublicURL, c.RedactedDB(), c.Redis != "", c.Rules, c.TZ, c.WeCom.CallbackEnabled(), c.WeCom.SendEnabled(), c.WeCom.APIBase)
	if c.Rehearsal() {
		s += " clock=" + c.ClockText
	}
	return s
}
