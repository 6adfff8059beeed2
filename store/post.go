package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hongqi-dev/hongqi/model"
)

var (
	_ model.PostStore  = (*DB)(nil)
	_ model.LeaveStore = (*DB)(nil)
)

// postHolderRow 是 post_holders 表的一行：某窗口的一名 A 岗或 B 岗。窗口没有单独的表，
// 有在岗的人就有这个窗口。
type postHolderRow struct {
	Window    string    `gorm:"column:window_name;primaryKey;size:64"`
	UserID    string    `gorm:"column:userid;primaryKey;size:64;index"`
	Position  string    `gorm:"type:char(1);not null"` // "A" 或 "B"
	Ord       int       `gorm:"not null"`              // B 岗在文件中的顺序；A 岗为 0
	UpdatedAt time.Time `gorm:"precision:6;not null"`
}

func (postHolderRow) TableName() string { return "post_holders" }

// leaveRow 是 leaves 表的一行。日期以 2006-01-02 字符串存储，可直接比较先后。
type leaveRow struct {
	ID          int64      `gorm:"primaryKey;autoIncrement"`
	StaffID     string     `gorm:"size:64;not null;index:idx_leaves_staff,priority:1"`
	StaffName   string     `gorm:"size:64;not null"`
	Branch      string     `gorm:"size:64;not null"`
	StartDate   string     `gorm:"type:char(10);not null;index:idx_leaves_staff,priority:2"`
	EndDate     string     `gorm:"type:char(10);not null"`
	HalfDays    int        `gorm:"not null"`
	Half        string     `gorm:"size:8;not null;default:''"`
	Reason      string     `gorm:"size:500;not null"`
	Route       string     `gorm:"size:16;not null"`
	Status      string     `gorm:"size:16;not null"`
	DecidedBy   string     `gorm:"size:64;not null"`
	DeciderName string     `gorm:"size:64;not null"`
	DecideNote  string     `gorm:"size:500;not null"`
	DecidedAt   *time.Time `gorm:"precision:6"`
	EndedEarly  bool       `gorm:"not null"`
	MsgKey      string     `gorm:"size:191;not null;uniqueIndex"`
	CreatedAt   time.Time  `gorm:"precision:6;not null"`
	UpdatedAt   time.Time  `gorm:"precision:6;not null"`
}

func (leaveRow) TableName() string { return "leaves" }

func leaveFromRow(r leaveRow) model.Leave {
	start, _ := model.ParseDate(r.StartDate)
	end, _ := model.ParseDate(r.EndDate)
	l := model.Leave{
		ID: r.ID, StaffID: r.StaffID, StaffName: r.StaffName, Branch: r.Branch,
		Start: start, End: end, HalfDays: r.HalfDays, Half: model.HalfDay(r.Half), Reason: r.Reason,
		Route: model.LeaveRoute(r.Route), Status: model.LeaveStatus(r.Status),
		DecidedBy: r.DecidedBy, DeciderName: r.DeciderName, DecideNote: r.DecideNote,
		EndedEarly: r.EndedEarly, MsgKey: r.MsgKey, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.DecidedAt != nil {
		t := r.DecidedAt.UTC()
		l.DecidedAt = &t
	}
	return l
}

// ReplacePosts 在一个事务里替换文件中各窗口的 A/B 岗：先删去这些窗口原有的人，再写入新的。
// 不在文件中的窗口保持原样。每个窗口须有一名 A 岗、至少一名 B 岗，同一人在一个窗口只能有一个岗位，
// 否则 EINVALID，什么也不写。
func (db *DB) ReplacePosts(ctx context.Context, posts []model.Post) (added, updated int, err error) {
	if len(posts) == 0 {
		return 0, 0, model.Errorf(model.EINVALID, "岗位表里没有窗口，什么也没有写入。")
	}
	ts := db.now()
	var rows []postHolderRow
	windows := make([]string, 0, len(posts))
	seen := map[string]bool{}
	for i, p := range posts {
		w := strings.TrimSpace(p.Window)
		bad := func(format string, args ...any) error {
			return model.Errorf(model.EINVALID, "岗位表第 %d 个窗口（%s）：%s，什么也没有写入。", i+1, w, fmt.Sprintf(format, args...))
		}
		switch {
		case w == "":
			return 0, 0, bad("窗口名为空")
		case utf8.RuneCountInString(w) > sizeName:
			return 0, 0, bad("窗口名超过 %d 个字符", sizeName)
		case seen[w]:
			return 0, 0, bad("窗口重复")
		case strings.TrimSpace(p.A) == "":
			return 0, 0, bad("没有 A 岗")
		case len(p.B) == 0:
			return 0, 0, bad("没有 B 岗")
		}
		seen[w] = true
		windows = append(windows, w)
		holders := map[string]bool{}
		add := func(id, pos string, ord int) error {
			id = strings.TrimSpace(id)
			key := strings.ToLower(id)
			if id == "" || utf8.RuneCountInString(id) > sizeID {
				return bad("工号为空或太长")
			}
			if holders[key] {
				return bad("%s 在这个窗口出现了两次", id)
			}
			holders[key] = true
			rows = append(rows, postHolderRow{Window: w, UserID: id, Position: pos, Ord: ord, UpdatedAt: ts})
			return nil
		}
		if err := add(p.A, "A", 0); err != nil {
			return 0, 0, err
		}
		for j, b := range p.B {
			if err := add(b, "B", j+1); err != nil {
				return 0, 0, err
			}
		}
	}
	err = db.tx(ctx, func(tx *gorm.DB) error {
		var existing []string
		if err := tx.Model(&postHolderRow{}).Distinct("window_name").Where("window_name IN ?", windows).Pluck("window_name", &existing).Error; err != nil {
			return err
		}
		if err := tx.Where("window_name IN ?", windows).Delete(&postHolderRow{}).Error; err != nil {
			return err
		}
		if err := tx.CreateInBatches(rows, 200).Error; err != nil {
			return err
		}
		updated = len(existing)
		added = len(windows) - updated
		return nil
	})
	if err != nil {
		return 0, 0, db.fail(err, "岗位表没有导入")
	}
	return added, updated, nil
}

// postsFrom 把按窗口、岗位、顺序排好的行组装成岗位。
func postsFrom(rows []postHolderRow) []model.Post {
	var out []model.Post
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Window != r.Window {
			out = append(out, model.Post{Window: r.Window})
		}
		p := &out[len(out)-1]
		if r.Position == "A" {
			p.A = r.UserID
		} else {
			p.B = append(p.B, r.UserID)
		}
	}
	return out
}

