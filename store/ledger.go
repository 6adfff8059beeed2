package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hongqi-dev/hongqi/model"
)

var (
	// errDupMsg 表示消息 Key 已登记过；只在事务内部使用。
	errDupMsg = errors.New("store: message already recorded")
	// errRevokedMeanwhile 表示撤销时撞上了另一条同时写入的撤销。
	errRevokedMeanwhile = errors.New("store: entry revoked concurrently")
	// errAdjustedTwice 表示要写的调整所更正的记录已经有一笔调整（adjusts_id 唯一键）。
	errAdjustedTwice = errors.New("store: entry already adjusted")
	// errMonthClosed 表示要撤销的记录所在的月份已发布。
	errMonthClosed = errors.New("store: month published")
)

const msgNotRecorded = "本次没有记录"

// insertMessage 登记消息；Key 已存在时返回 errDupMsg。在 Once 的事务里登记的正是这条消息时
// 什么也不做（Once 已经登记过）。
func insertMessage(tx *gorm.DB, m model.Message, at time.Time) error {
	if u := unitOfTx(tx); u != nil && u.msgKey != "" && u.msgKey == m.Key {
		return nil
	}
	err := tx.Create(&messageRow{
		MsgKey:     m.Key,
		FromUser:   truncate(m.From, sizeID),
		Text:       truncate(m.Text, 4000),
		ReceivedAt: at,
	}).Error
	if isDuplicate(err) {
		return errDupMsg
	}
	return err
}

func checkMsg(m model.Message) error {
	if strings.TrimSpace(m.Key) == "" {
		return model.Errorf(model.EINVALID, "消息缺少标识，无法记录。")
	}
	if utf8.RuneCountInString(m.Key) > sizeKey {
		return model.Errorf(model.EINVALID, "消息标识太长，无法记录。")
	}
	return nil
}

func checkEntry(e model.Entry) error {
	switch {
	case e.StaffID == "" || utf8.RuneCountInString(e.StaffID) > sizeID:
		return model.Errorf(model.EINVALID, "记录缺少被记录人的工号，本次没有记录。")
	case e.ActorID == "" || utf8.RuneCountInString(e.ActorID) > sizeID:
		return model.Errorf(model.EINVALID, "记录缺少记录人的工号，本次没有记录。")
	case e.RuleCode == "" || utf8.RuneCountInString(e.RuleCode) > sizeID:
		return model.Errorf(model.EINVALID, "记录缺少规则编码，本次没有记录。")
	case e.Month.IsZero() || e.Month.Month < 1 || e.Month.Month > 12:
		return model.Errorf(model.EINVALID, "记录缺少考核月份，本次没有记录。")
	case utf8.RuneCountInString(e.Branch) > sizeName:
		return model.Errorf(model.EINVALID, "网点名太长，本次没有记录。")
	}
	return nil
}

