// Package roster 读取花名册文件（CSV 或 XLSX）并导入人员。
//
// 表头为 userid,name,branch,branch_kind,role，或中文 工号,姓名,网点,网点类型,角色，
// 列的顺序不限，可另加 scope（管理范围）、joined（入职日期）、status（状态：在职/离职）、
// left（离职日期）列，其他列忽略。一个文件要么整体导入，要么一个人也不写：所有有误的行连同行号一次报出。
//
// 没写入职日期的人，从第一次导入的那天起在花名册上（存储记下那天）。状态写“离职”而没写离职日期的，
// 离职日期记为导入那天（已经离职的保留原来的日期）；离职的人不能再被记录，离职之后的月份不发结算单，
// 历史记录都保留。文件里没有的人保持原样（不会因为没列出就算离职）。
package roster

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/internal/sheet"
	"github.com/hongqi-dev/hongqi/model"
)

const (
	// MaxFileSize 是花名册文件的大小上限。
	MaxFileSize = sheet.MaxFileSize
	// maxReported 是错误消息里最多列出的行数。
	maxReported = 20
	maxIDLen    = 64
	maxNameLen  = 64
)

// 列。
const (
	colUserID = iota
	colName
	colBranch
	colBranchKind
	colRole
	colScope
	colJoined
	colStatus
	colLeft
	numCols
)

// columns 是各列的中文名（报错用）和可接受的表头写法（已规范化）。
var columns = [numCols]struct {
	label   string
	english string
	aliases []string
}{
	colUserID:     {"工号", "userid", []string{"userid", "user_id", "工号", "账号", "帐号"}},
	colName:       {"姓名", "name", []string{"name", "姓名"}},
	colBranch:     {"网点", "branch", []string{"branch", "网点", "所属网点"}},
	colBranchKind: {"网点类型", "branch_kind", []string{"branch_kind", "branchkind", "网点类型"}},
	colRole:       {"角色", "role", []string{"role", "角色"}},
	colScope:      {"管理范围", "scope", []string{"scope", "管理范围"}},
	colJoined:     {"入职日期", "joined", []string{"joined", "入职日期", "入职"}},
	colStatus:     {"状态", "status", []string{"status", "状态"}},
	colLeft:       {"离职日期", "left", []string{"left", "离职日期", "离职"}},
}

const headerHint = "表头应为 userid,name,branch,branch_kind,role（或 工号,姓名,网点,网点类型,角色），可另加 scope（管理范围）、joined（入职日期）、status（状态）、left（离职日期）列"

// Parse 按文件扩展名（.csv 或 .xlsx）读取花名册。CSV 须为 UTF-8（可带 BOM）；
// XLSX 读第一个有花名册表头的工作表，表头上面的标题行、说明行跳过。任何一行有误都返回 EINVALID 错误，
// 列出全部有误的行（至多 20 行），此时不返回任何人员。today 是导入那天（考核时区）：离职日期不能晚于它。
// 管理范围里的网点须在文件里出现过。
func Parse(name string, r io.Reader, today model.Date) ([]model.Staff, error) {
	staff, _, err := ParseKnown(name, r, today, nil)
	return staff, err
}

// ParseKnown 与 Parse 相同；管理范围里的网点在文件里或在 known（花名册上已有的网点）里都算存在。
// 另返回读的时候做过的改动的说明（如去掉中文姓名里的空格），导入时告诉导入的人。
func ParseKnown(name string, r io.Reader, today model.Date, known []string) ([]model.Staff, []string, error) {
	staff, notes, _, err := parse(name, r, today, known)
	return staff, notes, err
}

// parse 是 ParseKnown，另外返回读了文件的哪里（sheet.Table.Where）。
func parse(name string, r io.Reader, today model.Date, known []string) ([]model.Staff, []string, string, error) {
	t, err := sheet.ReadTable(name, r, sheet.Options{What: "花名册文件", Header: func(cells []string) bool {
		_, err := header(cells)
		return err == nil
	}})
	if err != nil {
		return nil, nil, "", err
	}
	staff, notes, err := parseRecords(t.Rows, today, known)
	if err != nil && t.Sheet != "" && t.HeaderLine == 0 {
		// 哪个工作表都没有认出表头：说明看的是哪个工作表，免得用户以为第二个工作表也看过了没问题。
		what := fmt.Sprintf("工作表“%s”", t.Sheet)
		if t.Sheets > 1 {
			what = fmt.Sprintf("%d 个工作表的前 %d 行都没有花名册的表头，读的是第一个工作表“%s”", t.Sheets, sheet.HeaderSearch, t.Sheet)
		}
		return nil, nil, "", model.Wrap(model.EINVALID, err, "%s：%s", what, model.ErrorMessage(err))
	}
	return staff, notes, t.Where(), err
}

