// Package amtest runs a real Prometheus Alertmanager for tests: it builds the alertmanager and amtool
// binaries once per machine, starts Alertmanager on loopback with one webhook receiver, and fires and
// resolves alerts through amtool, so a receiver under test sees exactly what production sends.
//
// Only tests import it. It does not import the rest of Tacoma, and the Alertmanager module stays out of
// Tacoma's go.mod: the binaries are built with `go install module@version` outside the main module.
package amtest
