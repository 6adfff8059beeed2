package main

import "time"

// wallNow 是本工具读取墙上时钟的唯一入口：压测计时、签名时间戳和对照服务的重放窗口都经过它，
// 日后换成项目统一的时钟只需改这一处。
func wallNow() time.Time { return time.Now() }
