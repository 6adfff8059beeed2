package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// 卡片的 response_code：记下、按卡片取出（发送时的在前）、只用一次、过期的不用、放回后能再用。
func TestCardCodes(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		now := testClock.Now()
		save := func(c model.CardCode) {
			t.Helper()
			if err := db.SaveCardCode(ctx, c); err != nil {
				t.Fatalf("SaveCardCode(%s): %v", c.Code, err)
			}
		}
		save(model.CardCode{TaskID: "leave-3", Code: "click-old", Users: []string{"boss"}, Click: true, IssuedAt: now.Add(-time.Hour)})
		save(model.CardCode{TaskID: "leave-3", Code: "send-1", Users: []string{"boss", "deputy"}})
		save(model.CardCode{TaskID: "leave-3", Code: "click-new", Users: []string{"deputy"}, Click: true, IssuedAt: now.Add(-time.Minute)})
		save(model.CardCode{TaskID: "leave-3", Code: "send-1", Users: []string{"someone"}}) // 再记一次：不变
		save(model.CardCode{TaskID: "leave-4", Code: "expired", Users: []string{"boss"}, IssuedAt: now.Add(-model.CardCodeValid)})
		save(model.CardCode{TaskID: "leave-4", Code: "nearly", Users: []string{"boss"}, IssuedAt: now.Add(-model.CardCodeValid + time.Minute)})

		codes, err := db.CardCodes(ctx, "leave-3")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range codes {
			got = append(got, c.Code)
		}
		if want := []string{"send-1", "click-new", "click-old"}; !slices.Equal(got, want) {
			t.Fatalf("CardCodes = %v, want %v", got, want)
		}
		if !slices.Equal(codes[0].Users, []string{"boss", "deputy"}) || codes[0].Click || !codes[0].IssuedAt.Equal(now.UTC().Truncate(time.Microsecond)) {
			t.Errorf("send code = %+v, want both approvers, not a click, issued now", codes[0])
		}

		tests := []struct {
			name string
			code string
			want bool
		}{
			{"first use", "send-1", true},
			{"second use is refused", "send-1", false},
			{"unknown code", "nope", false},
			{"72 hours old", "expired", false},
			{"inside the last minutes before expiry", "nearly", false},
			{"a click code", "click-new", true},
		}
		for _, tt := range tests {
			used, err := db.UseCardCode(ctx, tt.code)
			if err != nil || used != tt.want {
				t.Errorf("%s: UseCardCode(%s) = %v, %v; want %v", tt.name, tt.code, used, err, tt.want)
			}
		}
		codes, _ = db.CardCodes(ctx, "leave-3")
		if codes[0].UsedAt == nil || codes[0].Usable(now) {
			t.Errorf("used send code = %+v, want used_at set and not usable", codes[0])
		}
		if err := db.ReleaseCardCode(ctx, "send-1"); err != nil {
			t.Fatal(err)
		}
		if used, err := db.UseCardCode(ctx, "send-1"); err != nil || !used {
			t.Errorf("UseCardCode after release = %v, %v; want usable again", used, err)
		}
		if err := db.SaveCardCode(ctx, model.CardCode{TaskID: "", Code: "x"}); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("SaveCardCode without task id = %v, want EINVALID", err)
		}
	})
}
