package testenv

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

// Roster 读测试用的花名册夹具：CSV，# 开头的行是注释，列为
// userid,name,branch,branch_kind,role,scope(以|分隔),active，可再加 joined、left（2026-01-01 形式，可空）。
// 与生产的花名册导入（roster 包）无关，只为测试快速造人，可以造出停用的人。
func Roster(t testing.TB, path string) []model.Staff {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = -1 // joined、left 两列可以不写
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []model.Staff
	for _, row := range rows {
		s := model.Staff{UserID: row[0], Name: row[1], Branch: row[2], BranchKind: model.BranchKind(row[3]), Role: model.Role(row[4]), Active: row[6] == "true"}
		if row[5] != "" {
			s.Scope = strings.Split(row[5], "|")
		}
		for i, d := range []*model.Date{&s.Joined, &s.Left} {
			if len(row) > 7+i && row[7+i] != "" {
				v, err := model.ParseDate(row[7+i])
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				*d = v
			}
		}
		out = append(out, s)
	}
	return out
}
