module github.com/OrionOS-dev/orionos-go

go 1.19
