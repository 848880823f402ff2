// Package budgettest tests objectives without waiting: a fake [Clock] for
// budget.WithClock, [Traffic] that records a steady stream while moving it,
// and [Detect], which plays a script and says when each alert fired.
//
//	clk := budgettest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
//	tr, _ := budget.New(objectives, budget.WithClock(clk.Now))
//	s, _ := tr.Series("checkout", "")
//	budgettest.Traffic{Rate: 10}.Run(clk, s, 30*24*time.Hour) // a clean month first
//	det := budgettest.Detect(clk, tr, s, 0, budgettest.Phase{
//		Traffic: budgettest.Traffic{Rate: 10, ErrorRatio: 0.02}, Duration: 2 * time.Hour})
//	// det[0]: page-1h fired after 43m20s
//
// # How long until this pages
//
// A 99.9% objective over 30 rolling days, its period first filled with
// clean traffic at the same rate, the default alert rules evaluated every
// 10 s (Tracker.Run's default): a steady error ratio fires each rule this
// long after the errors start (— never; TestDetectionTable recomputes it):
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
// Times are rounded up to the next evaluation, and window edges move in
// whole buckets (10 s up to 6 h, 5 minutes for 1d and 3d). Total failure
// pages after a minute, not at once: the 1-hour window must burn 14.4 times
// the budget's rate. Once a rule's long window holds only the errors, a
// steady ratio cannot fire it later; a burn rate of 1 or less cannot
// exhaust the budget, and at exactly 1 ticket-3d hangs on single failures
// at its windows' edges, so the table stops short of it. The rate does not
// change the times while each window holds the low-traffic guard's events
// (100 long, 10 short): burn rates are ratios.
package budgettest
