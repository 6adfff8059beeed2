package leave

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/internal/sheet"
	"github.com/hongqi-dev/hongqi/model"
)

// MaxFileSize 是岗位表文件的大小上限。
const MaxFileSize = sheet.MaxFileSize

const headerHint = "表头应为 window,a,b（或 窗口,A岗,B岗），B 岗可写多人，用 ; 或 、 分隔"

// Row 是岗位表中的一行及其行号（从 1 起）。
type Row struct {
	Line int
	Post model.Post
}

// Finder 按姓名、工号或“姓名(工号)”在整个花名册里找一个人：ledger.Service.Find，与各命令同一个解析，
// 重名和找不到时的说法也一样。
type Finder interface {
	Find(ctx context.Context, who string) (model.Staff, error)
}

// problem 是岗位表里一行的问题。
type problem struct {
	line int
	text string
}

// Parse 按扩展名（.csv 或 .xlsx）读取岗位表。CSV 须为 UTF-8（可带 BOM）；XLSX 读第一个有表头的工作表。
// 格式有误的行连同行号一次报出（EINVALID），此时不返回任何岗位。人员是否在花名册由 Import 一并检查。
func Parse(name string, r io.Reader) ([]Row, error) {
	rows, problems, err := parse(name, r)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, badRows(problems)
	}
	return rows, nil
}

// parse 读出岗位表的各行和格式问题（不因为某一行有误而停下）。
func parse(name string, r io.Reader) ([]Row, []problem, error) {
	rows, err := sheet.Read(name, r, sheet.Options{What: "岗位表", Header: isHeader})
	if err != nil {
		return nil, nil, err
	}
	return parseRecords(rows)
}

var headerAliases = [3][]string{
	{"window", "窗口", "岗位", "窗口名"},
	{"a", "a岗", "主办", "a岗（主办）"},
	{"b", "b岗", "协办"},
}

// headerColumns 找出窗口、A 岗、B 岗三列的位置（没有为 -1）。
func headerColumns(cells []string) [3]int {
	idx := [3]int{-1, -1, -1}
	for c, cell := range cells {
		h := sheet.NormHeader(cell)
		for col, aliases := range headerAliases {
			for _, a := range aliases {
				if h == a && idx[col] < 0 {
					idx[col] = c
				}
			}
		}
	}
	return idx
}

// isHeader 表示一行是否是岗位表的表头（三列都在）。
func isHeader(cells []string) bool {
	idx := headerColumns(cells)
	return idx[0] >= 0 && idx[1] >= 0 && idx[2] >= 0
}

func parseRecords(recs []sheet.Row) ([]Row, []problem, error) {
	i := 0
	for i < len(recs) && (sheet.Blank(recs[i].Cells) || strings.HasPrefix(strings.TrimSpace(recs[i].Cells[0]), "#")) {
		i++
	}
	if i == len(recs) {
		return nil, nil, model.Errorf(model.EINVALID, "岗位表是空的。%s。", headerHint)
	}
	idx := headerColumns(recs[i].Cells)
	if idx[0] < 0 || idx[1] < 0 || idx[2] < 0 {
		return nil, nil, model.Errorf(model.EINVALID, "岗位表第 %d 行的表头不对。%s。", recs[i].Line, headerHint)
	}
	var (
		out      []Row
		problems []problem
		windows  = map[string]int{}
	)
	for _, rec := range recs[i+1:] {
		cells, line := rec.Cells, rec.Line
		if sheet.Blank(cells) || strings.HasPrefix(strings.TrimSpace(cells[0]), "#") {
			continue
		}
		cell := func(col int) string {
			if idx[col] >= len(cells) {
				return ""
			}
			return strings.TrimSpace(model.PlainText(cells[idx[col]]))
		}
		p := model.Post{Window: cell(0), A: cell(1), B: splitIDs(cell(2))}
		var errs []string
		switch {
		case p.Window == "":
			errs = append(errs, "窗口为空")
		case utf8.RuneCountInString(p.Window) > 64:
			errs = append(errs, "窗口名超过 64 个字")
		default:
			if prev, dup := windows[p.Window]; dup {
				errs = append(errs, fmt.Sprintf("窗口“%s”与第 %d 行重复", p.Window, prev))
			} else {
				windows[p.Window] = line
			}
		}
		if p.A == "" {
			errs = append(errs, "A 岗为空")
		}
		if len(p.B) == 0 {
			errs = append(errs, "B 岗为空（每个窗口至少一名 B 岗）")
		}
		seen := map[string]bool{strings.ToLower(p.A): p.A != ""}
		for _, b := range p.B {
			if seen[strings.ToLower(b)] {
				errs = append(errs, fmt.Sprintf("%s 在这个窗口出现了两次（同一人不能既是 A 岗又是 B 岗）", b))
			}
			seen[strings.ToLower(b)] = true
		}
		if len(errs) > 0 {
			problems = append(problems, problem{line, fmt.Sprintf("第 %d 行：%s", line, strings.Join(errs, "；"))})
			continue
		}
		out = append(out, Row{Line: line, Post: p})
	}
	if len(out) == 0 && len(problems) == 0 {
		return nil, nil, model.Errorf(model.EINVALID, "岗位表只有表头，没有窗口。")
	}
	return out, problems, nil
}

