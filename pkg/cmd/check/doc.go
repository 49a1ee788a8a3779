// Package check implements `academy check`: it validates flags, then hands a
// plain options value to the check runner and the report renderers.
package check
