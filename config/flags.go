package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// Flags 是流动红旗的配置：评分权重、评选时间、评选小组和公布去处。写在 HONGQI_CONFIG 文件的 flags 下；
// 评选小组也可用 HONGQI_FLAG_GROUP（逗号分隔的 userid）。
type Flags struct {
	Weekly WeeklyRanking `yaml:"weekly"`
	Dekad  DekadRanking  `yaml:"dekad"`
	// Group 是评选小组成员的 userid。
	Group []string `yaml:"group"`
	// ProposeWeekly 是周评选提名的时间：周几和时刻，默认“周一 08:00”（提名上一周）。
	ProposeWeekly string `yaml:"propose_weekly"`
	// ProposeDekad 是旬评选提名的时刻（每月 1、11、21 日），默认 08:00（提名上一旬）。
	ProposeDekad string `yaml:"propose_dekad"`
	// ConfirmWithin 是评选小组确认的期限，过期提名自动生效，默认 48h。
	ConfirmWithin time.Duration `yaml:"confirm_within"`
	// Since 是上线日期（2026-11-02 形式）：这天之前就结束的周、旬、月，定时任务不提名、不发草稿、不自动发布。
	// 留空时上线是数据库记下的第一次启动（见 app.Main.GoLive）。
	Since string `yaml:"since"`
	// Announce 是公布结果的去处（应用群聊或群机器人），可以有多个。
	Announce []AnnounceTarget `yaml:"announce"`
}

// WeeklyRanking 是周红旗的评分规则。综合分 = 满意率×满意权重 + 抽查均分×抽查权重 + 客户反映分×反映权重，
// 权重之和为 100；客户反映分 = 50 + 表扬×PraisePoints − 有效投诉×ComplaintPoints，限定在 0–100。
type WeeklyRanking struct {
	Winners               int  `yaml:"winners"`                // 每周红旗数，默认 2
	MinRatings            int  `yaml:"min_ratings"`            // 参评所需的最少测评次数，默认 20
	WeightSatisfaction    int  `yaml:"weight_satisfaction"`    // 默认 60
	WeightSpotCheck       int  `yaml:"weight_spot_check"`      // 默认 30
	WeightFeedback        int  `yaml:"weight_feedback"`        // 默认 10
	PraisePoints          int  `yaml:"praise_points"`          // 每次表扬加分，默认 10
	ComplaintPoints       int  `yaml:"complaint_points"`       // 每次有效投诉减分，默认 25
	BasicCountsAsHalf     bool `yaml:"basic_counts_as_half"`   // “基本满意”按半个满意计，默认 true
	DeductionDisqualifies bool `yaml:"deduction_disqualifies"` // 本周有扣款即不参评，默认 false
}

// DekadRanking 是旬红旗的评分规则：各检查项均分按权重加权。
type DekadRanking struct {
	Winners int              `yaml:"winners"` // 每旬红旗数，默认 1
	Items   []InspectionItem `yaml:"items"`
}

// InspectionItem 是农村网点检查的一项。
type InspectionItem struct {
	Code   string   `yaml:"code"`
	Name   string   `yaml:"name"`
	Words  []string `yaml:"words"`
	Weight int      `yaml:"weight"`
}

// AnnounceTarget 是一个公布去处。
type AnnounceTarget struct {
	// Kind 是 "appchat"（应用创建的群聊）或 "robot"（群机器人 webhook）。
	Kind string `yaml:"kind"`
	// Name 是这个去处的名字（群机器人用它指代：通知的去处为 model.ToRobot(Name)；应用群聊用 ChatID）。
	Name string `yaml:"name"`
	// ChatID 是应用群聊的 chatid（appchat）；群不存在时用 Members 创建。
	ChatID  string   `yaml:"chat_id"`
	Owner   string   `yaml:"owner"`
	Members []string `yaml:"members"`
	// Key 是群机器人的 webhook key（robot），属于密钥，不写日志、不进数据库。
	Key string `yaml:"key"`
}

// DefaultFlags 返回内置默认的红旗配置。
func DefaultFlags() Flags {
	return Flags{
		Weekly: WeeklyRanking{
			Winners: 2, MinRatings: 20,
			WeightSatisfaction: 60, WeightSpotCheck: 30, WeightFeedback: 10,
			PraisePoints: 10, ComplaintPoints: 25, BasicCountsAsHalf: true,
		},
		Dekad: DekadRanking{
			Winners: 1,
			Items: []InspectionItem{
				{Code: "hygiene", Name: "卫生状况", Words: []string{"卫生"}, Weight: 30},
				{Code: "service", Name: "综合服务", Words: []string{"综合服务", "服务"}, Weight: 30},
				{Code: "management", Name: "基础管理落实", Words: []string{"基础管理", "管理"}, Weight: 20},
				{Code: "meeting", Name: "晨会组织", Words: []string{"晨会"}, Weight: 20},
			},
		},
		ProposeWeekly: "周一 08:00",
		ProposeDekad:  "08:00",
		ConfirmWithin: 48 * time.Hour,
	}
}

