package config

import (
	"strings"
	"testing"
)

func TestSettleDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	day, h, m, err := c.Settle.DraftDay()
	if err != nil || day != 1 || h != 9 || m != 0 || c.Settle.PublishBy != 5 || c.Settle.DekadFalseInfo != 0 {
		t.Errorf("默认草稿时间 %d日 %02d:%02d（%v），期限 %d 日；想要 1日 09:00、5 日", day, h, m, err, c.Settle.PublishBy)
	}
	sc := c.Settle.Config()
	if sc.Threshold(2010) != 20 || sc.Threshold(2026) != 30 || sc.WeeklyPerMonth != 3 || !sc.NoneHeadPerPerson {
		t.Errorf("默认门槛 %+v", sc)
	}
}

func TestSettleFromFile(t *testing.T) {
	c, err := Load(env(map[string]string{"HONGQI_CONFIG": "testdata/settle.yaml"}))
	if err != nil {
		t.Fatal(err)
	}
	day, h, m, _ := c.Settle.DraftDay()
	if day != 2 || h != 8 || m != 30 || c.Settle.PublishBy != 6 || c.Settle.DekadFalseInfo != 100 {
		t.Errorf("草稿 %d日 %02d:%02d，期限 %d 日；想要 2日 08:30、6 日", day, h, m, c.Settle.PublishBy)
	}
	sc := c.Settle.Config()
	if sc.WeeklyPerMonth != 4 || sc.Threshold(2027) != 25 || sc.Threshold(2010) != 20 || sc.Threshold(2026) != 30 || sc.DekadPerMonth != 3 {
		t.Errorf("门槛 %+v", sc)
	}
}

func TestSettleErrorsNameTheSetting(t *testing.T) {
	cases := []struct {
		name, file, want string
	}{
		{"deadline before the draft", "testdata/settle-late.yaml", "publish_by"},
		{"no 31st in every month", "testdata/settle-badday.yaml", "draft_at"},
		{"a negative dekad penalty", "testdata/settle-negative.yaml", "dekad_false_info"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{"HONGQI_CONFIG": c.file}))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "settle") {
				t.Errorf("Load(%s) = %v；想要点名 settle %s 的错误", c.file, err, c.want)
			}
		})
	}
}
