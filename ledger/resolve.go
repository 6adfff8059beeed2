package ledger

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/model"
)

// reNameID 匹配“姓名(工号)”；全角括号在这里也接受（bot.Parse 会统一成半角）。
var reNameID = regexp.MustCompile(`^(.*?)\s*[(（]\s*([^()（）]+?)\s*[)）]$`)

// 按名字找人只有这一处（Resolve 与 Find），所有命令的答复都一样：谁也不匹配时给出最接近的姓名，
// 几个人都匹配时列出 姓名(工号)·网点，请对方写“姓名(工号)”。

// Resolve 把 who（姓名、工号，或“姓名(工号)”）解析成花名册中的一个人，限在操作人的管理范围内
// （记录、撤销、查询、评分依据用）。
//
// 先在操作人的可见范围内找（actor.CanView：本人，以及主管、所长、管理员管理的人），再在全体中找：
//   - 谁也不匹配：ENOTFOUND，附上最接近的姓名；
//   - 范围内匹配到多人：EAMBIGUOUS，列出各人的 姓名(工号)·网点，请对方写“姓名(工号)”；
//   - 只在范围外匹配到：EFORBIDDEN，说明是谁、不在其范围内。
//
// 在职的人优先；只有已停用的人匹配时也返回他（查询历史用），记录时由 Record 拒绝。
func (s *Service) Resolve(ctx context.Context, actor model.Staff, who string) (model.Staff, error) {
	return s.resolve(ctx, &actor, who)
}

// Find 与 Resolve 相同，但不限管理范围：在整个花名册里找（看谁在哪个岗位、评选小组改选红旗用）。
// 答复与 Resolve 一样（最接近的姓名；重名时的 姓名(工号)·网点）。
func (s *Service) Find(ctx context.Context, who string) (model.Staff, error) {
	return s.resolve(ctx, nil, who)
}

// resolve 是 Resolve 和 Find：actor 为 nil 时不限范围。
func (s *Service) resolve(ctx context.Context, actor *model.Staff, who string) (model.Staff, error) {
	who = strings.TrimSpace(who)
	if who == "" {
		return model.Staff{}, model.Errorf(model.EINVALID, "请写上姓名或工号。")
	}
	name, id := who, ""
	if m := reNameID.FindStringSubmatch(who); m != nil {
		name, id = strings.TrimSpace(m[1]), m[2]
	}
	key := who
	if id != "" {
		key = id
	}
	cands, err := s.Staff.FindStaff(ctx, key)
	if err != nil {
		return model.Staff{}, unavailable(err, "花名册暂时读不到，请稍后再试。")
	}
	var matches []model.Staff
	if id != "" {
		// 姓名(工号)：工号是身份，姓名必须对得上（防止写错人）。
		for _, st := range cands {
			if strings.EqualFold(st.UserID, id) {
				if name != "" && st.Name != name {
					return model.Staff{}, model.Errorf(model.EINVALID, "工号 %s 是%s，不是“%s”。请核对后重写。", st.UserID, st.Name, name)
				}
				matches = append(matches, st)
			}
		}
	} else {
		// 工号精确匹配优先（工号唯一），否则按姓名。
		for _, st := range cands {
			if strings.EqualFold(st.UserID, who) {
				matches = append(matches, st)
			}
		}
		if len(matches) == 0 {
			for _, st := range cands {
				if st.Name == who {
					matches = append(matches, st)
				}
			}
		}
	}
	if len(matches) == 0 {
		// 只有找不到时才读全部花名册，给出最接近的姓名。
		all, err := s.Staff.ListStaff(ctx)
		if err != nil {
			return model.Staff{}, unavailable(err, "花名册暂时读不到，请稍后再试。")
		}
		return model.Staff{}, notFound(all, actor, who, name)
	}
	return pick(matches, actor, who)
}

