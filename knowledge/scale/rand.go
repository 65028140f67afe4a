package scale

// rng is splitmix64: tiny, fast and fully specified here, so that a seed gives the same
// documents byte for byte on every Go version (math/rand/v2 does not promise that for its
// helper methods).
type rng struct{ s uint64 }

// newRNG derives the generator of one document from the seed and the document's number, so
// that any document can be generated alone, in any order.
func newRNG(seed uint64, i int) *rng {
	r := &rng{s: seed ^ 0x6a09e667f3bcc909}
	r.s += uint64(i) * 0x9e3779b97f4a7c15
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); the modulo bias is far below anything a test could see.
func (r *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return int(r.next() % uint64(n))
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance reports whether an event of probability p/100 happened.
func (r *rng) chance(p int) bool { return r.intn(100) < p }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// pickN returns k distinct elements of xs in a random order (all of them if k >= len(xs)).
func pickN[T any](r *rng, xs []T, k int) []T {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	k = min(k, len(xs))
	out := make([]T, 0, k)
	for i := range k {
		j := i + r.intn(len(idx)-i)
		idx[i], idx[j] = idx[j], idx[i]
		out = append(out, xs[idx[i]])
	}
	return out
}
