# 多阶段构建：静态二进制，非 root 运行，时区数据已编入二进制（time/tzdata）。
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/hongqi ./cmd/hongqi

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hongqi /usr/local/bin/hongqi
ENV HONGQI_HTTP_ADDR=0.0.0.0:8080 \
    HONGQI_DB=sqlite:/data/hongqi.db \
    TZ=Asia/Shanghai
USER nonroot:nonroot
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/hongqi"]
CMD ["serve"]