// Names 返回花名册上在职人员的姓名和工号（拆开粘在一起的“扣李四迟到”用），长的在前。
func (s *Service) Names(ctx context.Context) ([]string, error) {
	all, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return nil, unavailable(err, "花名册暂时读不到，请稍后再试。")
	}
	seen := map[string]bool{}
	var out []string
	for _, st := range all {
		if !st.Active {
			continue
		}
		for _, n := range []string{st.Name, st.UserID} {
			if n != "" && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return utf8.RuneCountInString(b) - utf8.RuneCountInString(a) })
	return out, nil
}

// canView 表示 actor 能否看到 st；actor 为 nil（不限范围）时谁都能看到。
func canView(actor *model.Staff) func(model.Staff) bool {
	if actor == nil {
		return func(model.Staff) bool { return true }
	}
	return actor.CanView
}

// pick 在匹配到的人中按操作人的范围选出一人，或说明为什么不能选。
func pick(matches []model.Staff, actor *model.Staff, who string) (model.Staff, error) {
	// 在职优先。
	active := filter(matches, func(st model.Staff) bool { return st.Active })
	if len(active) > 0 {
		matches = active
	}
	inScope := filter(matches, canView(actor))
	switch {
	case len(inScope) == 1:
		return inScope[0], nil
	case len(inScope) > 1:
		list := make([]string, 0, len(inScope))
		for _, st := range inScope {
			list = append(list, st.Display()+"·"+st.Branch)
		}
		return model.Staff{}, model.Errorf(model.EAMBIGUOUS,
			"有 %d 位“%s”：%s。请写成 姓名(工号)，例如 %s。",
			len(inScope), who, strings.Join(list, "、"), inScope[0].Display())
	}
	if len(matches) == 1 {
		st := matches[0]
		if actor.Role == model.RoleStaff {
			return model.Staff{}, model.Errorf(model.EFORBIDDEN, "员工只能查看自己的记录。")
		}
		return model.Staff{}, model.Errorf(model.EFORBIDDEN, "%s（%s）不在您的管理范围内，应由%s处理。", st.Name, st.Branch, model.Overseers(st))
	}
	branches := make([]string, 0, len(matches))
	for _, st := range matches {
		branches = append(branches, st.Branch)
	}
	if actor.Role == model.RoleStaff {
		return model.Staff{}, model.Errorf(model.EFORBIDDEN, "员工只能查看自己的记录。")
	}
	return model.Staff{}, model.Errorf(model.EFORBIDDEN, "“%s”（%s）都不在您的管理范围内，应由那里的主管、所长或中心领导处理。", who, strings.Join(branches, "、"))
}

// notFound 生成“没有找到”的提示，附上最接近的姓名：只在操作人的可见范围内找（actor 为 nil 时不限），
// 范围外的人不出现在提示里（员工发“查 张”不会看到别的网点的张某）。
func notFound(all []model.Staff, actor *model.Staff, who, name string) error {
	visible := filter(all, func(st model.Staff) bool { return st.Active && canView(actor)(st) })
	var names []string
	seen := map[string]bool{}
	for _, st := range visible {
		if !seen[st.Name] {
			seen[st.Name] = true
			names = append(names, st.Name)
		}
	}
	var hints []string
	for _, n := range model.Closest(name, names, 5) {
		same := filter(visible, func(st model.Staff) bool { return st.Name == n })
		for _, st := range same {
			label := fmt.Sprintf("%s（%s）", st.Name, st.Branch)
			if len(same) > 1 {
				label = fmt.Sprintf("%s（%s）", st.Display(), st.Branch)
			}
			hints = append(hints, label)
		}
	}
	if len(hints) > 5 {
		hints = hints[:5]
	}
	msg := fmt.Sprintf("没有找到“%s”。", who)
	if len(hints) > 0 {
		return model.Errorf(model.ENOTFOUND, "%s您是不是要找：%s？", msg, strings.Join(hints, "、"))
	}
	return model.Errorf(model.ENOTFOUND, "%s请核对姓名，或写工号。", msg)
}

func filter(ss []model.Staff, keep func(model.Staff) bool) []model.Staff {
	var out []model.Staff
	for _, s := range ss {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}
