package sli

// The labels an objective may name in GroupBy, one place for every adapter.
// Each adapter understands its own and rejects the others when it is
// created: an objective grouped by route counts HTTP requests, not RPCs.
const (
	GroupByRoute     = "route"     // httpslo: the request's route (the ServeMux pattern)
	GroupByMethod    = "method"    // grpcslo: the full method, "/package.Service/Method"
	GroupByService   = "service"   // grpcslo: the service, "package.Service"
	GroupByModel     = "model"     // inferenceslo: the model a call requests
	GroupByProvider  = "provider"  // inferenceslo: the provider a call asks
	GroupByOperation = "operation" // inferenceslo: the operation, such as "chat"
)
