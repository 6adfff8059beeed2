package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"github.com/hongqi-dev/hongqi/app"

	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/redflag/meter"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/settlement/xlsx"
	"github.com/hongqi-dev/hongqi/store"
)

// runServe 启动服务（app.Serve），直到 ctx 结束。
func runServe(ctx context.Context, e env) error { return app.Serve(ctx, e.getenv, e.stderr) }

// runImport 只打开数据库，执行一次导入 do，把它返回的结果一句话打印出来。
func runImport(ctx context.Context, e env, do func(m *app.Main) (string, error)) error {
	m, err := openStoreOnly(ctx, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	msg, err := do(m)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, msg)
	return nil
}

func runStaffImport(ctx context.Context, e env, path string) error {
	return runImport(ctx, e, func(m *app.Main) (string, error) {
		r, err := roster.ImportReport(ctx, m.DB, path, model.DateOf(m.Clock.Now(), m.Clock.Location()))
		where := ""
		if r.Where != "" {
			where = "（" + r.Where + "）"
		}
		msg := fmt.Sprintf("已导入花名册 %s%s：新增 %d 人，更新 %d 人。", path, where, r.Added, r.Updated)
		if len(r.Notes) > 0 {
			msg += "\n导入时做了这些改动：\n" + strings.Join(r.Notes, "\n")
		}
		return msg, err
	})
}

func runPostImport(ctx context.Context, e env, path string) error {
	return runImport(ctx, e, func(m *app.Main) (string, error) {
		// 按姓名找人用台账服务的 Find：与各命令同一个解析（重名时要写工号）。
		added, updated, err := leave.Import(ctx, &ledger.Service{Staff: m.DB, Ledger: m.DB, Clock: m.Clock}, m.DB, path)
		return fmt.Sprintf("已导入窗口岗位 %s：新增 %d 个窗口，更新 %d 个。", path, added, updated), err
	})
}

func runMeterImport(ctx context.Context, e env, path string) error {
	return runImport(ctx, e, func(m *app.Main) (string, error) {
		res, err := meter.ImportFile(ctx, m.DB, m.DB, path, m.Config.Location)
		return res.Summary(), err
	})
}

func runFlagsImport(ctx context.Context, e env, path string) error {
	return runImport(ctx, e, func(m *app.Main) (string, error) {
		svc := &redflag.Service{Store: m.DB, Staff: m.DB, Cfg: m.Config.Flags, Clock: m.Clock, Log: m.Log}
		added, skipped, err := svc.ImportFile(ctx, path)
		return fmt.Sprintf("已导入红旗 %s：新增 %d 面，已有 %d 面未重复导入。", path, added, skipped), err
	})
}

