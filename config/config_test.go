package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load() with no settings: %v", err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.DB != "sqlite:hongqi.db" || c.Redis != "" || c.TZ != "Asia/Shanghai" {
		t.Errorf("defaults = %+v", c)
	}
	if c.Location.String() != "Asia/Shanghai" || c.ReplayWindow != 5*time.Minute {
		t.Errorf("location %v, replay window %v", c.Location, c.ReplayWindow)
	}
	if c.WeCom.CallbackEnabled() || c.WeCom.SendEnabled() {
		t.Errorf("WeCom enabled without settings")
	}
}

func TestLoadFileThenEnvOverrides(t *testing.T) {
	c, err := Load(env(map[string]string{
		"HONGQI_CONFIG":       "testdata/full.yaml",
		"HONGQI_WECOM_SECRET": "env-secret",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.HTTPAddr != "0.0.0.0:9000" || c.Redis != "redis://cache:6379/0" || c.ReplayWindow != 2*time.Minute || c.LogLevel != "warn" {
		t.Errorf("file values not applied: %+v", c)
	}
	if c.Flags.SinceTime(time.UTC).Day() != 2 || c.Flags.ConfirmWithin != 24*time.Hour || len(c.Flags.Group) != 1 || c.Flags.Weekly.Winners != 2 {
		t.Errorf("flags from file = %+v", c.Flags)
	}
	if c.WeCom.Secret != "env-secret" {
		t.Errorf("env did not override the file: secret = %q", c.WeCom.Secret)
	}
	if !c.WeCom.CallbackEnabled() || !c.WeCom.SendEnabled() {
		t.Errorf("WeCom should be fully enabled: %+v", c.WeCom)
	}
	if s := c.String(); strings.Contains(s, "s3cret") || strings.Contains(s, "env-secret") || strings.Contains(s, c.WeCom.AESKey) {
		t.Errorf("String() leaks a secret: %s", s)
	}
}

func TestLoadErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad db scheme", map[string]string{"HONGQI_DB": "postgres://x"}, "HONGQI_DB"},
		{"db password redacted", map[string]string{"HONGQI_DB": "pg://u:topsecret@h/db"}, "u:***@h/db"},
		{"bad redis", map[string]string{"HONGQI_REDIS": "127.0.0.1:6379"}, "HONGQI_REDIS"},
		{"bad tz", map[string]string{"HONGQI_TZ": "Mars/Olympus"}, "HONGQI_TZ"},
		{"bad addr", map[string]string{"HONGQI_HTTP_ADDR": "8080"}, "HONGQI_HTTP_ADDR"},
		{"bad replay window", map[string]string{"HONGQI_REPLAY_WINDOW": "five"}, "HONGQI_REPLAY_WINDOW"},
		{"token without key", map[string]string{"HONGQI_WECOM_TOKEN": "t", "HONGQI_WECOM_CORP_ID": "ww1"}, "HONGQI_WECOM_AES_KEY"},
		{"short aes key", map[string]string{"HONGQI_WECOM_TOKEN": "t", "HONGQI_WECOM_CORP_ID": "ww1", "HONGQI_WECOM_AES_KEY": "abc"}, "43"},
		{"secret without agent", map[string]string{"HONGQI_WECOM_SECRET": "s", "HONGQI_WECOM_CORP_ID": "ww1"}, "HONGQI_WECOM_AGENT_ID"},
		{"agent not a number", map[string]string{"HONGQI_WECOM_SECRET": "s", "HONGQI_WECOM_CORP_ID": "ww1", "HONGQI_WECOM_AGENT_ID": "abc"}, "HONGQI_WECOM_AGENT_ID"},
		{"bad api base", map[string]string{"HONGQI_WECOM_API_BASE": "qyapi"}, "HONGQI_WECOM_API_BASE"},
		{"bad log level", map[string]string{"HONGQI_LOG_LEVEL": "loud"}, "HONGQI_LOG_LEVEL"},
		{"public url without scheme", map[string]string{"HONGQI_PUBLIC_URL": "hongqi.example.cn"}, "HONGQI_PUBLIC_URL"},
		{"public url with a path", map[string]string{"HONGQI_PUBLIC_URL": "https://example.cn/hongqi"}, "HONGQI_PUBLIC_URL"},
		{"rehearsal clock without a zone", map[string]string{"HONGQI_CLOCK": "2026-12-31 20:00"}, "HONGQI_CLOCK"},
		{"rehearsal clock as a date only", map[string]string{"HONGQI_CLOCK": "2026-12-31"}, "RFC 3339"},
		{"missing config file", map[string]string{"HONGQI_CONFIG": "testdata/nope.yaml"}, "HONGQI_CONFIG"},
		{"unknown key in file", map[string]string{"HONGQI_CONFIG": "testdata/unknown-key.yaml"}, "http_adr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env))
			if err == nil {
				t.Fatalf("Load accepted %v", tt.env)
			}
			if model.ErrorCode(err) != model.EINVALID {
				t.Errorf("code = %s, want %s", model.ErrorCode(err), model.EINVALID)
			}
			if msg := model.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not name %q", msg, tt.want)
			}
			if strings.Contains(model.ErrorMessage(err), "topsecret") {
				t.Errorf("message leaks the password: %s", model.ErrorMessage(err))
			}
		})
	}
}

