package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/hongqi-dev/hongqi/app"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/redflag/meter"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/settlement/xlsx"
)

// runImport 只打开数据库，执行一次导入 do，把它返回的结果一句话打印出来。
func runImport(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, do func(m *app.Main) (string, error)) error {
	m, err := openStoreOnly(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	msg, err := do(m)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, msg)
	return nil
}

func runStaffImport(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, path string) error {
	return runImport(ctx, getenv, stdout, stderr, func(m *app.Main) (string, error) {
		r, err := roster.ImportReport(ctx, m.DB, path, model.DateOf(m.Clock.Now(), m.Clock.Location()))
		msg := fmt.Sprintf("已导入花名册 %s：新增 %d 人，更新 %d 人。", path, r.Added, r.Updated)
		if len(r.Notes) > 0 {
			msg += "\n导入时做了这些改动：\n" + strings.Join(r.Notes, "\n")
		}
		return msg, err
	})
}

func runPostImport(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, path string) error {
	return runImport(ctx, getenv, stdout, stderr, func(m *app.Main) (string, error) {
		added, updated, err := leave.Import(ctx, &ledger.Service{Staff: m.DB, Ledger: m.DB, Clock: m.Clock}, m.DB, path)
		return fmt.Sprintf("已导入窗口岗位 %s：新增 %d 个窗口，更新 %d 个。", path, added, updated), err
	})
}

func runMeterImport(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, path string) error {
	return runImport(ctx, getenv, stdout, stderr, func(m *app.Main) (string, error) {
		res, err := meter.ImportFile(ctx, m.DB, m.DB, path, m.Config.Location)
		return res.Summary(), err
	})
}

func runFlagsImport(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, path string) error {
	return runImport(ctx, getenv, stdout, stderr, func(m *app.Main) (string, error) {
		svc := &redflag.Service{Store: m.DB, Staff: m.DB, Cfg: m.Config.Flags, Clock: m.Clock, Log: m.Log}
		added, skipped, err := svc.ImportFile(ctx, path)
		return fmt.Sprintf("已导入红旗 %s：新增 %d 面，已有 %d 面未重复导入。", path, added, skipped), err
	})
}

// runReport 写出某月的结算表：与“结算”命令同一份草稿（已发布的月份不重复计结算记录）。
func runReport(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, monthText, out string) error {
	m, err := app.NewMain(getenv, stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
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
	fmt.Fprintf(stdout, "已写出 %s：%s，%d 人，合计 %s。\n", out, xlsx.Title(month), d.Result.Summary.People, ledger.Yuan(d.Result.Summary.Total))
	return nil
}

func runStaffList(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	m, err := openStoreOnly(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	list, err := m.DB.ListStaff(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "花名册是空的。先导入：hongqi staff import testdata/roster-example.csv")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "工号\t姓名\t网点\t网点类型\t角色\t管理范围\t状态\t入职日期\t离职日期")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.UserID, s.Name, s.Branch, s.BranchKind.Label(), s.Role.Label(),
			strings.Join(s.Scope, "、"), s.StatusLabel(), dateCell(s.Joined), dateCell(s.Left))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "共 %d 人。\n", len(list))
	return nil
}

// dateCell 是表格里的日期：零值写“-”。
func dateCell(d model.Date) string {
	if d.IsZero() {
		return "-"
	}
	return d.String()
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

func runRules(getenv func(string) string, stdout io.Writer, path string) error {
	if path == "" {
		path = strings.TrimSpace(getenv("HONGQI_RULES"))
	}
	cat := rules.Default()
	if path != "" {
		c, err := rules.Load(path)
		if err != nil {
			return err
		}
		cat = c
		fmt.Fprintf(stdout, "规则文件 %s 检查通过。\n", path)
	} else {
		fmt.Fprintln(stdout, "内置默认规则：")
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "编码\t类别\t金额(元)\t名称\t可用词\t说明")
	for _, r := range cat.Rules() {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.Code, r.Kind.Label(), r.Amount, r.Name, strings.Join(r.Words, "、"), r.Note)
	}
	return tw.Flush()
}

// runChat 是终端对话：每行一条消息，交给与企业微信回调相同的机器人处理，回复打印出来；
// 每条消息之后发送发件箱中的通知（未配置企业微信时写入日志）。
func runChat(ctx context.Context, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, as string) error {
	m, err := app.NewMain(getenv, stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	actor, err := m.DB.Staff(ctx, as)
	if err != nil {
		return model.Errorf(model.ENOTFOUND, "花名册里没有工号 %s。先导入花名册：hongqi staff import FILE；用 hongqi staff list 查看工号。", as)
	}
	fmt.Fprintf(stdout, "您好，%s（%s·%s）。输入命令与红旗对话，例如“帮助”；Ctrl-D 退出。\n", actor.Name, actor.Branch, actor.Role.Label())
	if m.Rehearsal {
		fmt.Fprintf(stdout, "这是演练数据库：时钟现在是 %s（HONGQI_CLOCK），发往企业微信的消息都以【演练】开头。\n", m.Clock.Now().Format("2006-01-02 15:04"))
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for {
		fmt.Fprint(stdout, "> ")
		if !sc.Scan() {
			fmt.Fprintln(stdout)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		msg := model.Message{Key: "chat:" + randomHex(8), From: as, Text: line, CreateTime: m.Clock.Now()}
		reply, err := m.Bot.Process(ctx, msg)
		if err != nil {
			reply = model.ErrorMessage(err)
		}
		if reply != "" {
			fmt.Fprintln(stdout, reply)
		}
		if _, err := m.Sender.RunOnce(ctx); err != nil {
			m.Log.Warn("发送通知失败，稍后重试", "err", err)
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
