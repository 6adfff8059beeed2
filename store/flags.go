package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/hongqi-dev/hongqi/model"
)

var (
	_ model.FlagStore = (*DB)(nil)
	_ model.JobStore  = (*DB)(nil)
)

// roundRow 是 flag_rounds 表的一行：一期评选。(kind, period) 唯一。
type roundRow struct {
	ID         int64      `gorm:"primaryKey;autoIncrement"`
	Kind       string     `gorm:"size:16;not null;uniqueIndex:idx_rounds_period,priority:1"`
	Period     string     `gorm:"size:16;not null;uniqueIndex:idx_rounds_period,priority:2"`
	Label      string     `gorm:"size:200;not null"`
	Status     string     `gorm:"size:16;not null;index"`
	Proposed   string     `gorm:"type:text"`
	RunnersUp  string     `gorm:"type:text"`
	ProposedAt time.Time  `gorm:"precision:6;not null"`
	Deadline   time.Time  `gorm:"precision:6;not null"`
	DecidedBy  string     `gorm:"size:64;not null"`
	DecidedAt  *time.Time `gorm:"precision:6"`
	Reason     string     `gorm:"size:500;not null"`
}

func (roundRow) TableName() string { return "flag_rounds" }

// flagRow 是 flags 表的一行：一面红旗。(kind, period, subject) 唯一；subject 周旗为员工 userid，旬旗为网点名。
type flagRow struct {
	ID          int64      `gorm:"primaryKey;autoIncrement"`
	RoundID     int64      `gorm:"not null;index"`
	Kind        string     `gorm:"size:16;not null;uniqueIndex:idx_flags_subject,priority:1"`
	Period      string     `gorm:"size:16;not null;uniqueIndex:idx_flags_subject,priority:2"`
	Subject     string     `gorm:"size:64;not null;uniqueIndex:idx_flags_subject,priority:3"`
	Month       string     `gorm:"type:char(7);not null;index"`
	StaffID     string     `gorm:"size:64;not null;index"`
	Name        string     `gorm:"size:64;not null"`
	Branch      string     `gorm:"size:64;not null;index"`
	HeadID      string     `gorm:"size:64;not null"`
	CreatedAt   time.Time  `gorm:"precision:6;not null"`
	Cancelled   bool       `gorm:"not null"`
	CancelledBy string     `gorm:"size:64;not null"`
	CancelledAt *time.Time `gorm:"precision:6"`
	CancelNote  string     `gorm:"size:500;not null"`
	Source      string     `gorm:"size:16;not null"`
}

func (flagRow) TableName() string { return "flags" }

// jobRow 是 job_runs 表的一行：定时任务某一期已登记执行。(name, period) 是主键。
type jobRow struct {
	Name      string    `gorm:"primaryKey;size:64"`
	Period    string    `gorm:"primaryKey;size:32"`
	ClaimedAt time.Time `gorm:"precision:6;not null"`
}

func (jobRow) TableName() string { return "job_runs" }

const msgRoundNotSaved = "评选没有保存"

func roundToRow(r model.Round) (roundRow, error) {
	b, err := json.Marshal(r.Proposed)
	if err != nil {
		return roundRow{}, err
	}
	next := []byte("[]")
	if len(r.RunnersUp) > 0 {
		if next, err = json.Marshal(r.RunnersUp); err != nil {
			return roundRow{}, err
		}
	}
	status := r.Status
	if status == "" {
		status = model.RoundProposed
	}
	return roundRow{
		ID:         r.ID,
		Kind:       string(r.Kind),
		Period:     r.Period,
		Label:      truncate(r.Label, sizeTitle),
		Status:     string(status),
		Proposed:   string(b),
		RunnersUp:  string(next),
		ProposedAt: utc(r.ProposedAt),
		Deadline:   utc(r.Deadline),
		DecidedBy:  r.DecidedBy,
		Reason:     truncate(r.Reason, sizeNote),
	}, nil
}

