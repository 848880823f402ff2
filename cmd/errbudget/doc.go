// Command errbudget writes a fleet's Prometheus rules from OpenSLO
// declarations, validates declaration files, and answers the release gate
// for a fleet from Prometheus.
//
//	go install github.com/errbudget/errbudget/cmd/errbudget@latest
//
//	errbudget rules [flags] SOURCE       a Prometheus rule file (package promrules) from an OpenSLO
//	                                     file or a running service's /slo/openslo URL
//	errbudget validate FILE...           every problem of each OpenSLO file at once, with lines
//	errbudget gate [flags] OBJECTIVE...  the fleet's release decision from Prometheus
//
// errbudget help COMMAND, or COMMAND -h, prints a command's flags and
// examples.
//
// Exit codes:
//
//	rules      0 written; 1 the declarations have problems; 2 usage, or the source cannot be read
//	validate   0 every file is valid; 1 a file has problems; 2 usage, or a file cannot be read
//	gate       0 releases allowed; 1 frozen (the reasons are printed); 2 cannot tell: usage,
//	           Prometheus unreachable or answering an error, or an objective's series absent
//
// Objectives that budget time slices get no Prometheus rules (package
// promrules says why): rules fails on them and gate cannot tell for them,
// unless -skip-timeslices leaves them out.
package main