func TestRehearsalClock(t *testing.T) {
	c, err := Load(env(map[string]string{"HONGQI_CLOCK": "2026-12-31T20:00:00+08:00"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Rehearsal() || !c.Clock.Equal(time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)) || c.ClockText != "2026-12-31T20:00:00+08:00" {
		t.Errorf("clock = %v %q rehearsal=%v", c.Clock, c.ClockText, c.Rehearsal())
	}
	if !strings.Contains(c.String(), "clock=2026-12-31T20:00:00+08:00") {
		t.Errorf("String() does not show the rehearsal clock: %s", c)
	}
	if d, _ := Load(env(nil)); d.Rehearsal() {
		t.Error("no HONGQI_CLOCK is a rehearsal")
	}
}

func TestFlagsConfig(t *testing.T) {
	c, err := Load(env(map[string]string{"HONGQI_FLAG_GROUP": "cg_head, admin"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(c.Flags.Group) != 2 || c.Flags.Group[0] != "cg_head" || c.Flags.Group[1] != "admin" {
		t.Errorf("group = %q", c.Flags.Group)
	}
	wd, h, m, err := c.Flags.WeeklyAt()
	if err != nil || wd != time.Monday || h != 8 || m != 0 {
		t.Errorf("WeeklyAt = %v %d:%d %v", wd, h, m, err)
	}
	if c.Flags.Weekly.Winners != 2 || c.Flags.Dekad.Winners != 1 || c.Flags.ConfirmWithin != 48*time.Hour {
		t.Errorf("flag defaults = %+v", c.Flags)
	}
	_, err = Load(env(map[string]string{"HONGQI_CONFIG": "testdata/bad-weights.yaml"}))
	if err == nil || !strings.Contains(model.ErrorMessage(err), "合计 100") {
		t.Errorf("weights not summing to 100 accepted: %v", err)
	}
}

func TestPublicURL(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default from the listen address", nil, "http://127.0.0.1:8080"},
		{"any-address listens on this machine", map[string]string{"HONGQI_HTTP_ADDR": "0.0.0.0:9000"}, "http://127.0.0.1:9000"},
		{"empty host", map[string]string{"HONGQI_HTTP_ADDR": ":9001"}, "http://127.0.0.1:9001"},
		{"set behind a proxy", map[string]string{"HONGQI_PUBLIC_URL": "https://hongqi.example.cn/"}, "https://hongqi.example.cn"},
		{"port kept", map[string]string{"HONGQI_PUBLIC_URL": "https://hongqi.example.cn:8443"}, "https://hongqi.example.cn:8443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(env(tt.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.PublicURL != tt.want {
				t.Errorf("PublicURL = %q, want %q", c.PublicURL, tt.want)
			}
		})
	}
}

// 配置文件写错时，报错说是第几行、哪一项（键名和中文名）、应写什么；不转述 yaml 库的话
// （“field flgas not found in type config.Config”“cannot unmarshal !!str `two` into int”）。
func TestConfigFileErrorsSpeakChinese(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"misspelt section", "flgas:\n  group: [admin]\n", []string{"第 1 行：这里没有“flgas”这一项，是不是 flags（流动红旗）？"}},
		{"a word where a number goes", "flags:\n  weekly:\n    winners: two\n", []string{"第 3 行：flags.weekly.winners（每周评几面周红旗）应为整数，现在写的是“two”。"}},
		{"misspelt nested key", "flags:\n  weekly:\n    winer: 2\n", []string{"第 3 行：flags.weekly（周红旗的评分）下面没有“winer”这一项，是不是 flags.weekly.winners（每周评几面周红旗）？"}},
		{"duration", "flags:\n  confirm_within: two days\n", []string{"flags.confirm_within（评选小组确认的期限）应为时长，如 48h、30m"}},
		{"yes/no", "flags:\n  weekly:\n    basic_counts_as_half: 算\n", []string{"应为 true 或 false，现在写的是“算”"}},
		{"a list written as one value", "flags:\n  group: admin cg_head\n", []string{"flags.group（评选小组（工号））应为一组值，如 [a, b]"}},
		{"announce entry", "flags:\n  announce:\n    - {kind: robot, name: 全员群, kee: x}\n", []string{"flags.announce[1]（评选结果的公布去处）下面没有“kee”这一项，是不是 flags.announce[1].key（群机器人的 key）？"}},
		{"year threshold", "settle:\n  year_threshold: {二〇一〇: 20}\n", []string{"settle.year_threshold（个别年份的年度服务明星门槛）里的“二〇一〇”应为年份"}},
		{"two problems at once", "tz: Asia/Shanghai\nflgas: 1\nsettle:\n  few_below: 两\n", []string{"有 2 处写得不对", "第 2 行", "第 4 行：settle.few_below（全年周红旗少于几次扣款）应为整数"}},
		{"broken yaml", "flags:\n\tgroup: [admin]\n", []string{"第 2 行的写法不对（YAML 格式）", "用空格，不用 Tab"}},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, fmt.Sprintf("c%d.yaml", i))
			if err := os.WriteFile(p, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(env(map[string]string{"HONGQI_CONFIG": p}))
			msg := model.ErrorMessage(err)
			if model.ErrorCode(err) != model.EINVALID {
				t.Fatalf("Load = %v, want EINVALID", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q:\n%s", w, msg)
				}
			}
			for _, leak := range []string{"config.Config", "unmarshal", "!!str", "not found in type", "yaml:"} {
				if strings.Contains(msg, leak) {
					t.Errorf("message leaks %q:\n%s", leak, msg)
				}
			}
		})
	}
}

// 配置文件里能写的每一项都有中文名（报错时说给人听）。
func TestEveryConfigKeyHasAChineseName(t *testing.T) {
	var walkType func(t reflect.Type, path string)
	var missing []string
	walkType = func(typ reflect.Type, path string) {
		switch typ.Kind() {
		case reflect.Slice:
			walkType(typ.Elem(), path)
			return
		case reflect.Struct:
		default:
			return
		}
		if typ == reflect.TypeOf(time.Time{}) {
			return
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			p := tag
			if path != "" {
				p = path + "." + tag
			}
			if _, ok := labels[p]; !ok {
				missing = append(missing, p)
			}
			walkType(f.Type, p)
		}
	}
	walkType(reflect.TypeOf(Config{}), "")
	if len(missing) > 0 {
		t.Errorf("keys without a Chinese name in labels: %v", missing)
	}
}
