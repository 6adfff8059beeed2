package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// entryRow 是页面上的一条记录。
type entryRow struct {
	model.Entry
	Status   string // 已撤销、调整 等
	Detail   string // 撤销的理由和谁撤的
	Adjusts  bool
	Revoke   bool // 是否显示撤销（台账页）
	Internal bool // 结算产生的记录
	// Appeal 表示是否显示“申诉”（我的：本人、期限内、未申诉过，与 ledger.Service.CanAppeal 同一个判断），
	// AppealBy 是申诉截止的时刻。
	Appeal   bool
	AppealBy time.Time
}

// rowOf 说明一条记录的状态：已撤销、申诉中、申诉后撤销、申诉维持（model.Entry.StatusLabel；撤销的写明谁、何时、理由），
// 调整（已结账月份的更正），结算产生。
func (s *Server) rowOf(e model.Entry) entryRow {
	row := entryRow{Entry: e, Status: e.StatusLabel()}
	switch {
	case e.Revoked():
		d := e.Revocation.ActorName + " " + e.Revocation.CreatedAt.In(s.d.Clock.Location()).Format("1月2日 15:04") + "撤销"
		if e.Revocation.Reason != "" {
			d += "：" + e.Revocation.Reason
		}
		row.Detail = d
	case row.Status != "":
	case strings.HasPrefix(e.Ref, "adjusts:"):
		row.Status, row.Adjusts = "调整", true
	case strings.HasPrefix(e.Ref, "flags:") || strings.HasPrefix(e.Ref, "star:"):
		row.Status, row.Internal = "结算", true
	}
	return row
}

// meData 是“我的”页的数据。
type meData struct {
	Month      model.Month
	Current    bool
	Statement  ledger.Statement
	Rows       []entryRow
	Forecast   settlement.Forecast
	Extra      []calc.Line
	Expected   int64 // 预计合计（含发布时才计入的行）
	Months     []model.MonthTotal
	Year       settlement.YearProgress
	YearText   string
	Leaves     []model.Leave
	MonthFlags int
	Within     string // 申诉期限，如“3 日”
}

// mePage 是“我的”：本月（或 ?month= 的那个月）的记录和合计（与“查”同一个服务），红旗和明星的预计，
// 各月合计，今年的周服务红旗和年度档次，我的请假。
func (s *Server) mePage(w http.ResponseWriter, r *http.Request, v *visit) {
	cur := s.d.Ledger.Month()
	month, err := s.parseMonthParam(r, cur)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	ctx, me := r.Context(), v.Actor
	st, err := s.d.Ledger.Query(ctx, me, "", month)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := meData{Month: month, Current: month == cur, Statement: st}
	for _, e := range st.Entries {
		row := s.rowOf(e)
		row.Appeal, row.AppealBy = s.d.Ledger.CanAppeal(me, e), s.d.Ledger.AppealDeadline(e)
		d.Rows = append(d.Rows, row)
	}
	d.Within = model.DurationLabel(s.d.Ledger.AppealWindow())
	if d.Forecast, err = s.d.Settle.Forecast(ctx, me, me, month); err != nil {
		s.failErr(w, r, err)
		return
	}
	d.Extra, d.Expected = d.Forecast.Extra, st.Total
	for _, l := range d.Extra {
		d.Expected += l.Amount
	}
	d.MonthFlags = len(d.Forecast.Statement.WeeklyFlags)
	if d.Months, err = s.d.Ledger.Months(ctx, me, me); err != nil {
		s.failErr(w, r, err)
		return
	}
	if d.Year, err = s.d.Settle.YearProgress(ctx, me, me, month.Year); err != nil {
		s.failErr(w, r, err)
		return
	}
	d.YearText = d.Year.Text()
	if d.Leaves, err = s.d.Leave.LeavesOf(ctx, me, me); err != nil {
		s.failErr(w, r, err)
		return
	}
	s.render(w, r, "me", v, d)
}
