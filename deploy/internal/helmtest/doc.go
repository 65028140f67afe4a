// Package helmtest runs a real helm for tests: it builds the helm command from its Go module once
// per machine and runs it with its own empty config, cache and data folders, so that a developer's
// repositories and plugins cannot change what a test sees.
//
// Only tests import it. Helm stays out of Tacoma's go.mod: the binary is built with
// `go install module@version` outside the main module, as handlers/internal/amtest does for
// Alertmanager.
package helmtest
