// Package redis 提供跨副本互斥锁（model.Locker，定时任务用）和访问令牌缓存，有两种实现：
// 进程内的 Memory（单机默认）和 Redis（多副本部署）。这是唯一引入 go-redis 的包。
//
// 令牌缓存（Memory.TokenCache、Redis.TokenCache）的方法与 wecom.TokenCache 相同（也就是 SDK 的
// cache.Cache），由 wecom 声明那个接口，这里只给出实现。
//
// 消息去重不在这里：一条消息是否处理过只由数据库决定（store.DB.Once）。
//
// 键按用途分区：锁为 prefix+"lock:"+key，令牌缓存为 prefix+"token:"+key，互不冲突。
package redis

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

const (
	nsLock  = "lock:"
	nsToken = "token:"
)

// newToken 返回一个随机的锁令牌，用于只释放自己持有的锁。
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// stringValue 把 SDK 传入的缓存值转成字符串（SDK 只存字符串令牌）。
func stringValue(val interface{}) string {
	switch v := val.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}
