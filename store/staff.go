package store

import (
	"context"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hongqi-dev/hongqi/model"
)

// UpsertRoster 在一个事务里按 userid 新增或更新全部人员；任何一行有误则整体不写，
// 错误说明是第几个人、哪个工号。同一网点在名单里出现两种类型是 EINVALID。
// 名单改变了某网点的类型时，该网点其他在册人员的网点类型一并更新。
func (db *DB) UpsertRoster(ctx context.Context, staff []model.Staff) (added, updated int, err error) {
	if len(staff) == 0 {
		return 0, 0, model.Errorf(model.EINVALID, "花名册里没有人员，什么也没有写入。")
	}
	rows := make([]staffRow, 0, len(staff))
	ids := make([]string, 0, len(staff))
	seen := make(map[string]int, len(staff))
	kinds := map[string]model.BranchKind{}
	var branchOrder []string
	ts := db.now()
	for i, s := range staff {
		s.UserID = strings.TrimSpace(s.UserID)
		s.Name = strings.TrimSpace(s.Name)
		s.Branch = strings.TrimSpace(s.Branch)
		where := func(e error) error {
			return model.Wrap(model.EINVALID, e, "花名册第 %d 人（%s）：%s", i+1, s.UserID, model.ErrorMessage(e))
		}
		if err := s.Validate(); err != nil {
			return 0, 0, where(err)
		}
		kind, _ := model.ParseBranchKind(string(s.BranchKind))
		role, _ := model.ParseRole(string(s.Role))
		switch {
		case utf8.RuneCountInString(s.UserID) > sizeID:
			return 0, 0, where(model.Errorf(model.EINVALID, "工号超过 %d 个字符", sizeID))
		case utf8.RuneCountInString(s.Name) > sizeName:
			return 0, 0, where(model.Errorf(model.EINVALID, "姓名超过 %d 个字符", sizeName))
		case utf8.RuneCountInString(s.Branch) > sizeName:
			return 0, 0, where(model.Errorf(model.EINVALID, "网点名超过 %d 个字符", sizeName))
		}
		if j, dup := seen[s.UserID]; dup {
			return 0, 0, model.Errorf(model.EINVALID, "花名册第 %d 人和第 %d 人的工号都是 %s，工号不能重复。", j+1, i+1, s.UserID)
		}
		seen[s.UserID] = i
		if k, ok := kinds[s.Branch]; ok && k != kind {
			return 0, 0, model.Errorf(model.EINVALID, "网点“%s”在花名册里既是%s又是%s（第 %d 人，%s），请统一网点类型后重新导入。",
				s.Branch, k.Label(), kind.Label(), i+1, s.UserID)
		} else if !ok {
			kinds[s.Branch] = kind
			branchOrder = append(branchOrder, s.Branch)
		}
		var scope []string
		for _, b := range s.Scope {
			if b = strings.TrimSpace(b); b != "" {
				if strings.Contains(b, ",") {
					return 0, 0, where(model.Errorf(model.EINVALID, "管理范围里的网点名不能含逗号"))
				}
				scope = append(scope, b)
			}
		}
		scopeStr := strings.Join(scope, ",")
		if utf8.RuneCountInString(scopeStr) > sizeScope {
			return 0, 0, where(model.Errorf(model.EINVALID, "管理范围太长"))
		}
		rows = append(rows, staffRow{
			UserID: s.UserID, Name: s.Name, Branch: s.Branch, BranchKind: string(kind), Role: string(role),
			Scope: scopeStr, Active: s.Active, Joined: dateKey(s.Joined), LeftOn: dateKey(s.Left), CreatedAt: ts, UpdatedAt: ts,
		})
		ids = append(ids, s.UserID)
	}

	today := model.DateOf(db.clock.Now(), db.clock.Location()).String()
	err = db.tx(ctx, func(tx *gorm.DB) error {
		// 先让花名册版本加一（排他锁）：正在处理的消息带共享锁读过版本，这里等它们结束；
		// 之后开始的消息等本事务提交，再按新版本重读花名册。
		if err := bumpRoster(tx); err != nil {
			return err
		}
		// 没写入职日期的：已在花名册上的保留原来的入职日期，新来的记今天（第一次导入的那天）。
		joined := make(map[string]string, len(ids))
		for start := 0; start < len(ids); start += 500 {
			end := min(start+500, len(ids))
			var old []staffRow
			if err := tx.Select("userid", "joined").Where("userid IN ?", ids[start:end]).Find(&old).Error; err != nil {
				return err
			}
			for _, o := range old {
				joined[strings.ToLower(o.UserID)] = o.Joined
			}
		}
		existing := len(joined)
		for i := range rows {
			if rows[i].Joined != "" {
				continue
			}
			if j, ok := joined[strings.ToLower(rows[i].UserID)]; ok {
				rows[i].Joined = j
			} else {
				rows[i].Joined = today
			}
		}
		var old []branchRow
		if err := tx.Where("name IN ?", branchOrder).Find(&old).Error; err != nil {
			return err
		}
		oldKind := make(map[string]string, len(old))
		for _, b := range old {
			oldKind[b.Name] = b.Kind
		}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "userid"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "branch", "branch_kind", "role", "scope", "active", "joined", "left_on", "updated_at"}),
		}).CreateInBatches(rows, 200).Error; err != nil {
			return err
		}
		branches := make([]branchRow, 0, len(branchOrder))
		for _, b := range branchOrder {
			branches = append(branches, branchRow{Name: b, Kind: string(kinds[b])})
		}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "name"}},
			DoUpdates: clause.AssignmentColumns([]string{"kind"}),
		}).Create(&branches).Error; err != nil {
			return err
		}
		for _, b := range branchOrder {
			if k, ok := oldKind[b]; ok && k != string(kinds[b]) {
				if err := tx.Model(&staffRow{}).Where("branch = ? AND branch_kind <> ?", b, string(kinds[b])).
					Updates(map[string]any{"branch_kind": string(kinds[b]), "updated_at": ts}).Error; err != nil {
					return err
				}
			}
		}
		added = len(rows) - existing
		updated = existing
		return nil
	})
	if err != nil {
		return 0, 0, db.fail(err, "花名册没有导入")
	}
	return added, updated, nil
}
