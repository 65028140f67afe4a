// Package scale generates realistic team postmortems in bulk, so that matching can be measured
// with tens of thousands of the team's own write-ups beside the catalog. Nothing in production
// imports it: benchmarks and load tests do.
//
// The documents recombine common Kubernetes and service failures (DNS, conntrack, CPU
// throttling, OOM kills, etcd, webhooks, load balancers, certificates, autoscaling, disks,
// image pulls, network policies, cloud API limits, database failover, Kafka lag, JVM pauses and
// more) with made-up services, real kubernetes-mixin, node-exporter and coredns-mixin alert
// names, timelines, people and dates over five years. Many share words with the catalog's
// stories without describing the same failure, as a real team's history does.
package scale
