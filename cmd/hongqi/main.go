// Command hongqi 是红旗考核机器人：企业微信回调服务、花名册导入、终端对话。
//
// 子命令只有一张表（subcommands）：总的用法、每个子命令的 -h/--help 和参数检查都由它生成，
// 所以“hongqi serve --help”只打印说明、不会启动服务。
//
//	hongqi [serve]                         启动服务（默认内置 SQLite，见 README）
//	hongqi staff import FILE               导入花名册（CSV 或 XLSX）
//	hongqi staff list                      列出花名册
//	hongqi post import FILE                导入窗口岗位（A 岗、B 岗）
//	hongqi meter import FILE               导入满意度测评仪的导出
//	hongqi flags import FILE               带入年中启用前已评出的红旗
//	hongqi report --month M -o F           写出某月的结算表（XLSX）
//	hongqi cert YEAR [USERID] -o DIR       画出某年的年度服务明星证书（PNG）
//	hongqi chat --as USERID                在终端里以某人身份和机器人对话
//	hongqi rules [FILE]                    检查并列出规则目录
//	hongqi totals check | repair           核对、改正各人各月的合计
//	hongqi health                          检查数据库、Redis 和发件箱（容器的健康检查）
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	_ "time/tzdata" // 时区数据编入二进制，裸机也能算 Asia/Shanghai

	"github.com/hongqi-dev/hongqi/model"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv); err != nil {
		var code exitCode
		if errors.As(err, &code) {
			os.Exit(int(code)) // 已经打印过一行结果
		}
		printError(os.Stderr, err)
		os.Exit(1)
	}
}

// printError 把 run 的错误写到 w：先是给人看的说明，再是内部原因（排查用）。
func printError(w io.Writer, err error) {
	fmt.Fprintln(w, "hongqi:", model.ErrorMessage(err))
	var e *model.Error
	if errors.As(err, &e) && e.Err != nil {
		fmt.Fprintln(w, "  原因:", e.Err)
	} else if !errors.As(err, &e) {
		fmt.Fprintln(w, "  原因:", err)
	}
}

// env 是子命令用到的外部环境（拆出来便于测试）。
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer // 日志
}

// option 是子命令的一个选项，如 --month 2026-11（也可写 --month=2026-11）。
type option struct {
	name     string // 如 "--month"
	value    string // 值的写法，如 "M"
	help     string
	required bool
}

// args 是解析好的参数：位置参数，和按 option.name 取的选项值。
type args struct {
	pos  []string
	opts map[string]string
}

// subcommand 是命令表的一行。
type subcommand struct {
	words    string // 如 "staff import"
	params   string // 位置参数的写法，如 "FILE"、"[FILE]"、"YEAR [USERID]"
	min, max int    // 位置参数个数
	options  []option
	summary  string // 总用法里的一句话
	detail   string // -h/--help 时在用法下面多写的说明
	run      func(ctx context.Context, e env, a args) error
}

