package model

import (
	"errors"
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"mysql", "mysql://root:S3cr3t@tcp(db:3306)/hq", "mysql://root:***@tcp(db:3306)/hq"},
		{"mysql without a password", "mysql://root@tcp(db:3306)/hq", "mysql://root@tcp(db:3306)/hq"},
		{"mysql without @", "mysql://root:S3cr3t/hq", "mysql://root:***/hq"},
		{"password with @ and /", "mysql://root:p@s/S3cr3t@tcp(db)/hq", "mysql://root:***@tcp(db)/hq"},
		{"scheme without //", "mysql:root:S3cr3t@tcp(db)/hq", "mysql:***@tcp(db)/hq"},
		{"no scheme", "root:S3cr3t@tcp(db)/hq", "root:***@tcp(db)/hq"},
		{"redis with password", "redis://:S3cr3t@cache:6379/0", "redis://:***@cache:6379/0"},
		{"redis host forgotten", "redis://:S3cr3t", "redis://:***"},
		{"redis port kept", "redis://cache:6379/0", "redis://cache:6379/0"},
		{"password in the query", "redis://cache:6379/0?password=S3cr3t&db=1", "redis://cache:6379/0?password=***&db=1"},
		{"sqlite untouched", "sqlite:/var/lib/hongqi/hongqi.db", "sqlite:/var/lib/hongqi/hongqi.db"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactDSN(tt.in); got != tt.want {
				t.Errorf("RedactDSN(%q) = %q，应为 %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactError(t *testing.T) {
	err := errors.New(`parse "redis://:p\"w@h:x/0": invalid port`)
	got := RedactError(err, `p"w`).Error()
	if strings.Contains(got, `p\"w`) || !strings.Contains(got, "***") {
		t.Errorf("RedactError 没去掉 %%q 转义后的密码：%s", got)
	}
	plain := errors.New("dial tcp: refused")
	if RedactError(plain, "S3cr3t") != plain {
		t.Errorf("不含密码的错误应原样返回（保留错误链）")
	}
	if RedactError(nil, "x") != nil {
		t.Errorf("nil 应返回 nil")
	}
}
