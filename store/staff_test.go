package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

func TestUpsertRoster(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		roster := loadRoster(t, "roster.json")

		added, updated, err := db.UpsertRoster(ctx, roster)
		if err != nil {
			t.Fatal(err)
		}
		if added != 6 || updated != 0 {
			t.Errorf("首次导入 added=%d updated=%d，想要 6 0", added, updated)
		}

		// 同名的两个张三都在，工号区分；中文网点类型、角色已规范为英文代码。
		z2, err := db.Staff(ctx, "zhangsan2")
		if err != nil {
			t.Fatal(err)
		}
		want := model.Staff{UserID: "zhangsan2", Name: "张三", Branch: "东关营业所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true}
		if !equalStaff(z2, want) {
			t.Errorf("Staff(zhangsan2) = %+v，想要 %+v", z2, want)
		}
		sup, _ := db.Staff(ctx, "wangzg")
		if !slices.Equal(sup.Scope, []string{"东关营业所"}) || sup.Role != model.RoleSupervisor {
			t.Errorf("主管的管理范围 = %v 角色 %s", sup.Scope, sup.Role)
		}

		// 再导入：按工号更新（李四调到东关），新增一人，不在文件中的人保持原样。
		second := []model.Staff{
			{UserID: "lisi", Name: "李四", Branch: "东关营业所", BranchKind: "county", Role: "supervisor", Active: true},
			{UserID: "wangwu", Name: "王五", Branch: "河口营业所", BranchKind: "农村", Role: "staff", Active: true},
		}
		added, updated, err = db.UpsertRoster(ctx, second)
		if err != nil {
			t.Fatal(err)
		}
		if added != 1 || updated != 1 {
			t.Errorf("再次导入 added=%d updated=%d，想要 1 1", added, updated)
		}
		lisi, _ := db.Staff(ctx, "lisi")
		if lisi.Branch != "东关营业所" || lisi.Role != model.RoleSupervisor {
			t.Errorf("李四没有更新：%+v", lisi)
		}
		all, err := db.ListStaff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 7 {
			t.Fatalf("ListStaff = %d 人，想要 7", len(all))
		}
		for i := 1; i < len(all); i++ {
			a, b := all[i-1], all[i]
			if a.Branch == b.Branch && a.Name == b.Name && a.UserID > b.UserID {
				t.Errorf("同网点同名应按工号排序：%s 在 %s 前", a.UserID, b.UserID)
			}
		}
		if _, err := db.Staff(ctx, "nobody"); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("Staff(nobody) 错误码 = %q", model.ErrorCode(err))
		}
	})
}

func TestUpsertRosterAllOrNothing(t *testing.T) {
	cases := []struct {
		name  string
		bad   []model.Staff
		words []string // 提示里应出现的字
	}{
		{
			name: "branch with two kinds",
			bad: []model.Staff{
				{UserID: "new1", Name: "新人甲", Branch: "城关营业所", BranchKind: "county", Role: "staff", Active: true},
				{UserID: "new2", Name: "新人乙", Branch: "城关营业所", BranchKind: "rural", Role: "staff", Active: true},
			},
			words: []string{"城关营业所", "县城", "农村"},
		},
		{
			name: "missing name",
			bad: []model.Staff{
				{UserID: "new1", Name: "新人甲", Branch: "城关营业所", BranchKind: "county", Role: "staff", Active: true},
				{UserID: "new2", Name: " ", Branch: "城关营业所", BranchKind: "county", Role: "staff", Active: true},
			},
			words: []string{"第 2 人", "姓名"},
		},
		{
			name: "unknown role",
			bad: []model.Staff{
				{UserID: "zhangsan", Name: "张三改", Branch: "城关营业所", BranchKind: "county", Role: "boss", Active: true},
			},
			words: []string{"第 1 人", "zhangsan", "boss"},
		},
		{
			name: "same userid twice",
			bad: []model.Staff{
				{UserID: "new1", Name: "新人甲", Branch: "城关营业所", BranchKind: "county", Role: "staff", Active: true},
				{UserID: "new1", Name: "新人乙", Branch: "城关营业所", BranchKind: "county", Role: "staff", Active: true},
			},
			words: []string{"new1", "不能重复"},
		},
		{
			name:  "empty roster",
			bad:   nil,
			words: []string{"没有人员"},
		},
	}
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		if _, _, err := db.UpsertRoster(ctx, loadRoster(t, "roster.json")); err != nil {
			t.Fatal(err)
		}
		before, _ := db.ListStaff(ctx)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, _, err := db.UpsertRoster(ctx, c.bad)
				wantCode(t, err, model.EINVALID)
				for _, w := range c.words {
					if !strings.Contains(model.ErrorMessage(err), w) {
						t.Errorf("提示 %q 应含 %q", model.ErrorMessage(err), w)
					}
				}
				after, _ := db.ListStaff(ctx)
				if !slices.EqualFunc(before, after, equalStaff) {
					t.Errorf("有误的名单写入了数据：之前 %d 人，之后 %d 人", len(before), len(after))
				}
			})
		}
	})
}

func TestUpsertRosterBranchKindChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		if _, _, err := db.UpsertRoster(ctx, loadRoster(t, "roster.json")); err != nil {
			t.Fatal(err)
		}
		// 新名单把城关改成农村网点，只列了张三；同网点的李四、王主管跟着改。
		_, _, err := db.UpsertRoster(ctx, []model.Staff{
			{UserID: "zhangsan", Name: "张三", Branch: "城关营业所", BranchKind: "rural", Role: "staff", Active: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"zhangsan", "lisi", "wangzg"} {
			s, _ := db.Staff(ctx, id)
			if s.BranchKind != model.BranchRural {
				t.Errorf("%s 的网点类型 = %s，想要 rural", id, s.BranchKind)
			}
		}
		z2, _ := db.Staff(ctx, "zhangsan2")
		if z2.BranchKind != model.BranchCounty {
			t.Errorf("东关的张三不该受影响：%s", z2.BranchKind)
		}
	})
}

func equalStaff(a, b model.Staff) bool {
	return a.UserID == b.UserID && a.Name == b.Name && a.Branch == b.Branch && a.BranchKind == b.BranchKind &&
		a.Role == b.Role && a.Active == b.Active && slices.Equal(a.Scope, b.Scope)
}

func TestFindStaff(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		if _, _, err := db.UpsertRoster(ctx, loadRoster(t, "roster.json")); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, key string
			want      []string
		}{
			{"both namesakes by name", "张三", []string{"zhangsan2", "zhangsan"}},
			{"userid", "lisi", []string{"lisi"}},
			{"userid ignores case", "LiSi", []string{"lisi"}},
			{"no partial matches", "张", nil},
			{"nobody", "赵六六", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.FindStaff(ctx, tt.key)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, s := range got {
					ids = append(ids, s.UserID)
				}
				if !slices.Equal(ids, tt.want) {
					t.Errorf("FindStaff(%q) = %v, want %v", tt.key, ids, tt.want)
				}
			})
		}
	})
}
