// Command hongqi-load 是 hongqi 回调的压测工具：按企业微信的方式签名、加密请求，
// 以 1、8、32 等并发打到 /wecom/callback，统计每秒请求数、p50、p99、错误数，
// 并读取服务端进程的内存（/proc/PID/status 的 VmRSS、VmHWM）和服务端、数据库、本工具
// 在计时阶段用的 CPU。
//
// 只向本机地址发请求；每一档的请求数和时长都有上限，跑完自行退出。
// 每档的请求在计时前全部生成（签名、加密、拼好报文，MsgId 各不相同），计时阶段
// 每个并发一条长连接，只写报文、读回复并核对（Linux 上用 epoll 循环发送），
// 压测端不至于先于被测服务跑满 CPU。与 wrk 的对照见 scripts/bench-loadtool.sh。
//
//	hongqi-load -url http://127.0.0.1:8080/wecom/callback -pid 1234 -c 1,8,32 -d 10s -label full
//	hongqi-load -echo-server 127.0.0.1:8081   # 只验签、解密、加密回复的对照服务
//	hongqi-load -url http://127.0.0.1:8081/wecom/callback -dump-request req.lua   # 给 wrk 的一个请求
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 默认用企业微信官方样例 B 的 Token、EncodingAESKey 和企业 ID。
const (
	defToken  = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	defAESKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	defCorpID = "ww1436e0e65a779aee"
)

type options struct {
	url, token, aesKey, corpID string
	from, text, label          string
	levels                     []int
	duration                   time.Duration
	maxRequests                int
	pid                        int
	spread                     int
	verifyReply                bool
	sender                     string
	threads                    int
}

func main() { os.Exit(run()) }

