package promrules_test

import (
	"fmt"
	"log"
	"time"

	"github.com/errbudget/errbudget/promrules"
	"github.com/errbudget/errbudget/sli"
)

func ExampleGenerate() {
	f, err := promrules.Generate([]sli.Objective{
		{Name: "checkout-availability", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)},
	}, promrules.Config{Service: "checkout"})
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range f.Groups {
		fmt.Println(g.Name, len(g.Rules))
	}
	page := f.Groups[2].Rules[0]
	fmt.Println(page.Alert, page.Labels["slo_alert_name"], page.Labels["sloth_severity"])
	// Output:
	// sloth-slo-sli-recordings-checkout-checkout-availability 16
	// sloth-slo-meta-recordings-checkout-checkout-availability 7
	// sloth-slo-alerts-checkout-checkout-availability 4
	// ErrorBudgetBurn page-1h page
}
