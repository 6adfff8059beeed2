package model

import (
	"errors"
	"fmt"
)

// 错误码。Code 供程序判断，Message 是给用户看的中文短句。
const (
	EINVALID     = "invalid"     // 输入有误
	ENOTFOUND    = "not_found"   // 找不到
	EAMBIGUOUS   = "ambiguous"   // 同名多人
	EFORBIDDEN   = "forbidden"   // 无权操作
	ECONFLICT    = "conflict"    // 与已有记录冲突（如已撤销）
	EDUPLICATE   = "duplicate"   // 同一条消息重复投递
	EUNAVAILABLE = "unavailable" // 依赖暂不可用（数据库、Redis），可重试
	EINTERNAL    = "internal"    // 内部错误
)

// Error 是带错误码和中文提示的领域错误。Message 直接回给用户，不含技术细节。
type Error struct {
	Code    string
	Message string
	Err     error // 内部原因，只写日志
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf 生成一个用户可见的错误。
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap 把内部错误包装成用户可见的错误；err 只进日志。
func Wrap(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode 返回 err 链上第一个 *Error 的错误码；普通错误视为 EINTERNAL，nil 返回空串。
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// IsRetryable 表示 err 是基础设施故障（EUNAVAILABLE、EINTERNAL，普通 error 也算 EINTERNAL）：
// 这次没有做成，稍后重试可能成功——回调答 503 让企业微信重发、去重标记释放。用户层面的错误
// （输入有误、找不到人、无权操作等）和 nil 都不是。
func IsRetryable(err error) bool {
	switch ErrorCode(err) {
	case EUNAVAILABLE, EINTERNAL:
		return true
	}
	return false
}

// ErrorMessage 返回给用户看的中文说明；内部错误一律给出统一说法，不泄露细节。
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "系统出了点问题，本次操作没有生效，请稍后再试。"
}
