// Package root assembles the academy command tree.
package root
