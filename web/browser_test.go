package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/hongqi-dev/hongqi/model"
)

// 手机屏幕：375×812（CSS 像素），截图按 2 倍像素保存。
const (
	phoneW, phoneH = 375, 812
)

// chromium 返回 Debian 的 Chromium；没有时测试失败（CI 的 .ci/run 会装上），不跳过。
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HONGQI_CHROMIUM"), "/usr/bin/chromium", "chromium"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("没有找到 Chromium：浏览器测试需要 Debian 的 chromium（apt-get install -y chromium；CI 由 .ci/run 安装），" +
		"也可以用 HONGQI_CHROMIUM 指定路径。")
	return ""
}

// newBrowser 启动一个无头 Chromium（全新的用户目录），测试结束时关闭。
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(phoneW, phoneH),
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(cancelCtx)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("Chromium 启动失败: %v", err)
	}
	return ctx
}

// phone 在浏览器里开一个独立的浏览上下文（各自的 Cookie），按手机屏幕显示。
func phone(t *testing.T, b context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	err := chromedp.Do(ctx, chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateScale(2), chromedp.EmulatePortrait, chromedp.EmulateMobile))
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// shots 是截图目录：HONGQI_SCREENSHOTS 指定时写到那里（如 ../docs/screenshots），否则写到临时目录。
func shots(t *testing.T) string {
	if d := os.Getenv("HONGQI_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// look 截一屏（375×812），并检查页面在手机宽度内没有横向滚动。
func look(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	scrollW, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	innerW, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if innerW != phoneW || scrollW > innerW {
		t.Errorf("%s: 页面宽 %d px，屏幕宽 %d px：在手机上要横向滚动", name, scrollW, innerW)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// loginInBrowser 在对话里发“网页”，在浏览器里打开链接、点“登录”，停在“我的”。
func loginInBrowser(t *testing.T, in *instance, ctx context.Context, who, shot, dir string) {
	t.Helper()
	link := in.link(t, who)
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
		t.Fatalf("打开登录链接: %v", err)
	}
	if shot != "" {
		look(t, ctx, dir, shot)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("total"))); err != nil {
		t.Fatalf("%s 点登录后没有到“我的”: %v", who, err)
	}
}

var reYuan = regexp.MustCompile(`合计 ([−+]?\d+ 元)`)

// TestBrowser 在无头 Chromium 里走一遍人会做的事：员工用一次性链接登录、“我的”的合计与“查”一致；
// 主管在台账上撤销一条；中心领导在结算页确认发布，下载的 Excel 打开后合计正确。每页截一张手机屏。
func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	in := start(t, options{seed: true})
	dir := shots(t)

	t.Run("staff total matches 查", func(t *testing.T) {
		ctx := phone(t, b)
		loginInBrowser(t, in, ctx, "cg01", "login", dir)
		total, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("total")))
		if err != nil {
			t.Fatal(err)
		}
		m := reYuan.FindStringSubmatch(in.chat(t, "cg01", "查"))
		if m == nil {
			t.Fatal("查 has no 合计")
		}
		if strings.TrimSpace(total) != m[1] || m[1] != "−50 元" {
			t.Errorf("我的 shows %q, 查 says %q (want −50 元)", total, m[1])
		}
		look(t, ctx, dir, "me")
		if err := chromedp.Do(ctx, chromedp.Navigate(in.url+"/app/board"), chromedp.WaitVisible(chromedp.CSS("svg.chart"))); err != nil {
			t.Fatal(err)
		}
		look(t, ctx, dir, "board")
	})

	t.Run("supervisor revokes from 台账", func(t *testing.T) {
		ctx := phone(t, b)
		loginInBrowser(t, in, ctx, "cg_sup", "", dir)
		e := in.entryOf(t, "cg01", "late", model.Month{Year: 2026, Month: 11})
		sel := fmt.Sprintf("#e%d", e.ID)
		if err := chromedp.Do(ctx, chromedp.Navigate(in.url+"/app/ledger"), chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
			t.Fatal(err)
		}
		look(t, ctx, dir, "ledger")
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(sel+" details.revoke summary")),
			chromedp.SendKeys(chromedp.CSS(sel+` input[name="reason"]`), "记错人了"),
			chromedp.Click(chromedp.CSS(sel+" button.danger")),
			chromedp.WaitVisible(chromedp.CSS("p.flash")))
		if err != nil {
			t.Fatal(err)
		}
		flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("p.flash")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(flash, "已撤销 #"+strconv.FormatInt(e.ID, 10)) || !strings.Contains(flash, "合计 −40 元") {
			t.Errorf("flash %q", flash)
		}
		got := in.entry(t, e.ID)
		if !got.Revoked() || got.Revocation.Reason != "记错人了" || got.Revocation.ActorID != "cg_sup" {
			t.Errorf("entry after revoke: %+v %+v", got, got.Revocation)
		}
		ns, err := in.m.DB.Notices(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		told := false
		for _, n := range ns {
			told = told || (n.Key == fmt.Sprintf("revoke:%d", e.ID) && slices.Equal(n.To.Users, []string{"cg01"}))
		}
		if !told {
			t.Error("张三 was not notified of the revocation")
		}
		cls, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), "class"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(cls.Value, "revoked") {
			t.Errorf("the entry is not shown as revoked: class %q", cls.Value)
		}
	})

	t.Run("staff appeals from 我的, the head upholds it from 审批", func(t *testing.T) {
		staff := phone(t, b)
		loginInBrowser(t, in, staff, "cg01", "", dir)
		e := in.entryOf(t, "cg01", "late_long", model.Month{Year: 2026, Month: 11})
		sel := fmt.Sprintf("#e%d", e.ID)
		before, err := chromedp.Run(staff, chromedp.Text(chromedp.ID("total")))
		if err != nil {
			t.Fatal(err)
		}
		err = chromedp.Do(staff,
			chromedp.Click(chromedp.CSS(sel+" details.appeal summary")),
			chromedp.SendKeys(chromedp.CSS(sel+` input[name="reason"]`), "堵车是因为修路，有通告"),
			chromedp.ScrollIntoView(chromedp.CSS(sel)))
		if err != nil {
			t.Fatal(err)
		}
		lookAt(t, staff, dir, "appeal", sel)
		if err := chromedp.Do(staff, chromedp.Click(chromedp.CSS(sel+" details.appeal button")), chromedp.WaitVisible(chromedp.CSS("p.flash"))); err != nil {
			t.Fatal(err)
		}
		flash, err := chromedp.Run(staff, chromedp.Text(chromedp.CSS("p.flash")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(flash, "已提交申诉 #") || !strings.Contains(flash, "刘强（城关所所长）") {
			t.Fatalf("flash %q", flash)
		}
		if tag := entryTag(t, staff, sel); tag != "申诉中" {
			t.Errorf("after appealing the entry shows %q, want 申诉中", tag)
		}
		aps, err := in.m.DB.Appeals(context.Background(), model.AppealFilter{EntryID: e.ID})
		if err != nil || len(aps) != 1 || aps[0].Reason != "堵车是因为修路，有通告" {
			t.Fatalf("appeals %+v, %v", aps, err)
		}
		aid := aps[0].ID

		head := phone(t, b)
		loginInBrowser(t, in, head, "cg_head", "", dir)
		item := fmt.Sprintf("#appeal%d", aid)
		if err := chromedp.Do(head, chromedp.Navigate(in.url+"/app/approve"), chromedp.WaitVisible(chromedp.CSS(item))); err != nil {
			t.Fatal(err)
		}
		lookAt(t, head, dir, "approve-appeal", item)
		err = chromedp.Do(head,
			chromedp.SendKeys(chromedp.CSS(item+` input[name="note"]`), "核实属实"),
			chromedp.Click(chromedp.CSS(item+` button[value="approve"]`)),
			chromedp.WaitVisible(chromedp.CSS("p.flash")))
		if err != nil {
			t.Fatal(err)
		}
		flash, err = chromedp.Run(head, chromedp.Text(chromedp.CSS("p.flash")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(flash, fmt.Sprintf("申诉 #%d 成立：已撤销 #%d", aid, e.ID)) {
			t.Errorf("flash %q", flash)
		}
		got := in.entry(t, e.ID)
		if !got.Revoked() || got.Appeal != model.AppealRevoked || got.Revocation.ActorID != "cg_head" {
			t.Errorf("entry after the decision: %+v %+v", got, got.Revocation)
		}

		if err := chromedp.Do(staff, chromedp.Navigate(in.url+"/app/"), chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
			t.Fatal(err)
		}
		if tag := entryTag(t, staff, sel); tag != "申诉后撤销" {
			t.Errorf("after the decision the entry shows %q, want 申诉后撤销", tag)
		}
		after, err := chromedp.Run(staff, chromedp.Text(chromedp.ID("total")))
		if err != nil {
			t.Fatal(err)
		}
		if want := yuan(parseYuan(t, before) - e.Amount); strings.TrimSpace(after) != want {
			t.Errorf("total %q before, %q after, want %q", before, after, want)
		}
		if m := reYuan.FindStringSubmatch(in.chat(t, "cg01", "查")); m == nil || m[1] != strings.TrimSpace(after) {
			t.Errorf("查 says %v, 我的 %q", m, after)
		}
		lookAt(t, staff, dir, "appealed", sel)
	})

	t.Run("leader publishes and downloads the sheet", func(t *testing.T) {
		ctx := phone(t, b)
		loginInBrowser(t, in, ctx, "zx_dir", "", dir)
		err := chromedp.Do(ctx, chromedp.Navigate(in.url+"/app/settle?month=2026-10"), chromedp.WaitVisible(chromedp.ID("publish")))
		if err != nil {
			t.Fatal(err)
		}
		shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("settle-total")))
		if err != nil {
			t.Fatal(err)
		}
		look(t, ctx, dir, "settle")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("publish")), chromedp.WaitVisible(chromedp.ID("confirm"))); err != nil {
			t.Fatal(err)
		}
		look(t, ctx, dir, "publish")
		if _, err := in.m.DB.Publication(context.Background(), october); model.ErrorCode(err) != model.ENOTFOUND {
			t.Fatalf("published before the confirmation: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.CSS("p.flash"))); err != nil {
			t.Fatal(err)
		}
		flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("p.flash")))
		if err != nil {
			t.Fatal(err)
		}
		pub, err := in.m.DB.Publication(context.Background(), october)
		if err != nil {
			t.Fatalf("not published: %v (page says %q)", err, flash)
		}
		if !strings.Contains(flash, "已发布2026年10月结算") || pub.ActorID != "zx_dir" {
			t.Errorf("flash %q, publication %+v", flash, pub)
		}
		// 10 月：−10 −10 −10 +50，张三三面周旗的奖励。
		want := pub.Total
		if strings.TrimSpace(shown) != yuan(want) {
			t.Errorf("the draft showed %q, the publication booked %d", shown, want)
		}

		downloads := t.TempDir()
		events := true
		_, err = chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, EventsEnabled: &events,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
		if err != nil {
			t.Fatal(err)
		}
		progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("xlsx"))); err != nil {
			t.Fatal(err)
		}
		for ev, err := range progress { // 等下载完成（文件写完）
			if err != nil {
				t.Fatalf("download: %v", err)
			}
			if ev.State == browser.DownloadProgressStateCompleted {
				break
			}
			if ev.State == browser.DownloadProgressStateCanceled {
				t.Fatal("the download was cancelled")
			}
		}
		file := waitFile(t, downloads, ".xlsx")
		f, err := excelize.OpenFile(file)
		if err != nil {
			t.Fatalf("the download does not open as XLSX: %v", err)
		}
		defer f.Close()
		rows, err := f.GetRows("汇总")
		if err != nil {
			t.Fatal(err)
		}
		var total string
		for _, r := range rows {
			if len(r) >= 6 && r[0] == "合计" {
				total = r[5]
			}
		}
		if total != strconv.FormatInt(want, 10) {
			t.Errorf("the sheet's 合计 is %q, want %d", total, want)
		}

		if err := chromedp.Do(ctx, chromedp.Navigate(in.url+"/app/settle/year"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
			t.Fatal(err)
		}
		look(t, ctx, dir, "year")
		if err := chromedp.Do(ctx, chromedp.Navigate(in.url+"/app/approve"), chromedp.WaitVisible(chromedp.CSS("form.decide"))); err != nil {
			t.Fatal(err)
		}
		look(t, ctx, dir, "approve")
	})
}

