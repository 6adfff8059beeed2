package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

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
