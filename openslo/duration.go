package openslo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// shorthand writes d in OpenSLO's duration shorthand: whole days as "30d",
// else whole hours as "6h", else whole minutes as "5m". A duration that is
// not a positive whole number of minutes has no shorthand.
func shorthand(d time.Duration) (string, error) {
	switch {
	case d <= 0 || d%time.Minute != 0:
		return "", fmt.Errorf("%v has no OpenSLO duration (a positive whole number of minutes)", d)
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d", nil
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h", nil
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + "m", nil
}

// parseShorthand reads a shorthand duration of unit m, h, d or w; M, Q and Y
// (months, quarters, years) have no fixed length and read as zero.
func parseShorthand(s string) (time.Duration, error) {
	if len(s) < 2 || strings.Trim(s[:len(s)-1], "0123456789") != "" {
		return 0, fmt.Errorf("duration %q: want a whole number and one of m, h, d, w, M, Q, Y (\"30d\")", s)
	}
	unit, digits := s[len(s)-1], s[:len(s)-1]
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("duration %q: want a positive whole number", s)
	}
	u, ok := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': day, 'w': 7 * day}[unit]
	switch {
	case strings.IndexByte("MQY", unit) >= 0:
		return 0, nil
	case !ok:
		return 0, fmt.Errorf("duration %q: unknown unit %q (m, h, d, w, M, Q, Y)", s, unit)
	case n > int64(1<<62)/int64(u):
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return time.Duration(n) * u, nil
}
