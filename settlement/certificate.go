package settlement

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/calc"
	"github.com/hongqi-dev/hongqi/settlement/cert"
)

// CertImage 是一张画好的年度服务明星证书。
type CertImage struct {
	Certificate calc.Certificate
	FileName    string // 如“2026年度服务明星证书-王堃.png”
	PNG         []byte
}

// certFileName 是证书图片的文件名。
func certFileName(c calc.Certificate) string {
	return fmt.Sprintf("%d年度服务明星证书-%s.png", c.Year, c.Name)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// renderCert 画一张证书：落款是发证的中心（Centre，设置 settle.centre_name），日期是 issued。
// 画不出来（姓名里有字体缺的字）时记一条警告日志，返回给人看的错误，并说明装好字体后怎么补发。
func (s *Service) renderCert(c calc.Certificate, issued time.Time) (CertImage, error) {
	var buf bytes.Buffer
	r := cert.Renderer{Issuer: s.Centre, Date: issued.In(s.Loc()), Fallback: s.Fonts}
	if err := r.Render(c, &buf); err != nil {
		s.log().Warn("年度服务明星证书没有生成", "year", c.Year, "userid", c.UserID, "err", err)
		return CertImage{}, model.Wrap(model.ErrorCode(err), err, "%s装好后发“补发证书 %s %d”补发（或在服务器上运行 hongqi cert %d %s -o 目录）。",
			model.ErrorMessage(err), c.Name, c.Year, c.Year, c.UserID)
	}
	return CertImage{Certificate: c, FileName: certFileName(c), PNG: buf.Bytes()}, nil
}

// issuedAt 是 year 年证书上的日期：年度结算发布的那天；还没发布时为今天（预览）。
func (s *Service) issuedAt(d YearDraft) time.Time {
	if d.Published != nil {
		return d.Published.At
	}
	return s.now()
}

// Certificates 是 hongqi cert 画出的证书。
type Certificates struct {
	Year int
	// Published 非空表示该年已发布（证书日期是发布那天）；为空时是按现有数据的预览。
	Published *model.Publication
	Images    []CertImage
	// Failed 是没能画出来的证书的说明（每张一句，已记日志）。
	Failed []string
}

// Certificates 按年度结算的同一套计算画出 year 年的年度服务明星证书（hongqi cert 用，不发送）；
// who 非空时只画这个人（工号、姓名或“姓名(工号)”，在整个花名册里找）。这个人不是该年的年度服务明星时
// 返回 ENOTFOUND，说明他全年几次、门槛几次。
func (s *Service) Certificates(ctx context.Context, year int, who string) (Certificates, error) {
	d, err := s.YearDraft(ctx, year)
	if err != nil {
		return Certificates{}, err
	}
	list := d.Result.Certificates
	if who != "" {
		c, err := s.certificateOf(ctx, d, who)
		if err != nil {
			return Certificates{}, err
		}
		list = []calc.Certificate{c}
	}
	out := Certificates{Year: year, Published: d.Published}
	issued := s.issuedAt(d)
	for _, c := range list {
		img, err := s.renderCert(c, issued)
		if err != nil {
			out.Failed = append(out.Failed, model.ErrorMessage(err))
			continue
		}
		out.Images = append(out.Images, img)
	}
	return out, nil
}

// certificateOf 找出 who 在 year 年的证书。
func (s *Service) certificateOf(ctx context.Context, d YearDraft, who string) (calc.Certificate, error) {
	st, err := s.Ledger.Find(ctx, who)
	if err != nil {
		return calc.Certificate{}, err
	}
	r := d.Result
	for _, c := range r.Certificates {
		if c.UserID == st.UserID {
			return c, nil
		}
	}
	for _, c := range r.Counts {
		if c.Staff.UserID == st.UserID {
			return calc.Certificate{}, model.Errorf(model.ENOTFOUND, "%s（%s）%d 年获周服务红旗标杆岗 %d 次，门槛是 %d 次，不是年度服务明星，没有证书。",
				st.Name, st.Branch, r.Year, c.Count, r.Threshold)
		}
	}
	return calc.Certificate{}, model.Errorf(model.ENOTFOUND, "%s（%s）不参加 %d 年的年度考核（只有在册的县城网点窗口员工参加），没有证书。", st.Name, st.Branch, r.Year)
}

// Reissue 是一次补发的结果。
type Reissue struct {
	Image CertImage
	// To 是收到证书的人：本人和在职的中心领导。
	To []string
}

// ReissueCertificate 是“补发证书 <人> [年份]”（中心领导）：按年度结算的同一套计算重新画 who 在 year 年的证书
// （落款是中心，日期是年度结算发布那天），作为图片私信发给本人和在职的中心领导。每条补发的消息发一次
// （通知 Key 带消息标识），所以装好字体后再发一次就能补上。year 为 0 时是去年。只能补发已经发布的年份；
// 画不出来时说明原因、记日志，什么也不发。
func (s *Service) ReissueCertificate(ctx context.Context, actor model.Staff, msg model.Message, who string, year int) (Reissue, error) {
	if err := leadershipOnly(actor, "补发证书"); err != nil {
		return Reissue{}, err
	}
	if s.Outbox == nil {
		return Reissue{}, model.Errorf(model.EUNAVAILABLE, "结算服务没有配置发件箱，证书没有发送。")
	}
	if year == 0 {
		year = s.now().In(s.Loc()).Year() - 1
	}
	d, err := s.YearDraft(ctx, year)
	if err != nil {
		return Reissue{}, err
	}
	if d.Published == nil {
		return Reissue{}, model.Errorf(model.EINVALID, "%d 年的年度结算还没有发布，证书随“发布年度 %d”一起发，不用补发。", year, year)
	}
	c, err := s.certificateOf(ctx, d, who)
	if err != nil {
		return Reissue{}, err
	}
	img, err := s.renderCert(c, d.Published.At)
	if err != nil {
		return Reissue{}, err
	}
	leaders, err := s.leaders(ctx)
	if err != nil {
		return Reissue{}, err
	}
	to := append([]string{c.UserID}, leaders...)
	err = s.Outbox.Enqueue(ctx, model.Notice{
		Key:  fmt.Sprintf("certificate:%d:%s:reissue:%s", year, c.UserID, msg.Key),
		To:   model.ToUsers(to...),
		File: &model.File{Name: img.FileName, Kind: model.FileImage, Data: img.PNG},
	})
	if err != nil {
		return Reissue{}, err
	}
	s.log().Info("补发年度服务明星证书", "year", year, "userid", c.UserID, "by", actor.UserID)
	return Reissue{Image: img, To: to}, nil
}

// leaders 返回在职中心领导的 userid。
func (s *Service) leaders(ctx context.Context) ([]string, error) {
	staff, err := s.Ledger.Staff.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range staff {
		if p.Active && p.IsLeadership() {
			out = append(out, p.UserID)
		}
	}
	return out, nil
}
