package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

var t0 = time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)

func plain(key string, next time.Time) model.Notice {
	return model.Notice{Key: key, To: model.ToUsers("zhangsan"), Plain: true, Body: "正文 " + key, NextAt: next}
}

func keys(ns []model.Notice) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Key
	}
	return out
}

func TestOutboxEnqueueOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		if err := db.Enqueue(ctx, plain("entry:1", t0)); err != nil {
			t.Fatal(err)
		}
		second := plain("entry:1", t0)
		second.Body = "另一份正文"
		if err := db.Enqueue(ctx, second); err != nil {
			t.Fatalf("同 Key 再入队应返回 nil：%v", err)
		}
		ns, err := db.Notices(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 1 || ns[0].Body != "正文 entry:1" || ns[0].Status != model.NoticePending || !ns[0].NextAt.Equal(t0) {
			t.Errorf("通知 = %+v，想要一条原正文的待发通知", ns)
		}
		wantCode(t, db.Enqueue(ctx, model.Notice{Key: "x"}), model.EINVALID)
	})
}

func TestOutboxClaimLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		for _, n := range []model.Notice{plain("due:1", t0.Add(-time.Minute)), plain("due:2", t0), plain("later", t0.Add(time.Hour))} {
			if err := db.Enqueue(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		lease := t0.Add(30 * time.Second)

		got, err := db.Claim(ctx, t0, lease, 10)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(keys(got)) != "[due:1 due:2]" {
			t.Fatalf("第一次领取 %v，想要 [due:1 due:2]（later 未到期）", keys(got))
		}
		for _, n := range got {
			if n.Status != model.NoticeSending || n.Attempts != 1 {
				t.Errorf("领取后 %s 状态 %s 尝试 %d", n.Key, n.Status, n.Attempts)
			}
		}
		// 租约内再领：什么也领不到。
		if again, _ := db.Claim(ctx, t0.Add(10*time.Second), lease, 10); len(again) != 0 {
			t.Errorf("租约内又领到了 %v", keys(again))
		}
		// due:1 送达；due:2 失败，一分钟后再试。
		sentAt := t0.Add(time.Second)
		if err := db.Complete(ctx, got[0].ID, model.NoticeSent, sentAt, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.Retry(ctx, got[1].ID, t0.Add(time.Minute), "企业微信 -1 系统繁忙"); err != nil {
			t.Fatal(err)
		}
		sent, _ := db.Notices(ctx, model.NoticeSent)
		if len(sent) != 1 || sent[0].SentAt == nil || !sent[0].SentAt.Equal(sentAt) || sent[0].SentAt.Location() != time.UTC {
			t.Errorf("已送达 = %+v", sent)
		}
		pending, _ := db.Notices(ctx, model.NoticePending)
		if len(pending) != 2 || pending[0].Key != "due:2" || pending[0].LastError != "企业微信 -1 系统繁忙" || !pending[0].NextAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("待发 = %+v", pending)
		}
		// 重试时间未到不领；到了再领，尝试次数累加。
		if early, _ := db.Claim(ctx, t0.Add(59*time.Second), t0.Add(2*time.Minute), 10); len(early) != 0 {
			t.Errorf("重试时间未到就领到了 %v", keys(early))
		}
		retry, _ := db.Claim(ctx, t0.Add(time.Minute), t0.Add(2*time.Minute), 10)
		if len(retry) != 1 || retry[0].Key != "due:2" || retry[0].Attempts != 2 {
			t.Fatalf("重试领取 = %+v", retry)
		}
		// 进程领取后退出：租约过期后别人可以再领。
		if early, _ := db.Claim(ctx, t0.Add(119*time.Second), t0.Add(3*time.Minute), 10); len(early) != 0 {
			t.Errorf("租约未过期就被再领：%v", keys(early))
		}
		re, _ := db.Claim(ctx, t0.Add(121*time.Second), t0.Add(3*time.Minute), 10)
		if len(re) != 1 || re[0].Key != "due:2" || re[0].Attempts != 3 {
			t.Errorf("租约过期后再领 = %+v", re)
		}
		if err := db.Complete(ctx, re[0].ID, model.NoticeFailed, t0.Add(122*time.Second), "接收人无效"); err != nil {
			t.Fatal(err)
		}
		if failed, _ := db.Notices(ctx, model.NoticeFailed); len(failed) != 1 || failed[0].LastError != "接收人无效" {
			t.Errorf("放弃的通知 = %+v", failed)
		}
		// limit 生效。
		for i := range 5 {
			db.Enqueue(ctx, plain(fmt.Sprintf("bulk:%d", i), t0))
		}
		if some, _ := db.Claim(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour), 3); len(some) != 3 || some[0].Key != "later" {
			t.Errorf("limit 3 领到 %v", keys(some))
		}

		wantCode(t, db.Complete(ctx, 99999, model.NoticeSent, t0, ""), model.ENOTFOUND)
		wantCode(t, db.Retry(ctx, 99999, t0, ""), model.ENOTFOUND)
		wantCode(t, db.Complete(ctx, got[0].ID, model.NoticePending, t0, ""), model.EINVALID)
	})
}

