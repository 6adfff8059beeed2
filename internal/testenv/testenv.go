// Package testenv 为测试提供真实的 MariaDB/MySQL 与 Redis：每个测试一个全新的数据库或键前缀，
// 测试结束时清理。服务连不上时测试失败（不跳过），CI 由 .ci/run 负责先把服务拉起来。
//
// 环境变量：HONGQI_TEST_MYSQL（默认 root@tcp(127.0.0.1:3306)/），HONGQI_TEST_REDIS
// （默认 redis://127.0.0.1:6379/0）。
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // 只用于建库、删库
	"github.com/redis/go-redis/v9"
)

// MySQLServer 返回 MySQL 服务器的 DSN 前缀（不含库名），如 root@tcp(127.0.0.1:3306)/。
func MySQLServer() string {
	if v := os.Getenv("HONGQI_TEST_MYSQL"); v != "" {
		return v
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// RedisURL 返回测试用 Redis 地址。
func RedisURL() string {
	if v := os.Getenv("HONGQI_TEST_REDIS"); v != "" {
		return v
	}
	return "redis://127.0.0.1:6379/0"
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MySQL 新建一个空数据库，返回 hongqi 能用的 DSN（mysql://user:pass@tcp(host)/db?...），
// 测试结束时删库。连不上 MySQL 时测试失败。
func MySQL(t testing.TB) string {
	t.Helper()
	server := MySQLServer()
	db, err := sql.Open("mysql", server+"?timeout=5s")
	if err != nil {
		t.Fatalf("testenv: 打开 MySQL %s 失败: %v", server, err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("testenv: 连不上 MySQL %s: %v（请先启动 MariaDB，见 .ci/run）", server, err)
	}
	name := "hq_test_" + randomSuffix()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("testenv: 建库 %s 失败: %v", name, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", server)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS `" + name + "`")
	})
	base := server
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return "mysql://" + base + name + "?parseTime=true&loc=UTC&charset=utf8mb4"
}

// Redis 返回 Redis 地址和本测试独占的键前缀；测试结束时删除该前缀下的全部键。
// 连不上 Redis 时测试失败。
func Redis(t testing.TB) (url, prefix string) {
	t.Helper()
	url = RedisURL()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("testenv: Redis 地址 %s 有误: %v", url, err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Fatalf("testenv: 连不上 Redis %s: %v（请先启动 Redis，见 .ci/run）", url, err)
	}
	prefix = fmt.Sprintf("hqtest:%s:", randomSuffix())
	t.Cleanup(func() {
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return url, prefix
}

// SQLite 返回一个临时 SQLite 文件的 DSN（sqlite:path）。
func SQLite(t testing.TB) string {
	t.Helper()
	return "sqlite:" + t.TempDir() + "/hongqi.db"
}
