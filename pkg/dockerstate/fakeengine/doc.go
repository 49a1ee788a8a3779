// Package fakeengine is a fake Docker Engine API for tests: an
// httptest.Server that answers /_ping as a real engine does (the headers
// recorded in the repository's testdata/engine), serves the responses a
// test registers under versioned paths (/v1.41/info,
// /v1.52/images/nginx/json), records every request, and fails the test
// when a registered response was never asked for.
//
//	engine := fakeengine.Start(t, fakeengine.Docker2010)
//	engine.Register("GET", "/images/nginx/json", engine.Recorded("image-pulled.json"))
//	d, _ := dockerstate.Open(dockerstate.Options{Host: engine.Host(), HTTPClient: engine.Client()})
//
// New makes an engine that announces an API version and nothing else, for
// tests of faults that no recording holds.
package fakeengine
