package model_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// TestOnlyTheClockReadsTheTime 读全部非测试源码：除 model/clock.go 外，谁也不直接读系统时间
// （time.Now、time.Since、time.Until），都经由 Main 创建并交下去的那一个 model.Clock。
// 否则停住时钟的测试会在某些日期失败，演练时钟也会漏掉一部分代码。
func TestOnlyTheClockReadsTheTime(t *testing.T) {
	root := filepath.Join("..")
	forbidden := regexp.MustCompile(`\btime\.(Now|Since|Until)\b`)
	var offenders []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if filepath.ToSlash(rel) == "model/clock.go" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			code, _, _ := strings.Cut(line, "//")
			if forbidden.MatchString(code) {
				offenders = append(offenders, filepath.ToSlash(rel)+":"+strconv.Itoa(i+1)+": "+strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(offenders) > 0 {
		t.Errorf("这些非测试代码直接读了系统时间，应改用 model.Clock：\n%s", strings.Join(offenders, "\n"))
	}
}

func TestClock(t *testing.T) {
	at := time.Date(2026, 12, 31, 23, 59, 0, 0, model.Shanghai)
	cases := []struct {
		name  string
		clock *model.Clock
		check func(t *testing.T, c *model.Clock)
	}{
		{"pinned stands still", model.PinClock(at, nil), func(t *testing.T, c *model.Clock) {
			if got := c.Now(); !got.Equal(at) {
				t.Errorf("Now = %v, want %v", got, at)
			}
			time.Sleep(5 * time.Millisecond)
			if got := c.Now(); !got.Equal(at) {
				t.Errorf("a pinned clock moved: %v", got)
			}
			if !c.Rehearsal() {
				t.Error("a pinned clock is not real time")
			}
		}},
		{"pinned advance and set", model.PinClock(at, nil), func(t *testing.T, c *model.Clock) {
			c.Advance(2 * time.Minute)
			if got := model.MonthOf(c.Now(), c.Location()); got != (model.Month{Year: 2027, Month: 1}) {
				t.Errorf("two minutes after the year end is %v", got)
			}
			c.Set(at)
			if got := c.Now(); !got.Equal(at) {
				t.Errorf("Set: %v", got)
			}
		}},
		{"started runs forward from its instant", model.StartClock(at, nil), func(t *testing.T, c *model.Clock) {
			a := c.Now()
			time.Sleep(5 * time.Millisecond)
			b := c.Now()
			if a.Before(at) || !b.After(a) || b.Sub(at) > time.Minute {
				t.Errorf("started clock: %v then %v, from %v", a, b, at)
			}
			if !c.Rehearsal() {
				t.Error("a started clock is a rehearsal clock")
			}
		}},
		{"system is real time", model.SystemClock(nil), func(t *testing.T, c *model.Clock) {
			if d := time.Since(c.Now()); d < 0 || d > time.Minute {
				t.Errorf("system clock is off by %v", d)
			}
			if c.Rehearsal() {
				t.Error("the system clock is not a rehearsal clock")
			}
			if c.Location() != model.Shanghai {
				t.Errorf("default zone %v", c.Location())
			}
		}},
		{"now is in the clock's zone", model.PinClock(at.UTC(), nil), func(t *testing.T, c *model.Clock) {
			if c.Now().Location() != model.Shanghai {
				t.Errorf("Now is in %v", c.Now().Location())
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, tc.clock) })
	}
}
