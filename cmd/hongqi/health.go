package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hongqi-dev/hongqi/app"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/outbox"
	"github.com/hongqi-dev/hongqi/redis"
	"github.com/hongqi-dev/hongqi/store"
)

// healthTimeout 是 hongqi health 的总时限，比 Dockerfile 里 HEALTHCHECK 的 --timeout（10 秒）短。
const healthTimeout = 8 * time.Second

// exitCode 是已经把原因打印出来的错误：main 只按它的值退出，不再打印。
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("退出码 %d", int(e)) }

// runHealth 检查数据库、Redis（配置了时）、发件箱和本月的合计（month_totals 与台账一致），向 stdout 打印一行：“正常：…”，或“不健康：原因”
// 并以退出码 1 结束。只读：不迁移表结构、不新建 SQLite 文件、不连企业微信。
func runHealth(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	line, err := health(ctx, getenv)
	if err != nil {
		fmt.Fprintln(stdout, "不健康："+model.ErrorMessage(err))
		return exitCode(1)
	}
	fmt.Fprintln(stdout, "正常："+line)
	return nil
}

func health(ctx context.Context, getenv func(string) string) (string, error) {
	m, err := app.NewMain(getenv, io.Discard) // 结果只有打印的那一行
	if err != nil {
		return "", err
	}
	db, err := store.OpenExisting(ctx, m.Config.DB, m.Clock, m.Log)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if err := db.Ping(ctx); err != nil {
		return "", err
	}
	parts := fmt.Sprintf("数据库（%s）可用", db.Dialect())
	if m.Config.Redis != "" {
		r, err := redis.NewRedis(ctx, m.Config.Redis, m.RedisPrefix)
		if err != nil {
			return "", err
		}
		r.Close()
		parts += "，Redis 可用"
	} else {
		parts += "，未配置 Redis"
	}
	st, err := outbox.Check(ctx, db, m.Clock.Now())
	if err != nil {
		return "", err
	}
	month := model.MonthOf(m.Clock.Now(), m.Clock.Location())
	drift, err := db.CheckTotals(ctx, month.String())
	if err != nil {
		return "", err
	}
	if len(drift) > 0 {
		return "", model.Errorf(model.EINTERNAL, "%s有 %d 人的月合计与台账不符（如 %s）：回复和“查”里的合计不对，请运行 hongqi totals repair。",
			month.Label(), len(drift), drift[0])
	}
	return fmt.Sprintf("%s，发件箱在发送（待发 %d 条）。", parts, st.Pending), nil
}