// run 解析参数并执行，返回退出码（经 main 退出，好让剖析文件在任何出口都写完）。
func run() int {
	var o options
	var levels, echoAddr string
	var urlCheck bool
	var dbPID int
	var cpuProfile, dumpFile string
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080/wecom/callback", "回调地址（只能是本机地址）")
	flag.StringVar(&o.token, "token", defToken, "HONGQI_WECOM_TOKEN")
	flag.StringVar(&o.aesKey, "aes-key", defAESKey, "HONGQI_WECOM_AES_KEY")
	flag.StringVar(&o.corpID, "corp-id", defCorpID, "HONGQI_WECOM_CORP_ID")
	flag.StringVar(&o.from, "from", "cg_sup", "发送人 userid（须在花名册中且有记录权限）")
	flag.StringVar(&o.text, "text", "扣 cg01 迟到 压测", "消息内容；{n} 换成 0001…spread 轮流的编号")
	flag.IntVar(&o.spread, "spread", 1, "{n} 的取值个数（把记录分摊到多人）")
	flag.StringVar(&o.label, "label", "full", "结果行的标签")
	flag.StringVar(&levels, "c", "1,8,32", "并发数，逗号分隔")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "每档时长（上限 2m）")
	flag.IntVar(&o.maxRequests, "n", 200000, "每档请求数上限（计时前全部生成好，每个约 0.7 KB）")
	flag.IntVar(&o.pid, "pid", 0, "服务端进程号，用于读取内存（0 表示不读）")
	flag.IntVar(&dbPID, "db-pid", 0, "数据库进程号，用于读取它的 CPU（0 表示找名为 mariadbd 的进程）")
	flag.BoolVar(&o.verifyReply, "verify", true, "解密并检查每个回复")
	flag.StringVar(&o.sender, "sender", defaultSender, "发送方式：epoll（Linux，每个发送线程一个 epoll 循环）或 goroutine（每个并发一个 goroutine）")
	flag.IntVar(&o.threads, "threads", 1, "epoll 发送线程数（连接平均分给各线程）")
	flag.StringVar(&echoAddr, "echo-server", "", "不压测，改为在此地址运行只做加解密的对照服务")
	flag.BoolVar(&urlCheck, "url-check", false, "不压测，只按企业微信的方式做一次回调地址验证（GET），打印结果")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "把本工具（压测端或对照服务）的 CPU 剖析写入此文件（go tool pprof 读取）")
	flag.StringVar(&dumpFile, "dump-request", "", "不压测，把一个签名加密好的请求写成 wrk 的 Lua 脚本（对照 -echo-server 用）")
	flag.Parse()

	if cpuProfile != "" {
		stopProfile, err := startCPUProfile(cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hongqi-load:", err)
			return 1
		}
		defer stopProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if echoAddr != "" {
		if err := runEcho(ctx, echoAddr, o); err != nil {
			fmt.Fprintln(os.Stderr, "hongqi-load:", err)
			return 1
		}
		return 0
	}
	if err := checkLoopback(o.url); err != nil {
		fmt.Fprintln(os.Stderr, "hongqi-load:", err)
		return 2
	}
	if _, ok := senders[o.sender]; !ok || o.threads < 1 {
		fmt.Fprintf(os.Stderr, "hongqi-load: -sender 应为 epoll 或 goroutine（这里可用：%s），-threads 至少为 1\n", strings.Join(senderNames(), "、"))
		return 2
	}
	tgt, err := parseTarget(o.url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hongqi-load:", err)
		return 2
	}
	if dumpFile != "" {
		if err := dumpRequest(dumpFile, o, tgt); err != nil {
			fmt.Fprintln(os.Stderr, "hongqi-load:", err)
			return 1
		}
		return 0
	}
	if urlCheck {
		if err := checkURL(o); err != nil {
			fmt.Fprintln(os.Stderr, "hongqi-load:", err)
			return 1
		}
		return 0
	}
	for _, s := range strings.Split(levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 256 {
			fmt.Fprintf(os.Stderr, "hongqi-load: 并发数 %q 应为 1–256 的整数\n", s)
			return 2
		}
		o.levels = append(o.levels, n)
	}
	if o.duration > 2*time.Minute {
		o.duration = 2 * time.Minute
	}
	fmt.Printf("%-8s %5s %8s %9s %9s %9s %7s %10s %10s %9s %9s %9s\n", "label", "conc", "requests", "req/s", "p50(ms)", "p99(ms)", "errors", "rss(MiB)", "hwm(MiB)", "srv-cpu%", "db-cpu%", "load-cpu%")
	if dbPID == 0 {
		dbPID = pidOf("mariadbd")
	}
	for _, c := range o.levels {
		// 先在计时外生成本档的全部请求；CPU 和墙上时间只算发送阶段。
		reqs := prepareRequests(o, tgt, levelRequests(o))
		runtime.GC() // 生成时的垃圾也在计时外回收完
		self := os.Getpid()
		srv0, db0, me0, t0 := procCPU(o.pid), procCPU(dbPID), procCPU(self), wallNow()
		r := runLevel(ctx, o, tgt, c, reqs)
		wall := wallNow().Sub(t0).Seconds()
		srv1, db1, me1 := procCPU(o.pid), procCPU(dbPID), procCPU(self)
		rss, hwm := procMem(o.pid)
		fmt.Printf("%-8s %5d %8d %9.1f %9.2f %9.2f %7d %10s %10s %9s %9s %9s\n", o.label, c, r.n, r.rps, ms(r.p50), ms(r.p99), r.errors, rss, hwm,
			cpuPct(srv0, srv1, wall), cpuPct(db0, db1, wall), cpuPct(me0, me1, wall))
		if r.firstErr != "" {
			fmt.Fprintf(os.Stderr, "  first error: %s\n", r.firstErr)
		}
		if r.note != "" {
			fmt.Fprintf(os.Stderr, "  %s\n", r.note)
		}
		// 本档的请求（上百 MB）此后不再用到，先还给系统再生成下一档的。
		runtime.GC()
		debug.FreeOSMemory()
	}
	return 0
}

