// Package dockerstate is the only package that talks to the Docker daemon:
// it resolves the endpoint, negotiates the Engine API version (down to 1.41,
// Docker 20.10), detects the image store, and reads the small subset of
// state the checks need. It only reads.
package dockerstate