// openMain 读配置并装配全部部件（命令行用：不监听端口、不跑定时任务）。
func openMain(ctx context.Context, e env) (*app.Main, error) {
	m, err := app.NewMain(e.getenv, e.stderr)
	if err != nil {
		return nil, err
	}
	if err := m.Open(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// runReport 写出某月的结算表：与“结算”命令同一份草稿（已发布的月份不重复计结算记录）。
func runReport(ctx context.Context, e env, monthText, out string) error {
	m, err := openMain(ctx, e)
	if err != nil {
		return err
	}
	defer m.Close()
	month, err := model.ParseMonth(monthText, m.Clock.Now(), m.Clock.Location())
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return model.Wrap(model.EINVALID, err, "写不了文件 %s。", out)
	}
	d, err := m.Settle.Workbook(ctx, settlement.SystemActor, month, f)
	if err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	if err := f.Close(); err != nil {
		return model.Wrap(model.EINVALID, err, "写不了文件 %s。", out)
	}
	fmt.Fprintf(e.stdout, "已写出 %s：%s，表中 %d 人（%s），合计 %s。\n", out, xlsx.Title(month), d.Result.Summary.People,
		d.Result.Counts().Text(), ledger.Yuan(d.Result.Summary.Total))
	return nil
}

// runCert 把 year 年的年度服务明星证书（who 非空时只有这个人的）画成 PNG 写进 dir。
func runCert(ctx context.Context, e env, yearText, who, dir string) error {
	year, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(yearText), "年"))
	if err != nil || year < 2000 || year > 2100 {
		return model.Errorf(model.EINVALID, "年份“%s”看不懂，请写成四位数，例如：hongqi cert 2026 -o 证书", yearText)
	}
	m, err := openMain(ctx, e)
	if err != nil {
		return err
	}
	defer m.Close()
	cs, err := m.Settle.Certificates(ctx, year, who)
	if err != nil {
		return err
	}
	if len(cs.Images) == 0 && len(cs.Failed) == 0 {
		fmt.Fprintf(e.stdout, "%d 年没有年度服务明星，没有证书。\n", year)
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return model.Wrap(model.EINVALID, err, "建不了目录 %s。", dir)
	}
	for _, img := range cs.Images {
		p := filepath.Join(dir, img.FileName)
		if err := os.WriteFile(p, img.PNG, 0o644); err != nil {
			return model.Wrap(model.EINVALID, err, "写不了文件 %s。", p)
		}
		fmt.Fprintf(e.stdout, "已写出 %s：%s（%s）全年 %d 次。\n", p, img.Certificate.Name, img.Certificate.Branch, img.Certificate.Count)
	}
	if p := cs.Published; p != nil {
		fmt.Fprintf(e.stdout, "证书日期是 %d 年年度结算发布的那天（%s）。\n", year, p.At.In(m.Clock.Location()).Format("2006年1月2日"))
	} else {
		fmt.Fprintf(e.stdout, "%d 年的年度结算还没有发布：这是按现有数据的预览，证书日期是今天。\n", year)
	}
	if len(cs.Failed) > 0 {
		return model.Errorf(model.EUNAVAILABLE, "%d 张证书没有生成：\n%s", len(cs.Failed), strings.Join(cs.Failed, "\n"))
	}
	return nil
}

func runStaffList(ctx context.Context, e env) error {
	m, err := openStoreOnly(ctx, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	list, err := m.DB.ListStaff(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "花名册是空的。先导入：hongqi staff import testdata/roster-example.csv")
		return nil
	}
	rows := [][]string{{"工号", "姓名", "网点", "网点类型", "角色", "管理范围", "状态", "入职日期", "离职日期"}}
	for _, s := range list {
		rows = append(rows, []string{s.UserID, s.Name, s.Branch, s.BranchKind.Label(), s.Role.Label(),
			cmpOr(strings.Join(s.Scope, "、"), "-"), s.StatusLabel(), dateCell(s.Joined), dateCell(s.Left)})
	}
	writeTable(e.stdout, rows)
	fmt.Fprintf(e.stdout, "共 %d 人。\n", len(list))
	return nil
}