// startCPUProfile 开始 CPU 剖析，返回停止并关闭文件的函数。
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "hongqi-load: cpuprofile:", err)
		}
	}, nil
}

// checkURL 像企业微信后台保存回调设置时那样发一次 URL 验证：随机 echostr 加密签名后 GET，
// 检查回答是否正是明文 echostr。
func checkURL(o options) error {
	echo := strconv.FormatUint(msgSeq.Add(1), 10)
	q := wecomtest.SignedURLVerification(o.token, o.aesKey, o.corpID, echo, wallNow(), "263014780")
	resp, err := http.Get(o.url + "?" + q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != echo {
		return fmt.Errorf("URL 验证失败：HTTP %d，回答 %q，应为 %q", resp.StatusCode, body, echo)
	}
	fmt.Printf("URL 验证通过：HTTP 200，回答 %s（与 echostr 一致）\n", body)
	return nil
}

// checkLoopback 拒绝向本机以外的地址发压测流量。
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("地址 %q 有误: %v", raw, err)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("只能压测本机地址（127.0.0.0/8、::1、localhost），而不是 %q", host)
	}
	return nil
}

type result struct {
	n, errors int
	rps       float64
	p50, p99  time.Duration
	firstErr  string
	note      string // 给人看的附注（写到标准错误）
}

var msgSeq atomic.Uint64

func init() {
	var b [8]byte
	_, _ = rand.Read(b[:])
	msgSeq.Store(binary.BigEndian.Uint64(b[:]) >> 2)
}

// textFor 把消息模板里的 {n} 换成轮流的四位编号。
func textFor(o options, id uint64) string {
	if o.spread <= 1 || !strings.Contains(o.text, "{n}") {
		return o.text
	}
	return strings.ReplaceAll(o.text, "{n}", fmt.Sprintf("%04d", id%uint64(o.spread)+1))
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// procMem 读取进程的常驻内存（VmRSS）与峰值（VmHWM），单位 MiB。
func procMem(pid int) (rss, hwm string) {
	if pid <= 0 {
		return "-", "-"
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?", "?"
	}
	rss, hwm = "?", "?"
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = fmt.Sprintf("%.1f", float64(kb)/1024)
		case "VmHWM:":
			hwm = fmt.Sprintf("%.1f", float64(kb)/1024)
		}
	}
	return rss, hwm
}

// procCPU 返回进程已用的 CPU 秒数（用户态 + 内核态），读不到时为 -1。
func procCPU(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ 在 Linux 上是 100
}

// cpuPct 把两次 CPU 秒数之差换成占一个核的百分比。
func cpuPct(before, after, wall float64) string {
	if before < 0 || after < 0 || wall <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", (after-before)/wall*100)
}

// pidOf 按可执行文件名找本机进程（找数据库进程，算它在压测期间的 CPU）。
func pidOf(name string) int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err == nil && strings.TrimSpace(string(comm)) == name {
			return pid
		}
	}
	return 0
}

// runEcho 运行只做验签、解密、加密回复的对照服务：与完整路径同一个 wecom.Callback，
// 只是处理函数直接返回固定回复，不碰数据库。
func runEcho(ctx context.Context, addr string, o options) error {
	c, err := wecom.NewCrypto(o.token, o.aesKey, o.corpID)
	if err != nil {
		return err
	}
	h := &wecom.Callback{
		Crypto: c,
		Processor: wecom.ProcessorFunc(func(ctx context.Context, m model.Message) (string, error) {
			return "已记录 #1：张三（城关所）迟到 −10 元。张三本月合计 −10 元。", nil
		}),
		Clock: wall,
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	mux := http.NewServeMux()
	mux.Handle("/wecom/callback", h)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	fmt.Fprintf(os.Stderr, "echo server on %s (pid %d)\n", addr, os.Getpid())
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