func roundFromRow(r roundRow) model.Round {
	out := model.Round{
		ID:         r.ID,
		Kind:       model.FlagKind(r.Kind),
		Period:     r.Period,
		Label:      r.Label,
		Status:     model.RoundStatus(r.Status),
		ProposedAt: r.ProposedAt.UTC(),
		Deadline:   r.Deadline.UTC(),
		DecidedBy:  r.DecidedBy,
		Reason:     r.Reason,
	}
	if r.Proposed != "" {
		_ = json.Unmarshal([]byte(r.Proposed), &out.Proposed)
	}
	if r.RunnersUp != "" {
		_ = json.Unmarshal([]byte(r.RunnersUp), &out.RunnersUp)
	}
	if r.DecidedAt != nil {
		t := r.DecidedAt.UTC()
		out.DecidedAt = &t
	}
	return out
}

func flagSubject(f model.Flag) string {
	if f.StaffID != "" {
		return f.StaffID
	}
	return f.Branch
}

func flagToRow(f model.Flag, at time.Time) flagRow {
	src := f.Source
	if src == "" {
		src = "round"
	}
	created := at
	if !f.CreatedAt.IsZero() {
		created = utc(f.CreatedAt)
	}
	return flagRow{
		RoundID:   f.RoundID,
		Kind:      string(f.Kind),
		Period:    f.Period,
		Subject:   flagSubject(f),
		Month:     f.Month.String(),
		StaffID:   f.StaffID,
		Name:      truncate(f.Name, sizeName),
		Branch:    f.Branch,
		HeadID:    f.HeadID,
		CreatedAt: created,
		Source:    src,
	}
}

func flagFromRow(r flagRow) model.Flag {
	f := model.Flag{
		ID:          r.ID,
		RoundID:     r.RoundID,
		Kind:        model.FlagKind(r.Kind),
		Period:      r.Period,
		Month:       parseMonth(r.Month),
		StaffID:     r.StaffID,
		Name:        r.Name,
		Branch:      r.Branch,
		HeadID:      r.HeadID,
		CreatedAt:   r.CreatedAt.UTC(),
		Cancelled:   r.Cancelled,
		CancelledBy: r.CancelledBy,
		CancelNote:  r.CancelNote,
		Source:      r.Source,
	}
	if r.CancelledAt != nil {
		t := r.CancelledAt.UTC()
		f.CancelledAt = &t
	}
	return f
}

func checkFlag(f model.Flag) error {
	switch {
	case f.Kind != model.FlagWeekly && f.Kind != model.FlagDekad:
		return model.Errorf(model.EINVALID, "红旗的种类“%s”无效。", f.Kind)
	case f.Period == "" || utf8.RuneCountInString(f.Period) > 16:
		return model.Errorf(model.EINVALID, "红旗缺少期别。")
	case flagSubject(f) == "" || utf8.RuneCountInString(flagSubject(f)) > sizeID:
		return model.Errorf(model.EINVALID, "红旗缺少获旗人或网点（%s）。", f.Period)
	case f.Kind == model.FlagWeekly && f.StaffID == "":
		return model.Errorf(model.EINVALID, "周红旗缺少获旗员工的工号（%s）。", f.Period)
	case f.Month.IsZero() || f.Month.Month < 1 || f.Month.Month > 12:
		return model.Errorf(model.EINVALID, "红旗缺少计入的月份（%s）。", f.Period)
	case utf8.RuneCountInString(f.Branch) > sizeName || utf8.RuneCountInString(f.HeadID) > sizeID:
		return model.Errorf(model.EINVALID, "红旗的网点名或所长工号太长（%s）。", f.Period)
	}
	return nil
}

// CreateRound 新建一期评选；同一 (Kind, Period) 已有评选时返回 ECONFLICT 和已有的那一轮。
func (db *DB) CreateRound(ctx context.Context, r model.Round) (model.Round, error) {
	if r.Kind != model.FlagWeekly && r.Kind != model.FlagDekad || r.Period == "" || utf8.RuneCountInString(r.Period) > 16 {
		return model.Round{}, model.Errorf(model.EINVALID, "评选的种类或期别有误，%s。", msgRoundNotSaved)
	}
	row, err := roundToRow(r)
	if err != nil {
		return model.Round{}, model.Wrap(model.EINTERNAL, err, "评选数据有误，%s。", msgRoundNotSaved)
	}
	row.ID = 0
	err = db.conn(ctx).Create(&row).Error
	if isDuplicate(err) {
		prev, perr := db.Round(ctx, r.Kind, r.Period)
		if perr != nil {
			return model.Round{}, perr
		}
		return prev, model.Errorf(model.ECONFLICT, "%s已经提名过了。", prev.Label)
	}
	if err != nil {
		return model.Round{}, db.fail(err, msgRoundNotSaved)
	}
	return roundFromRow(row), nil
}

