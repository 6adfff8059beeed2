package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// ledgerData 是台账页的数据。
type ledgerData struct {
	B        ledger.Browse
	Rows     []entryRow
	People   []model.StaffTotal
	View     string // "" 记录，"people" 每人合计
	Months   []model.Month
	Rules    []model.Rule
	Pages    pages
	RuleName string
}

// pageLink 是分页的一个页码。
type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool
}

// pages 是页面底部的分页。
type pages struct {
	Links      []pageLink
	Prev, Next string // 上一页、下一页的地址；没有时为空
}

// peoplePerPage 是“每人合计”每页的人数。
const peoplePerPage = 50

// ledgerPage 是“台账”：管理范围内的记录（按月、网点、人、事项、记录人筛选，分页），每条可撤销，
// 另有每人合计。数据来自 ledger.Service.Browse（范围判断与“查”“撤销”相同）。
func (s *Server) ledgerPage(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	month, err := s.parseMonthParam(r, s.d.Ledger.Month())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	page := pageParam(q.Get("page"))
	f := ledger.BrowseFilter{Month: month, Branch: q.Get("branch"), Person: q.Get("person"), RuleCode: q.Get("rule"),
		Recorder: q.Get("recorder"), Page: page}
	view := q.Get("view")
	if view != "people" {
		view = ""
	}
	if view == "people" {
		f.Page = 1 // 记录只取一页（用不上），按人分页在下面
	}
	b, err := s.d.Ledger.Browse(r.Context(), v.Actor, f)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := ledgerData{B: b, View: view, Months: s.recentMonths(13), Rules: s.d.Ledger.Catalog.Rules()}
	for _, rl := range d.Rules {
		if rl.Code == f.RuleCode {
			d.RuleName = rl.Name
		}
	}
	n := b.Pages
	cur := b.Filter.Page
	if view == "people" {
		n = (len(b.People) + peoplePerPage - 1) / peoplePerPage
		cur = clampPage(page, n)
		lo := min((cur-1)*peoplePerPage, len(b.People))
		d.People = b.People[lo:min(lo+peoplePerPage, len(b.People))]
	} else {
		for _, e := range b.Entries {
			row := s.rowOf(e)
			row.Revoke = mayRevoke(b, e)
			d.Rows = append(d.Rows, row)
		}
	}
	d.Pages = pager(r, cur, n)
	s.render(w, r, "ledger", v, d)
}

// maxPage 是地址里能读的最大页码；再大的数不是页码。
const maxPage = 1 << 20

// pageParam 读地址里的页码（page=）：不是 1 到 maxPage 的整数（空、负数、1e9、溢出的数）时为第 1 页。
// 超过最后一页的由 clampPage 截到最后一页。
func pageParam(s string) int {
	n, ok := model.ParseCount(s, 1, maxPage)
	if !ok {
		return 1
	}
	return n
}

// clampPage 把页码截在第 1 页到第 n 页之间（没有内容时 n 为 0，是第 1 页）。
func clampPage(page, n int) int { return max(1, min(page, n)) }

// pager 给出分页：第一页、最后一页和当前页前后两页，中间用省略号；地址是 r 的地址换上 page。
func pager(r *http.Request, cur, n int) pages {
	var p pages
	if n <= 1 {
		return p
	}
	link := func(page int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page))
		return r.URL.Path + "?" + q.Encode()
	}
	gap := false
	for i := 1; i <= n; i++ {
		if i == 1 || i == n || (i >= cur-2 && i <= cur+2) {
			p.Links = append(p.Links, pageLink{N: i, URL: link(i), Current: i == cur})
			gap = false
		} else if !gap {
			p.Links = append(p.Links, pageLink{Gap: true})
			gap = true
		}
	}
	if cur > 1 {
		p.Prev = link(cur - 1)
	}
	if cur < n {
		p.Next = link(cur + 1)
	}
	return p
}

// revokeSubmit 撤销一条记录（与聊天的“撤销 编号 理由”同一个服务）：已结账的月份改记调整。
func (s *Server) revokeSubmit(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, http.StatusBadRequest, "没有写要撤销的记录编号，这次没有撤销。")
		return
	}
	reason := formText(r, "reason")
	if reason == "" {
		s.fail(w, r, http.StatusBadRequest, "请写明撤销的理由，这次没有撤销。")
		return
	}
	msg, err := s.message(r, v, fmt.Sprintf("撤销 %d %s", id, reason))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	e, total, err := s.d.Ledger.Revoke(r.Context(), v.Actor, msg, id, reason)
	back := safeNext(r.PostFormValue("back"))
	switch {
	case errors.Is(err, ledger.ErrAdjusted):
		s.flash(w, r, true, model.ErrorMessage(err))
	case err != nil:
		s.failErr(w, r, err)
		return
	default:
		s.flash(w, r, true, fmt.Sprintf("已撤销 #%d：%s（%s）%s %s。%s%s合计 %s。已私信通知本人。",
			e.ID, e.StaffName, e.Branch, e.RuleName, ledger.Yuan(e.Amount), e.StaffName, e.Month.Label(), ledger.Yuan(total)))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
