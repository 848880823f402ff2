module github.com/errbudget/errbudget/bench

go 1.26

replace github.com/errbudget/errbudget => ../
