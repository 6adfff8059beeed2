package model

import (
	"testing"
	"time"
)

func TestCardOutcome(t *testing.T) {
	tests := []struct {
		name, done, who, want string
	}{
		{"with the decider", "已批准", "张主任", "已批准（张主任）"},
		{"no name", "已维持", "", "已维持"},
		{"a long name is left out", "已驳回", "欧阳娜娜娜娜娜", "已驳回"},
		{"control characters go", "已撤销", "李\u202e四\n", "已撤销（李四）"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CardOutcome(tt.done, tt.who); got != tt.want {
				t.Errorf("CardOutcome(%q, %q) = %q, want %q", tt.done, tt.who, got, tt.want)
			}
		})
	}
}

func TestCardCodeUsable(t *testing.T) {
	at := time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)
	used := at.Add(time.Hour)
	tests := []struct {
		name string
		c    CardCode
		now  time.Time
		want bool
	}{
		{"fresh", CardCode{IssuedAt: at}, at.Add(time.Minute), true},
		{"71 hours old", CardCode{IssuedAt: at}, at.Add(71 * time.Hour), true},
		{"minutes before 72 hours", CardCode{IssuedAt: at}, at.Add(CardCodeValid - time.Minute), false},
		{"72 hours old", CardCode{IssuedAt: at}, at.Add(CardCodeValid), false},
		{"used", CardCode{IssuedAt: at, UsedAt: &used}, at.Add(2 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Usable(tt.now); got != tt.want {
				t.Errorf("Usable = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCardUpdateWithID(t *testing.T) {
	n := CardUpdateNotice("leave-{id}", "已撤回", ToUsers("boss")).WithID(7)
	if n.Key != "card:leave-7" || n.CardUpdate.TaskID != "leave-7" || n.CardUpdate.ReplaceName != "已撤回" {
		t.Errorf("WithID(7) = %+v %+v", n, *n.CardUpdate)
	}
}
