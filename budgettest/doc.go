// Package budgettest helps applications test their objectives: a fake clock
// to hand to budget.WithClock, and scripted traffic that records events at
// a steady rate while moving that clock, so that a test can assert "this
// outage pages within N minutes" without waiting for it.
//
//	clk := budgettest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
//	tr, _ := budget.New(objectives, budget.WithClock(clk.Now))
//	rec, _ := tr.Series("checkout-availability", "")
//	budgettest.Traffic{Rate: 100, ErrorRatio: 0.02}.Run(clk, rec, time.Hour)
//
// # How long until this pages
//
// Detect plays a script of traffic phases and evaluates the status as
// Tracker.Run does, returning when each alert first fired and resolved:
//
//	budgettest.Traffic{Rate: 10}.Run(clk, rec, 30*24*time.Hour) // a clean month before
//	det := budgettest.Detect(clk, tr, rec, 10*time.Second,
//		budgettest.Phase{Traffic: budgettest.Traffic{Rate: 10, ErrorRatio: 0.02}, Duration: 2 * time.Hour})
//	// det[0]: page-1h fired after 43m20s
//
// With the default alert rules, a 99.9% objective over 30 rolling days,
// the period filled with clean traffic at the same rate before the errors
// start (10 calls a second), and the status evaluated every 10 s
// (Tracker.Run's default), a steady error ratio makes each rule fire this
// long after the errors start (— never: once a rule's long window holds
// nothing but the errors, a steady ratio cannot make it fire later):
//
//	error ratio  burn rate  page-1h    page-6h    ticket-1d  ticket-3d
//	100%         1000       1m0s       2m10s      4m20s      4m20s
//	50%          500        1m50s      4m20s      8m40s      8m40s
//	20%          200        4m20s      10m50s     21m40s     21m40s
//	10%          100        8m40s      21m40s     43m20s     43m20s
//	5%           50         17m20s     43m20s     1h26m30s   1h26m30s
//	2%           20         43m20s     1h48m10s   3h36m20s   3h36m10s
//	1%           10         —          3h36m10s   7h13m0s    7h12m20s
//	0.5%         5          —          —          14h25m0s   14h25m0s
//	0.2%         2          —          —          —          36h0m50s
//	0.15%        1.5        —          —          —          48h1m10s
//	0.12%        1.2        —          —          —          60h1m30s
//	0.09%        0.9        —          —          —          —
//
// Each time is rounded up to the next evaluation, and window edges move in
// whole buckets (10 s for windows up to 6 h, 5 minutes for the 1-day and
// 3-day windows). 100% errors page after a minute, not at once: the 1-hour
// window must reach 14.4 times the budget's rate, 51.8 s of total failure
// in an hour of traffic, and the next evaluation sees it. A burn rate of 1
// or less (0.1% errors against a 0.1% budget) cannot exhaust the budget and
// fires nothing; at exactly 1, ticket-3d is decided by single failures at
// its windows' edges, so the table stops short of it. The times do not
// depend on the rate as long as each window holds the low-traffic guard's
// events (100 in the long window, 10 in the short one): burn rates are
// ratios. TestDetectionTable computes this table and fails when it
// differs.
package budgettest
