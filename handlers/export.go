package handlers

import (
	"bytes"
	"encoding/base64"
	"fmt"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/xlsx"
)

// MaxExportBody 是导出文件经 base64 编码后放进通知正文的上限（字节，约 2 MB 的表格）：通知存在数据库里
// （MySQL 的 mediumtext 列），企业微信的文件也有大小限制。更大的表格请在服务器上用 hongqi report 导出。
const MaxExportBody = 3 << 20

// registerExport 注册“导出”命令（中心领导）。结算服务的存储同时是发件箱时才注册（MySQL/SQLite 存储都是）。
func registerExport(b *bot.Bot, d SettleDeps) {
	ob, ok := d.Settle.Store.(model.Outbox)
	if !ok {
		return
	}
	Extend(b, "导出", []Command{{
		Names:   []string{"导出"},
		Usage:   "导出 [月份]",
		Summary: "把某月结算（每人汇总、每条明细、红旗）导出为 Excel 表格，以文件私信发给您",
		Example: "导出 上月",
		Roles:   leadership,
		Run:     func(c *bot.Context) (string, error) { return export(d, ob, c) },
	}})
}

// ExportKey 返回导出文件通知的 Key：同一条消息只导出一次。
func ExportKey(m model.Month, userID, msgKey string) string {
	return fmt.Sprintf("export:%s:%s:%s", m, userID, msgKey)
}

// ExportFileName 返回导出文件的文件名，如“2026年11月考核结算.xlsx”。
func ExportFileName(m model.Month) string { return xlsx.Title(m) + ".xlsx" }

func export(d SettleDeps, ob model.Outbox, c *bot.Context) (string, error) {
	if len(c.Args) > 1 {
		return "", model.Errorf(model.EINVALID, "只能写一个月份，例如：导出 上月")
	}
	var arg string
	if len(c.Args) == 1 {
		arg = c.Args[0]
	}
	m, err := monthArg(d, c, arg)
	if err != nil {
		return "", err
	}
	if m.IsZero() {
		m = model.MonthOf(c.Now, d.Settle.Loc()).Add(-1) // 默认上月，与“结算”一致
	}
	dr, err := d.Settle.DraftFor(c.Ctx, c.Actor, m)
	if err != nil {
		return "", err
	}
	flags, err := d.Settle.Flags.Flags(c.Ctx, model.FlagFilter{Month: m, IncludeCancelled: true})
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := xlsx.MonthWorkbook(dr.Result, flags, &buf); err != nil {
		return "", err
	}
	if base64.StdEncoding.EncodedLen(buf.Len()) > MaxExportBody {
		return "", model.Errorf(model.EINVALID, "%s的表格有 %d KB，太大，机器人发不了。请管理员在服务器上运行“hongqi report --month %s -o 结算.xlsx”导出。",
			m.Label(), buf.Len()/1024, m)
	}
	name := ExportFileName(m)
	n := model.Notice{
		Key:  ExportKey(m, c.Actor.UserID, c.Msg.Key),
		To:   model.ToUsers(c.Actor.UserID),
		File: &model.File{Name: name, Kind: model.FileDocument, Data: buf.Bytes()},
	}
	if err := ob.Enqueue(c.Ctx, n); err != nil {
		return "", err
	}
	state := "草稿，未发布"
	if dr.Published != nil {
		state = "已发布"
	}
	return fmt.Sprintf("已生成%s（%s）：%d 人，合计 %s。稍后以文件“%s”发给您。",
		xlsx.Title(m), state, dr.Result.Summary.People, ledger.Yuan(dr.Result.Summary.Total), name), nil
}