func (db *DB) takeRound(g *gorm.DB, q string, args ...any) (model.Round, error) {
	var row roundRow
	err := g.Where(q, args...).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return model.Round{}, model.Errorf(model.ENOTFOUND, "没有找到这一期评选。")
	}
	if err != nil {
		return model.Round{}, db.fail(err, "没能读取评选")
	}
	return roundFromRow(row), nil
}

// Round 取某一期的评选；没有返回 ENOTFOUND。
func (db *DB) Round(ctx context.Context, kind model.FlagKind, period string) (model.Round, error) {
	return db.takeRound(db.conn(ctx), "kind = ? AND period = ?", string(kind), period)
}

// RoundByID 按编号取评选；没有返回 ENOTFOUND。
func (db *DB) RoundByID(ctx context.Context, id int64) (model.Round, error) {
	return db.takeRound(db.conn(ctx), "id = ?", id)
}

// OpenRounds 返回尚在等待确认的评选，按编号升序。
func (db *DB) OpenRounds(ctx context.Context) ([]model.Round, error) {
	var rows []roundRow
	if err := db.conn(ctx).Where("status = ?", string(model.RoundProposed)).Order("id").Find(&rows).Error; err != nil {
		return nil, db.fail(err, "没能读取评选")
	}
	out := make([]model.Round, len(rows))
	for i, r := range rows {
		out[i] = roundFromRow(r)
	}
	return out, nil
}

// errDecided 表示评选在事务中被发现已经决定过；只在事务内部使用。
var errDecided = errors.New("store: round already decided")

// DecideRound 在一个事务里把提名状态的评选改为 status、写入 flags 并入队 notices。
// 只有从“提名”到决定的那一次更新生效，所以同时到达的确认、改选和自动生效只有一个成功；
// 其余的返回 ECONFLICT 和已决定的那一轮。评选不存在返回 ENOTFOUND。
func (db *DB) DecideRound(ctx context.Context, roundID int64, status model.RoundStatus, by, reason string, at time.Time, flags []model.Flag, notices []model.Notice) (model.Round, error) {
	switch status {
	case model.RoundConfirmed, model.RoundOverridden, model.RoundAuto:
	default:
		return model.Round{}, model.Errorf(model.EINVALID, "评选结果“%s”无效。", status)
	}
	for _, f := range flags {
		if err := checkFlag(f); err != nil {
			return model.Round{}, err
		}
	}
	for _, n := range notices {
		if err := checkNotice(n); err != nil {
			return model.Round{}, err
		}
	}
	t := utc(at)
	var out model.Round
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&roundRow{}).Where("id = ? AND status = ?", roundID, string(model.RoundProposed)).Updates(map[string]any{
			"status":     string(status),
			"decided_by": truncate(by, sizeID),
			"decided_at": &t,
			"reason":     truncate(reason, sizeNote),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errDecided
		}
		for _, f := range flags {
			f.RoundID = roundID
			row := flagToRow(f, t)
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
		}
		for _, n := range notices {
			if err := enqueue(tx, n, t); err != nil {
				return err
			}
		}
		var row roundRow
		if err := tx.Where("id = ?", roundID).Take(&row).Error; err != nil {
			return err
		}
		out = roundFromRow(row)
		return nil
	})
	if errors.Is(err, errDecided) {
		prev, perr := db.RoundByID(ctx, roundID)
		if perr != nil {
			return model.Round{}, perr
		}
		return prev, model.Errorf(model.ECONFLICT, "%s已经定了，不能再改。", prev.Label)
	}
	if err != nil {
		return model.Round{}, db.fail(err, "评选结果没有保存")
	}
	return out, nil
}