func TestOutboxConcurrentClaim(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		dbs := []*DB{openDB(t, dsn), openDB(t, dsn)}
		ctx := context.Background()
		const total = 60
		for i := range total {
			if err := dbs[0].Enqueue(ctx, plain(fmt.Sprintf("n:%d", i), t0)); err != nil {
				t.Fatal(err)
			}
		}
		// 两个“发送进程”各 3 个协程，每次领 4 条，直到领空。
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db := dbs[w%2]
				for {
					got, err := db.Claim(ctx, t0.Add(time.Second), t0.Add(time.Hour), 4)
					if err != nil {
						t.Errorf("Claim: %v", err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, n := range got {
						seen[n.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != total {
			t.Errorf("领到 %d 条不同的通知，想要 %d", len(seen), total)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("通知 %d 被领了 %d 次", id, c)
			}
		}
	})
}

func TestOutboxSubSecondDue(t *testing.T) {
	// SQLite 把时间存成文本；到期判断在小数秒上也要按时间先后，而不是按字符串偶然的顺序。
	cases := []struct {
		name string
		next time.Duration // 相对 t0 的到期时间
		now  time.Duration // 相对 t0 的领取时间
		due  bool
	}{
		{"whole second before fraction", 500 * time.Millisecond, 0, false},
		{"fraction before due", 500 * time.Millisecond, 499999 * time.Microsecond, false},
		{"exactly due", 500 * time.Millisecond, 500 * time.Millisecond, true},
		{"longer fraction after", 500 * time.Millisecond, 500001 * time.Microsecond, true},
		{"fraction vs whole second", 0, time.Microsecond, true},
		{"next second", 999999 * time.Microsecond, time.Second, true},
	}
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				key := fmt.Sprintf("sub:%d", i)
				if err := db.Enqueue(ctx, plain(key, t0.Add(c.next))); err != nil {
					t.Fatal(err)
				}
				got, err := db.Claim(ctx, t0.Add(c.now), t0.Add(time.Hour), 10)
				if err != nil {
					t.Fatal(err)
				}
				if (len(got) == 1 && got[0].Key == key) != c.due || len(got) > 1 {
					t.Errorf("领到 %v，到期应为 %v", keys(got), c.due)
				}
				// 清场：下一个用例只看它自己的通知。
				rest, _ := db.Notices(ctx, model.NoticePending)
				for _, n := range append(got, rest...) {
					if err := db.Complete(ctx, n.ID, model.NoticeSent, t0, ""); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	})
}

func TestOutboxCompleteAll(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		for _, k := range []string{"a", "b", "c"} {
			if err := db.Enqueue(ctx, plain(k, t0)); err != nil {
				t.Fatal(err)
			}
		}
		ns, err := db.Claim(ctx, t0, t0.Add(time.Minute), 3)
		if err != nil || len(ns) != 3 {
			t.Fatalf("Claim = %v, %v", ns, err)
		}
		done := t0.Add(5 * time.Second)
		if err := db.CompleteAll(ctx, []int64{ns[0].ID, ns[2].ID, 9999}, model.NoticeSent, done); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.CompleteAll(ctx, []int64{ns[1].ID}, model.NoticePending, done), model.EINVALID)
		got, _ := db.Notices(ctx, "")
		want := map[string]model.NoticeStatus{"a": model.NoticeSent, "b": model.NoticeSending, "c": model.NoticeSent}
		for _, n := range got {
			if n.Status != want[n.Key] {
				t.Errorf("%s 状态 %s，想要 %s", n.Key, n.Status, want[n.Key])
			}
			if n.Status == model.NoticeSent && (n.SentAt == nil || !n.SentAt.Equal(done)) {
				t.Errorf("%s 送达时间 %v，想要 %v", n.Key, n.SentAt, done)
			}
		}
	})
}

// TestOutboxAfterWaitsForItsPredecessor：排在另一条之后的通知（After），那一条待发、正在发时领不到——
// 同一批里也不领；那一条送出或放弃之后才领得到。前一条不存在时照常可领。这样几个副本同时发送时，
// 公布的文字总在排行图之前到群里，长回复的几段按段号到。
func TestOutboxAfterWaitsForItsPredecessor(t *testing.T) {
	cases := []struct {
		name  string
		final model.NoticeStatus // 前一条的结局；空表示前一条没有入队
	}{
		{"predecessor sent", model.NoticeSent},
		{"predecessor given up", model.NoticeFailed},
		{"no predecessor", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, dsn string) {
				db := openDB(t, dsn)
				ctx := context.Background()
				first := plain("announce:robot:全员群", t0)
				second := plain("announce:image:robot:全员群", t0)
				second.After = first.Key
				other := plain("entry:9", t0)
				for _, n := range []model.Notice{first, second, other} {
					if n.Key == first.Key && c.final == "" {
						continue
					}
					if err := db.Enqueue(ctx, n); err != nil {
						t.Fatal(err)
					}
				}
				got, err := db.Claim(ctx, t0.Add(time.Second), t0.Add(time.Minute), 10)
				if err != nil {
					t.Fatal(err)
				}
				if c.final == "" {
					if ks := keys(got); len(ks) != 2 || ks[0] != second.Key || got[0].After != first.Key {
						t.Fatalf("前一条不存在：领到 %v（After %q），想要两条都领到", ks, got[0].After)
					}
					return
				}
				if ks := keys(got); len(ks) != 2 || ks[0] != first.Key || ks[1] != other.Key {
					t.Fatalf("第一轮领到 %v，想要 [%s %s]（图等文字送出）", ks, first.Key, other.Key)
				}
				if more, _ := db.Claim(ctx, t0.Add(time.Second), t0.Add(time.Minute), 10); len(more) != 0 {
					t.Fatalf("文字正在发送时领到了 %v", keys(more))
				}
				if err := db.Complete(ctx, got[0].ID, c.final, t0.Add(2*time.Second), ""); err != nil {
					t.Fatal(err)
				}
				next, err := db.Claim(ctx, t0.Add(3*time.Second), t0.Add(time.Minute), 10)
				if err != nil {
					t.Fatal(err)
				}
				if ks := keys(next); len(ks) != 1 || ks[0] != second.Key {
					t.Errorf("文字%s之后领到 %v，想要 [%s]", c.final, ks, second.Key)
				}
			})
		})
	}
}
