// Package browsertests looks at errbudget's pages in a headless Chromium,
// driven by chromedp: the endpoint's dashboard over a scripted month and
// the demo's after live traffic, at desktop and phone widths, with
// screenshots. It is a module of its own so that chromedp never enters the
// library's go.mod. Without Chromium the tests skip, or fail when
// ERRBUDGET_REQUIRE_BROWSER is set (as in CI).
package browsertests
