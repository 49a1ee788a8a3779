// Package version implements `academy version`.
package version
