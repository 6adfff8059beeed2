package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/settlement/calc"
	"github.com/hongqi-dev/hongqi/settlement/xlsx"
)

// personLine 是结算页上的一个人。
type personLine struct {
	Staff model.Staff
	Lines int
	Total int64
}

// genLine 是结算产生的一行（发布时记入台账）。
type genLine struct {
	Staff model.Staff
	Line  calc.Line
}

// settleData 是结算页的数据。
type settleData struct {
	Month        model.Month
	Months       []model.Month
	Draft        settlement.Draft
	Sum          calc.Summary
	Chart        string
	Generated    []genLine
	People       []personLine
	Branch       string
	Branches     []string
	Counts       calc.Counts
	Pages        pages
	CanPublish   bool // 该月已结束且未发布，不在上线之前
	BeforeGoLive bool // 该月在启用红旗之前就结束了，不用发布
	Ended        bool
}

// settlePerPage 是结算页每页列出的人数。
const settlePerPage = 100

// settleMonth 是结算页的月份；不指定时与“结算”命令同一个月（最近一个结束了还没发布的月份，见 DefaultMonth）。
func (s *Server) settleMonth(r *http.Request) (model.Month, error) {
	def, err := s.d.Settle.DefaultMonth(r.Context())
	if err != nil {
		return model.Month{}, err
	}
	return s.parseMonthParam(r, def)
}

// settlePage 是“结算”：某月的完整草稿（与“结算”命令同一个 DraftFor）——合计、分网点小计和图、
// 结算产生的奖励、每个人；下载 XLSX；发布（先确认）；年度草稿的入口。
func (s *Server) settlePage(w http.ResponseWriter, r *http.Request, v *visit) {
	month, err := s.settleMonth(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	dr, err := s.d.Settle.DraftFor(r.Context(), v.Actor, month)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	res := dr.Result
	d := settleData{Month: month, Months: s.recentMonths(13), Draft: dr, Sum: res.Summary, Branch: r.URL.Query().Get("branch")}
	d.Ended = month.Start(s.d.Clock.Location()).Before(s.d.Ledger.Month().Start(s.d.Clock.Location()))
	d.BeforeGoLive = s.d.Settle.BeforeGoLive(month)
	d.CanPublish = d.Ended && dr.Published == nil && !d.BeforeGoLive
	var bars []bar
	for _, t := range res.Summary.Branches {
		d.Branches = append(d.Branches, t.Branch)
		bars = append(bars, bar{Label: t.Branch, Value: t.Total, Text: ledger.Yuan(t.Total)})
	}
	d.Chart = barChart(month.Label()+"分网点合计", bars)
	var people []personLine
	d.Counts = res.Counts()
	for _, st := range res.Statements {
		for _, l := range st.Lines {
			if l.Kind != calc.LineEntry {
				d.Generated = append(d.Generated, genLine{Staff: st.Staff, Line: l})
			}
		}
		if d.Branch != "" && st.Staff.Branch != d.Branch {
			continue
		}
		people = append(people, personLine{Staff: st.Staff, Lines: len(st.Lines), Total: st.Total})
	}
	n := (len(people) + settlePerPage - 1) / settlePerPage
	page := clampPage(pageParam(r.URL.Query().Get("page")), n)
	lo := min((page-1)*settlePerPage, len(people))
	d.People = people[lo:min(lo+settlePerPage, len(people))]
	d.Pages = pager(r, page, n)
	s.render(w, r, "settle", v, d)
}

// publishConfirm 是发布前的确认页：说明发布后会发生什么，再点“确认发布”。
func (s *Server) publishConfirm(w http.ResponseWriter, r *http.Request, v *visit) {
	month, err := s.settleMonth(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	dr, err := s.d.Settle.DraftFor(r.Context(), v.Actor, month)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if p := dr.Published; p != nil {
		s.fail(w, r, http.StatusConflict, fmt.Sprintf("%s的结算已于 %s 由%s发布，不用再发布。", month.Label(),
			p.At.In(s.d.Clock.Location()).Format("1月2日 15:04"), p.ActorName))
		return
	}
	gen := 0
	for _, st := range dr.Result.Statements {
		for _, l := range st.Lines {
			if l.Kind != calc.LineEntry {
				gen++
			}
		}
	}
	s.render(w, r, "publish", v, map[string]any{"Month": month, "Sum": dr.Result.Summary, "Counts": dr.Result.Counts(), "Generated": gen, "Warnings": dr.Result.Warnings})
}

// publishSubmit 发布结算（与“发布”命令同一个 Publish）。
func (s *Server) publishSubmit(w http.ResponseWriter, r *http.Request, v *visit) {
	month, err := model.ParseMonth(r.PostFormValue("month"), s.d.Clock.Now(), s.d.Clock.Location())
	if err != nil || r.PostFormValue("month") == "" {
		s.fail(w, r, http.StatusBadRequest, "没有写发布哪个月，这次没有发布。")
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		s.fail(w, r, http.StatusBadRequest, "请在确认页上点“确认发布”，这次没有发布。")
		return
	}
	msg, err := s.message(r, v, "发布 "+month.String())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	res, err := s.d.Settle.Publish(r.Context(), v.Actor, msg, month)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.flash(w, r, true, strings.ReplaceAll(res.Text(), "\n", ""))
	http.Redirect(w, r, "/app/settle?month="+month.String(), http.StatusSeeOther)
}

// settleXLSX 下载某月的结算表（与“导出”命令同一张表）。
func (s *Server) settleXLSX(w http.ResponseWriter, r *http.Request, v *visit) {
	month, err := s.settleMonth(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var buf bytes.Buffer
	if _, err := s.d.Settle.Workbook(r.Context(), v.Actor, month, &buf); err != nil {
		s.failErr(w, r, err)
		return
	}
	name := xlsx.Title(month) + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="hongqi-%s.xlsx"; filename*=UTF-8''%s`, month, url.PathEscape(name)))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = buf.WriteTo(w)
}

// yearData 是年度结算页的数据。
type yearData struct {
	Year   int
	Years  []int
	Draft  settlement.YearDraft
	Tiers  []settlement.TierCount
	Heads  []genLine
	People []calc.Statement
}

// yearPage 是年度结算草稿（与“年度”命令同一个 YearDraftFor）。
func (s *Server) yearPage(w http.ResponseWriter, r *http.Request, v *visit) {
	year := s.d.Clock.Now().In(s.d.Clock.Location()).Year()
	if y := strings.TrimSpace(r.URL.Query().Get("year")); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			s.fail(w, r, http.StatusBadRequest, "年份“"+y+"”看不懂，请写成四位数，例如 2026。")
			return
		}
		year = n
	}
	dr, err := s.d.Settle.YearDraftFor(r.Context(), v.Actor, year)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	res := dr.Result
	d := yearData{Year: year, Draft: dr, People: res.Statements}
	for y := s.d.Clock.Now().In(s.d.Clock.Location()).Year(); y >= year-2 && len(d.Years) < 4; y-- {
		d.Years = append(d.Years, y)
	}
	d.Tiers = s.d.Settle.Tiers(res)
	for _, st := range res.Statements {
		for _, l := range st.Lines {
			if l.Kind == calc.LineYearStarHead || l.Kind == calc.LineYearNoneHead {
				d.Heads = append(d.Heads, genLine{Staff: st.Staff, Line: l})
			}
		}
	}
	s.render(w, r, "year", v, d)
}
