package config

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// Settle 是考核结算的配置：门槛（金额在规则目录里）、每月把上月草稿发给中心领导的时间和
// 自动发布的期限。写在 HONGQI_CONFIG 文件的 settle 下。
type Settle struct {
	WeeklyPerMonth       int         `yaml:"weekly_per_month"`       // 当月周旗达到几次奖励，默认 3
	DekadPerMonth        int         `yaml:"dekad_per_month"`        // 本所当月旬旗达到几次所长奖励，默认 3
	YearThreshold        map[int]int `yaml:"year_threshold"`         // 按年份的年度服务明星门槛，默认 {2010: 20}
	DefaultYearThreshold int         `yaml:"default_year_threshold"` // 其他年份的门槛，默认 30
	FewBelow             int         `yaml:"few_below"`              // 年度周旗少于几次扣款，默认 2
	NoneHeadPerPerson    bool        `yaml:"none_head_per_person"`   // 所长按人次扣款，默认 true
	// DraftAt 是每月把上月结算草稿发给中心领导的日子和时刻，默认“1日 09:00”。
	DraftAt string `yaml:"draft_at"`
	// PublishBy 是发布期限（每月几日，时刻同 DraftAt）：到时上月还没发布就由系统自动发布，默认 5。
	PublishBy int `yaml:"publish_by"`
	// DekadFalseInfo 是旬服务红旗标杆所因虚假信息被撤销时给所长扣的金额（元），默认 0（不扣）：
	// 原文只对周红旗规定了所长扣 200 元，旬红旗没有规定。撤销的旬红旗总是不再计数。
	DekadFalseInfo int `yaml:"dekad_false_info"`
	// AnnounceNames 为 true 时，发布后发到群里的月度结果点名列出每笔扣款的人；默认 false（收入是个人的事，
	// 群里只有各网点合计、红旗奖励和服务明星、扣款和奖励的笔数）。
	AnnounceNames bool `yaml:"announce_names"`
	// CentreName 是发证的中心名称，写在年度服务明星证书的落款，如“某某县便民服务中心”
	// （环境变量 HONGQI_CENTRE 优先）；为空时证书上不写落款。
	CentreName string `yaml:"centre_name"`
}

// DefaultSettle 返回内置默认的结算配置。
func DefaultSettle() Settle {
	d := calc.DefaultConfig()
	return Settle{
		WeeklyPerMonth: d.WeeklyPerMonth, DekadPerMonth: d.DekadPerMonth, YearThreshold: d.YearThreshold,
		DefaultYearThreshold: d.DefaultYearThreshold, FewBelow: d.FewBelow, NoneHeadPerPerson: d.NoneHeadPerPerson,
		DraftAt: "1日 09:00", PublishBy: 5,
	}
}

// Config 返回结算计算用的门槛设置。
func (s Settle) Config() calc.Config {
	return calc.Config{
		WeeklyPerMonth: s.WeeklyPerMonth, DekadPerMonth: s.DekadPerMonth, YearThreshold: s.YearThreshold,
		DefaultYearThreshold: s.DefaultYearThreshold, FewBelow: s.FewBelow, NoneHeadPerPerson: s.NoneHeadPerPerson,
	}
}

var reDayClock = regexp.MustCompile(`^\s*(\d{1,2})\s*(?:日|号)?\s+(\S+)\s*$`)

// DraftDay 解析 DraftAt（“1日 09:00”），返回每月的日子和时刻。
func (s Settle) DraftDay() (day, hour, min int, err error) {
	m := reDayClock.FindStringSubmatch(s.DraftAt)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("应写成“1日 09:00”，现在是“%s”", s.DraftAt)
	}
	day, _ = strconv.Atoi(m[1])
	if day < 1 || day > 28 {
		return 0, 0, 0, fmt.Errorf("日子应在 1–28 之间，现在是 %d", day)
	}
	hour, min, err = ParseClock(m[2])
	return day, hour, min, err
}

func (s *Settle) validate() error {
	bad := func(format string, args ...any) error {
		return model.Errorf(model.EINVALID, "HONGQI_CONFIG 配置文件的 "+format, args...)
	}
	k := func(key string) string { return keyName("settle." + key) }
	if err := s.Config().Validate(); err != nil {
		return bad("%s：%v", keyName("settle"), model.ErrorMessage(err))
	}
	day, _, _, err := s.DraftDay()
	if err != nil {
		return bad("%s：%v", k("draft_at"), err)
	}
	if s.DekadFalseInfo < 0 {
		return bad("%s是扣款金额（元），不能为负，现在是 %d；不扣写 0", k("dekad_false_info"), s.DekadFalseInfo)
	}
	if s.PublishBy < day || s.PublishBy > 28 {
		return bad("%s应在草稿日（%d 日）到 28 日之间，现在是 %d", k("publish_by"), day, s.PublishBy)
	}
	return nil
}
