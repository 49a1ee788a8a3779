// Package doctor implements `academy doctor`: which Docker endpoint academy
// talks to and why, whether it answers, which engine and image store it
// has, and, for each problem found, the fix.
package doctor
