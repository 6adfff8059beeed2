// Package meter 导入满意度测评仪的导出文件（CSV 或 XLSX）。
//
// 支持两种版式，由表头识别：
//   - 逐条评价：每行一次评价，列为 人员（工号 或 姓名）、时间、评价（满意/基本满意/不满意，或 1/2/3）；
//   - 按人按天：每行一人一天，列为 人员、日期、满意、基本满意、不满意 三个次数。
//
// 人员按工号或姓名找；姓名在花名册里有重名时这一行算错，请在导出里用工号。任何一行有误时，
// 报出所有有误的行号，整份文件一条也不写。导入以“人·天”为单位：同一人同一天以最近一次导入为准，
// 所以同一份文件导入两次不会重复计数，覆盖同几天的新导出会更新这几天的数。
package meter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/hongqi-dev/hongqi/internal/sheet"
	"github.com/hongqi-dev/hongqi/model"
)

// 版式名。
const (
	LayoutRatings = "逐条评价"
	LayoutDays    = "按人按天"
)

// Result 是一次导入的结果。
type Result struct {
	Layout  string // LayoutRatings 或 LayoutDays
	Rows    int    // 数据行数
	Ratings int    // 评价总次数
	model.MeterImport
}

// Summary 返回给人看的一句话。
func (r Result) Summary() string {
	return fmt.Sprintf("已导入测评（%s）：%d 行，共 %d 次评价；新增 %d 人·天，更新 %d 人·天，%d 人·天与已有数据相同未重复计入。",
		r.Layout, r.Rows, r.Ratings, r.Added, r.Replaced, r.Unchanged)
}

// ImportFile 导入 path 指向的导出文件（.xlsx 按 Excel 读，其余按 CSV 读）。
func ImportFile(ctx context.Context, staff model.StaffStore, in model.FlagInputStore, path string, loc *time.Location) (Result, error) {
	f, err := sheet.Open(path, "测评文件")
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	return Import(ctx, staff, in, filepath.Base(path), f, loc)
}

// Import 读取名为 name 的导出文件内容并导入；loc 是文件中时间所在的时区（nil 为 Asia/Shanghai）。
func Import(ctx context.Context, staff model.StaffStore, in model.FlagInputStore, name string, r io.Reader, loc *time.Location) (Result, error) {
	if loc == nil {
		loc = shanghai()
	}
	data, err := io.ReadAll(io.LimitReader(r, sheet.MaxFileSize+1))
	if err != nil {
		return Result{}, model.Wrap(model.EINVALID, err, "读不了测评文件 %s。", name)
	}
	rows, err := sheet.Read(name, bytes.NewReader(data), sheet.Options{What: "测评文件", RawXLSX: true, Header: func(cells []string) bool {
		c := findColumns(cells)
		return (c.userid >= 0 || c.name >= 0) && c.when >= 0
	}})
	if err != nil {
		return Result{}, err
	}
	roster, err := staff.ListStaff(ctx)
	if err != nil {
		return Result{}, err
	}
	days, res, err := Parse(name, rows, roster, loc)
	if err != nil {
		return Result{}, err
	}
	sum := sha256.Sum256(data)
	imp, err := in.ImportMeter(ctx, "file:"+hex.EncodeToString(sum[:8]), days)
	if err != nil {
		return Result{}, err
	}
	res.MeterImport = imp
	return res, nil
}

func shanghai() *time.Location {
	return model.Shanghai
}

// columns 是表头里找到的各列位置，-1 表示没有。
type columns struct {
	userid, name, when, rating, sat, basic, unsat int
}

var headerWords = map[string]string{
	"工号": "userid", "userid": "userid", "账号": "userid", "用户id": "userid", "员工工号": "userid",
	"姓名": "name", "员工": "name", "人员": "name", "员工姓名": "name", "被评价人": "name", "name": "name",
	"时间": "when", "评价时间": "when", "日期": "when", "评价日期": "when", "date": "when", "time": "when",
	"评价": "rating", "评价结果": "rating", "结果": "rating", "满意度": "rating", "rating": "rating",
	"满意": "sat", "满意次数": "sat", "基本满意": "basic", "基本满意次数": "basic", "不满意": "unsat", "不满意次数": "unsat",
}

func findColumns(header []string) columns {
	c := columns{-1, -1, -1, -1, -1, -1, -1}
	for i, h := range header {
		k := headerWords[strings.ToLower(strings.TrimSpace(h))]
		p := map[string]*int{"userid": &c.userid, "name": &c.name, "when": &c.when, "rating": &c.rating,
			"sat": &c.sat, "basic": &c.basic, "unsat": &c.unsat}[k]
		if p != nil && *p < 0 {
			*p = i
		}
	}
	return c
}

// people 按工号和姓名找花名册中的人。
type people struct {
	byID   map[string]model.Staff
	byName map[string][]model.Staff
}

func newPeople(roster []model.Staff) people {
	p := people{byID: map[string]model.Staff{}, byName: map[string][]model.Staff{}}
	for _, s := range roster {
		p.byID[strings.ToLower(s.UserID)] = s
		p.byName[s.Name] = append(p.byName[s.Name], s)
	}
	return p
}