// dateCell 是表格里的日期：零值写“-”。
func dateCell(d model.Date) string {
	if d.IsZero() {
		return "-"
	}
	return d.String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// openStoreOnly 读配置并只打开数据库（花名册命令不需要机器人、Redis 和企业微信）。
func openStoreOnly(ctx context.Context, getenv func(string) string, logOut io.Writer) (*app.Main, error) {
	m, err := app.NewMain(getenv, logOut)
	if err != nil {
		return nil, err
	}
	if err := m.OpenStore(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func runRules(e env, path string) error {
	if path == "" {
		path = strings.TrimSpace(e.getenv("HONGQI_RULES"))
	}
	cat := rules.Default()
	if path != "" {
		c, err := rules.Load(path)
		if err != nil {
			return err
		}
		cat = c
		fmt.Fprintf(e.stdout, "规则文件 %s 检查通过。\n", path)
	} else {
		fmt.Fprintln(e.stdout, "内置默认规则：")
	}
	rows := [][]string{{"编码", "类别", "金额(元)", "名称", "可用词", "说明"}}
	for _, r := range cat.Rules() {
		rows = append(rows, []string{r.Code, r.Kind.Label(), strconv.FormatInt(r.Amount, 10), r.Name, strings.Join(r.Words, "、"), r.Note})
	}
	writeTable(e.stdout, rows)
	return nil
}

// runChat 是终端对话：每行一条消息，交给与企业微信回调相同的机器人处理，回复打印出来；
// 每条消息之后发送发件箱中的通知（未配置企业微信时写入日志）。工号不分大小写。
func runChat(ctx context.Context, e env, as string) error {
	m, err := openMain(ctx, e)
	if err != nil {
		return err
	}
	defer m.Close()
	actor, err := findUserID(ctx, m, as)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "您好，%s（%s·%s）。输入命令与红旗对话，例如“帮助”；Ctrl-D 退出。\n", actor.Name, actor.Branch, actor.Role.Label())
	if m.Rehearsal {
		fmt.Fprintf(e.stdout, "这是演练数据库：时钟现在是 %s（HONGQI_CLOCK），发往企业微信的消息都以【演练】开头。\n", m.Clock.Now().Format("2006-01-02 15:04"))
	}
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for {
		fmt.Fprint(e.stdout, "> ")
		if !sc.Scan() {
			fmt.Fprintln(e.stdout)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		msg := model.Message{Key: "chat:" + randomHex(8), From: actor.UserID, Text: line, CreateTime: m.Clock.Now()}
		reply, err := m.Bot.Process(ctx, msg)
		if err != nil {
			reply = model.ErrorMessage(err)
		}
		if reply != "" {
			fmt.Fprintln(e.stdout, reply)
		}
		printContinuation(ctx, e, m, msg.Key)
		if _, err := m.Sender.RunOnce(ctx); err != nil {
			m.Log.Warn("发送通知失败，稍后重试", "err", err)
		}
	}
}

// printContinuation 把一条太长的回复续发的几段（发件箱里 Key 为 "reply:<消息 Key>:<段号>" 的私信）
// 接着回复打印出来：在企业微信里它们是紧跟回复的私信，在终端里也就紧跟着回复，不用到日志里找。
func printContinuation(ctx context.Context, e env, m *app.Main, msgKey string) {
	pending, err := m.DB.Notices(ctx, model.NoticePending)
	if err != nil {
		m.Log.Warn("没能读取续发的几段", "err", err)
		return
	}
	prefix := "reply:" + msgKey + ":"
	for _, n := range pending {
		if strings.HasPrefix(n.Key, prefix) {
			fmt.Fprintln(e.stdout, n.Body)
		}
	}
}

// findUserID 按工号（不分大小写，与企业微信和各命令一样）找花名册里的人。
func findUserID(ctx context.Context, m *app.Main, id string) (model.Staff, error) {
	cands, err := m.DB.FindStaff(ctx, id)
	if err != nil {
		return model.Staff{}, err
	}
	for _, st := range cands {
		if strings.EqualFold(st.UserID, id) {
			return st, nil
		}
	}
	return model.Staff{}, model.Errorf(model.ENOTFOUND, "花名册里没有工号 %s。先导入花名册：hongqi staff import FILE；用 hongqi staff list 查看工号。", id)
}

// writeTable 按显示宽度对齐各列（汉字占两格，golang.org/x/text/width），列间空两格，行末不留空格。
func writeTable(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// displayWidth 是 s 在终端里占的格数：东亚宽字符和全角字符占两格。
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// runTotals 是 hongqi totals check（fix 为假）和 hongqi totals repair。
func runTotals(ctx context.Context, e env, fix bool) error {
	m, err := openStoreOnly(ctx, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	var drift []store.TotalDrift
	if fix {
		drift, err = m.DB.RepairTotals(ctx)
	} else {
		drift, err = m.DB.CheckTotals(ctx, "")
	}
	if err != nil {
		return err
	}
	if len(drift) == 0 {
		fmt.Fprintln(e.stdout, "各人各月的合计与台账一致。")
		return nil
	}
	rows := [][]string{{"工号", "月份", "合计表", "台账"}}
	for _, d := range drift {
		rows = append(rows, []string{d.StaffID, d.Month,
			fmt.Sprintf("%d 条 %d 元", d.StoredEntries, d.Stored), fmt.Sprintf("%d 条 %d 元", d.LedgerEntries, d.Ledger)})
	}
	writeTable(e.stdout, rows)
	if fix {
		fmt.Fprintf(e.stdout, "已按台账改正 %d 行。\n", len(drift))
		return nil
	}
	fmt.Fprintf(e.stdout, "%d 行合计与台账不符：运行 hongqi totals repair 按台账改正。\n", len(drift))
	return exitCode(1)
}