// Report 是一次导入的结果。
type Report struct {
	Added, Updated int
	// Notes 是导入时对文件内容做的改动（如“第 3 行：姓名“赵 七”中间的空格已去掉，记为“赵七””）。
	Notes []string
	// Where 说读了文件的哪里，如“工作表“人员”第 3 行起”（sheet.Table.Where）；CSV 表头在第 1 行时为空。
	Where string
}

// Import 读取 path 处的花名册并按 userid 新增或更新人员；文件有误时什么也不写。
// today 是导入那天：标为离职而没写离职日期的人，离职日期记为这天（已经离职的保留原来的日期）。
func Import(ctx context.Context, s model.StaffStore, path string, today model.Date) (added, updated int, err error) {
	r, err := ImportReport(ctx, s, path, today)
	return r.Added, r.Updated, err
}

// ImportReport 与 Import 相同，另说明导入时对文件内容做的改动和读了文件的哪里。管理范围里的网点在文件里或花名册上已有都算存在。
func ImportReport(ctx context.Context, s model.StaffStore, path string, today model.Date) (Report, error) {
	f, err := sheet.Open(path, "花名册文件")
	if err != nil {
		return Report{}, err
	}
	defer f.Close()
	existing, err := s.ListStaff(ctx)
	if err != nil {
		return Report{}, err
	}
	var known []string
	for _, st := range existing {
		known = append(known, st.Branch)
	}
	staff, notes, where, err := parse(path, f, today, known)
	if err != nil {
		return Report{}, err
	}
	if err := fillLeft(ctx, s, staff, today); err != nil {
		return Report{}, err
	}
	added, updated, err := s.UpsertRoster(ctx, staff)
	return Report{Added: added, Updated: updated, Notes: notes, Where: where}, err
}

// fillLeft 给标为离职而没写离职日期的人补上日期：已经离职的保留花名册上原来的日期，否则记 today。
func fillLeft(ctx context.Context, s model.StaffStore, staff []model.Staff, today model.Date) error {
	for i, st := range staff {
		if st.Active || !st.Left.IsZero() {
			continue
		}
		old, err := s.Staff(ctx, st.UserID)
		switch model.ErrorCode(err) {
		case "":
			if !old.Active && !old.Left.IsZero() {
				staff[i].Left = old.Left
				continue
			}
		case model.ENOTFOUND:
		default:
			return err
		}
		staff[i].Left = today
		if !st.Joined.IsZero() && today.Before(st.Joined) {
			staff[i].Left = st.Joined
		}
	}
	return nil
}

// comment 表示以 # 开头的说明行（工号必须以字母或数字开头，不会与人员冲突）。
func comment(cells []string) bool {
	return len(cells) > 0 && strings.HasPrefix(strings.TrimSpace(cells[0]), "#")
}

// header 找出各列所在位置。
func header(cells []string) (idx [numCols]int, err error) {
	for i := range idx {
		idx[i] = -1
	}
	for i, c := range cells {
		h := sheet.NormHeader(c)
		for col, def := range columns {
			for _, a := range def.aliases {
				if h != a {
					continue
				}
				if idx[col] >= 0 {
					return idx, model.Errorf(model.EINVALID, "表头里“%s”列出现了两次。%s。", def.label, headerHint)
				}
				idx[col] = i
			}
		}
	}
	var missing []string
	for col := colUserID; col <= colRole; col++ {
		if idx[col] < 0 {
			missing = append(missing, fmt.Sprintf("%s（%s）", columns[col].label, columns[col].english))
		}
	}
	if len(missing) > 0 {
		return idx, model.Errorf(model.EINVALID, "表头缺少列：%s。%s。", strings.Join(missing, "、"), headerHint)
	}
	return idx, nil
}

