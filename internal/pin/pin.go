// Package pin 暂时钉住项目的依赖版本，等各包都用上后删除。
package pin

import (
	_ "github.com/glebarez/sqlite"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/silenceper/wechat/v2/util"
	_ "github.com/silenceper/wechat/v2/work"
	_ "github.com/xuri/excelize/v2"
	_ "gopkg.in/yaml.v3"
	_ "gorm.io/driver/mysql"
	_ "gorm.io/gorm"
)