func (p people) find(id, name string) (model.Staff, error) {
	if id != "" {
		s, ok := p.byID[strings.ToLower(id)]
		switch {
		case !ok:
			return model.Staff{}, fmt.Errorf("工号“%s”不在花名册里", id)
		case name != "" && s.Name != name:
			return model.Staff{}, fmt.Errorf("工号 %s 是%s，不是“%s”", s.UserID, s.Name, name)
		}
		return s, nil
	}
	if name == "" {
		return model.Staff{}, fmt.Errorf("没有写人员")
	}
	all := p.byName[name]
	var active []model.Staff
	for _, s := range all {
		if s.Active {
			active = append(active, s)
		}
	}
	if len(active) > 0 {
		all = active
	}
	switch len(all) {
	case 0:
		return model.Staff{}, fmt.Errorf("“%s”不在花名册里", name)
	case 1:
		return all[0], nil
	}
	var ids []string
	for _, s := range all {
		ids = append(ids, s.Display())
	}
	return model.Staff{}, fmt.Errorf("有 %d 位“%s”（%s），请在导出文件里用工号", len(all), name, strings.Join(ids, "、"))
}

// Parse 把导出文件的行解析成按人按天的计数；任何一行有误时返回列出全部错误行的 EINVALID。
// 报错里的行号是 rows 带的行号（文件里的行号，空行也算）。
func Parse(name string, rows []sheet.Row, roster []model.Staff, loc *time.Location) ([]model.MeterDay, Result, error) {
	h := 0
	for h < len(rows) && sheet.Blank(rows[h].Cells) {
		h++
	}
	if h == len(rows) {
		return nil, Result{}, model.Errorf(model.EINVALID, "%s 是空的，没有导入任何数据。", name)
	}
	c := findColumns(rows[h].Cells)
	var res Result
	switch {
	case c.userid < 0 && c.name < 0 || c.when < 0:
		return nil, Result{}, model.Errorf(model.EINVALID, "%s 第 %d 行的表头需要“工号”或“姓名”列，以及“时间”或“日期”列。", name, rows[h].Line)
	case c.sat >= 0 && c.basic >= 0 && c.unsat >= 0:
		res.Layout = LayoutDays
	case c.rating >= 0:
		res.Layout = LayoutRatings
	default:
		return nil, Result{}, model.Errorf(model.EINVALID, "%s 的表头需要“评价”列（逐条评价），或“满意”“基本满意”“不满意”三列（按人按天）。", name)
	}
	ppl := newPeople(roster)
	type key struct {
		id  string
		day model.Date
	}
	counts := map[key]*model.MeterDay{}
	firstLine := map[key]int{}
	var order []key
	var bad []string
	for _, r := range rows[h+1:] {
		row, line := r.Cells, r.Line
		if sheet.Blank(row) {
			continue
		}
		fail := func(format string, args ...any) {
			bad = append(bad, fmt.Sprintf("第 %d 行：", line)+fmt.Sprintf(format, args...))
		}
		st, err := ppl.find(cell(row, c.userid), cell(row, c.name))
		if err != nil {
			fail("%v", err)
			continue
		}
		day, err := parseDay(cell(row, c.when), loc)
		if err != nil {
			fail("%v", err)
			continue
		}
		k := key{st.UserID, day}
		d := counts[k]
		if d == nil {
			d = &model.MeterDay{StaffID: st.UserID, Day: day, Source: model.MeterImported}
		}
		if res.Layout == LayoutRatings {
			switch strings.TrimSpace(cell(row, c.rating)) {
			case "满意", "1":
				d.Satisfied++
			case "基本满意", "2":
				d.Basic++
			case "不满意", "3":
				d.Unsatisfied++
			default:
				fail("评价“%s”看不懂，应为 满意/基本满意/不满意 或 1/2/3", cell(row, c.rating))
				continue
			}
		} else {
			if prev, dup := firstLine[k]; dup {
				fail("%s %s 与第 %d 行重复", st.Name, day.Label(), prev)
				continue
			}
			var n [3]int
			ok := true
			for j, col := range []int{c.sat, c.basic, c.unsat} {
				v, err := count(cell(row, col))
				if err != nil {
					fail("%s", err)
					ok = false
					break
				}
				n[j] = v
			}
			if !ok {
				continue
			}
			d.Satisfied, d.Basic, d.Unsatisfied = n[0], n[1], n[2]
		}
		if counts[k] == nil {
			counts[k] = d
			firstLine[k] = line
			order = append(order, k)
		}
		res.Rows++
	}
	if len(bad) > 0 {
		shown := bad
		if len(shown) > 10 {
			shown = append(shown[:10:10], fmt.Sprintf("……另有 %d 行有误", len(bad)-10))
		}
		return nil, Result{}, model.Errorf(model.EINVALID, "%s 有 %d 行有误，没有导入任何数据。改正后请重新导入：\n%s",
			name, len(bad), strings.Join(shown, "\n"))
	}
	if len(order) == 0 {
		return nil, Result{}, model.Errorf(model.EINVALID, "%s 只有表头，没有数据行。", name)
	}
	out := make([]model.MeterDay, 0, len(order))
	for _, k := range order {
		out = append(out, *counts[k])
		res.Ratings += counts[k].Total()
	}
	return out, res, nil
}

func cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

func count(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, ok := model.ParseCount(s, 0, model.MaxMeterCount)
	if !ok {
		return 0, fmt.Errorf("次数“%s”应为 0 到 %d 的整数", s, model.MaxMeterCount)
	}
	return n, nil
}

// parseDay 解析时间或日期（model.ParseFileDay）。
func parseDay(s string, loc *time.Location) (model.Date, error) {
	d, err := model.ParseFileDay(s, loc)
	if err != nil {
		return model.Date{}, errors.New(model.ErrorMessage(err))
	}
	return d, nil
}
