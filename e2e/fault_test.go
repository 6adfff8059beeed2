package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv/fault"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// attempt 是企业微信对一条消息的一次投递。
type attempt struct {
	replica int
	status  int    // 0 表示没有得到 HTTP 回答
	reply   string // 解密后的被动回复
	timeout bool   // 5 秒内没有回答
}

// wecomMessage 是企业微信这一侧看到的一条消息和它的各次投递。
type wecomMessage struct {
	msgID    int64
	inner    string
	attempts []attempt
}

// ack 返回企业微信收到的 HTTP 200（它不再重试）：回复和是否有回复。
func (m *wecomMessage) ack() (reply string, ok bool) {
	for _, a := range m.attempts {
		if a.status == http.StatusOK {
			return a.reply, true
		}
	}
	return "", false
}

// wecomClient 像企业微信一样投递：签名加密（独立实现），每次最多等 5 秒，没得到 200 就再投，
// 一共 3 次；每次投给一个活着的副本（轮流）。
type wecomClient struct {
	http  *http.Client
	urls  []string
	alive []atomic.Bool
}

func (c *wecomClient) post(r int, inner string) attempt {
	q, body := wecomtest.SignedRequest(testToken, testAESKey, testCorpID, inner, e2eClock.Now(), fmt.Sprint(rand.Int64N(1e9)))
	resp, err := c.http.Post(c.urls[r]+"/wecom/callback?"+q.Encode(), "application/xml", strings.NewReader(string(body)))
	if err != nil {
		var ne net.Error
		return attempt{replica: r, timeout: errors.As(err, &ne) && ne.Timeout()}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := attempt{replica: r, status: resp.StatusCode}
	if resp.StatusCode == http.StatusOK && len(raw) > 0 {
		a.reply, _ = wecomtest.DecryptReply(testToken, testAESKey, testCorpID, raw)
	}
	return a
}

func (c *wecomClient) pick(i int) int {
	r := i % len(c.urls)
	if !c.alive[r].Load() {
		r = (r + 1) % len(c.urls)
	}
	return r
}

func (c *wecomClient) deliver(m *wecomMessage, first int) {
	for n := 0; n < 3; n++ {
		a := c.post(c.pick(first+n), m.inner)
		m.attempts = append(m.attempts, a)
		if a.status == http.StatusOK {
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestMessagesSurviveFaults 是 issue 9 的故障注入证据。两个完整装配的副本（app.Main）用测试独占的
// MariaDB 和 Redis，消息不停地经签名加密的回调进来，企业微信式地重试（3 次，每次 5 秒），其间：
// Redis 暂停 2 秒；数据库暂停 7 秒；数据库在一条命令 COMMIT 的那一刻暂停 7 秒；一个副本在
// 登记消息之后、提交之前被杀（它的 COMMIT 没发出去，连接全断，再也不回答）。之后核对：
// 企业微信得到 200 带回复的消息，库里恰好一条记录，回复里的编号就是它；这些消息（和受过故障的
// 其余消息）再投一次，回复逐字节相同、不多记。没有一条 200 是空回复，没有一次投递等满 5 秒。
func TestMessagesSurviveFaults(t *testing.T) {
	began := time.Now()
	mdb := fault.StartMariaDB(t)
	rds := fault.StartRedis(t)
	dsn := mdb.CreateDB("hq")
	wires := []*fault.Wire{fault.NewWire(t), fault.NewWire(t)}
	reps := []*instance{
		startInstance(t, baseEnv(wires[0].DSN(dsn), rds.URL()), "hongqi:"),
		startInstance(t, baseEnv(wires[1].DSN(dsn), rds.URL()), "hongqi:"),
	}
	const staff = 40
	roster := []model.Staff{{UserID: "cg_sup", Name: "王主管", Branch: "城关所", BranchKind: model.BranchCounty, Role: model.RoleSupervisor, Active: true}}
	for i := 1; i <= staff; i++ {
		roster = append(roster, model.Staff{UserID: fmt.Sprintf("s%02d", i), Name: fmt.Sprintf("员工%02d", i), Branch: "城关所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true})
	}
	if _, _, err := reps[0].m.DB.UpsertRoster(context.Background(), roster); err != nil {
		t.Fatal(err)
	}
	client := &wecomClient{http: &http.Client{Timeout: 5 * time.Second}, urls: []string{reps[0].srv.URL, reps[1].srv.URL}, alive: make([]atomic.Bool, 2)}
	for i := range client.alive {
		client.alive[i].Store(true)
	}

	// 消息流：4 个并发的“企业微信”，一条接一条。
	var (
		mu       sync.Mutex
		messages []*wecomMessage
		stop     atomic.Bool
		wg       sync.WaitGroup
		seq      atomic.Int64
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				i := int(seq.Add(1))
				m := &wecomMessage{msgID: 7_000_000_000 + int64(i)}
				m.inner = textXML("cg_sup", fmt.Sprintf("扣 s%02d 迟到", i%staff+1), m.msgID, e2eClock.Now())
				client.deliver(m, i)
				mu.Lock()
				messages = append(messages, m)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}

	phase := func(what string, d time.Duration) {
		t.Logf("%5.1fs %s", time.Since(began).Seconds(), what)
		time.Sleep(d)
	}
	// 提交那一批语句里有“UPDATE messages SET reply = … WHERE msg_key = 'msg:…'”：从中认出是哪条消息。
	keyInCommit := regexp.MustCompile(`(?:msg_key = 'msg:(\d+)'\s*;\s*)?COMMIT\s*$`)
	var hitMu sync.Mutex
	hit := map[string]int64{} // 故障 → 打中的消息
	// onCommit 让 w 在下一条带消息回复的 COMMIT 发出前运行一次 f，返回 f 是否已经运行过的通道。
	onCommit := func(w *fault.Wire, what string, f func() fault.Action) <-chan struct{} {
		fired := make(chan struct{})
		var once sync.Once
		w.OnQuery(func(q string) fault.Action {
			g := keyInCommit.FindStringSubmatch(q)
			if g == nil {
				return fault.Pass
			}
			act := fault.Pass
			once.Do(func() {
				var id int64
				if g[1] != "" {
					fmt.Sscan(g[1], &id)
				}
				hitMu.Lock()
				hit[what] = id
				hitMu.Unlock()
				act = f()
				close(fired)
			})
			return act
		})
		return fired
	}
	waitFired := func(c <-chan struct{}, what string) {
		select {
		case <-c:
		case <-time.After(20 * time.Second):
			t.Fatalf("20 秒内没有等到 %s", what)
		}
	}

	phase("消息开始流入", time.Second)
	fault.StopFor(rds, 2*time.Second)
	phase("Redis 暂停 2 秒（SIGSTOP）", 3*time.Second)
	fault.StopFor(mdb, 7*time.Second)
	phase("数据库暂停 7 秒（SIGSTOP）", 9*time.Second)

	const stallAtCommit, killBeforeCommit = "数据库在 COMMIT 时暂停", "副本在提交前被杀"
	fired := onCommit(wires[1], stallAtCommit, func() fault.Action {
		mdb.Stop()
		time.AfterFunc(7*time.Second, mdb.Cont)
		return fault.Pass // COMMIT 发出去了，数据库却停着
	})
	waitFired(fired, "副本 1 的 COMMIT")
	wires[1].OnQuery(nil)
	phase("数据库在副本 1 的一条 COMMIT 发出时暂停 7 秒", 9*time.Second)

	killed := onCommit(wires[0], killBeforeCommit, func() fault.Action {
		return fault.Cut // 这条 COMMIT 不发出：事务停在登记之后、提交之前
	})
	waitFired(killed, "副本 0 的 COMMIT")
	client.alive[0].Store(false)
	wires[0].Kill()
	reps[0].srv.CloseClientConnections()
	reps[0].srv.Listener.Close()
	phase("副本 0 在登记消息之后、提交之前被杀", 2*time.Second)
	stop.Store(true)
	wg.Wait()
	t.Logf("%5.1fs 消息停止流入", time.Since(began).Seconds())

	// 核对库里的记录。
	check, err := sql.Open("mysql", mdb.DriverDSN("hq"))
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	entriesOf := func() map[string][]int64 {
		t.Helper()
		rows, err := check.Query("SELECT msg_key, id FROM entries ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][]int64{}
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				t.Fatal(err)
			}
			out[k] = append(out[k], id)
		}
		return out
	}
	entries := entriesOf()
	idInReply := regexp.MustCompile(`已记录 #(\d+)：`)
	var sent, acked, recorded, doubled, lost, silent, wrongID, timeouts, retried, lateCommit int
	var recheck []*wecomMessage
	for _, m := range messages {
		sent++
		ids := entries[fmt.Sprintf("msg:%d", m.msgID)]
		if len(ids) > 0 {
			recorded++
		}
		if len(ids) > 1 {
			doubled++
		}
		for _, a := range m.attempts {
			if a.timeout {
				timeouts++
			}
		}
		if len(m.attempts) > 1 {
			retried++
		}
		reply, ok := m.ack()
		if ok {
			acked++ // 企业微信得到了 200，不再重试
			if len(ids) == 0 {
				lost++
			}
		}
		switch {
		case ok && reply == "":
			silent++
		case ok && len(ids) > 0:
			if g := idInReply.FindStringSubmatch(reply); g == nil || g[1] != fmt.Sprint(ids[0]) {
				wrongID++
				t.Errorf("消息 %d 的回复 %q 与库里的记录 %v 对不上", m.msgID, reply, ids)
			}
		case !ok && len(ids) > 0:
			lateCommit++ // 三次都没得到 200，提交却生效了（COMMIT 在 503 之后落地）：再投一次应得到存下的回复
		}
		if len(m.attempts) > 1 || (!ok && len(ids) > 0) || rand.IntN(20) == 0 {
			recheck = append(recheck, m)
		}
	}
	t.Logf("sent %d, acknowledged %d, recorded %d, doubled %d, lost %d（另：200 空回复 %d，投递等满 5 秒 %d，重试过的 %d，未确认但已提交 %d）",
		sent, acked, recorded, doubled, lost, silent, timeouts, retried, lateCommit)
	if lost != 0 || doubled != 0 || silent != 0 || wrongID != 0 || timeouts != 0 {
		t.Errorf("确认了却没记 %d、记了两次 %d、200 空回复 %d、编号不符 %d、等满 5 秒 %d；都应为 0", lost, doubled, silent, wrongID, timeouts)
	}
	if retried == 0 || acked < sent/2 {
		t.Errorf("故障没有打到消息上（重试过的 %d 条），或确认的太少（%d/%d）", retried, acked, sent)
	}
	// 两条被 COMMIT 故障直接打中的消息：第一次投递没有得到 200，重试得到带编号的回复，库里一条。
	byID := map[int64]*wecomMessage{}
	for _, m := range messages {
		byID[m.msgID] = m
	}
	for _, what := range []string{stallAtCommit, killBeforeCommit} {
		m := byID[hit[what]]
		if m == nil {
			t.Errorf("%s：打中的消息 %d 不在投递记录里", what, hit[what])
			continue
		}
		var hist []string
		for _, a := range m.attempts {
			hist = append(hist, fmt.Sprintf("副本%d→%d", a.replica, a.status))
		}
		reply, ok := m.ack()
		t.Logf("%s：消息 %d 的投递 %s，回复 %q，记录 %v", what, m.msgID, strings.Join(hist, "，"), reply, entries[fmt.Sprintf("msg:%d", m.msgID)])
		if len(m.attempts) < 2 || m.attempts[0].status == http.StatusOK || !ok || len(entries[fmt.Sprintf("msg:%d", m.msgID)]) != 1 {
			t.Errorf("%s：消息 %d 应先失败、重试得到回复、库里一条", what, m.msgID)
		}
	}

	// 再投一次（像企业微信的迟到重复投递）：已提交的消息得到与当时相同的回复，不多记。
	var rmu sync.Mutex
	var rwg sync.WaitGroup
	jobs := make(chan *wecomMessage)
	same, changed := 0, 0
	for w := 0; w < 4; w++ {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for m := range jobs {
				a := client.post(1, m.inner)
				prev, ok := m.ack()
				rmu.Lock()
				switch {
				case a.status != http.StatusOK:
					t.Errorf("消息 %d 再投一次得到 HTTP %d", m.msgID, a.status)
				case ok && a.reply != prev:
					changed++
					t.Errorf("消息 %d 再投一次的回复变了：\n先 %q\n后 %q", m.msgID, prev, a.reply)
				case ok:
					same++
				}
				rmu.Unlock()
			}
		}()
	}
	for _, m := range recheck {
		jobs <- m
	}
	close(jobs)
	rwg.Wait()
	after := entriesOf()
	for _, m := range recheck {
		k := fmt.Sprintf("msg:%d", m.msgID)
		if before := entries[k]; len(before) > 0 && len(after[k]) != len(before) {
			t.Errorf("消息 %d 再投一次后记录从 %d 条变成 %d 条", m.msgID, len(before), len(after[k]))
		}
	}
	t.Logf("再投 %d 条：已确认的 %d 条回复逐字节相同，%d 条变了；用时共 %.1fs", len(recheck), same, changed, time.Since(began).Seconds())
}
