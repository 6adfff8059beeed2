package store

import (
	"context"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

// without 返回 roster 的副本，其中 id 已停用。
func without(roster []model.Staff, id string) []model.Staff {
	out := append([]model.Staff(nil), roster...)
	for i := range out {
		if out[i].UserID == id {
			out[i].Active = false
		}
	}
	return out
}

// TestRosterChangeSeenByOtherReplica 花名册缓存在各副本的内存里：副本 A 导入花名册后，副本 B 的下一次
// 读取——命令事务里、只读命令里、不带任何范围的调用里——立即按新花名册，不会让停用的人继续发命令或被记录。
func TestRosterChangeSeenByOtherReplica(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, b := openDB(t, dsn), openDB(t, dsn)
		roster := loadRoster(t, "roster.json")
		if _, _, err := a.UpsertRoster(ctx, roster); err != nil {
			t.Fatal(err)
		}
		// B 先把花名册读进缓存。
		if s, err := b.Staff(ctx, "lisi"); err != nil || !s.Active {
			t.Fatalf("导入后 B 读 lisi = %+v, %v", s, err)
		}
		// A 停用 lisi、新增 wangwu。
		next := append(without(roster, "lisi"), model.Staff{UserID: "wangwu", Name: "王五", Branch: "城关营业所", BranchKind: model.BranchCounty, Role: model.RoleStaff, Active: true})
		if _, _, err := a.UpsertRoster(ctx, next); err != nil {
			t.Fatal(err)
		}
		reads := []struct {
			name string
			read func(fn func(ctx context.Context))
		}{
			{"plain call", func(fn func(context.Context)) { fn(ctx) }},
			{"read-only command", func(fn func(context.Context)) { fn(b.Fresh(ctx)) }},
			{"command transaction", func(fn func(context.Context)) {
				if _, err := b.Once(ctx, msg("msg:read"), func(ctx context.Context) (string, error) {
					fn(ctx)
					return "ok", nil
				}); err != nil {
					t.Fatal(err)
				}
			}},
		}
		for _, r := range reads {
			t.Run(r.name, func(t *testing.T) {
				r.read(func(ctx context.Context) {
					if s, err := b.Staff(ctx, "lisi"); err != nil || s.Active {
						t.Errorf("B 读 lisi = %+v, %v；应已停用", s, err)
					}
					if got, err := b.FindStaff(ctx, "王五"); err != nil || len(got) != 1 || got[0].UserID != "wangwu" {
						t.Errorf("B 找王五 = %+v, %v", got, err)
					}
					if all, err := b.ListStaff(ctx); err != nil || len(all) != len(next) {
						t.Errorf("B 列出 %d 人（%v），应为 %d", len(all), err, len(next))
					}
				})
			})
		}
	})
}

// TestRosterImportWaitsForCommand 处理中的命令带共享锁读过花名册版本：这时谁也拿不到版本行的
// 排他锁（导入花名册的第一步），导入要等命令提交；命令从头到尾用同一份花名册，导入之后开始的命令用新的。
func TestRosterImportWaitsForCommand(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, b := openDB(t, dsn), openDB(t, dsn)
		roster := loadRoster(t, "roster.json")
		if _, _, err := a.UpsertRoster(ctx, roster); err != nil {
			t.Fatal(err)
		}
		imported := make(chan error, 1)
		_, err := b.Once(ctx, msg("msg:1"), func(ctx context.Context) (string, error) {
			if s, err := b.Staff(ctx, "lisi"); err != nil || !s.Active {
				t.Fatalf("命令开始时 lisi = %+v, %v", s, err)
			}
			if b.Dialect() == DialectMySQL {
				// 另一条连接此刻拿不到版本行的排他锁（NOWAIT：拿不到立即报错，不等）。
				err := a.g.Exec("SELECT version FROM roster_version WHERE id = 1 FOR UPDATE NOWAIT").Error
				if err == nil {
					t.Error("命令处理中，另一条连接拿到了花名册版本的排他锁：导入不会等命令")
				}
			}
			go func() {
				_, _, err := a.UpsertRoster(context.Background(), without(roster, "lisi"))
				imported <- err
			}()
			if s, err := b.Staff(ctx, "lisi"); err != nil || !s.Active {
				t.Errorf("同一命令里再读 lisi = %+v, %v；应仍是开始时的花名册", s, err)
			}
			_, err := b.Record(ctx, model.RecordRequest{Msg: msg("msg:1"), Entries: []model.Entry{entry("lisi", "late", -10)}})
			return "已记录", err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-imported; err != nil {
			t.Fatal(err)
		}
		if s, err := b.Staff(b.Fresh(ctx), "lisi"); err != nil || s.Active {
			t.Errorf("导入之后 lisi = %+v, %v；应已停用", s, err)
		}
	})
}
