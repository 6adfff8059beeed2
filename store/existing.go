package store

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
)

// OpenExisting 同 Open，但不迁移表结构，SQLite 文件不存在时也不新建：供 hongqi health 这类
// 只看不改、每隔几十秒运行一次的命令用。表还没建时，之后的查询会报错。
func OpenExisting(ctx context.Context, dsn string, clock *model.Clock, log *slog.Logger) (*DB, error) {
	if path, ok := sqliteFile(dsn); ok {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, model.Wrap(model.EUNAVAILABLE, err,
				"数据库文件 %s 不存在（HONGQI_DB）：hongqi serve 第一次启动时会创建它。", path)
		}
	}
	return open(ctx, dsn, clock, log, false)
}

// sqliteFile 返回 sqlite: 地址中的文件路径；不是 SQLite 文件（MySQL、内存库）时 ok 为 false。
func sqliteFile(dsn string) (path string, ok bool) {
	dsn = strings.TrimSpace(dsn)
	if !strings.HasPrefix(dsn, "sqlite:") {
		return "", false
	}
	path = strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	path, _, _ = strings.Cut(path, "?")
	path = strings.TrimPrefix(path, "file:")
	if path == "" || strings.Contains(path, ":memory:") {
		return "", false
	}
	return path, true
}
