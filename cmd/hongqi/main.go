// Command hongqi 是红旗考核机器人：企业微信回调服务、花名册导入、终端对话。
//
//	hongqi [serve]                 启动服务（默认内置 SQLite，见 README）
//	hongqi staff import FILE       导入花名册（CSV 或 XLSX）
//	hongqi staff list              列出花名册
//	hongqi post import FILE        导入窗口岗位（A 岗、B 岗）
//	hongqi meter import FILE       导入满意度测评仪的导出
//	hongqi flags import FILE       带入年中启用前已评出的红旗
//	hongqi report --month M -o F   写出某月的结算表（XLSX）
//	hongqi chat --as USERID        在终端里以某人身份和机器人对话
//	hongqi rules [FILE]            检查并列出规则目录
//	hongqi health                  检查数据库、Redis 和发件箱（容器的健康检查）
package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/hongqi-dev/hongqi/app"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // 时区数据编入二进制，裸机也能算 Asia/Shanghai

	"github.com/hongqi-dev/hongqi/model"
)

const usage = `用法：
  hongqi [serve]               启动服务（HTTP 回调 + 通知发送）
  hongqi staff import FILE     导入花名册（CSV 或 XLSX，表头 userid,name,branch,branch_kind,role）
  hongqi staff list            列出花名册
  hongqi post import FILE      导入窗口岗位（CSV 或 XLSX，表头 window,a,b 或 窗口,A岗,B岗）
  hongqi meter import FILE     导入满意度测评仪的导出（每次评价一行，或每人每天一行）
  hongqi flags import FILE     带入年中启用前已评出的红旗（表头 kind,period,who 或 种类,期别,获旗者）
  hongqi report --month 2026-11 -o 结算.xlsx   写出某月的结算表：汇总、明细、红旗
  hongqi chat --as USERID      在终端里以 USERID 的身份和机器人对话
  hongqi rules [FILE]          检查规则文件（默认检查内置规则）并列出全部事项
  hongqi health                检查数据库、Redis 和发件箱，打印一行结果；不健康时退出码为 1（容器的健康检查）
配置见 README（环境变量 HONGQI_*，或 HONGQI_CONFIG 指定的 YAML 文件）。
`

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

// run 解析子命令并执行；拆出来便于测试。
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return app.Serve(ctx, getenv, stderr)
	case "staff":
		if len(args) == 0 {
			return model.Errorf(model.EINVALID, "请写 hongqi staff import FILE 或 hongqi staff list")
		}
		switch args[0] {
		case "import":
			if len(args) != 2 {
				return model.Errorf(model.EINVALID, "用法：hongqi staff import FILE（CSV 或 XLSX）")
			}
			return runStaffImport(ctx, getenv, stdout, stderr, args[1])
		case "list":
			return runStaffList(ctx, getenv, stdout, stderr)
		}
		return model.Errorf(model.EINVALID, "没有 staff %s 这个子命令；可用 import、list", args[0])
	case "post":
		if len(args) != 2 || args[0] != "import" {
			return model.Errorf(model.EINVALID, "用法：hongqi post import FILE（CSV 或 XLSX）")
		}
		return runPostImport(ctx, getenv, stdout, stderr, args[1])
	case "meter":
		if len(args) != 2 || args[0] != "import" {
			return model.Errorf(model.EINVALID, "用法：hongqi meter import FILE（满意度测评仪导出的 CSV 或 XLSX）")
		}
		return runMeterImport(ctx, getenv, stdout, stderr, args[1])
	case "flags":
		if len(args) != 2 || args[0] != "import" {
			return model.Errorf(model.EINVALID, "用法：hongqi flags import FILE（CSV 或 XLSX，表头 kind,period,who 或 种类,期别,获旗者）")
		}
		return runFlagsImport(ctx, getenv, stdout, stderr, args[1])
	case "report":
		month, out := "", ""
		for i := 0; i+1 < len(args); i += 2 {
			switch args[i] {
			case "--month":
				month = args[i+1]
			case "-o":
				out = args[i+1]
			}
		}
		if month == "" || out == "" || len(args) != 4 {
			return model.Errorf(model.EINVALID, "用法：hongqi report --month 2026-11 -o 结算.xlsx")
		}
		return runReport(ctx, getenv, stdout, stderr, month, out)
	case "chat":
		as := ""
		for i := 0; i < len(args); i++ {
			switch {
			case args[i] == "--as" && i+1 < len(args):
				as = args[i+1]
				i++
			case len(args[i]) > 5 && args[i][:5] == "--as=":
				as = args[i][5:]
			default:
				return model.Errorf(model.EINVALID, "用法：hongqi chat --as USERID")
			}
		}
		if as == "" {
			return model.Errorf(model.EINVALID, "用法：hongqi chat --as USERID（USERID 是花名册中的工号）")
		}
		return runChat(ctx, getenv, stdin, stdout, stderr, as)
	case "rules":
		path := ""
		if len(args) > 0 {
			path = args[0]
		}
		return runRules(getenv, stdout, path)
	case "health":
		if len(args) != 0 {
			return model.Errorf(model.EINVALID, "用法：hongqi health（检查数据库、Redis 和发件箱，不健康时退出码为 1）")
		}
		return runHealth(ctx, getenv, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return model.Errorf(model.EINVALID, "没有“%s”这个子命令", cmd)
}