// subcommands 是唯一的子命令表，也是总用法里的顺序。
var subcommands = []subcommand{
	{words: "serve", summary: "启动服务（HTTP 回调、网页、通知发送和定时任务）；不写子命令时就是它",
		detail: "监听 HONGQI_HTTP_ADDR（默认 127.0.0.1:8080），Ctrl-C 或 SIGTERM 停止。",
		run:    func(ctx context.Context, e env, _ args) error { return runServe(ctx, e) }},
	{words: "staff import", params: "FILE", min: 1, max: 1, summary: "导入花名册（CSV 或 XLSX）",
		detail: "表头 userid,name,branch,branch_kind,role（或 工号,姓名,网点,网点类型,角色），可另加 scope（管理范围）。\n" +
			"XLSX 读第一个有这个表头的工作表，表头上面的标题行跳过。再次导入按工号更新；任何一行有误，整份文件都不写入。",
		run: func(ctx context.Context, e env, a args) error { return runStaffImport(ctx, e, a.pos[0]) }},
	{words: "staff list", summary: "列出花名册",
		run: func(ctx context.Context, e env, _ args) error { return runStaffList(ctx, e) }},
	{words: "post import", params: "FILE", min: 1, max: 1, summary: "导入窗口岗位（A 岗、B 岗）",
		detail: "表头 window,a,b（或 窗口,A岗,B岗）；人写工号、姓名或 姓名(工号)，重名时写工号。B 岗可写多人，用 ; 或 、 分隔。",
		run:    func(ctx context.Context, e env, a args) error { return runPostImport(ctx, e, a.pos[0]) }},
	{words: "meter import", params: "FILE", min: 1, max: 1, summary: "导入满意度测评仪的导出（每次评价一行，或每人每天一行）",
		run: func(ctx context.Context, e env, a args) error { return runMeterImport(ctx, e, a.pos[0]) }},
	{words: "flags import", params: "FILE", min: 1, max: 1, summary: "带入年中启用前已评出的红旗",
		detail: "表头 kind,period,who（或 种类,期别,获旗者）；期别写 2026-W45（周）或 2026-11-1（11月上旬）。",
		run:    func(ctx context.Context, e env, a args) error { return runFlagsImport(ctx, e, a.pos[0]) }},
	{words: "report", options: []option{
		{name: "--month", value: "M", help: "月份：2026-11、11月、上月", required: true},
		{name: "-o", value: "FILE", help: "写到哪个文件（.xlsx）", required: true},
	}, summary: "写出某月的结算表（XLSX）：汇总、明细、红旗",
		run: func(ctx context.Context, e env, a args) error {
			return runReport(ctx, e, a.opts["--month"], a.opts["-o"])
		}},
	{words: "cert", params: "YEAR [USERID]", min: 1, max: 2, options: []option{
		{name: "-o", value: "DIR", help: "证书图片写到哪个目录（没有就新建）", required: true},
	}, summary: "画出某年的年度服务明星证书（PNG），可只画一个人",
		detail: "与“发布年度”同一套计算；落款是 settle.centre_name（HONGQI_CENTRE），日期是年度结算发布那天（还没发布时是今天，算预览）。\n" +
			"只写出文件，不发送；要重新发给本人，中心领导发“补发证书 <人> <年份>”。",
		run: func(ctx context.Context, e env, a args) error {
			who := ""
			if len(a.pos) > 1 {
				who = a.pos[1]
			}
			return runCert(ctx, e, a.pos[0], who, a.opts["-o"])
		}},
	{words: "chat", options: []option{
		{name: "--as", value: "USERID", help: "以花名册中哪个工号的身份（不分大小写）", required: true},
	}, summary: "在终端里以某人的身份和机器人对话",
		detail: "与企业微信回调同一套命令和数据库；发给别人的私信打印在日志里。Ctrl-D 退出。",
		run:    func(ctx context.Context, e env, a args) error { return runChat(ctx, e, a.opts["--as"]) }},
	{words: "rules", params: "[FILE]", max: 1, summary: "检查规则文件（默认检查内置规则）并列出全部事项",
		run: func(_ context.Context, e env, a args) error {
			path := ""
			if len(a.pos) > 0 {
				path = a.pos[0]
			}
			return runRules(e, path)
		}},
	{words: "totals check", summary: "核对各人各月的合计（month_totals）与台账（记录减去撤销）是否一致；有不符时列出并以退出码 1 结束",
		detail: "回复、通知、“查”和“我的”里的月合计读的是 month_totals，写记录和撤销时在同一事务里改它。只读，可在服务运行时执行。",
		run:    func(ctx context.Context, e env, _ args) error { return runTotals(ctx, e, false) }},
	{words: "totals repair", summary: "把与台账不符的月合计按台账改正，列出改了哪些",
		detail: "逐行锁住再按台账重算，可在服务运行时执行；台账本身（记录、撤销）不改。",
		run:    func(ctx context.Context, e env, _ args) error { return runTotals(ctx, e, true) }},
	{words: "health", summary: "检查数据库、Redis 和发件箱，打印一行结果；不健康时退出码为 1（容器的健康检查）",
		run: func(ctx context.Context, e env, _ args) error { return runHealth(ctx, e.getenv, e.stdout) }},
}

