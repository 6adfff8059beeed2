package rank

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/store"
)

// testClock 是本包测试的时钟，停在 2026-11-16 09:30（上海）；存储的时间戳取自它。
var testClock = model.PinClock(time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai), nil)

// BenchmarkRanking 在真实 MariaDB 上计时排行：
//
//	weekly：2,000 名县城网点员工，本周 200,000 次测评（每人每天一行计数，共 14,000 行，合计 200,000 次），
//	        另有每人 1 次抽查、500 条客户反映；
//	dekad： 500 个农村网点，每个网点 4 个检查项各 2 次（4,000 条检查）。
//
// 运行：go test ./rank -run '^$' -bench BenchmarkRanking -benchmem
// 除 ns/op、B/op 外报告 peak-heap-MB：计时期间每 2ms 采样一次 runtime.MemStats.HeapAlloc 的最大值。
func BenchmarkRanking(b *testing.B) {
	ctx := context.Background()
	loc := time.FixedZone("CST", 8*3600)
	db, err := store.Open(ctx, testenv.MySQL(b), testClock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	w := model.Week{Year: 2026, Week: 45}
	dk := model.Dekad{Year: 2026, Month: 11, N: 1}

	var roster []model.Staff
	for i := range 2000 {
		roster = append(roster, model.Staff{UserID: fmt.Sprintf("c%04d", i), Name: fmt.Sprintf("县员工%04d", i),
			Branch: fmt.Sprintf("城区%02d所", i%20), BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true})
	}
	for i := range 500 {
		roster = append(roster, model.Staff{UserID: fmt.Sprintf("r%03d", i), Name: fmt.Sprintf("乡所长%03d", i),
			Branch: fmt.Sprintf("乡%03d所", i), BranchKind: model.BranchRural, Role: model.RoleHead, Active: true})
	}
	if _, _, err := db.UpsertRoster(ctx, roster); err != nil {
		b.Fatal(err)
	}

	// 14,000 人·天，合计 200,000 次：前 4,000 行各 15 次，其余各 14 次。
	var days []model.MeterDay
	total := 0
	start := model.DateOf(w.Start(loc), loc)
	for i := range 2000 {
		for d := range 7 {
			n := 14
			if len(days) < 4000 {
				n = 15
			}
			total += n
			days = append(days, model.MeterDay{StaffID: roster[i].UserID, Day: start.AddDays(d), Satisfied: n - 2, Basic: 1, Unsatisfied: 1})
		}
	}
	if total != 200000 {
		b.Fatalf("测评合计 %d，应为 200000", total)
	}
	t0 := time.Now()
	if _, err := db.ImportMeter(ctx, "file:bench", days); err != nil {
		b.Fatal(err)
	}
	b.Logf("导入 14,000 人·天（200,000 次测评）用时 %v", time.Since(t0))

	at := w.Start(loc).Add(10 * time.Hour)
	dat := dk.Start(loc).Add(10 * time.Hour)
	var seq atomic.Int64
	msg := func() model.Message { return model.Message{Key: fmt.Sprintf("bench:%d", seq.Add(1)), From: "bench"} }
	var jobs []func() error
	for i := range 2000 {
		jobs = append(jobs, func() error {
			_, err := db.RecordSpotCheck(ctx, msg(), model.SpotCheck{StaffID: roster[i].UserID, Score: 80 + i%21, ActorID: "bench", CreatedAt: at})
			return err
		})
		if i%4 == 0 {
			kind := model.FeedbackPraise
			if i%8 == 0 {
				kind = model.FeedbackComplaint
			}
			jobs = append(jobs, func() error {
				_, err := db.RecordFeedback(ctx, msg(), model.Feedback{StaffID: roster[i].UserID, Kind: kind, ActorID: "bench", CreatedAt: at})
				return err
			})
		}
	}
	for i := range 500 {
		for _, item := range config.DefaultFlags().Dekad.Items {
			for k := range 2 {
				jobs = append(jobs, func() error {
					_, err := db.RecordInspection(ctx, msg(), model.Inspection{Branch: roster[2000+i].Branch, Item: item.Code, Score: 70 + (i+k)%31, ActorID: "bench", CreatedAt: dat})
					return err
				})
			}
		}
	}
	t0 = time.Now()
	runAll(b, jobs, 16)
	b.Logf("写入 %d 条抽查、客户反映和检查用时 %v", len(jobs), time.Since(t0))

	svc := &Service{Inputs: db, Staff: db, Cfg: config.DefaultFlags(), Loc: loc}
	b.Run("weekly-2000staff-200k-ratings", func(b *testing.B) {
		measure(b, func() int {
			rk, err := svc.Weekly(ctx, w)
			if err != nil {
				b.Fatal(err)
			}
			return len(rk.Entries)
		}, 2000)
	})
	b.Run("dekad-500branches", func(b *testing.B) {
		measure(b, func() int {
			rk, err := svc.Dekad(ctx, dk)
			if err != nil {
				b.Fatal(err)
			}
			return len(rk.Entries)
		}, 500)
	})
}

// runAll 用 n 个并发执行 jobs，任何一个出错即失败。
func runAll(b *testing.B, jobs []func() error, n int) {
	b.Helper()
	ch := make(chan func() error)
	var wg sync.WaitGroup
	var first atomic.Value
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				if err := j(); err != nil {
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	if err := first.Load(); err != nil {
		b.Fatal(err)
	}
}

// measure 计时 f，并报告计时期间的堆内存峰值（peak-heap-MB）。want 是排行应有的行数。
func measure(b *testing.B, f func() int, want int) {
	b.Helper()
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if n := f(); n != want {
			b.Fatalf("排行有 %d 行，应为 %d", n, want)
		}
	}
	b.StopTimer()
	close(done)
	wg.Wait()
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
}
