package app

import (
	"context"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/store"
)

// 数据库里记下的设定（meta 表的键）。
const (
	// metaClock 是数据库第一次被使用时的时钟："real"（真实时间）或 "rehearsal"（HONGQI_CLOCK 演练）。
	// 记下之后不再改：演练数据库只能演练，正式数据库只能正式用。
	metaClock = "clock"
	// metaRehearsalClock 是最近一次演练所设的 HONGQI_CLOCK（原样）：同一个值再启动时接着上次往前走。
	metaRehearsalClock = "rehearsal_clock"
	// metaStarted 是第一次启动（Main.Open：serve、chat、report）的时刻，RFC 3339；没有设 flags.since 时即上线时刻。
	metaStarted = "started_at"
)

const (
	clockReal      = "real"
	clockRehearsal = "rehearsal"
)

// RehearsalMark 是演练数据库发往企业微信的每条消息开头的标记。
const RehearsalMark = "【演练】"

// checkClock 是演练时钟的护栏，在打开数据库之后、做任何事之前：
//   - 数据库第一次被使用时记下用的是哪种时钟（已有数据而没有记过的老数据库只能记为正式）；
//   - 演练数据库没有 HONGQI_CLOCK 不启动，正式数据库有 HONGQI_CLOCK 不启动；
//   - 演练时钟早于数据库里最近记下的时间不启动（时间只往前走）——除非 HONGQI_CLOCK 与上次演练的
//     一模一样，那时时钟接着上次最晚的时间往前走（同一次演练里接连运行几条命令）。
//
// 通过后 m.Rehearsal 表示这是不是演练数据库。
func (m *Main) checkClock(ctx context.Context, db *store.DB) error {
	want := clockReal
	if m.Config.Rehearsal() {
		want = clockRehearsal
	}
	mode, err := db.Meta(ctx, metaClock)
	if err != nil {
		return err
	}
	if mode == "" {
		has, err := db.HasData(ctx)
		if err != nil {
			return err
		}
		if has && want == clockRehearsal {
			return model.Errorf(model.EINVALID, "HONGQI_CLOCK：这个数据库（%s）里已经有正式的数据，不能拿来演练。演练请用一个新的数据库：另设 HONGQI_DB，例如 sqlite:rehearsal.db。", m.Config.RedactedDB())
		}
		if has {
			// 早于这些设定的老数据库（已经在用的中心升级）：上线是库里最早记下的时间，而不是升级这一刻——
			// 否则升级之前结束、还没结算的月份就不再发草稿、不再自动发布了。
			first, err := db.EarliestTime(ctx)
			if err != nil {
				return err
			}
			if _, err := db.InitMeta(ctx, metaStarted, first.Format(time.RFC3339Nano)); err != nil {
				return err
			}
		}
		if mode, err = db.InitMeta(ctx, metaClock, want); err != nil {
			return err
		}
	}
	switch {
	case mode == clockRehearsal && want == clockReal:
		return model.Errorf(model.EINVALID, "这是演练数据库（%s），里面的时间是演练的时间，启动时必须设 HONGQI_CLOCK（RFC 3339，如 2026-12-31T20:00:00+08:00）。正式使用请换一个新的数据库（HONGQI_DB），不要用演练过的。", m.Config.RedactedDB())
	case mode == clockReal && want == clockRehearsal:
		return model.Errorf(model.EINVALID, "这是正式数据库（%s），不能用 HONGQI_CLOCK 演练，否则演练的时间会混进正式的记录。请去掉 HONGQI_CLOCK；演练请另设 HONGQI_DB 用一个新的数据库。", m.Config.RedactedDB())
	}
	m.Rehearsal = mode == clockRehearsal
	if !m.Rehearsal {
		return nil
	}
	latest, err := db.LatestTime(ctx)
	if err != nil {
		return err
	}
	now := m.Clock.Now()
	if now.Before(latest) {
		last, err := db.Meta(ctx, metaRehearsalClock)
		if err != nil {
			return err
		}
		if last != m.Config.ClockText {
			loc := m.Clock.Location()
			return model.Errorf(model.EINVALID, "HONGQI_CLOCK=%s 早于这个演练数据库里最近记下的时间 %s：演练的时间只能往前走。请把 HONGQI_CLOCK 设为 %s 之后，例如 %s。",
				m.Config.ClockText, latest.In(loc).Format("2006-01-02 15:04:05"), latest.In(loc).Format("2006-01-02 15:04:05"),
				latest.In(loc).Add(time.Minute).Truncate(time.Minute).Format(time.RFC3339))
		}
		// 同一个 HONGQI_CLOCK：接着上次往前走。
		m.Clock.Set(latest.Add(time.Millisecond))
		m.Log.Info("演练时钟接着上次往前走", "HONGQI_CLOCK", m.Config.ClockText, "now", m.Clock.Now().Format(time.RFC3339))
	}
	if err := db.SetMeta(ctx, metaRehearsalClock, m.Config.ClockText); err != nil {
		return err
	}
	m.Log.Info("演练数据库：时钟从 HONGQI_CLOCK 起往前走，发往企业微信的消息都以【演练】开头", "now", m.Clock.Now().Format(time.RFC3339))
	return nil
}

// goLive 返回这个中心开始用红旗的时刻：flags.since（设了的话），否则数据库记下的第一次启动；
// 第一次启动时在这里记下。
func (m *Main) goLive(ctx context.Context) (time.Time, error) {
	started, err := m.DB.InitMeta(ctx, metaStarted, m.Clock.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return time.Time{}, err
	}
	if since := m.Config.Flags.SinceTime(m.Clock.Location()); !since.IsZero() {
		return since, nil
	}
	t, err := time.Parse(time.RFC3339Nano, started)
	if err != nil {
		return time.Time{}, model.Wrap(model.EINTERNAL, err, "数据库里记下的启动时间“%s”看不懂。", started)
	}
	return t.In(m.Clock.Location()), nil
}
