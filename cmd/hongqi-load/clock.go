package main

import (
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// wall 是本工具的时钟（真实时间）：压测计时、签名时间戳和对照服务的重放窗口都经过它。
var wall = model.SystemClock(nil)

// wallNow 返回 wall 的当前时间。
func wallNow() time.Time { return wall.Now() }
