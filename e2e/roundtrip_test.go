package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/internal/testenv/fault"
	"github.com/hongqi-dev/hongqi/model"
)

// serverCounters 读 MariaDB 的全局状态计数（测试独占的 mariadbd，没有别人的语句混进来）。
func serverCounters(t *testing.T, db *sql.DB) map[string]int64 {
	t.Helper()
	rows, err := db.Query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions','Com_select','Com_insert','Com_update','Com_begin','Com_commit','Com_rollback','Com_savepoint','Com_set_option','Com_show_status')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k], _ = strconv.ParseInt(v, 10, 64)
	}
	return out
}

// redisCalls 返回 Redis 收到的命令总数（INFO commandstats 各命令 calls 之和，不含 INFO 本身）。
func redisCalls(t *testing.T, c *goredis.Client) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, line := range strings.Split(info, "\n") {
		if !strings.HasPrefix(line, "cmdstat_") || strings.HasPrefix(line, "cmdstat_info:") {
			continue
		}
		if _, rest, ok := strings.Cut(line, "calls="); ok {
			v, _, _ := strings.Cut(rest, ",")
			n, _ := strconv.ParseInt(v, 10, 64)
			total += n
		}
	}
	return total
}

// TestRoundTripsPerCommand 数一条命令从收到到回复要和数据库、Redis 往返几次：在测试独占的 MariaDB 和
// Redis 上，经生产装配（app.Main）处理 n 条同样的命令，客户端数发出的命令包，服务器数语句
// （SHOW GLOBAL STATUS 前后之差）。“扣 张三 迟到”至多 5 次往返（issue 10 的目标），Redis 0 次。
func TestRoundTripsPerCommand(t *testing.T) {
	mdb := fault.StartMariaDB(t)
	rds := fault.StartRedis(t)
	dsn, trips := testenv.CountRoundTrips(t, mdb.CreateDB("hq"))
	status, err := sql.Open("mysql", mdb.DriverDSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer status.Close()
	ropt, _ := goredis.ParseURL(rds.URL())
	rc := goredis.NewClient(ropt)
	defer rc.Close()

	in := startInstance(t, baseEnv(dsn, rds.URL()), "hongqi:")
	importRoster(t, in.m)
	ctx := context.Background()
	seq := 0
	process := func(from, text string) string {
		seq++
		reply, err := in.m.Bot.Process(ctx, model.Message{Key: fmt.Sprintf("msg:rt%d", seq), From: from, Text: text, CreateTime: e2eClock.Now()})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return reply
	}
	// 预热：花名册读进缓存、连接建好。
	process("cg_sup", "扣 cg02 迟到")
	process("cg_sup", "查 cg02")

	const n = 20
	cases := []struct {
		name, from, text, want string
		max                    float64 // 每条命令最多的数据库往返
	}{
		{"扣 张三 迟到", "cg_sup", "扣 张三(cg01) 迟到", "已记录", 5},
		{"奖 李四 信息采纳", "cg_sup", "奖 李四 信息采纳", "已记录", 5},
		{"查 张三（只读）", "cg_sup", "查 张三(cg01)", "合计", 0},
		{"规则（只读，只核对花名册版本）", "cg_sup", "规则", "扣款事项", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, rBefore, tBefore := serverCounters(t, status), redisCalls(t, rc), trips.Load()
			for range n {
				if got := process(c.from, c.text); !strings.Contains(got, c.want) {
					t.Fatalf("%s：回复 %q", c.text, got)
				}
			}
			after, rAfter, tAfter := serverCounters(t, status), redisCalls(t, rc), trips.Load()
			per := func(k string) float64 {
				d := after[k] - before[k]
				switch k {
				case "Questions":
					d-- // 第二次 SHOW STATUS 自己
				case "Com_show_status":
					d--
				}
				return float64(d) / n
			}
			rt := float64(tAfter-tBefore) / n
			t.Logf("%s：每条 %.1f 次数据库往返（%.1f 条语句：SELECT %.1f、INSERT %.1f、UPDATE %.1f、BEGIN %.1f、COMMIT %.1f、SAVEPOINT %.1f、SET %.1f），Redis %.1f 次",
				c.name, rt, per("Questions"), per("Com_select"), per("Com_insert"), per("Com_update"), per("Com_begin"), per("Com_commit"), per("Com_savepoint"), per("Com_set_option"),
				float64(rAfter-rBefore)/n)
			if c.max > 0 && rt > c.max {
				t.Errorf("%s 每条 %.1f 次数据库往返，应至多 %.0f 次", c.name, rt, c.max)
			}
			if rAfter != rBefore {
				t.Errorf("%s 访问了 Redis %d 次；消息的处理路径上没有 Redis", c.name, rAfter-rBefore)
			}
		})
	}
}
