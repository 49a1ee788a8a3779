// Package reset implements `academy reset`: it lists what a mission's
// objectives created (pkg/lab asks the check kinds), asks, and removes
// exactly that.
package reset
