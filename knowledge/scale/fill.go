package scale

import (
	"fmt"
	"strings"
)

// filler expands templates for one document: {slot} takes the document's value, so a service
// or a number reads the same everywhere in it; {~key} takes a fresh synonym each time.
type filler struct {
	r    *rng
	vals map[string]string
}

func newFiller(r *rng, g *generator) *filler {
	svcs := pickN(r, g.services, 2)
	n := r.between(2, 12)
	nodes := r.between(20, 400)
	v := map[string]string{
		"svc":        svcs[0],
		"svc2":       svcs[1],
		"Svc":        camel(svcs[0]),
		"ns":         pick(r, namespaces),
		"cluster":    pick(r, clusters),
		"region":     pick(r, regions),
		"team":       pick(r, teams),
		"db":         pick(r, databases),
		"topic":      pick(r, topics),
		"vendor":     pick(r, vendors),
		"vendorhost": pick(r, []string{"partner-gw", "acme-pay", "geoapi", "taxcalc", "notifyhub"}),
		"day":        pick(r, weekdays),
		"code":       pick(r, codes),
		"lim":        pick(r, memLimits),
		"cpu":        pick(r, cpuLimits),
		"pool":       pick(r, nodePools),
		"n":          fmt.Sprint(n),
		"nodes":      fmt.Sprint(nodes),
		"nodes2":     fmt.Sprint(max(n*3, nodes/16)),
		"pct":        fmt.Sprint(r.between(3, 60)),
		"dur":        fmt.Sprint(r.between(5, 190)),
		"dur0":       fmt.Sprint(r.between(5, 40)),
		"ms":         fmt.Sprint(r.between(3, 90) * 100),
		"count":      fmt.Sprint(r.between(2, 900) * 1000),
		"hour":       fmt.Sprintf("%02d", r.intn(24)),
		"ver":        fmt.Sprintf("%d.%d.%d", r.between(1, 9), r.intn(40), r.intn(20)),
	}
	if r.chance(50) {
		v["node"] = fmt.Sprintf("ip-10-%d-%d-%d.%s.compute.internal", r.intn(64), r.intn(256), r.intn(256), v["region"])
	} else {
		v["node"] = fmt.Sprintf("gke-%s-%s-%08x", v["cluster"], v["pool"], uint32(r.next()))
	}
	return &filler{r: r, vals: v}
}

// fill expands t. A slot it does not know is left as written, which the tests catch.
func (f *filler) fill(t string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		key := t[i+1 : i+j]
		switch {
		case strings.HasPrefix(key, "~") && synonyms[key[1:]] != nil:
			b.WriteString(pick(f.r, synonyms[key[1:]]))
		case f.vals[key] != "":
			b.WriteString(f.vals[key])
		default:
			b.WriteString(t[i : i+j+1])
		}
		t = t[i+j+1:]
	}
}

func (f *filler) fillAll(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = f.fill(t)
	}
	return out
}