// Flags 按条件列出红旗，按期别、编号排序。
func (db *DB) Flags(ctx context.Context, f model.FlagFilter) ([]model.Flag, error) {
	q := db.conn(ctx).Order("period").Order("id")
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.Period != "" {
		q = q.Where("period = ?", f.Period)
	}
	if !f.Month.IsZero() {
		q = q.Where("month = ?", f.Month.String())
	}
	if f.Year != 0 {
		q = q.Where("month LIKE ?", model.Month{Year: f.Year, Month: 1}.String()[:5]+"%")
	}
	if f.StaffID != "" {
		q = q.Where("staff_id = ?", f.StaffID)
	}
	if f.Branch != "" {
		q = q.Where("branch = ?", f.Branch)
	}
	if !f.IncludeCancelled {
		q = q.Where("cancelled = ?", false)
	}
	var rows []flagRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, db.fail(err, "没能读取红旗")
	}
	out := make([]model.Flag, len(rows))
	for i, r := range rows {
		out[i] = flagFromRow(r)
	}
	return out, nil
}

// errCancelled 表示红旗在事务中被发现已撤销；只在事务内部使用。
var errCancelled = errors.New("store: flag already cancelled")

// CancelFlag 撤销一面红旗（原记录保留并标记），连同通知在同一事务里写入。
// 红旗不存在返回 ENOTFOUND；已撤销返回 ECONFLICT（连同红旗）。同时撤销多次只有一次成功。
func (db *DB) CancelFlag(ctx context.Context, flagID int64, by, note string, at time.Time, notices []model.Notice) (model.Flag, error) {
	for _, n := range notices {
		if err := checkNotice(n); err != nil {
			return model.Flag{}, err
		}
	}
	t := utc(at)
	var out model.Flag
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&flagRow{}).Where("id = ? AND cancelled = ?", flagID, false).Updates(map[string]any{
			"cancelled":    true,
			"cancelled_by": truncate(by, sizeID),
			"cancelled_at": &t,
			"cancel_note":  truncate(note, sizeNote),
		})
		if res.Error != nil {
			return res.Error
		}
		var row flagRow
		err := tx.Where("id = ?", flagID).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return model.Errorf(model.ENOTFOUND, "没有编号为 %d 的红旗。", flagID)
		}
		if err != nil {
			return err
		}
		out = flagFromRow(row)
		if res.RowsAffected == 0 {
			return errCancelled
		}
		for _, n := range notices {
			if err := enqueue(tx, n, t); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errCancelled) {
		return out, model.Errorf(model.ECONFLICT, "这面红旗（%s %s）已经撤销过了。", out.Period, out.Name)
	}
	if err != nil {
		return model.Flag{}, db.fail(err, "红旗没有撤销")
	}
	return out, nil
}

// ImportFlags 导入历史红旗，全部成功或全部不写；已存在的 (Kind, Period, 获旗者) 跳过。返回新增数。
// Source 为空时记为 "import"。
func (db *DB) ImportFlags(ctx context.Context, flags []model.Flag) (int, error) {
	for i, f := range flags {
		if err := checkFlag(f); err != nil {
			return 0, model.Errorf(model.EINVALID, "第 %d 面红旗：%s 什么也没有导入。", i+1, model.ErrorMessage(err))
		}
	}
	added := 0
	err := db.tx(ctx, func(tx *gorm.DB) error {
		added = 0
		at := db.now()
		for _, f := range flags {
			if f.Source == "" {
				f.Source = "import"
			}
			row := flagToRow(f, at)
			var n int64
			if err := tx.Model(&flagRow{}).Where("kind = ? AND period = ? AND subject = ?", row.Kind, row.Period, row.Subject).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, db.fail(err, "红旗没有导入")
	}
	return added, nil
}

// ClaimJob 登记定时任务 name 在 period 的执行；已登记过返回 false。
func (db *DB) ClaimJob(ctx context.Context, name, period string, at time.Time) (bool, error) {
	err := db.conn(ctx).Create(&jobRow{Name: name, Period: period, ClaimedAt: utc(at)}).Error
	if isDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, db.fail(err, "定时任务没有登记")
	}
	return true, nil
}

// ReleaseJob 撤销登记（任务失败时调用，下次还会再试）。
func (db *DB) ReleaseJob(ctx context.Context, name, period string) error {
	if err := db.conn(ctx).Where("name = ? AND period = ?", name, period).Delete(&jobRow{}).Error; err != nil {
		return db.fail(err, "定时任务登记没有撤销")
	}
	return nil
}
