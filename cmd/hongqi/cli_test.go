package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return out.String(), err
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "hongqi.db")
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("userid,name,branch,branch_kind,role\ncg01,张三,城关所,县城,经理\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badRules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(badRules, []byte("rules:\n  - code: late\n    name: 迟到\n    kind: deduct\n    amount: 0\n    words: [迟到]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badFlags := filepath.Join(dir, "flags.csv")
	if err := os.WriteFile(badFlags, []byte("kind,period,who\n周,2026-W41,张三\n旬,2026-10-4,河口所\n周,2026-W42,cg_sup\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// 时钟停在演练的 2026-11-16 09:30：测试不随真实日期变（同一个 HONGQI_CLOCK 连用时接着往前走）。
	env := map[string]string{"HONGQI_DB": db, "HONGQI_CLOCK": "2026-11-16T09:30:00+08:00"}
	tests := []struct {
		name    string
		env     map[string]string
		stdin   string
		args    []string
		want    []string // substrings of stdout
		wantErr string   // substring of the error's user message
	}{
		{"import the example roster", env, "", []string{"staff", "import", "../../testdata/roster-example.csv"}, []string{"新增 17 人"}, ""},
		{"re-import updates", env, "", []string{"staff", "import", "../../testdata/roster-example.csv"}, []string{"新增 0 人，更新 17 人"}, ""},
		{"bad row names the line and writes nothing", env, "", []string{"staff", "import", bad}, nil, "第 2 行"},
		{"list shows both 张三", env, "", []string{"staff", "list"}, []string{"cg01", "dj01", "共 17 人", "入职日期", "在职", "2019-03-01", "2026-11-10"}, ""},
		{"chat records and answers", env, "扣 张三(cg01) 迟到\n查 张三(cg01)\n", []string{"chat", "--as", "cg_sup"}, []string{"已记录 #1", "合计 −10 元"}, ""},
		{"import the example posts", env, "", []string{"post", "import", "../../testdata/posts-example.csv"}, []string{"新增 5 个窗口"}, ""},
		{"leave goes to the director, post shows the holders", env, "请假 1 天 家中有事\n岗位 城关社保窗口\n", []string{"chat", "--as", "cg01"}, []string{"林主任", "城关社保窗口"}, ""},
		{"import last year's flags", env, "", []string{"flags", "import", "../../testdata/flags-example.csv"}, []string{"新增 5 面"}, ""},
		{"re-importing flags adds nothing", env, "", []string{"flags", "import", "../../testdata/flags-example.csv"}, []string{"新增 0 面，已有 5 面"}, ""},
		{"bad flag rows by line, nothing written", env, "", []string{"flags", "import", badFlags}, nil, "第 2 行：有 2 位“张三”"},
		{"monthly sheet", env, "", []string{"report", "--month", "本月", "-o", filepath.Join(dir, "m.xlsx")}, []string{"考核结算", "合计"}, ""},
		{"report needs month and file", env, "", []string{"report", "--month", "2026-11"}, nil, "用法"},
		{"a long reply prints its continued parts in order", env, strings.Repeat("扣 张三(cg01) 迟到 路上堵车了\n", 70) + "查 张三(cg01)\n", []string{"chat", "--as", "cg_sup"},
			[]string{"……（未完，其余 1 段随后私信发给您）\n（续 2/2）\n#", "#71 ", "合计 −710 元"}, ""},
		{"chat as a stranger", env, "", []string{"chat", "--as", "nobody"}, nil, "花名册里没有工号 nobody"},
		{"rules lists the catalog", env, "", []string{"rules"}, []string{"late_long", "旷工"}, ""},
		{"a bad rules file stops with the place", env, "", []string{"rules", badRules}, nil, "amount"},
		{"a bad setting names it", map[string]string{"HONGQI_DB": "oracle://x"}, "", []string{"staff", "list"}, nil, "HONGQI_DB"},
		{"unknown subcommand", env, "", []string{"frobnicate"}, nil, "frobnicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, tt.env, tt.stdin, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(model.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("error = %v, want a message containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v (%s)", err, model.ErrorMessage(err))
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
