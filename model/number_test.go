package model

import "testing"

func TestParseInt(t *testing.T) {
	tests := []struct {
		in     string
		lo, hi int64
		want   int64
		ok     bool
	}{
		{"95", 0, 100, 95, true},
		{" 95 ", 0, 100, 95, true},
		{"０", 0, 100, 0, true},
		{"９５", 0, 100, 95, true},
		{"＋１２", 0, 100, 12, true},
		{"+12", 0, 100, 12, true},
		{"100", 0, 100, 100, true},
		{"101", 0, 100, 0, false},
		{"-1", 0, 100, 0, false},
		{"－1", 0, 100, 0, false},
		{"−1", -5, 100, -1, true},
		{"1e9", 0, MaxID, 0, false},
		{"3.5", 0, 100, 0, false},
		{"1,000", 0, 10000, 0, false},
		{"99999999999999999999", 0, MaxID, 0, false},
		{"9223372036854775807", 0, MaxID, MaxID, true},
		{"", 0, 100, 0, false},
		{"九十", 0, 100, 0, false},
		{"0x10", 0, 100, 0, false},
		{"٣", 0, 100, 0, false}, // 阿拉伯-印度数字不读
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseInt(tt.in, tt.lo, tt.hi)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseInt(%q, %d, %d) = %d, %v；应为 %d, %v", tt.in, tt.lo, tt.hi, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLooksNumeric(t *testing.T) {
	for in, want := range map[string]bool{
		"12": true, "99999999999999999999": true, "-1": true, "－１": true, "０": true,
		"": false, "abc": false, "12号": false, "1e9": false, "-": false, "记错了": false,
	} {
		if got := LooksNumeric(in); got != want {
			t.Errorf("LooksNumeric(%q) = %v，应为 %v", in, got, want)
		}
	}
}