// splitIDs 拆分 B 岗：用 ; ； 、 , ， 或空格分隔。
func splitIDs(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(";；、,， \u3000", r) })
}

func badRows(problems []problem) error {
	slices.SortStableFunc(problems, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	const max = 20
	texts := make([]string, len(problems))
	for i, p := range problems {
		texts[i] = p.text
	}
	msg := fmt.Sprintf("岗位表有 %d 行有误，没有导入任何窗口：\n", len(problems))
	if len(texts) > max {
		msg += strings.Join(texts[:max], "\n") + fmt.Sprintf("\n……另有 %d 行有误未列出", len(texts)-max)
	} else {
		msg += strings.Join(texts, "\n")
	}
	return model.Errorf(model.EINVALID, "%s\n请改正后重新导入。", msg)
}

// Check 核对各行的人员：按 find（与各命令同一个解析）找到花名册中唯一、在职的人，写成他的工号；
// 工号、姓名、“姓名(工号)”都可以，只要不重名。有误的行连同行号一次报出。
func Check(ctx context.Context, find Finder, rows []Row) ([]model.Post, error) {
	out, problems, err := check(ctx, find, rows)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, badRows(problems)
	}
	return out, nil
}

func check(ctx context.Context, find Finder, rows []Row) ([]model.Post, []problem, error) {
	var problems []problem
	out := make([]model.Post, 0, len(rows))
	for _, r := range rows {
		var errs []string
		var fatal error
		canon := func(who, pos string) string {
			st, err := find.Find(ctx, who)
			switch model.ErrorCode(err) {
			case "":
			case model.ENOTFOUND, model.EAMBIGUOUS, model.EINVALID:
				errs = append(errs, fmt.Sprintf("%s岗：%s", pos, strings.TrimSuffix(model.ErrorMessage(err), "。")))
				return who
			default:
				fatal = err
				return who
			}
			if !st.Active {
				errs = append(errs, fmt.Sprintf("%s岗 %s（%s）已停用", pos, who, st.Name))
			}
			return st.UserID
		}
		p := model.Post{Window: r.Post.Window, A: canon(r.Post.A, "A")}
		for _, b := range r.Post.B {
			p.B = append(p.B, canon(b, "B"))
		}
		if fatal != nil {
			return nil, nil, fatal
		}
		if len(errs) == 0 && len(p.B) > 0 {
			// 写法不同的同一个人（cg02 和 李四）也算出现了两次。
			seen := map[string]bool{p.A: true}
			for _, b := range p.B {
				if seen[b] {
					errs = append(errs, fmt.Sprintf("%s 在这个窗口出现了两次（同一人不能既是 A 岗又是 B 岗）", b))
				}
				seen[b] = true
			}
		}
		if len(errs) > 0 {
			problems = append(problems, problem{r.Line, fmt.Sprintf("第 %d 行（%s）：%s", r.Line, r.Post.Window, strings.Join(errs, "；"))})
			continue
		}
		out = append(out, p)
	}
	return out, problems, nil
}

// Import 读取 path 处的岗位表，核对花名册后在一个事务里替换文件中各窗口的 A/B 岗；
// 文件有误时什么也不写，格式和人员的问题一次按行号全部列出。返回新增和更新的窗口数。
// 供 `hongqi post import FILE` 使用。
func Import(ctx context.Context, find Finder, posts model.PostStore, path string) (added, updated int, err error) {
	f, err := sheet.Open(path, "岗位表文件")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	rows, problems, err := parse(path, f)
	if err != nil {
		return 0, 0, err
	}
	ps, more, err := check(ctx, find, rows)
	if err != nil {
		return 0, 0, err
	}
	if problems = append(problems, more...); len(problems) > 0 {
		return 0, 0, badRows(problems)
	}
	return posts.ReplacePosts(ctx, ps)
}
