package leave

import (
	"context"
	"fmt"
	"io"
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

// Parse 按扩展名（.csv 或 .xlsx）读取岗位表。CSV 须为 UTF-8（可带 BOM）；XLSX 读第一个工作表。
// 格式有误的行连同行号一次报出（EINVALID），此时不返回任何岗位。人员是否在花名册由 Import 检查。
func Parse(name string, r io.Reader) ([]Row, error) {
	rows, err := sheet.Read(name, r, sheet.Options{What: "岗位表"})
	if err != nil {
		return nil, err
	}
	recs := make([][]string, len(rows))
	lines := make([]int, len(rows))
	for i, row := range rows {
		recs[i], lines[i] = row.Cells, row.Line
	}
	return parseRecords(recs, lines)
}

var headerAliases = [3][]string{
	{"window", "窗口", "岗位", "窗口名"},
	{"a", "a岗", "主办", "a岗（主办）"},
	{"b", "b岗", "协办"},
}

func parseRecords(recs [][]string, lines []int) ([]Row, error) {
	i := 0
	for i < len(recs) && (sheet.Blank(recs[i]) || strings.HasPrefix(strings.TrimSpace(recs[i][0]), "#")) {
		i++
	}
	if i == len(recs) {
		return nil, model.Errorf(model.EINVALID, "岗位表是空的。%s。", headerHint)
	}
	idx := [3]int{-1, -1, -1}
	for c, cell := range recs[i] {
		h := sheet.NormHeader(cell)
		for col, aliases := range headerAliases {
			for _, a := range aliases {
				if h == a && idx[col] < 0 {
					idx[col] = c
				}
			}
		}
	}
	if idx[0] < 0 || idx[1] < 0 || idx[2] < 0 {
		return nil, model.Errorf(model.EINVALID, "岗位表第 %d 行的表头不对。%s。", lines[i], headerHint)
	}
	var (
		out      []Row
		problems []string
		windows  = map[string]int{}
	)
	for k := i + 1; k < len(recs); k++ {
		cells, line := recs[k], lines[k]
		if sheet.Blank(cells) || strings.HasPrefix(strings.TrimSpace(cells[0]), "#") {
			continue
		}
		cell := func(col int) string {
			if idx[col] >= len(cells) {
				return ""
			}
			return strings.TrimSpace(cells[idx[col]])
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
			problems = append(problems, fmt.Sprintf("第 %d 行：%s", line, strings.Join(errs, "；")))
			continue
		}
		out = append(out, Row{Line: line, Post: p})
	}
	if len(problems) > 0 {
		return nil, badRows(problems)
	}
	if len(out) == 0 {
		return nil, model.Errorf(model.EINVALID, "岗位表只有表头，没有窗口。")
	}
	return out, nil
}

// splitIDs 拆分 B 岗：用 ; ； 、 , ， 或空格分隔。
func splitIDs(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(";；、,， \u3000", r) })
}

func badRows(problems []string) error {
	const max = 20
	msg := fmt.Sprintf("岗位表有 %d 行有误，没有导入任何窗口：\n", len(problems))
	if len(problems) > max {
		msg += strings.Join(problems[:max], "\n") + fmt.Sprintf("\n……另有 %d 行有误未列出", len(problems)-max)
	} else {
		msg += strings.Join(problems, "\n")
	}
	return model.Errorf(model.EINVALID, "%s\n请改正后重新导入。", msg)
}

// Check 核对各行的人员都在花名册中且在职，并把工号换成花名册里的写法；有误的行连同行号一次报出。
func Check(ctx context.Context, staff model.StaffStore, rows []Row) ([]model.Post, error) {
	var problems []string
	out := make([]model.Post, 0, len(rows))
	for _, r := range rows {
		var errs []string
		canon := func(id, pos string) string {
			cands, err := staff.FindStaff(ctx, id)
			if err != nil {
				errs = append(errs, "花名册读不到")
				return id
			}
			for _, st := range cands {
				if strings.EqualFold(st.UserID, id) {
					if !st.Active {
						errs = append(errs, fmt.Sprintf("%s岗 %s（%s）已停用", pos, id, st.Name))
					}
					return st.UserID
				}
			}
			errs = append(errs, fmt.Sprintf("%s岗 %s 不在花名册中（请写工号）", pos, id))
			return id
		}
		p := model.Post{Window: r.Post.Window, A: canon(r.Post.A, "A")}
		for _, b := range r.Post.B {
			p.B = append(p.B, canon(b, "B"))
		}
		if len(errs) > 0 {
			problems = append(problems, fmt.Sprintf("第 %d 行（%s）：%s", r.Line, r.Post.Window, strings.Join(errs, "；")))
			continue
		}
		out = append(out, p)
	}
	if len(problems) > 0 {
		return nil, badRows(problems)
	}
	return out, nil
}

// Import 读取 path 处的岗位表，核对花名册后在一个事务里替换文件中各窗口的 A/B 岗；
// 文件有误时什么也不写。返回新增和更新的窗口数。供 `hongqi post import FILE` 使用。
func Import(ctx context.Context, staff model.StaffStore, posts model.PostStore, path string) (added, updated int, err error) {
	f, err := sheet.Open(path, "岗位表文件")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	rows, err := Parse(path, f)
	if err != nil {
		return 0, 0, err
	}
	ps, err := Check(ctx, staff, rows)
	if err != nil {
		return 0, 0, err
	}
	return posts.ReplacePosts(ctx, ps)
}
