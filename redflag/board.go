package redflag

import (
	"context"

	"github.com/hongqi-dev/hongqi/model"
)

// Standing 是一期的排行，连同已经评出的红旗（评选小组确认、改选或到期生效之后才有）。
type Standing struct {
	Ranking model.Ranking
	Awarded []model.Flag // 这一期已授予、未撤销的红旗；还没评出时为空
}

// WeeklyStanding 返回周 w 的县城窗口员工排行和已评出的周服务红旗。所有在册人员都可以看排行。
func (s *Service) WeeklyStanding(ctx context.Context, w model.Week) (Standing, error) {
	rk, err := s.Ranker.Weekly(ctx, w)
	if err != nil {
		return Standing{}, err
	}
	return s.standing(ctx, rk, model.FlagWeekly, w.String())
}

// DekadStanding 返回旬 d 的农村网点排行和已评出的旬服务红旗。
func (s *Service) DekadStanding(ctx context.Context, d model.Dekad) (Standing, error) {
	rk, err := s.Ranker.Dekad(ctx, d)
	if err != nil {
		return Standing{}, err
	}
	return s.standing(ctx, rk, model.FlagDekad, d.String())
}

func (s *Service) standing(ctx context.Context, rk model.Ranking, kind model.FlagKind, period string) (Standing, error) {
	flags, err := s.Store.Flags(ctx, model.FlagFilter{Kind: kind, Period: period})
	if err != nil {
		return Standing{}, err
	}
	return Standing{Ranking: rk, Awarded: flags}, nil
}