// Posts 返回全部窗口，按窗口名排序。
func (db *DB) Posts(ctx context.Context) ([]model.Post, error) {
	var rows []postHolderRow
	if err := db.conn(ctx).Order("window_name, position, ord").Find(&rows).Error; err != nil {
		return nil, db.fail(err, "没能读取岗位表")
	}
	return postsFrom(rows), nil
}

// Post 按窗口名取岗位；没有返回 ENOTFOUND。
func (db *DB) Post(ctx context.Context, window string) (model.Post, error) {
	var rows []postHolderRow
	if err := db.conn(ctx).Where("window_name = ?", strings.TrimSpace(window)).Order("window_name, position, ord").Find(&rows).Error; err != nil {
		return model.Post{}, db.fail(err, "没能读取岗位表")
	}
	ps := postsFrom(rows)
	if len(ps) == 0 {
		return model.Post{}, model.UnknownWindow(window, nil)
	}
	return ps[0], nil
}

// PostsOf 返回 userID 担任 A 岗或 B 岗的窗口，按窗口名排序。
func (db *DB) PostsOf(ctx context.Context, userID string) ([]model.Post, error) {
	var rows []postHolderRow
	sub := db.conn(ctx).Model(&postHolderRow{}).Select("window_name").Where("userid = ?", userID)
	if err := db.conn(ctx).Where("window_name IN (?)", sub).Order("window_name, position, ord").Find(&rows).Error; err != nil {
		return nil, db.fail(err, "没能读取岗位表")
	}
	return postsFrom(rows), nil
}

