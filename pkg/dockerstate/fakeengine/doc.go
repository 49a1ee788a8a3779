// Package fakeengine is a fake Docker Engine API for tests: an
// httptest.Server that answers /_ping with the API version it is told to
// speak, serves the responses a test registers under versioned paths
// (/v1.41/info, /v1.52/images/nginx/json), records every request, and fails
// the test when a registered response was never asked for.
//
//	engine := fakeengine.New(t, "1.41")
//	engine.Register("GET", "/info", fakeengine.File(t, "testdata/info-overlay2.json"))
//	d, _ := dockerstate.Open(dockerstate.Options{Host: engine.Host(), HTTPClient: engine.Client()})
package fakeengine