// usageLine 是子命令的用法，如“hongqi report --month M -o FILE”。
func (c subcommand) usageLine() string {
	parts := []string{"hongqi", c.words}
	if c.params != "" {
		parts = append(parts, c.params)
	}
	for _, o := range c.options {
		s := o.name + " " + o.value
		if !o.required {
			s = "[" + s + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// help 是 hongqi <子命令> -h 的说明。
func (c subcommand) help() string {
	var b strings.Builder
	fmt.Fprintf(&b, "用法：%s\n%s。\n", c.usageLine(), c.summary)
	if c.detail != "" {
		b.WriteString(c.detail + "\n")
	}
	if len(c.options) > 0 {
		b.WriteString("选项：\n")
		for _, o := range c.options {
			fmt.Fprintf(&b, "  %s %s\t%s\n", o.name, o.value, o.help)
		}
	}
	b.WriteString("配置见 README（环境变量 HONGQI_*，或 HONGQI_CONFIG 指定的 YAML 文件）。\n")
	return strings.ReplaceAll(b.String(), "\t", "  ")
}

// usage 是总的用法：命令表的每一行。
func usage() string {
	return "用法：hongqi <子命令> [参数]；每个子命令都可以加 -h 或 --help 看说明。\n" + list(subcommands) +
		"配置见 README（环境变量 HONGQI_*，或 HONGQI_CONFIG 指定的 YAML 文件）。\n"
}

// list 是几个子命令的用法和说明，对齐成两列。
func list(cs []subcommand) string {
	var b strings.Builder
	width := 0
	for _, c := range cs {
		width = max(width, len(c.usageLine()))
	}
	for _, c := range cs {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, c.usageLine(), c.summary)
	}
	return b.String()
}

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "help" }

// find 在命令表里找 argv 开头的子命令（最长的匹配），返回它和剩下的参数。
func find(argv []string) (subcommand, []string, bool) {
	best, n := subcommand{}, 0
	for _, c := range subcommands {
		w := strings.Fields(c.words)
		if len(w) > n && len(argv) >= len(w) && slices.Equal(argv[:len(w)], w) {
			best, n = c, len(w)
		}
	}
	return best, argv[min(n, len(argv)):], n > 0
}

// group 返回以 word 开头的子命令（如 staff 的 import、list），用于只写了前一半的时候。
func group(word string) []subcommand {
	var out []subcommand
	for _, c := range subcommands {
		if strings.HasPrefix(c.words, word+" ") {
			out = append(out, c)
		}
	}
	return out
}

// parse 按子命令 c 的选项和位置参数个数解析 raw；遇到 -h/--help 返回 help=true，什么也不执行。
func (c subcommand) parse(raw []string) (a args, help bool, err error) {
	a.opts = map[string]string{}
	bad := func(format string, v ...any) error {
		return model.Errorf(model.EINVALID, "%s。用法：%s（hongqi %s --help 看说明）", fmt.Sprintf(format, v...), c.usageLine(), c.words)
	}
	rest := false
	for i := 0; i < len(raw); i++ {
		s := raw[i]
		switch {
		case rest || s == "-" || !strings.HasPrefix(s, "-"):
			a.pos = append(a.pos, s)
			continue
		case s == "--":
			rest = true
			continue
		case s == "-h" || s == "--help":
			return args{}, true, nil
		}
		name, val, hasVal := strings.Cut(s, "=")
		var opt *option
		for j := range c.options {
			if c.options[j].name == name {
				opt = &c.options[j]
			}
		}
		if opt == nil {
			return args{}, false, bad("hongqi %s 没有“%s”这个选项", c.words, name)
		}
		if !hasVal {
			if i+1 >= len(raw) {
				return args{}, false, bad("%s 后面要写 %s", name, opt.value)
			}
			i++
			val = raw[i]
		}
		a.opts[opt.name] = val
	}
	for _, o := range c.options {
		if o.required && a.opts[o.name] == "" {
			return args{}, false, bad("缺少 %s %s", o.name, o.value)
		}
	}
	switch {
	case len(a.pos) < c.min:
		return args{}, false, bad("缺少 %s", c.params)
	case len(a.pos) > c.max && c.max == 0:
		return args{}, false, bad("hongqi %s 不带参数，多写了“%s”", c.words, strings.Join(a.pos, " "))
	case len(a.pos) > c.max:
		return args{}, false, bad("多写了“%s”", strings.Join(a.pos[c.max:], " "))
	}
	return a, false, nil
}

// run 解析子命令并执行；拆出来便于测试。
func run(ctx context.Context, argv []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(argv) == 0 {
		argv = []string{"serve"}
	}
	if isHelp(argv[0]) {
		if len(argv) > 1 { // hongqi help staff import
			if c, rest, ok := find(argv[1:]); ok && len(rest) == 0 {
				fmt.Fprint(stdout, c.help())
				return nil
			}
		}
		fmt.Fprint(stdout, usage())
		return nil
	}
	c, rest, ok := find(argv)
	if !ok {
		if g := group(argv[0]); len(g) > 0 {
			if len(argv) > 1 && isHelp(argv[1]) {
				fmt.Fprint(stdout, "用法：\n"+list(g))
				return nil
			}
			what := "请写全子命令"
			if len(argv) > 1 {
				what = fmt.Sprintf("没有“%s %s”这个子命令", argv[0], argv[1])
			}
			return model.Errorf(model.EINVALID, "%s：\n%s", what, strings.TrimRight(list(g), "\n"))
		}
		fmt.Fprint(stderr, usage())
		return model.Errorf(model.EINVALID, "没有“%s”这个子命令", argv[0])
	}
	a, help, err := c.parse(rest)
	if err != nil {
		return err
	}
	if help {
		fmt.Fprint(stdout, c.help())
		return nil
	}
	return c.run(ctx, e, a)
}
