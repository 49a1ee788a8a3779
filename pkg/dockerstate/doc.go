// Package dockerstate is the only package that talks to the Docker daemon
// (or Podman's Docker-compatible service).
//
// Resolve finds the endpoint as the docker CLI does: --host, --context,
// DOCKER_HOST, DOCKER_CONTEXT, currentContext in the CLI's config.json,
// then the platform default, with a context's TLS material or
// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for tcp://, and ssh:// through
// `ssh … docker system dial-stdio`. It is a pure function of its options,
// the environment it is given and those files; a wrong setting is a
// *ConfigError.
//
// A Daemon pings once to negotiate the Engine API version (down to 1.40)
// and to learn the engine from the ping's headers, then reads the small
// subset of state the checks need through the Reader interfaces: images,
// containers, events. Every answer is capped (MaxResponseBytes, and
// MaxEventBytes a line for events), every request bounded by a timeout and
// the caller's context, and every failure is a *RequestError of one line
// that names the endpoint and what to try.
//
// Writer, kept apart, changes images and containers for setup and reset;
// a check never gets one.
package dockerstate