func parseRecords(recs []sheet.Row, today model.Date, known []string) ([]model.Staff, []string, error) {
	i := 0
	for i < len(recs) && (sheet.Blank(recs[i].Cells) || comment(recs[i].Cells)) {
		i++
	}
	if i == len(recs) {
		return nil, nil, model.Errorf(model.EINVALID, "花名册是空的。%s。", headerHint)
	}
	idx, err := header(recs[i].Cells)
	if err != nil {
		return nil, nil, err
	}
	type seenAt struct {
		line int
		kind model.BranchKind
	}
	var (
		staff    []model.Staff
		lines    []int // staff[i] 所在的行
		notes    []string
		problems []string
		badRows  int
		ids      = map[string]int{}    // 小写工号 → 行号
		branches = map[string]seenAt{} // 网点 → 首次出现的行和类型
		rowErrs  = map[int][]string{}  // 行号 → 问题（按行报出）
		order    []int                 // 有问题的行
	)
	addErrs := func(line int, errs ...string) {
		if _, ok := rowErrs[line]; !ok {
			order = append(order, line)
		}
		rowErrs[line] = append(rowErrs[line], errs...)
	}
	for _, rec := range recs[i+1:] {
		if sheet.Blank(rec.Cells) || comment(rec.Cells) {
			continue
		}
		cell := func(col int) string {
			if idx[col] < 0 || idx[col] >= len(rec.Cells) {
				return ""
			}
			// 控制字符、双向控制符和换行不进花名册：姓名、网点名会显示在回复、通知和终端里。
			return strings.TrimSpace(model.PlainText(rec.Cells[idx[col]]))
		}
		s, errs := parseRow(cell, today)
		if raw := cell(colName); raw != s.Name && s.Name == strings.Join(strings.Fields(raw), "") {
			notes = append(notes, fmt.Sprintf("第 %d 行：姓名“%s”中间的空格已去掉，记为“%s”", rec.Line, raw, s.Name))
		}
		if s.UserID != "" {
			key := strings.ToLower(s.UserID)
			if prev, dup := ids[key]; dup {
				errs = append(errs, fmt.Sprintf("工号 %s 与第 %d 行重复", s.UserID, prev))
			} else {
				ids[key] = rec.Line
			}
		}
		if s.Branch != "" && s.BranchKind != "" {
			if prev, ok := branches[s.Branch]; !ok {
				branches[s.Branch] = seenAt{rec.Line, s.BranchKind}
			} else if prev.kind != s.BranchKind {
				errs = append(errs, fmt.Sprintf("网点“%s”在第 %d 行是%s，这里是%s，同一网点的类型应一致",
					s.Branch, prev.line, prev.kind.Label(), s.BranchKind.Label()))
			}
		}
		if len(errs) > 0 {
			addErrs(rec.Line, errs...)
			continue
		}
		staff = append(staff, s)
		lines = append(lines, rec.Line)
	}
	// 管理范围里的网点要存在（在文件里或花名册上已有）：写错的网点名（“东街;河西所”里的“东街”）
	// 会让这位主管管不到本该管的网点，导入时就拒绝。
	exists := map[string]bool{}
	for b := range branches {
		exists[b] = true
	}
	for _, b := range known {
		exists[b] = true
	}
	var all []string
	for b := range exists {
		all = append(all, b)
	}
	slices.Sort(all)
	for i, s := range staff {
		for _, b := range s.Scope {
			if b == model.ScopeAll || exists[b] {
				continue
			}
			msg := fmt.Sprintf("管理范围里的网点“%s”不存在", b)
			if near := model.Closest(b, all, 3); len(near) > 0 {
				msg += "（是不是" + strings.Join(near, "、") + "？）"
			}
			addErrs(lines[i], msg)
		}
	}
	slices.Sort(order)
	for _, line := range order {
		badRows++
		if len(problems) < maxReported {
			problems = append(problems, fmt.Sprintf("第 %d 行：%s", line, strings.Join(rowErrs[line], "；")))
		}
	}
	if badRows > 0 {
		msg := fmt.Sprintf("花名册有 %d 行有误，没有导入任何人：\n%s", badRows, strings.Join(problems, "\n"))
		if badRows > len(problems) {
			msg += fmt.Sprintf("\n……另有 %d 行有误未列出", badRows-len(problems))
		}
		return nil, nil, model.Errorf(model.EINVALID, "%s\n请改正后重新导入。", msg)
	}
	if len(staff) == 0 {
		return nil, nil, model.Errorf(model.EINVALID, "花名册只有表头，没有人员。")
	}
	return staff, notes, nil
}