// yuan 与页面的写法相同：−10 元、+50 元、0 元。
func yuan(n int64) string {
	switch {
	case n < 0:
		return fmt.Sprintf("−%d 元", -n)
	case n > 0:
		return fmt.Sprintf("+%d 元", n)
	}
	return "0 元"
}

// waitFile 等下载的文件出现在 dir 里（以 ext 结尾），返回它的路径。
func waitFile(t *testing.T, dir, ext string) string {
	t.Helper()
	for i := 0; i < 200; i++ {
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if strings.HasSuffix(e.Name(), ext) {
				return filepath.Join(dir, e.Name())
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s file was downloaded into %s", ext, dir)
	return ""
}

// entryTag 返回页面上一条记录的状态标签（没有时为空）。
func entryTag(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	tag, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+strconv.Quote(sel+" .tag")+`)||{}).textContent||""`))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(tag)
}

// lookAt 把 sel 滚到屏幕上方后截一屏（375×812），并检查页面没有横向滚动。
func lookAt(t *testing.T, ctx context.Context, dir, name, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+strconv.Quote(sel)+`).scrollIntoView({block:"center"})`)); err != nil {
		t.Fatal(err)
	}
	scrollW, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if scrollW > phoneW {
		t.Errorf("%s: 页面宽 %d px，屏幕宽 %d px：在手机上要横向滚动", name, scrollW, phoneW)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// parseYuan 读“−40 元”“+50 元”“0 元”。
func parseYuan(t *testing.T, s string) int64 {
	t.Helper()
	s = strings.TrimSuffix(strings.TrimSpace(s), " 元")
	neg := strings.HasPrefix(s, "−")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "−"), "+")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not an amount: %q", s)
	}
	if neg {
		n = -n
	}
	return n
}
