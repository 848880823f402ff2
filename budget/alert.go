package budget

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Severity says who an alert is for. The zero value is no severity, which
// no rule may have.
type Severity uint8

const (
	// Page alerts wake someone up.
	Page Severity = iota + 1
	// Ticket alerts can wait for working hours.
	Ticket
)

var severityNames = []string{Page: "page", Ticket: "ticket"}

// String returns "page" or "ticket".
func (s Severity) String() string { return enumString(severityNames, uint8(s), "Severity") }

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	return enumParse(severityNames, b, "severity", (*uint8)(s))
}

// AlertRule is one multi-window burn-rate alert: it fires when the burn rate
// over both its long and its short window exceeds its threshold, and each
// window holds enough events to mean something.
//
// The threshold is derived from the fraction of the budget the rule guards:
// BudgetConsumed × period / LongWindow, never below 1 (a burn of 1 or less
// cannot exhaust the budget). For a 30-day period the defaults give the SRE
// Workbook's 14.4, 6, 3 and 1. Zero fields of the guard mean the defaults.
type AlertRule struct {
	// Name identifies the alert ("page-1h").
	Name string
	// Severity is Page or Ticket.
	Severity Severity
	// LongWindow and ShortWindow are the two windows whose burn rates must
	// both exceed the threshold. The short window makes the alert resolve
	// soon after the errors stop.
	LongWindow, ShortWindow time.Duration
	// BudgetConsumed is the fraction of the period's budget that burning at
	// the threshold for LongWindow spends (0.02 for 2%).
	BudgetConsumed float64
	// BurnRate, when positive, is the threshold itself, overriding the one
	// derived from BudgetConsumed.
	BurnRate float64
	// MinLongEvents and MinShortEvents are the fewest events each window
	// must hold before the rule may fire (DefaultMinLongEvents and
	// DefaultMinShortEvents when zero): a single failed request at 3 a.m.
	// pages nobody.
	MinLongEvents, MinShortEvents int64
}

// The low-traffic guard's defaults.
const (
	DefaultMinLongEvents  = 100
	DefaultMinShortEvents = 10
)

// DefaultAlertRules returns the SRE Workbook's multi-window multi-burn-rate
// alerts, as thresholds for a 30-day period: page at 14.4 (1h/5m) and
// 6 (6h/30m), ticket at 3 (1d/2h) and 1 (3d/6h).
func DefaultAlertRules() []AlertRule {
	return []AlertRule{
		{Name: "page-1h", Severity: Page, LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BudgetConsumed: 0.02},
		{Name: "page-6h", Severity: Page, LongWindow: 6 * time.Hour, ShortWindow: 30 * time.Minute, BudgetConsumed: 0.05},
		{Name: "ticket-1d", Severity: Ticket, LongWindow: 24 * time.Hour, ShortWindow: 2 * time.Hour, BudgetConsumed: 0.10},
		{Name: "ticket-3d", Severity: Ticket, LongWindow: 72 * time.Hour, ShortWindow: 6 * time.Hour, BudgetConsumed: 0.10},
	}
}

// Threshold returns the burn rate the rule fires above for a period of the
// given length.
func (r AlertRule) Threshold(period time.Duration) float64 {
	if r.BurnRate > 0 {
		return r.BurnRate
	}
	return max(1, r.BudgetConsumed*float64(period)/float64(r.LongWindow))
}

func (r AlertRule) minLong() int64 {
	if r.MinLongEvents > 0 {
		return r.MinLongEvents
	}
	return DefaultMinLongEvents
}

func (r AlertRule) minShort() int64 {
	if r.MinShortEvents > 0 {
		return r.MinShortEvents
	}
	return DefaultMinShortEvents
}

func (r AlertRule) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("budget: alert rule %q: "+format, append([]any{r.Name}, args...)...))
	}
	if r.Name == "" {
		bad("name is empty")
	}
	if r.Severity != Page && r.Severity != Ticket {
		bad("severity must be %q or %q, got %q", Page, Ticket, r.Severity)
	}
	if r.ShortWindow <= 0 || r.LongWindow <= r.ShortWindow {
		bad("windows must satisfy 0 < short < long, got short %v, long %v", r.ShortWindow, r.LongWindow)
	}
	if r.LongWindow > maxAlertWindow {
		bad("long window must be at most %v, got %v", maxAlertWindow, r.LongWindow)
	}
	if math.IsNaN(r.BurnRate) || math.IsInf(r.BurnRate, 0) || math.IsNaN(r.BudgetConsumed) || math.IsInf(r.BudgetConsumed, 0) {
		bad("burn rate and budget fraction must be finite numbers, got %v and %v", r.BurnRate, r.BudgetConsumed)
	} else if r.BurnRate <= 0 && (r.BudgetConsumed <= 0 || r.BudgetConsumed > 1) {
		bad("needs a budget fraction in (0,1] or a positive burn rate")
	}
	if r.MinLongEvents < 0 || r.MinShortEvents < 0 {
		bad("minimum event counts must not be negative")
	}
	return errors.Join(errs...)
}

// maxAlertWindow is the longest alert window the medium tier serves exactly.
const maxAlertWindow = 72 * time.Hour

// Alert is the state of one rule for one objective at one instant.
type Alert struct {
	Rule AlertRule
	// Threshold is the burn rate the rule fires above for this period.
	Threshold float64
	// Firing reports whether both windows exceed the threshold with enough
	// events; Since is when it started firing, as first evaluated (zero
	// when not firing).
	Firing bool
	Since  time.Time
	// LongBurn and ShortBurn are the two windows' burn rates now;
	// LongEvents and ShortEvents their event counts.
	LongBurn, ShortBurn     Float
	LongEvents, ShortEvents int64
}

// evaluate computes whether r fires given the two windows' counts.
func (r AlertRule) evaluate(long, short counts, target float64, period time.Duration) Alert {
	a := Alert{
		Rule:        r,
		Threshold:   r.Threshold(period),
		LongBurn:    BurnRate(long.good, long.bad, target),
		ShortBurn:   BurnRate(short.good, short.bad, target),
		LongEvents:  long.total(),
		ShortEvents: short.total(),
	}
	a.Firing = a.LongEvents >= r.minLong() && a.ShortEvents >= r.minShort() &&
		exceeds(a.LongBurn, a.Threshold) && exceeds(a.ShortBurn, a.Threshold)
	return a
}
