# 多阶段构建：静态二进制，非 root 运行，时区数据已编入二进制（time/tzdata）。
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# /out/rootfs 是要原样放进镜像的目录：data 是 SQLite 的数据目录，属于 nonroot（65532）。
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/hongqi ./cmd/hongqi \
 && mkdir -p /out/rootfs/data

# 年度服务明星证书的内置字体只有 GB2312 的 6,763 个汉字；姓名里更生僻的字（堃、喆、祎……）
# 由 Noto Serif CJK 粗体补上（settlement/cert 在 SystemFonts 的第一个位置找它）。
# 字体来自 Debian 的 fonts-noto-cjk，SIL Open Font License 1.1，允许随软件分发：许可证一并放进镜像。
# 只取这一个文件（约 27 MB），不是整个包（约 90 MB）。
FROM debian:bookworm-slim AS fonts
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hongqi /usr/local/bin/hongqi
COPY --from=build --chown=65532:65532 /out/rootfs/ /
COPY --from=fonts /usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc /usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc
COPY --from=fonts /usr/share/doc/fonts-noto-cjk/copyright /usr/share/doc/fonts-noto-cjk/copyright
# 不设 HONGQI_DB 时用 /data 里的 SQLite；/data 是卷，容器重建后台账还在。用 MySQL 时这个卷是空的。
ENV HONGQI_HTTP_ADDR=0.0.0.0:8080 \
    HONGQI_DB=sqlite:/data/hongqi.db \
    TZ=Asia/Shanghai
USER nonroot:nonroot
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# distroless 里没有 curl：hongqi health 自己检查数据库、Redis 和发件箱，不健康时退出码为 1。
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/hongqi", "health"]
ENTRYPOINT ["/usr/local/bin/hongqi"]
CMD ["serve"]