// Record 在一个事务里登记消息、写入记录和通知。消息 Key 已登记过时返回 EDUPLICATE，
// 连同该消息先前写入的记录，什么也不新写。Notices[i] 属于 Entries[i]，其 Key、Title、Body
// 中的 "{id}" 换成记录编号；Notify 非空时改由它在事务里按写入后的月合计生成通知。
// 数据库不可用时返回 EUNAVAILABLE，什么也没写。
func (db *DB) Record(ctx context.Context, req model.RecordRequest) ([]model.Entry, error) {
	if err := checkMsg(req.Msg); err != nil {
		return nil, err
	}
	if len(req.Notices) > len(req.Entries) {
		return nil, model.Errorf(model.EINVALID, "通知比记录多，本次没有记录。")
	}
	for _, e := range req.Entries {
		if err := checkEntry(e); err != nil {
			return nil, err
		}
	}
	for _, n := range req.Notices {
		if err := checkNotice(n); err != nil {
			return nil, err
		}
	}
	if req.Appeal != nil {
		if err := checkDecision(*req.Appeal); err != nil {
			return nil, err
		}
	}
	var out []model.Entry
	err := db.tx(ctx, func(tx *gorm.DB) error {
		out = out[:0]
		at := db.now()
		if err := db.checkOpen(tx, req.OpenMonth); err != nil {
			return err
		}
		if err := insertMessage(tx, req.Msg, at); err != nil {
			return err
		}
		rows := make([]entryRow, len(req.Entries))
		for i, e := range req.Entries {
			e.MsgKey = req.Msg.Key
			e.CreatedAt = at
			e.Revocation = nil
			rows[i] = entryToRow(e)
			rows[i].ID = 0
		}
		deltas := map[totalKey]totalDelta{}
		for _, e := range req.Entries {
			k := totalKey{e.StaffID, e.Month.String()}
			d := deltas[k]
			d.entries++
			d.amount += e.Amount
			deltas[k] = d
		}
		// 消息事务里：改合计、读合计、写记录一次往返。
		ids, totals, err := db.totalsAndInsert(tx, req.Entries, rows, deltas)
		if err != nil {
			return err
		}
		for i, e := range req.Entries {
			e.MsgKey = req.Msg.Key
			e.CreatedAt = at
			e.Revocation = nil
			if ids != nil {
				e.ID = ids[i]
			} else {
				// 逐条插入：各库的批量插入不保证返回连续的自增编号。
				if err := tx.Create(&rows[i]).Error; err != nil {
					if rows[i].AdjustsID != nil && isDuplicate(err) {
						return errAdjustedTwice
					}
					return err
				}
				e.ID = rows[i].ID
			}
			out = append(out, e)
		}
		if ids == nil {
			// 记录都写进去之后再改合计：调整撞上唯一键（已调整过）时什么也没写。
			if totals, err = db.addTotals(tx, deltas); err != nil {
				return err
			}
		}
		// totals 是加过这几条之后的合计；通知里的合计逐条累加，从加之前的合计算起。
		running := map[totalKey]int64{}
		for k, t := range totals {
			running[k] = t - deltas[k].amount
		}
		for i, e := range out {
			var n model.Notice
			switch {
			case req.Notify != nil:
				k := totalKey{e.StaffID, e.Month.String()}
				running[k] += e.Amount
				n = req.Notify(e, running[k])
				if err := checkNotice(withID(n, e.ID)); err != nil {
					return err
				}
			case i < len(req.Notices):
				n = req.Notices[i]
			default:
				continue
			}
			if err := enqueue(tx, withID(n, e.ID), at); err != nil {
				return err
			}
		}
		if req.Appeal != nil && len(out) > 0 {
			return applyDecision(tx, *req.Appeal, out[0].ID, at)
		}
		return nil
	})
	if errors.Is(err, errMonthClosed) {
		return nil, &model.Error{Code: model.ECONFLICT, Err: model.ErrMonthClosed,
			Message: fmt.Sprintf("%s已结账，本次没有记录。", req.OpenMonth.Label())}
	}
	if errors.Is(err, errAppealDecided) {
		return nil, model.Errorf(model.ECONFLICT, "申诉 #%d 已经处理过，本次没有记录。", req.Appeal.AppealID)
	}
	if errors.Is(err, errDupMsg) {
		prev, perr := db.EntriesByMsg(ctx, req.Msg.Key)
		if perr != nil {
			return nil, perr
		}
		return prev, model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	}
	if errors.Is(err, errAdjustedTwice) {
		return nil, &model.Error{Code: model.ECONFLICT, Err: model.ErrAdjustedTwice, Message: "这条记录已经调整过，本次没有记录。"}
	}
	if err != nil {
		return nil, db.fail(err, msgNotRecorded)
	}
	return out, nil
}

