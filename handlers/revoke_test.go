package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

// TestRevokeNumbers 经机器人发各种写法的“撤销”：写了编号的撤销那一条（不是最近一条）；没写编号的
// （“撤销”“撤销 abc”）先说会撤销哪一条、怎样确认，什么也不撤；像编号却读不出的拒绝，也什么都不撤。
// 王主管先给李四记 6 条，#6 是最近的一条。
func TestRevokeNumbers(t *testing.T) {
	b, db := setup(t)
	ctx := context.Background()
	n := 0
	say := func(text string) string {
		n++
		reply, err := b.Process(ctx, model.Message{Key: fmt.Sprintf("msg:rv:%d", n), From: "wzg", Text: text, CreateTime: conversationDates[0]})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return reply
	}
	for range 6 {
		if r := say("扣 李四 迟到"); !strings.Contains(r, "已记录 #") {
			t.Fatal(r)
		}
	}
	revoked := func() []int64 {
		es, err := db.Entries(ctx, model.EntryFilter{IncludeRevoked: true})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, e := range es {
			if e.Revoked() {
				out = append(out, e.ID)
			}
		}
		return out
	}
	tests := []struct {
		name   string
		text   string
		want   string
		revoke int64 // 这一步撤销的编号；0 表示什么也不撤
	}{
		{"no argument asks first", "撤销", "没有写编号，这次没有撤销。\n您最近记的一条是 #6：李四（城关所）迟到 −10 元", 0},
		{"a word that is not a number asks first", "撤销 abc", "请发“撤销 6 abc”", 0},
		{"a reason alone asks first", "撤销 记错人了", "请发“撤销 6 记错人了”", 0},
		{"number with hao", "撤销 1号 记错人了", "已撤销 #1", 1},
		{"bianhao and full-width colon", "撤销 编号：2", "已撤销 #2", 2},
		{"full-width hash", "撤销 ＃3 记错了", "已撤销 #3", 3},
		{"No.", "撤销 No.4", "已撤销 #4", 4},
		{"bianhao glued", "撤销 编号5", "已撤销 #5", 5},
		{"letters after digits are refused", "撤销 6a", "编号“6a”不对", 0},
		{"Chinese numerals are refused", "撤销 六号", "编号请用数字写", 0},
		{"bianhao without a number is refused", "撤销 编号", "“编号”后面要写编号的数字", 0},
		{"after the others, the latest is still #6", "撤销", "您最近记的一条是 #6", 0},
		{"bare number", "撤销 6", "已撤销 #6", 6},
		{"nothing left", "撤销", "您还没有可撤销的记录", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := revoked()
			reply := say(tt.text)
			if !strings.Contains(reply, tt.want) {
				t.Errorf("%q\n回复：%s\n缺少：%s", tt.text, reply, tt.want)
			}
			after := revoked()
			want := len(before)
			if tt.revoke != 0 {
				want++
				if !slices.Contains(after, tt.revoke) {
					t.Errorf("%q 之后已撤销 %v，应撤销 #%d", tt.text, after, tt.revoke)
				}
			}
			if len(after) != want {
				t.Errorf("%q 之后已撤销 %v（之前 %v）", tt.text, after, before)
			}
		})
	}
}
