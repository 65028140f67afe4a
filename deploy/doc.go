// Package deploy holds no Go code, only tests of what is beside it: the Helm chart (rendered and
// linted with a real helm), the Slack app manifest and the example config (every YAML file must
// parse, without duplicate keys), and the Dockerfile and .dockerignore at the module root (checked
// statically, and the binary built with the image's exact command).
package deploy