var reWeekday = map[string]time.Weekday{
	"周一": time.Monday, "周二": time.Tuesday, "周三": time.Wednesday, "周四": time.Thursday,
	"周五": time.Friday, "周六": time.Saturday, "周日": time.Sunday, "周天": time.Sunday,
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
}

var reClock = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)

// ParseClock 解析“08:00”，返回当天的时、分。
func ParseClock(s string) (hour, min int, err error) {
	m := reClock.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, 0, fmt.Errorf("时刻“%s”应写成 08:00", s)
	}
	hour, _ = strconv.Atoi(m[1])
	min, _ = strconv.Atoi(m[2])
	return hour, min, nil
}

// SinceTime 返回 Since 在 loc 时区的零点；Since 为空时返回零值。
func (f Flags) SinceTime(loc *time.Location) time.Time {
	d, err := model.ParseDate(f.Since)
	if err != nil || f.Since == "" {
		return time.Time{}
	}
	return d.Start(loc)
}

// WeeklyAt 解析 ProposeWeekly（“周一 08:00”）。
func (f Flags) WeeklyAt() (time.Weekday, int, int, error) {
	parts := strings.Fields(f.ProposeWeekly)
	if len(parts) != 2 {
		return 0, 0, 0, fmt.Errorf("应写成“周一 08:00”，现在是“%s”", f.ProposeWeekly)
	}
	wd, ok := reWeekday[strings.ToLower(parts[0])]
	if !ok {
		return 0, 0, 0, fmt.Errorf("“%s”不是周几，应为 周一…周日", parts[0])
	}
	h, m, err := ParseClock(parts[1])
	return wd, h, m, err
}

func (f *Flags) validate() error {
	bad := func(format string, args ...any) error {
		return model.Errorf(model.EINVALID, "HONGQI_CONFIG 配置文件的 "+format, args...)
	}
	k := func(key string) string { return keyName("flags." + key) }
	w := f.Weekly
	if w.Winners < 1 || w.MinRatings < 0 {
		return bad("%s至少为 1，%s不能为负，现在是 %d 和 %d", k("weekly.winners"), k("weekly.min_ratings"), w.Winners, w.MinRatings)
	}
	if w.WeightSatisfaction < 0 || w.WeightSpotCheck < 0 || w.WeightFeedback < 0 ||
		w.WeightSatisfaction+w.WeightSpotCheck+w.WeightFeedback != 100 {
		return bad("三个权重 %s、%s、%s 应为非负的整数、合计 100，现在合计 %d",
			k("weekly.weight_satisfaction"), k("weekly.weight_spot_check"), k("weekly.weight_feedback"), w.WeightSatisfaction+w.WeightSpotCheck+w.WeightFeedback)
	}
	if f.Dekad.Winners < 1 || len(f.Dekad.Items) == 0 {
		return bad("%s至少为 1，%s至少要有一项", k("dekad.winners"), k("dekad.items"))
	}
	sum := 0
	owner := map[string]int{}
	for i, it := range f.Dekad.Items {
		if it.Code == "" || it.Name == "" || it.Weight <= 0 {
			return bad("%s第 %d 项要写 code（编码）、name（名称）和正的 weight（权重）", k("dekad.items"), i+1)
		}
		for _, w := range append([]string{it.Code, it.Name}, it.Words...) {
			if j, ok := owner[w]; ok && j != i {
				return bad("%s中的“%s”同时属于第 %d 项和第 %d 项，主管写“检查 … %s”时分不清是哪一项", k("dekad.items"), w, j+1, i+1, w)
			}
			owner[w] = i
		}
		sum += it.Weight
	}
	if sum != 100 {
		return bad("%s的权重合计应为 100，现在是 %d", k("dekad.items"), sum)
	}
	if _, _, _, err := f.WeeklyAt(); err != nil {
		return bad("%s：%v", k("propose_weekly"), err)
	}
	if _, _, err := ParseClock(f.ProposeDekad); err != nil {
		return bad("%s：%v", k("propose_dekad"), err)
	}
	if f.Since != "" {
		if _, err := model.ParseDate(f.Since); err != nil {
			return bad("%s应写成 2026-11-02 这样的日期，现在是“%s”", k("since"), f.Since)
		}
	}
	if f.ConfirmWithin <= 0 {
		return bad("%s必须大于 0，如 48h", k("confirm_within"))
	}
	for i, t := range f.Announce {
		switch t.Kind {
		case "appchat":
			if t.ChatID == "" {
				return bad("%s第 %d 项（appchat，应用群聊）要写 chat_id（群聊的 chatid）", k("announce"), i+1)
			}
		case "robot":
			if t.Key == "" || t.Name == "" {
				return bad("%s第 %d 项（robot，群机器人）要写 name（名字）和 key（webhook 的 key）", k("announce"), i+1)
			}
		default:
			return bad("%s第 %d 项的 kind（种类）应为 appchat（应用群聊）或 robot（群机器人），现在是“%s”", k("announce"), i+1, t.Kind)
		}
	}
	return nil
}
