package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
)

// BenchmarkRecord 在 MySQL 上记录单条记录（每次一个新的消息 Key，连同一条通知），
// 分别用 1、8、32 个并发客户端。
func BenchmarkRecord(b *testing.B) {
	for _, clients := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("mysql/clients=%d", clients), func(b *testing.B) {
			db := openDB(b, testenv.MySQL(b))
			ctx := context.Background()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						n := next.Add(1)
						if n > int64(b.N) {
							return
						}
						_, err := db.Record(ctx, model.RecordRequest{
							Msg:     msg(fmt.Sprintf("msg:bench:%d", n)),
							Entries: []model.Entry{entry("zhangsan", "late", -20)},
							Notices: []model.Notice{notice("zhangsan")},
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

// BenchmarkClaimWithHistory 在 MySQL 上领取一批（50 条）到期通知，表里已有 history 条送出过的通知（几年的私信、
// 结算单）和 backlog 条待发的（发布月度结算时一下子入队几千张结算单）：领取应只读待发的那些，不随历史变慢。
// 每次领取后把领到的放回待发。
func BenchmarkClaimWithHistory(b *testing.B) {
	for _, c := range []struct{ history, backlog int }{{1000, 20}, {100000, 20}, {100000, 20000}} {
		history := c.history
		b.Run(fmt.Sprintf("sent=%d/pending=%d", c.history, c.backlog), func(b *testing.B) {
			db := openDB(b, testenv.MySQL(b))
			ctx := context.Background()
			g := db.g.WithContext(ctx)
			if err := g.Exec("SET SESSION max_recursive_iterations = ?", history+1).Error; err != nil {
				b.Fatal(err)
			}
			if err := g.Exec(`INSERT INTO notices (`+"`key`"+`, after_key, message, status, attempts, next_at, last_error, created_at, sent_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
SELECT CONCAT('old:', i), '', '{"to":{"users":["zhangsan"]},"body":"x"}', 'sent', 1, ?, '', ?, ? FROM n`,
				history, t0, t0, t0).Error; err != nil {
				b.Fatal(err)
			}
			if err := g.Exec("SET SESSION max_recursive_iterations = ?", c.backlog+1).Error; err != nil {
				b.Fatal(err)
			}
			if err := g.Exec(`INSERT INTO notices (`+"`key`"+`, after_key, message, status, attempts, next_at, last_error, created_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
SELECT CONCAT('due:', i), '', '{"to":{"users":["zhangsan"]},"body":"x"}', 'pending', 0, ?, '', ? FROM n`,
				c.backlog, t0, t0).Error; err != nil {
				b.Fatal(err)
			}
			want := min(c.backlog, 50)
			b.ResetTimer()
			for range b.N {
				got, err := db.Claim(ctx, t0.Add(time.Second), t0.Add(time.Minute), 50)
				if err != nil || len(got) != want {
					b.Fatalf("领到 %d 条（%v），想要 %d", len(got), err, want)
				}
				b.StopTimer()
				ids := make([]int64, len(got))
				for i, n := range got {
					ids[i] = n.ID
				}
				if err := g.Exec("UPDATE notices SET status = 'pending', lease_until = NULL WHERE id IN ?", ids).Error; err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
