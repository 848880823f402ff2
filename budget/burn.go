package budget

import (
	"math"
	"strconv"
	"time"
)

// The arithmetic, as pure functions of counts.
//
// Targets are turned into integer parts per billion once, so that the error
// budget of 0.999 is exactly 1,000,000 ppb rather than the float
// 1 − 0.999 = 0.0010000000000000009. Every ratio below is then one division of
// two integers held exactly in float64 (up to 2^53): 1 bad event in 1,000 at
// 0.999 burns at exactly 1 and consumes exactly the whole budget.

const ppb = 1_000_000_000

// budgetPPB is the error budget 1 − target in parts per billion.
func budgetPPB(target float64) int64 {
	return ppb - int64(math.Round(target*ppb))
}

// Float is a number that may be absent: the status has no SLI, burn rate or
// budget without traffic, and says so instead of printing NaN or Inf.
// It marshals to JSON as a number or null.
type Float struct {
	Value float64
	Valid bool
}

func some(v float64) Float { return Float{Value: v, Valid: true} }

// String formats the number as %g would, or "n/a" when invalid.
func (f Float) String() string {
	if !f.Valid {
		return "n/a"
	}
	return strconv.FormatFloat(f.Value, 'g', -1, 64)
}

// MarshalJSON writes the number, or null when invalid.
func (f Float) MarshalJSON() ([]byte, error) {
	if !f.Valid || math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f.Value, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number or null.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float{}
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*f = some(v)
	return nil
}

// SLI returns good / (good + bad), or an invalid Float without events.
func SLI(good, bad int64) Float {
	if good+bad <= 0 {
		return Float{}
	}
	return some(float64(good) / float64(good+bad))
}

// BurnRate returns the error ratio bad / (good + bad) divided by the error
// budget 1 − target: 1 spends the budget exactly over the period, 14.4 spends
// 2% of a 30-day budget in an hour. Invalid without events.
func BurnRate(good, bad int64, target float64) Float {
	total := good + bad
	bp := budgetPPB(target)
	if total <= 0 || bp <= 0 {
		return Float{}
	}
	return some(float64(bad) * ppb / (float64(total) * float64(bp)))
}

// Remaining returns the fraction of the budget left after good and bad
// events over the whole period: 1 − their burn rate, which is the fraction
// consumed (occurrences-based, as Sloth and Datadog report it). It is
// negative when the budget is overspent.
func Remaining(good, bad int64, target float64) Float {
	c := BurnRate(good, bad, target)
	if !c.Valid {
		return c
	}
	return some(1 - c.Value)
}

// ExhaustionETA returns when the budget runs out if the burn rate burn
// continues: now + remaining × period / burn. It reports false when burn is
// at most 1 (such a burn cannot exhaust the budget within the period), or
// when nothing remains.
func ExhaustionETA(now time.Time, remaining, burn Float, period time.Duration) (time.Time, bool) {
	if !remaining.Valid || !burn.Valid || burn.Value <= 1 || remaining.Value <= 0 {
		return time.Time{}, false
	}
	d := remaining.Value * float64(period) / burn.Value
	if d > float64(100*365*24*time.Hour) {
		return time.Time{}, false
	}
	return now.Add(time.Duration(d)), true
}

// calendarExhaustionETA is ExhaustionETA for a calendar window, whose
// budget is counted over the month so far: if the burn rate burn continues
// with traffic as steady as over the elapsed part of the month, what
// remains is spent after elapsed × remaining / (burn − 1). It reports false
// when burn is at most 1 or nothing remains.
func calendarExhaustionETA(now time.Time, elapsed time.Duration, remaining, burn Float) (time.Time, bool) {
	if !remaining.Valid || !burn.Valid || burn.Value <= 1 || remaining.Value <= 0 || elapsed <= 0 {
		return time.Time{}, false
	}
	d := float64(elapsed) * remaining.Value / (burn.Value - 1)
	if d > float64(100*365*24*time.Hour) {
		return time.Time{}, false
	}
	return now.Add(time.Duration(d)), true
}

// exceeds reports whether burn is above threshold, with a relative margin so
// that float noise never flips the comparison at the threshold itself.
func exceeds(burn Float, threshold float64) bool {
	return burn.Valid && burn.Value > threshold*(1+1e-9)
}