// lockStaff 在 MySQL 上锁住此人的花名册行，让同一人的请假依次检查重叠（SQLite 本来就只有一个写事务）。
func (db *DB) lockStaff(tx *gorm.DB, userID string) error {
	if db.dialect != DialectMySQL {
		return nil
	}
	var r staffRow
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("userid = ?", userID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	return err
}

// CreateLeave 实现 model.LeaveStore。
func (db *DB) CreateLeave(ctx context.Context, msg model.Message, l model.Leave, notices []model.Notice) (model.Leave, error) {
	if err := checkMsg(msg); err != nil {
		return model.Leave{}, err
	}
	switch {
	case l.StaffID == "" || utf8.RuneCountInString(l.StaffID) > sizeID:
		return model.Leave{}, model.Errorf(model.EINVALID, "请假单缺少请假人，没有提交。")
	case l.Start.IsZero() || l.End.IsZero() || l.End.Before(l.Start):
		return model.Leave{}, model.Errorf(model.EINVALID, "请假日期有误，没有提交。")
	case l.HalfDays <= 0:
		return model.Leave{}, model.Errorf(model.EINVALID, "请假时长有误，没有提交。")
	}
	for _, n := range notices {
		if err := checkNotice(n); err != nil {
			return model.Leave{}, err
		}
	}
	if l.Status == "" {
		l.Status = model.LeavePending
	}
	var out model.Leave
	err := db.tx(ctx, func(tx *gorm.DB) error {
		at := db.now()
		if err := insertMessage(tx, msg, at); err != nil {
			return err
		}
		if err := db.lockStaff(tx, l.StaffID); err != nil {
			return err
		}
		var prev []leaveRow
		if err := tx.Where("staff_id = ? AND status IN ? AND start_date <= ? AND end_date >= ?",
			l.StaffID, []string{string(model.LeavePending), string(model.LeaveApproved)}, l.End.String(), l.Start.String()).
			Order("start_date, id").Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		if len(prev) > 0 {
			return model.LeaveOverlap(leaveFromRow(prev[0]))
		}
		row := leaveRow{
			StaffID: l.StaffID, StaffName: truncate(l.StaffName, sizeName), Branch: truncate(l.Branch, sizeName),
			StartDate: l.Start.String(), EndDate: l.End.String(), HalfDays: l.HalfDays, Half: string(l.Half),
			Reason: truncate(l.Reason, sizeNote), Route: string(l.Route), Status: string(l.Status),
			MsgKey: msg.Key, CreatedAt: at, UpdatedAt: at,
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		for _, n := range notices {
			if err := enqueue(tx, withID(n, row.ID), at); err != nil {
				return err
			}
		}
		out = leaveFromRow(row)
		return nil
	})
	if errors.Is(err, errDupMsg) {
		var r leaveRow
		if gerr := db.conn(ctx).Where("msg_key = ?", msg.Key).Take(&r).Error; gerr != nil {
			return model.Leave{}, model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
		}
		return leaveFromRow(r), model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	}
	if err != nil {
		return model.Leave{}, db.fail(err, "请假没有提交")
	}
	return out, nil
}

// Leave 按编号取请假单；没有返回 ENOTFOUND。
func (db *DB) Leave(ctx context.Context, id int64) (model.Leave, error) {
	var r leaveRow
	err := db.conn(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return model.Leave{}, model.LeaveNotFound(id)
	}
	if err != nil {
		return model.Leave{}, db.fail(err, "没能读取请假单")
	}
	return leaveFromRow(r), nil
}

// Leaves 按条件列出请假单，按开始日期、编号排序。
func (db *DB) Leaves(ctx context.Context, f model.LeaveFilter) ([]model.Leave, error) {
	q := db.conn(ctx)
	if f.StaffID != "" {
		q = q.Where("staff_id = ?", f.StaffID)
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			st[i] = string(s)
		}
		q = q.Where("status IN ?", st)
	}
	if !f.From.IsZero() {
		q = q.Where("end_date >= ?", f.From.String())
	}
	if !f.To.IsZero() {
		q = q.Where("start_date <= ?", f.To.String())
	}
	var rows []leaveRow
	if err := q.Order("start_date, id").Find(&rows).Error; err != nil {
		return nil, db.fail(err, "没能读取请假单")
	}
	out := make([]model.Leave, len(rows))
	for i, r := range rows {
		out[i] = leaveFromRow(r)
	}
	return out, nil
}

// DecideLeave 实现 model.LeaveStore：锁住请假单，状态仍是 d.From 时改写并入队通知。
func (db *DB) DecideLeave(ctx context.Context, d model.LeaveDecision) (model.Leave, error) {
	if err := checkMsg(d.Msg); err != nil {
		return model.Leave{}, err
	}
	for _, n := range d.Notices {
		if err := checkNotice(n); err != nil {
			return model.Leave{}, err
		}
	}
	var out model.Leave
	errState := errors.New("store: leave not in expected state")
	err := db.tx(ctx, func(tx *gorm.DB) error {
		at := db.now()
		if err := insertMessage(tx, d.Msg, at); err != nil {
			return err
		}
		var r leaveRow
		q := tx
		if db.dialect == DialectMySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		err := q.Where("id = ?", d.LeaveID).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return model.LeaveNotFound(d.LeaveID)
		}
		if err != nil {
			return err
		}
		if model.LeaveStatus(r.Status) != d.From {
			out = leaveFromRow(r)
			return errState
		}
		decided := utc(d.At)
		if d.At.IsZero() {
			decided = at
		}
		upd := map[string]any{"status": string(d.Status), "updated_at": at}
		if d.From == model.LeavePending {
			upd["decided_by"] = truncate(d.By, sizeID)
			upd["decider_name"] = truncate(d.ByName, sizeName)
			upd["decide_note"] = truncate(d.Note, sizeNote)
			upd["decided_at"] = decided
		}
		if !d.End.IsZero() {
			upd["end_date"] = d.End.String()
		}
		if d.EndedEarly {
			upd["ended_early"] = true
		}
		if err := tx.Model(&leaveRow{}).Where("id = ?", d.LeaveID).Updates(upd).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", d.LeaveID).Take(&r).Error; err != nil {
			return err
		}
		for _, n := range d.Notices {
			if err := enqueue(tx, withID(n, r.ID), at); err != nil {
				return err
			}
		}
		out = leaveFromRow(r)
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, errState):
		return out, model.Errorf(model.ECONFLICT, "请假单 #%d 已是“%s”状态。", out.ID, out.Status.Label())
	case errors.Is(err, errDupMsg):
		l, gerr := db.Leave(ctx, d.LeaveID)
		if gerr != nil && model.ErrorCode(gerr) != model.ENOTFOUND {
			return model.Leave{}, gerr
		}
		return l, model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	}
	return model.Leave{}, db.fail(err, "请假单没有改动")
}
