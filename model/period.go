package model

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Month 是一个考核月，如 2026-11。零值无效。
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf 返回 t 在 loc 时区所在的月。
func MonthOf(t time.Time, loc *time.Location) Month {
	t = t.In(loc)
	return Month{Year: t.Year(), Month: t.Month()}
}

// String 返回 2026-11 形式。
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Label 返回“2026年11月”形式。
func (m Month) Label() string { return fmt.Sprintf("%d年%d月", m.Year, int(m.Month)) }

// IsZero 表示是否为零值。
func (m Month) IsZero() bool { return m.Year == 0 }

// Add 返回 n 个月之后（n 可为负）的月份。
func (m Month) Add(n int) Month {
	t := time.Date(m.Year, m.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return Month{Year: t.Year(), Month: t.Month()}
}

// Start 返回该月在 loc 中的第一刻。
func (m Month) Start(loc *time.Location) time.Time {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, loc)
}

// End 返回下月第一刻（不含）。
func (m Month) End(loc *time.Location) time.Time { return m.Add(1).Start(loc) }

var (
	reMonthISO = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})月?$`)
	reMonthCN  = regexp.MustCompile(`^(\d{1,2})月(份)?$`)
	reMonthNum = regexp.MustCompile(`^(\d{6})$`)
)

// ParseMonth 解析用户写的月份：本月、上月、10月、2026-10、2026年10月、202610。
// 只写月份时取今年；若该月在 now 之后，取去年（一月份查“12月”即去年 12 月）。
func ParseMonth(s string, now time.Time, loc *time.Location) (Month, error) {
	s = strings.TrimSpace(s)
	cur := MonthOf(now, loc)
	switch s {
	case "", "本月", "这个月", "当月":
		return cur, nil
	case "上月", "上个月":
		return cur.Add(-1), nil
	}
	var y, mo int
	if m := reMonthISO.FindStringSubmatch(s); m != nil {
		y, _ = strconv.Atoi(m[1])
		mo, _ = strconv.Atoi(m[2])
	} else if m := reMonthNum.FindStringSubmatch(s); m != nil {
		y, _ = strconv.Atoi(m[1][:4])
		mo, _ = strconv.Atoi(m[1][4:])
	} else if m := reMonthCN.FindStringSubmatch(s); m != nil {
		mo, _ = strconv.Atoi(m[1])
		y = cur.Year
		if mo > int(cur.Month) {
			y--
		}
	} else {
		return Month{}, Errorf(EINVALID, "月份“%s”看不懂，可以写：本月、上月、10月、2026-10", s)
	}
	if mo < 1 || mo > 12 || y < 2000 || y > 2100 {
		return Month{}, Errorf(EINVALID, "月份“%s”不存在，可以写：本月、上月、10月、2026-10", s)
	}
	return Month{Year: y, Month: time.Month(mo)}, nil
}

// LooksLikeMonth 表示 s 是否像一个月份写法（用于区分“查 张三 10月”中的人名和月份）。
func LooksLikeMonth(s string) bool {
	s = strings.TrimSpace(s)
	switch s {
	case "本月", "这个月", "当月", "上月", "上个月":
		return true
	}
	return reMonthISO.MatchString(s) || reMonthCN.MatchString(s) || reMonthNum.MatchString(s)
}

// Shanghai 是默认的考核时区 Asia/Shanghai。二进制编入了时区数据（time/tzdata）；
// 万一仍读不到，用固定的 UTC+8（中国不实行夏令时，结果相同）。
var Shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()
