package app

import (
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/redflag/rank"
	"github.com/hongqi-dev/hongqi/sched"
	"github.com/hongqi-dev/hongqi/settlement"
)

// openFlags 装配流动红旗：排行、评选流程、评分依据和定时任务。
func (m *Main) openFlags() error {
	m.Flow = &redflag.Service{
		Store: m.DB, Outbox: m.DB, Staff: m.DB, Ranker: m.newRanker(), Ledger: m.Ledger,
		Cfg: m.Config.Flags, Clock: m.Clock, Log: m.Log,
	}
	m.Inputs = &redflag.Inputs{Store: m.DB, Ledger: m.Ledger, Items: m.Config.Flags.Dekad.Items, Clock: m.Clock}
	sc, err := sched.New(m.Config.Flags, m.Clock, m.Flow, m.Locker, m.DB, m.Log)
	if err != nil {
		return err
	}
	sc.NotBefore = m.Config.Flags.SinceTime(m.Config.Location)
	m.Sched = sc
	return nil
}

// openSettlement 装配月度和年度结算；已发布月份的撤销改记调整；
// 每月的草稿和到期自动发布加到定时任务里（应在 openFlags 之后调用）。
func (m *Main) openSettlement() error {
	m.Settle = &settlement.Service{Ledger: m.Ledger, Flags: m.DB, Store: m.DB, Cfg: m.Config.Settle.Config(), Outbox: m.DB}
	m.Ledger.CloseWith(m.Settle.Closed)
	return m.Sched.AddSettlement(m.Config.Settle, m.Settle)
}

// newRanker 返回用数据库中的评选输入和花名册计算排行的 Ranker。
func (m *Main) newRanker() model.Ranker {
	return &rank.Service{Inputs: m.DB, Staff: m.DB, Cfg: m.Config.Flags, Loc: m.Config.Location}
}
