package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// completionRequest is the OpenAI-style body of POST /v1/completions.
type completionRequest struct {
	Model     string `json:"model"`
	Prompt    string `json:"prompt"`
	MaxTokens int    `json:"max_tokens"`
	Stream    bool   `json:"stream"`
}

type choice struct {
	Text         string  `json:"text"`
	Index        int     `json:"index"`
	FinishReason *string `json:"finish_reason"`
}

type completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// parseScript reads the X-Simulate-* headers. An unparsable value is the
// caller's mistake: a 400.
func parseScript(h http.Header) (script, error) {
	var sc script
	if v := h.Get("X-Simulate-Status"); v != "" {
		code, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || code < 100 || code > 599 {
			return sc, fmt.Errorf("X-Simulate-Status: %q is not an HTTP status code", v)
		}
		sc.scripted, sc.status = true, code
	}
	if v := h.Get("X-Simulate-Latency"); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < 0 || d > 10*time.Minute {
			return sc, fmt.Errorf("X-Simulate-Latency: %q is not a duration between 0 and 10m", v)
		}
		sc.scripted, sc.latency, sc.hasDelay = true, d, true
	}
	if v := h.Get("X-Simulate-Linger"); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < 0 || d > time.Minute {
			return sc, fmt.Errorf("X-Simulate-Linger: %q is not a duration between 0 and 1m", v)
		}
		sc.linger = d
	}
	return sc, nil
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "code": status}})
}

func promptTokens(prompt string) int { return max(1, len(strings.Fields(prompt))) }
