// Package testcmd runs one of academy's commands in a test, as cli.Run
// would, and gives back its exit code and what it printed.
package testcmd
