package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// The demo's admin route for rehearsing a postmortem. The endpoint at /slo
// is read-only on purpose; a service marks its changes from its own code
// (a config reload, a feature flag, a new model behind the same binary)
// with budget.Tracker.MarkChange. The demo has no such code, so this route
// stands in for it:
//
//	curl -X POST localhost:8080/demo/changes -d 'model v2 behind the same binary'
//
// The change then appears on the dashboard's charts, at /slo/changes, and
// as a candidate trigger of an incident whose onset follows within the
// hour. It is a demo's convenience: a real service would not let anyone
// who reaches its port write to its incident record.

// maxChangeText bounds a change's description.
const maxChangeText = 1024

// markChange serves POST /demo/changes: the body, plain text, is the
// change's description. It answers 201 with the change as JSON.
func (a *app) markChange(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxChangeText+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	desc := strings.TrimSpace(string(b))
	switch {
	case len(b) > maxChangeText:
		writeError(w, http.StatusRequestEntityTooLarge, "a change's description is at most 1024 bytes")
		return
	case desc == "":
		writeError(w, http.StatusBadRequest, "the body is the change's description, and it is empty")
		return
	}
	at := a.tracker.Now()
	if err := a.tracker.MarkChangeAt(at, desc); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	a.logger.Info("demo: change marked", "description", desc)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"time": at.UTC().Format(time.RFC3339Nano), "description": desc})
}
