package grpcslo

import (
	"google.golang.org/grpc/codes"

	"github.com/errbudget/errbudget/sli"
)

// Call is what the handler knows about a completed RPC when it classifies
// it.
type Call struct {
	// Method is the full method name ("/package.Service/Method") of a method
	// the server registered; "" for any other (a caller probing names, or a
	// method served by an unknown-service handler).
	Method string
	// Code is the status code the RPC ended with.
	Code codes.Code
	// Err is the error the RPC ended with (a status error); nil for OK.
	Err error
}

// codeOutcomes is the default table, by code.
var codeOutcomes = [...]sli.Outcome{
	codes.OK:                 sli.Good,
	codes.Canceled:           sli.Excluded,
	codes.Unknown:            sli.Bad,
	codes.InvalidArgument:    sli.Excluded,
	codes.DeadlineExceeded:   sli.Bad,
	codes.NotFound:           sli.Excluded,
	codes.AlreadyExists:      sli.Excluded,
	codes.PermissionDenied:   sli.Excluded,
	codes.ResourceExhausted:  sli.Bad,
	codes.FailedPrecondition: sli.Excluded,
	codes.Aborted:            sli.Excluded,
	codes.OutOfRange:         sli.Excluded,
	codes.Unimplemented:      sli.Bad,
	codes.Internal:           sli.Bad,
	codes.Unavailable:        sli.Bad,
	codes.DataLoss:           sli.Bad,
	codes.Unauthenticated:    sli.Excluded,
}

// CodeOutcome classifies a status code by the table in the package
// documentation: the server's failures are Bad, the caller's mistakes and
// cancelations Excluded, OK Good. A code outside the 17 the gRPC spec
// defines is Bad, as UNKNOWN is.
func CodeOutcome(code codes.Code) sli.Outcome {
	if int(code) < len(codeOutcomes) {
		return codeOutcomes[code]
	}
	return sli.Bad
}

// Classify is the default classification: CodeOutcome, except that
// UNIMPLEMENTED from a method the server never registered is Excluded (the
// server's answer to a name it does not know, like an HTTP 404: the caller's
// mistake, and no caller should be able to burn the budget by probing).
func Classify(c Call) sli.Outcome {
	if c.Method == "" && c.Code == codes.Unimplemented {
		return sli.Excluded
	}
	return CodeOutcome(c.Code)
}

// codeNames are the ErrorType values of bad events: the gRPC spec's names.
var codeNames = [...]string{
	codes.OK:                 "OK",
	codes.Canceled:           "CANCELLED",
	codes.Unknown:            "UNKNOWN",
	codes.InvalidArgument:    "INVALID_ARGUMENT",
	codes.DeadlineExceeded:   "DEADLINE_EXCEEDED",
	codes.NotFound:           "NOT_FOUND",
	codes.AlreadyExists:      "ALREADY_EXISTS",
	codes.PermissionDenied:   "PERMISSION_DENIED",
	codes.ResourceExhausted:  "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION",
	codes.Aborted:            "ABORTED",
	codes.OutOfRange:         "OUT_OF_RANGE",
	codes.Unimplemented:      "UNIMPLEMENTED",
	codes.Internal:           "INTERNAL",
	codes.Unavailable:        "UNAVAILABLE",
	codes.DataLoss:           "DATA_LOSS",
	codes.Unauthenticated:    "UNAUTHENTICATED",
}

// ErrorType returns the ErrorType a bad event with code carries: the gRPC
// spec's name of the code ("UNAVAILABLE"), or sli.OverflowGroup for a code
// outside the spec, so the set stays closed.
func ErrorType(code codes.Code) string {
	if int(code) < len(codeNames) {
		return codeNames[code]
	}
	return sli.OverflowGroup
}
