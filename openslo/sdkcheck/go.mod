module github.com/errbudget/errbudget/openslo/sdkcheck

go 1.26.0

require github.com/errbudget/errbudget v0.0.0

require (
	github.com/HdrHistogram/hdrhistogram-go v1.4.0 // indirect
	github.com/OpenSLO/go-sdk v0.9.2
	github.com/kr/text v0.2.0 // indirect
	github.com/nobl9/govy v0.26.0 // indirect
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/mod v0.36.0 // indirect
	golang.org/x/sync v0.20.0 // indirect
	golang.org/x/tools v0.45.0 // indirect
	sigs.k8s.io/yaml v1.6.0 // indirect
)

replace github.com/errbudget/errbudget => ../..
