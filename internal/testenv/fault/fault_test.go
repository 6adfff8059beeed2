package fault

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestNoLeaks 确认子测试结束后进程已退出、临时文件已删除。
func TestNoLeaks(t *testing.T) {
	var pids []int
	var dirs []string
	t.Run("inner", func(t *testing.T) {
		m := StartMariaDB(t)
		r := StartRedis(t)
		m.Stop() // 暂停着的进程也得被清理掉
		r.Stop()
		pids = append(pids, m.PID(), r.PID())
		dirs = append(dirs, filepath.Dir(m.datadir))
		StopFor(r, 3*time.Second) // 定时器在测试结束后才触发，不能出错
	})
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("进程 %d 在测试结束后仍在: %v", pid, err)
		}
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("临时目录 %s 在测试结束后仍在: %v", d, err)
		}
	}
}

func TestFreePort(t *testing.T) {
	p := FreePort(t)
	if p <= 0 || p == 3306 || p == 6379 {
		t.Fatalf("FreePort = %d", p)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("FreePort 给的端口 %d 不能监听: %v", p, err)
	}
	l.Close()
}
