package model

import (
	"strconv"
	"strings"
)

// Redacted 是密码等被隐去的部分在提示和日志里的写法。
const Redacted = "***"

// secretParams 是地址查询串里值为密钥的参数名（小写）。
var secretParams = map[string]bool{"password": true, "pass": true, "pwd": true, "secret": true, "key": true, "token": true, "access_token": true, "corpsecret": true}

// DSNSecrets 返回数据库或 Redis 地址（HONGQI_DB、HONGQI_REDIS 的写法）里的密码部分，用于从报错文字里去掉它们。
// 它也认写错的地址：
//   - scheme://user:pass@host…（@ 取最后一个，密码里可以有 @ 和 /）→ pass；
//   - 没有 @ 的 scheme://user:pass/db（忘了写 @tcp(...)）→ pass；冒号后全是数字时是端口，不算；
//   - 少了 // 的 mysql:user:pass@…、没有 scheme 的 user:pass@… → @ 之前第一个冒号以后的部分；
//   - 查询串里的 password=、secret=、key=、token= 等的值。
func DSNSecrets(dsn string) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	main, query, _ := strings.Cut(dsn, "?")
	rest := main
	if i := strings.Index(main, "://"); i >= 0 {
		rest = main[i+3:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		// user:pass@host：第一个冒号之后、最后一个 @ 之前都是密码。
		user := rest[:at]
		if rest == main {
			// 没有 "://"：开头可能是 "mysql:" 这样的 scheme，冒号之后的都当作密钥。
			if _, after, ok := strings.Cut(user, ":"); ok {
				add(after)
			}
		} else if _, pass, ok := strings.Cut(user, ":"); ok {
			add(pass)
		}
	} else if rest != main {
		// scheme://a:b/c 没有 @：b 不是端口号时当作密码。
		auth := rest
		if j := strings.LastIndex(auth, "/"); j >= 0 {
			auth = auth[:j]
		}
		if _, pass, ok := strings.Cut(auth, ":"); ok && !allDigits(pass) {
			add(pass)
		}
	}
	for _, kv := range strings.Split(query, "&") {
		k, v, ok := strings.Cut(kv, "=")
		if ok && secretParams[strings.ToLower(k)] {
			add(v)
		}
	}
	return out
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RedactDSN 返回去掉密码（见 DSNSecrets）的地址，可以写进提示和日志。
func RedactDSN(dsn string) string { return Redact(dsn, DSNSecrets(dsn)...) }

// Redact 把 text 里出现的每个 secret（以及它被 %q 转义后的写法）换成 ***。空的 secret 忽略。
func Redact(text string, secrets ...string) string {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		text = strings.ReplaceAll(text, s, Redacted)
		if q := strconv.Quote(s); q[1:len(q)-1] != s {
			text = strings.ReplaceAll(text, q[1:len(q)-1], Redacted)
		}
	}
	return text
}

// RedactError 返回去掉了 secrets 的 err：错误文字里不再有它们。err 为 nil 时返回 nil。
// 返回的错误只保留文字（不能再用 errors.Is/As 找到原来的错误），只应用在要写进提示或日志的错误上。
func RedactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if red := Redact(text, secrets...); red != text {
		return redactedError(red)
	}
	return err
}

type redactedError string

func (e redactedError) Error() string { return string(e) }