// totalsAndInsert 在能合并语句的消息事务里，把改合计、读合计和各条记录的插入合成一次往返：先把这几条记录
// 加到各人当月的合计上（锁住 month_totals 的这几行，见 addTotals），读回加过之后的合计，再插入记录。
// 记录都在同一个月、被记录人都在事务的花名册快照里、没有调整时才这样做；否则返回 nil 编号和 nil 合计，
// 由调用方逐条插入后再 addTotals。
func (db *DB) totalsAndInsert(tx *gorm.DB, entries []model.Entry, rows []entryRow, deltas map[totalKey]totalDelta) ([]int64, map[totalKey]int64, error) {
	u := unitOfTx(tx)
	if u == nil || !u.batching() || !u.rc || u.snap == nil || len(entries) == 0 {
		return nil, nil, nil
	}
	month := entries[0].Month.String()
	for i, e := range entries {
		// 调整（AdjustsID 唯一）逐条插入：重复时要认出是“已调整过”，合并的语句里分不出是哪一条出错。
		if _, ok := u.snap.byID[e.StaffID]; !ok || e.Month.String() != month || rows[i].AdjustsID != nil {
			return nil, nil, nil
		}
	}
	ctx := tx.Statement.Context
	var sb strings.Builder
	var args []any
	keys := sortedKeys(deltas)
	// MariaDB：每条语句带 RETURNING，改合计一条、插入记录一条，各自读回合计和编号；
	// MySQL：改完合计再 SELECT 一次，每条插入后 SELECT LAST_INSERT_ID()。
	for i, k := range keys {
		q, a := db.upsertTotal(k, deltas[k])
		if i > 0 {
			sb.WriteString(";\n")
		}
		sb.WriteString(q)
		if db.returning {
			sb.WriteString(" RETURNING staff_id, total")
		}
		args = append(args, a...)
	}
	if !db.returning {
		sb.WriteString(";\nSELECT staff_id, total FROM month_totals WHERE month = ? AND staff_id IN (?" + strings.Repeat(", ?", len(keys)-1) + ")")
		args = append(args, month)
		for _, k := range keys {
			args = append(args, k.staff)
		}
	}
	for i := range rows {
		q, a := insertEntrySQL(&rows[i])
		sb.WriteString(";\n" + q)
		if db.returning {
			sb.WriteString(" RETURNING id")
		} else {
			sb.WriteString(";\nSELECT LAST_INSERT_ID()")
		}
		args = append(args, a...)
	}
	res, err := u.query(ctx, sb.String(), args)
	if err != nil {
		return nil, nil, err
	}
	defer res.Close()
	totals := map[totalKey]int64{}
	for i := range keys {
		if i > 0 && !db.returning {
			break // 一条 SELECT 读回全部
		}
		if i > 0 && !res.NextResultSet() {
			break
		}
		for res.Next() {
			var id string
			var total int64
			if err := res.Scan(&id, &total); err != nil {
				return nil, nil, err
			}
			totals[totalKey{id, month}] = total
		}
	}
	if len(totals) != len(keys) {
		return nil, nil, errors.Join(errors.New("store: 合并的语句没有读回合计"), res.Err())
	}
	out := make([]int64, len(rows))
	for i := range rows {
		if !res.NextResultSet() || !res.Next() {
			return nil, nil, errors.Join(errors.New("store: 合并的插入没有返回编号"), res.Err())
		}
		if err := res.Scan(&out[i]); err != nil {
			return nil, nil, err
		}
		rows[i].ID = out[i]
	}
	return out, totals, res.Err()
}

// entryColumns 是 insertEntrySQL 写的列，与 entryRow 的字段一一对应（编号自增）；
// TestHandwrittenInsertsCoverEveryColumn 核对它没有漏掉新加的列。
const entryColumns = "staff_id, staff_name, branch, rule_code, rule_name, kind, amount, note, actor_id, actor_name, msg_key, month, ref, adjusts_id, created_at"

