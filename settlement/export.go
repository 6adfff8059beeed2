package settlement

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/xlsx"
)

// MaxExportBody 是导出文件经 base64 编码后的上限（字节，约 2 MB 的表格）：通知连同文件存在数据库里
// （MySQL 的 mediumtext 列），企业微信的文件也有大小限制。更大的表格请在服务器上用 hongqi report 导出。
const MaxExportBody = 3 << 20

// ExportKey 返回导出文件通知的 Key：同一条消息只导出一次。
func ExportKey(m model.Month, userID, msgKey string) string {
	return fmt.Sprintf("export:%s:%s:%s", m, userID, msgKey)
}

// ExportFileName 返回导出文件的文件名，如“2026年11月考核结算.xlsx”。
func ExportFileName(m model.Month) string { return xlsx.Title(m) + ".xlsx" }

// Export 是一次导出的结果。
type Export struct {
	Draft    Draft
	FileName string
}

// Export 是“导出”命令：中心领导 actor 要 month 的结算表格，以文件私信发给他（经发件箱，Key 见 ExportKey，
// 同一条消息只导出一次）。表格太大时返回 EINVALID，说明在服务器上怎么导出。
func (s *Service) Export(ctx context.Context, actor model.Staff, msg model.Message, month model.Month) (Export, error) {
	if err := leadershipOnly(actor, "导出结算"); err != nil {
		return Export{}, err
	}
	if s.Outbox == nil {
		return Export{}, model.Errorf(model.EUNAVAILABLE, "结算服务没有配置发件箱，表格没有发送。")
	}
	if month.IsZero() { // 不写月份：与“结算”“明星”同一个月
		var err error
		if month, err = s.DefaultMonth(ctx); err != nil {
			return Export{}, err
		}
	}
	var buf bytes.Buffer
	d, err := s.Workbook(ctx, actor, month, &buf)
	if err != nil {
		return Export{}, err
	}
	if base64.StdEncoding.EncodedLen(buf.Len()) > MaxExportBody {
		return Export{}, model.Errorf(model.EINVALID, "%s的表格有 %d KB，太大，机器人发不了。请管理员在服务器上运行“hongqi report --month %s -o 结算.xlsx”导出。",
			month.Label(), buf.Len()/1024, month)
	}
	name := ExportFileName(month)
	n := model.Notice{
		Key:  ExportKey(month, actor.UserID, msg.Key),
		To:   model.ToUsers(actor.UserID),
		File: &model.File{Name: name, Kind: model.FileDocument, Data: buf.Bytes()},
	}
	if err := s.Outbox.Enqueue(ctx, n); err != nil {
		return Export{}, err
	}
	return Export{Draft: d, FileName: name}, nil
}