// parseRow 读一行人员，返回其中的全部问题。
func parseRow(cell func(col int) string, today model.Date) (model.Staff, []string) {
	var errs []string
	s := model.Staff{
		UserID: cell(colUserID),
		Name:   cleanName(cell(colName)),
		Branch: cell(colBranch),
		Active: true,
	}
	switch {
	case s.UserID == "":
		errs = append(errs, "工号为空")
	case len(s.UserID) > maxIDLen:
		errs = append(errs, fmt.Sprintf("工号超过 %d 个字符", maxIDLen))
	case !validUserID(s.UserID):
		errs = append(errs, fmt.Sprintf("工号“%s”只能由字母、数字和 _-@. 组成，且以字母或数字开头（企业微信账号）", s.UserID))
	}
	switch {
	case s.Name == "":
		errs = append(errs, "姓名为空")
	case utf8.RuneCountInString(s.Name) > maxNameLen:
		errs = append(errs, fmt.Sprintf("姓名超过 %d 个字", maxNameLen))
	}
	switch {
	case s.Branch == "":
		errs = append(errs, "网点为空")
	case utf8.RuneCountInString(s.Branch) > maxNameLen:
		errs = append(errs, fmt.Sprintf("网点名超过 %d 个字", maxNameLen))
	}
	if v := cell(colBranchKind); v == "" {
		errs = append(errs, "网点类型为空，应为 县城 或 农村")
	} else if k, err := model.ParseBranchKind(v); err != nil {
		errs = append(errs, model.ErrorMessage(err))
	} else {
		s.BranchKind = k
	}
	if v := cell(colRole); v == "" {
		errs = append(errs, "角色为空，应为 员工/主管/所长/管理员 之一")
	} else if r, err := model.ParseRole(v); err != nil {
		errs = append(errs, model.ErrorMessage(err))
	} else {
		s.Role = r
	}
	s.Scope = parseScope(cell(colScope))
	if len(s.Scope) > 0 && s.Role == model.RoleStaff {
		errs = append(errs, "员工不能有管理范围（只有主管、所长可以另管其他网点）")
	}
	errs = append(errs, parseDates(&s, cell, today)...)
	return s, errs
}

// parseDates 读入职日期、状态和离职日期。写了离职日期而没写状态的算离职；在职的人不能有离职日期；
// 离职日期不能晚于今天（要离职的人到那天以后再导入为离职）。
func parseDates(s *model.Staff, cell func(col int) string, today model.Date) []string {
	var errs []string
	date := func(col int) model.Date {
		v := cell(col)
		if v == "" {
			return model.Date{}
		}
		d, err := model.ParseFileDay(v, time.UTC)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s“%s”看不懂，应写成 2026-11-02", columns[col].label, v))
		}
		return d
	}
	s.Joined = date(colJoined)
	s.Left = date(colLeft)
	switch v := strings.ToLower(cell(colStatus)); v {
	case "":
		s.Active = s.Left.IsZero()
	case "在职", "在册", "active":
		s.Active = true
		if !s.Left.IsZero() {
			errs = append(errs, "状态是在职，却写了离职日期；已离职请把状态写成 离职")
		}
	case "离职", "已离职", "left":
		s.Active = false
	default:
		errs = append(errs, fmt.Sprintf("状态“%s”应为 在职 或 离职（active/left）", cell(colStatus)))
	}
	switch {
	case !s.Left.IsZero() && s.Left.After(today):
		errs = append(errs, fmt.Sprintf("离职日期 %s 还没到；请到那天以后再导入为离职", s.Left))
	case !s.Left.IsZero() && !s.Joined.IsZero() && s.Left.Before(s.Joined):
		errs = append(errs, fmt.Sprintf("离职日期 %s 早于入职日期 %s", s.Left, s.Joined))
	}
	return errs
}

// cleanName 去掉中文姓名里的空白（“赵 七”→“赵七”，否则“查 赵七”找不到人）；
// 不是中文的姓名（如“Li Ming”）只把连续的空白并成一个空格。
func cleanName(s string) string {
	fields := strings.Fields(s)
	if len(fields) <= 1 {
		return s
	}
	for _, r := range strings.Join(fields, "") {
		if !unicode.Is(unicode.Han, r) && r != '·' && r != '•' {
			return strings.Join(fields, " ")
		}
	}
	return strings.Join(fields, "")
}

// parseScope 拆分管理范围：网点之间用 ; ； 、 , ， 分隔，* 或“全部”表示全部网点。
func parseScope(v string) []string {
	var out []string
	seen := map[string]bool{}
	for _, b := range strings.FieldsFunc(v, func(r rune) bool {
		return strings.ContainsRune(";；、,，", r)
	}) {
		b = strings.TrimSpace(b)
		switch strings.ToLower(b) {
		case "":
			continue
		case "*", "全部", "all":
			b = model.ScopeAll
		}
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out
}

// validUserID 按企业微信的规定检查账号：字母、数字和 _-@.，以字母或数字开头。
func validUserID(id string) bool {
	for i, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case i > 0 && strings.ContainsRune("_-@.", r):
		default:
			return false
		}
	}
	return id != ""
}