// insertEntrySQL 是插入一条记录的语句，不经 gorm 的反射（消息事务的热路径上）。
func insertEntrySQL(r *entryRow) (string, []any) {
	return "INSERT INTO entries (" + entryColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		[]any{r.StaffID, r.StaffName, r.Branch, r.RuleCode, r.RuleName, r.Kind, r.Amount, r.Note, r.ActorID, r.ActorName,
			r.MsgKey, r.Month, r.Ref, r.AdjustsID, r.CreatedAt}
}

// totalKey 是某人某月。
type totalKey struct{ staff, month string }

// withID 把通知 Key、标题、正文、卡片中的 "{id}" 换成记录编号。
func withID(n model.Notice, id int64) model.Notice { return n.WithID(id) }

// Revoke 在一个事务里登记消息、写入撤销记录和通知，返回撤销后的记录。记录不存在返回
// ENOTFOUND；已撤销返回 ECONFLICT（连同记录）；消息重复返回 EDUPLICATE（连同记录当前状态）。
// 同一记录同时被撤销多次，只有一次成功。
func (db *DB) Revoke(ctx context.Context, req model.RevokeRequest) (model.Entry, error) {
	if err := checkMsg(req.Msg); err != nil {
		return model.Entry{}, err
	}
	id := req.Revocation.EntryID
	if id <= 0 {
		return model.Entry{}, model.Errorf(model.EINVALID, "要撤销的记录编号有误。")
	}
	if req.Notice.Key != "" {
		if err := checkNotice(req.Notice); err != nil {
			return model.Entry{}, err
		}
	}
	if req.Appeal != nil {
		if err := checkDecision(*req.Appeal); err != nil {
			return model.Entry{}, err
		}
	}
	var out model.Entry
	err := db.tx(ctx, func(tx *gorm.DB) error {
		at := db.now()
		if err := insertMessage(tx, req.Msg, at); err != nil {
			return err
		}
		var er entryRow
		q := tx
		if db.dialect == DialectMySQL {
			// 加锁读：同一条记录的几次撤销依次排队，后来的在下面看得到先前提交的撤销。
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		err := q.Where("id = ?", id).Take(&er).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		out = entryFromRow(er)
		var prev []revocationRow
		if err := tx.Where("entry_id = ?", id).Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		if len(prev) > 0 {
			out.Revocation = revocationFromRow(prev[0])
			return db.revokedErr(out)
		}
		// 与发布排队：锁住记录所在的月份再看是否已发布。发布先锁住这个月，撤销就等它提交，
		// 看到已发布，不撤销（台账服务改记调整）；撤销先锁住，发布就等撤销提交，结算单上没有这条。
		if err := db.lockMonth(tx, out.Month, false); err != nil {
			return err
		}
		closed, err := db.published(tx, out.Month)
		if err != nil {
			return err
		}
		if closed {
			return errMonthClosed
		}
		rev := req.Revocation
		rr := revocationRow{
			EntryID:   id,
			ActorID:   truncate(rev.ActorID, sizeID),
			ActorName: truncate(rev.ActorName, sizeName),
			MsgKey:    req.Msg.Key,
			Reason:    truncate(rev.Reason, sizeNote),
			CreatedAt: at,
		}
		if err := tx.Create(&rr).Error; err != nil {
			if isDuplicate(err) {
				return errRevokedMeanwhile
			}
			return err
		}
		out.Revocation = revocationFromRow(rr)
		// 最后才锁合计行（与记录、发布一样在月份锁之后）：读回的是撤销之后的合计。
		k := totalKey{out.StaffID, out.Month.String()}
		totals, err := db.addTotals(tx, map[totalKey]totalDelta{k: {entries: -1, amount: -out.Amount}})
		if err != nil {
			return err
		}
		n := req.Notice
		if req.Notify != nil {
			n = req.Notify(out, totals[k])
			if err := checkNotice(withID(n, id)); err != nil {
				return err
			}
		}
		if n.Key != "" {
			if err := enqueue(tx, withID(n, id), at); err != nil {
				return err
			}
		}
		if req.Appeal != nil {
			out.AppealID, out.Appeal = req.Appeal.AppealID, req.Appeal.Status
			return applyDecision(tx, *req.Appeal, 0, at)
		}
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, errAppealDecided):
		return model.Entry{}, model.Errorf(model.ECONFLICT, "申诉 #%d 已经处理过，没有撤销。", req.Appeal.AppealID)
	case errors.Is(err, errDupMsg):
		e, gerr := db.Entry(ctx, id)
		if gerr != nil && model.ErrorCode(gerr) != model.ENOTFOUND {
			return model.Entry{}, gerr
		}
		return e, model.Errorf(model.EDUPLICATE, "这条消息已经处理过。")
	case errors.Is(err, errMonthClosed):
		return out, &model.Error{Code: model.ECONFLICT, Err: model.ErrMonthClosed,
			Message: fmt.Sprintf("#%d 所在的%s已结账，没有撤销。", id, out.Month.Label())}
	case errors.Is(err, errRevokedMeanwhile):
		e, gerr := db.Entry(ctx, id)
		if gerr != nil {
			return model.Entry{}, gerr
		}
		return e, db.revokedErr(e)
	case model.ErrorCode(err) == model.ECONFLICT:
		return out, err
	}
	return model.Entry{}, db.fail(err, "没有撤销")
}

func notFound(id int64) error {
	return model.Errorf(model.ENOTFOUND, "没有编号为 %d 的记录。", id)
}

// revokedErr 说明记录已于何时被谁撤销。
func (db *DB) revokedErr(e model.Entry) error {
	r := e.Revocation
	if r == nil {
		return model.Errorf(model.ECONFLICT, "记录 %d 已被撤销。", e.ID)
	}
	who := r.ActorName
	if who == "" {
		who = r.ActorID
	}
	return model.Errorf(model.ECONFLICT, "记录 %d 已于 %s 被 %s 撤销。", e.ID, r.CreatedAt.In(db.clock.Location()).Format("2006-01-02 15:04"), who)
}

// entryJoin 是 entries 左连接 revocations 的一行。
type entryJoin struct {
	Entry      entryRow `gorm:"embedded"`
	RID        *int64
	RActorID   *string
	RActorName *string
	RMsgKey    *string
	RReason    *string
	RCreatedAt *time.Time
	AID        *int64
	AStatus    *string
}

func (j entryJoin) entry() model.Entry {
	e := entryFromRow(j.Entry)
	if j.AID != nil {
		e.AppealID, e.Appeal = *j.AID, model.AppealStatus(deref(j.AStatus))
	}
	if j.RID != nil {
		e.Revocation = &model.Revocation{
			EntryID:   j.Entry.ID,
			ActorID:   deref(j.RActorID),
			ActorName: deref(j.RActorName),
			MsgKey:    deref(j.RMsgKey),
			Reason:    deref(j.RReason),
		}
		if j.RCreatedAt != nil {
			e.Revocation.CreatedAt = j.RCreatedAt.UTC()
		}
	}
	return e
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// joined 返回 entries e 左连接 revocations r 的查询。
func (db *DB) joined(ctx context.Context) *gorm.DB {
	return db.conn(ctx).Table("entries AS e").
		Select("e.*, r.id AS r_id, r.actor_id AS r_actor_id, r.actor_name AS r_actor_name, " +
			"r.msg_key AS r_msg_key, r.reason AS r_reason, r.created_at AS r_created_at, a.id AS a_id, a.status AS a_status").
		Joins("LEFT JOIN revocations r ON r.entry_id = e.id").
		Joins("LEFT JOIN appeals a ON a.entry_id = e.id")
}

func (db *DB) scanEntries(q *gorm.DB, what string) ([]model.Entry, error) {
	var rows []entryJoin
	if err := q.Scan(&rows).Error; err != nil {
		return nil, db.fail(err, what)
	}
	out := make([]model.Entry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

// Entry 按编号取记录（含撤销信息）；找不到返回 ENOTFOUND。
func (db *DB) Entry(ctx context.Context, id int64) (model.Entry, error) {
	es, err := db.scanEntries(db.joined(ctx).Where("e.id = ?", id).Limit(1), "没能读取记录")
	if err != nil {
		return model.Entry{}, err
	}
	if len(es) == 0 {
		return model.Entry{}, notFound(id)
	}
	return es[0], nil
}

// where 把筛选条件（不含排序和分页）加到 entries e 左连接 revocations r 的查询上。
func where(q *gorm.DB, f model.EntryFilter) *gorm.DB {
	if f.StaffID != "" {
		q = q.Where("e.staff_id = ?", f.StaffID)
	}
	if f.ActorID != "" {
		q = q.Where("e.actor_id = ?", f.ActorID)
	}
	if f.Ref != "" {
		q = q.Where("e.ref = ?", f.Ref)
	}
	if f.RuleCode != "" {
		q = q.Where("e.rule_code = ?", f.RuleCode)
	}
	if f.Branches != nil {
		if len(f.Branches) == 0 {
			q = q.Where("1 = 0")
		} else {
			q = q.Where("e.branch IN ?", f.Branches)
		}
	}
	if !f.Month.IsZero() {
		q = q.Where("e.month = ?", f.Month.String())
	}
	if !f.IncludeRevoked {
		q = q.Where("r.id IS NULL")
	}
	return q
}

// Entries 按条件列出记录（含撤销信息），默认按编号升序。
func (db *DB) Entries(ctx context.Context, f model.EntryFilter) ([]model.Entry, error) {
	q := where(db.joined(ctx), f)
	q = q.Order(clause.OrderByColumn{Column: clause.Column{Table: "e", Name: "id"}, Desc: f.Desc})
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	if f.Offset > 0 {
		if f.Limit <= 0 {
			q = q.Limit(1 << 30) // MySQL 的 OFFSET 必须跟在 LIMIT 之后
		}
		q = q.Offset(f.Offset)
	}
	return db.scanEntries(q, "没能读取记录")
}

// counted 返回 entries e 左连接 revocations r、加上筛选条件的查询（汇总用）。
func (db *DB) counted(ctx context.Context, f model.EntryFilter) *gorm.DB {
	q := db.conn(ctx).Table("entries AS e").Joins("LEFT JOIN revocations r ON r.entry_id = e.id")
	return where(q, f)
}

// CountEntries 返回满足条件的记录条数（不看 Limit、Offset、Desc）。
func (db *DB) CountEntries(ctx context.Context, f model.EntryFilter) (int, error) {
	var n int64
	if err := db.counted(ctx, f).Count(&n).Error; err != nil {
		return 0, db.fail(err, "没能统计记录")
	}
	return int(n), nil
}

// StaffTotals 返回满足条件的记录按人汇总，按网点、姓名、userid 排序。姓名和网点取自记录
// （同一人的记录上不止一种写法时取其中字典序最大的）。
func (db *DB) StaffTotals(ctx context.Context, f model.EntryFilter) ([]model.StaffTotal, error) {
	var rows []struct {
		StaffID   string
		StaffName string
		Branch    string
		Entries   int
		Revoked   int
		Total     int64
	}
	err := db.counted(ctx, f).
		Select("e.staff_id AS staff_id, MAX(e.staff_name) AS staff_name, MAX(e.branch) AS branch, COUNT(*) AS entries, " +
			"SUM(CASE WHEN r.id IS NULL THEN 0 ELSE 1 END) AS revoked, " +
			"SUM(CASE WHEN r.id IS NULL THEN e.amount ELSE 0 END) AS total").
		Group("e.staff_id").Order("branch, staff_name, staff_id").Scan(&rows).Error
	if err != nil {
		return nil, db.fail(err, "没能计算合计")
	}
	out := make([]model.StaffTotal, len(rows))
	for i, r := range rows {
		out[i] = model.StaffTotal{StaffID: r.StaffID, StaffName: r.StaffName, Branch: r.Branch,
			Entries: r.Entries, Revoked: r.Revoked, Total: r.Total}
	}
	return out, nil
}

// MonthsOf 返回某人每个有（未撤销）记录的月份的合计，按月份倒序。
func (db *DB) MonthsOf(ctx context.Context, staffID string) ([]model.MonthTotal, error) {
	var rows []monthTotalRow
	err := db.conn(ctx).Where("staff_id = ? AND entries > 0", staffID).Order("month DESC").Find(&rows).Error
	if err != nil {
		return nil, db.fail(err, "没能计算合计")
	}
	out := make([]model.MonthTotal, len(rows))
	for i, r := range rows {
		out[i] = model.MonthTotal{Month: parseMonth(r.Month), Entries: r.Entries, Total: r.Total}
	}
	return out, nil
}

// EntriesByMsg 返回某条消息写入的记录（含撤销信息），按编号升序。
func (db *DB) EntriesByMsg(ctx context.Context, msgKey string) ([]model.Entry, error) {
	return db.scanEntries(db.joined(ctx).Where("e.msg_key = ?", msgKey).Order("e.id"), "没能读取记录")
}

// MonthTotals 返回各人某月未撤销记录的合计（元）；staffIDs 为空表示全部人员。
// 没有记录的人不在结果里。读的是 month_totals（与记录、撤销同一事务改的），不把记录加一遍。
func (db *DB) MonthTotals(ctx context.Context, m model.Month, staffIDs []string) (map[string]int64, error) {
	q := db.conn(ctx).Where("month = ? AND entries > 0", m.String())
	if len(staffIDs) > 0 {
		q = q.Where("staff_id IN ?", staffIDs)
	}
	var rows []monthTotalRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, db.fail(err, "没能计算合计")
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.StaffID] = r.Total
	}
	return out, nil
}

// lockMonth 在事务 tx 里锁住考核月 m 的 month_locks 行（见 monthLockRow）：exclusive 为真时加排他锁
// （发布），否则加共享锁（撤销：同一个月的几条撤销互不等待）。行不存在时先插入。只在 MySQL 上加锁：
// SQLite 的写事务以 BEGIN IMMEDIATE 开始，本来就一个接一个。
func (db *DB) lockMonth(tx *gorm.DB, m model.Month, exclusive bool) error {
	if db.dialect != DialectMySQL {
		return nil
	}
	if exclusive {
		return tx.Exec("INSERT INTO month_locks (month) VALUES (?) ON DUPLICATE KEY UPDATE month = month", m.String()).Error
	}
	if err := tx.Exec("INSERT IGNORE INTO month_locks (month) VALUES (?)", m.String()).Error; err != nil {
		return err
	}
	var got []string
	return tx.Raw("SELECT month FROM month_locks WHERE month = ? LOCK IN SHARE MODE", m.String()).Scan(&got).Error
}

// checkOpen 是 RecordRequest.OpenMonth：m 非零时锁住这个月（共享锁，与撤销相同）再看是否已发布，已发布返回
// errMonthClosed。在写任何东西之前做：已发布的月份的锁行早已在（发布时插入），锁它不是写入，所以在消息的
// 工作单元里返回 errMonthClosed 也不会让整条消息作废，台账服务可以接着改记本月。
//
// 锁的顺序是先月份、后人（Notify 锁人），与撤销（先人、后月份）相反；两者之间只有在同时有人发布这个月、
// 又撤销这个人的记录时才可能互等，那时数据库认出死锁，回滚其中一个，事务整体重来（见 tx）。
func (db *DB) checkOpen(tx *gorm.DB, m model.Month) error {
	if m.IsZero() {
		return nil
	}
	if u := unitOfTx(tx); u != nil {
		// 第一次用到这个月时插入的锁行不是命令的效果（插不插、提不提交都一样）：不算作写入，
		// 这条记录随后被拒绝（如同一来源已记过）时不必让整条消息作废。
		w := u.writes
		defer func() { u.writes = w }()
	}
	if err := db.lockMonth(tx, m, false); err != nil {
		return err
	}
	closed, err := db.published(tx, m)
	if err != nil {
		return err
	}
	if closed {
		return errMonthClosed
	}
	return nil
}

// published 表示考核月 m 是否已发布。MySQL 上是加锁读：读到最新提交的发布记录，不受事务开始时的快照影响
// （撤销的事务在等到月份锁之前已经读过别的表）。
func (db *DB) published(tx *gorm.DB, m model.Month) (bool, error) {
	q := "SELECT month FROM publications WHERE month = ?"
	if db.dialect == DialectMySQL {
		q += " LOCK IN SHARE MODE"
	}
	var got []string
	if err := tx.Raw(q, m.String()).Scan(&got).Error; err != nil {
		return false, err
	}
	return len(got) > 0, nil
}

// monthBasis 数出考核月 m 的记录条数（含已撤销的）和其中已撤销的条数，读出该月的服务明星（见 model.LedgerBasis）。
func monthBasis(tx *gorm.DB, m model.Month) (model.LedgerBasis, error) {
	var b struct {
		Entries int
		Revoked int
	}
	err := tx.Raw(`SELECT COUNT(*) AS entries, COUNT(r.id) AS revoked FROM entries e
LEFT JOIN revocations r ON r.entry_id = e.id WHERE e.month = ?`, m.String()).Scan(&b).Error
	if err != nil {
		return model.LedgerBasis{}, err
	}
	var star []string
	if err := tx.Raw("SELECT staff_id FROM stars WHERE month = ?", m.String()).Scan(&star).Error; err != nil {
		return model.LedgerBasis{}, err
	}
	out := model.LedgerBasis{Entries: b.Entries, Revoked: b.Revoked}
	if len(star) > 0 {
		out.Star = star[0]
	}
	return out, nil
}

// backfillAdjusts 给旧版本写的调整（Ref "adjusts:#<编号>"、adjusts_id 为空）补上 adjusts_id，并给已发布的
// 月份补上 month_locks 行（撤销时锁行已在，不必在事务里插入）。迁移时运行，可重复运行。
// 旧版本在并发撤销时可能给同一条记录记了两笔调整：只给最早的一笔补上，其余留空（仍是调整，可由中心领导撤销）。
func backfillAdjusts(g *gorm.DB) error {
	var rows []struct {
		ID  int64
		Ref string
	}
	if err := g.Table("entries").Select("id, ref").Where("ref LIKE ? AND adjusts_id IS NULL", "adjusts:#%").
		Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("读取旧的调整记录：%w", err)
	}
	for _, r := range rows {
		orig, err := strconv.ParseInt(strings.TrimPrefix(r.Ref, "adjusts:#"), 10, 64)
		if err != nil || orig <= 0 {
			continue
		}
		var taken int64
		if err := g.Table("entries").Where("adjusts_id = ?", orig).Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			continue
		}
		err = g.Table("entries").Where("id = ? AND adjusts_id IS NULL", r.ID).Update("adjusts_id", orig).Error
		if err != nil && !isDuplicate(err) { // 另一个副本同时补上了：不算错
			return fmt.Errorf("补记调整 #%d 所更正的记录：%w", r.ID, err)
		}
	}
	var months []string
	if err := g.Table("publications p").Select("p.month").
		Where("NOT EXISTS (SELECT 1 FROM month_locks l WHERE l.month = p.month)").Find(&months).Error; err != nil {
		return err
	}
	for _, m := range months {
		if err := g.Clauses(clause.OnConflict{DoNothing: true}).Create(&monthLockRow{Month: m}).Error; err != nil {
			return err
		}
	}
	return nil
}
