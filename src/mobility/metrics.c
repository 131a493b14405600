/*
 * Transfer metrics from playout runs (see include/sipmob/metrics.h). Runs
 * from different devices are put on one sequence axis by their 16-bit
 * difference from a reference run, which is exact while the window spans
 * less than half the sequence space (about 10 minutes of 20 ms packets).
 *
 * Disruption: the union of the runs' [t0, t1] intervals is swept for its
 * longest hole; inside one run the longest pause between two of its packets
 * counts too (no other device can fill it, or that device's run would have
 * been the one playing). Cost: O(n log n) in the number of runs.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/metrics.h>

struct span {
	uint32_t ssrc;  /* seq spans of different streams never merge */
	int64_t a, b;   /* seq or time, inclusive */
};

static int span_cmp(const void *x, const void *y)
{
	const struct span *p = x, *q = y;

	if (p->ssrc != q->ssrc)
		return p->ssrc < q->ssrc ? -1 : 1;
	return p->a < q->a ? -1 : p->a > q->a;
}

static bool in_window(const struct playlog_run *r,
		      const struct metrics_window *w)
{
	return r->t1_ms >= w->from_ms && r->t0_ms <= w->to_ms;
}

/* The SSRC with the most packets played in the window. */
static uint32_t main_ssrc(const struct metrics_run *v, size_t n,
			  const struct metrics_window *w, uint64_t *packets)
{
	uint32_t best = 0;
	uint64_t most = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t sum = 0;

		if (!in_window(&v[i].run, w))
			continue;
		for (size_t j = 0; j < n; j++) {
			if (v[j].run.ssrc == v[i].run.ssrc &&
			    in_window(&v[j].run, w))
				sum += v[j].run.n;
		}
		if (sum > most) {
			most = sum;
			best = v[i].run.ssrc;
		}
	}
	*packets = most;
	return best;
}

/* The sequence number all of a stream's runs are measured from: that of
 * its first run in the window. */
static uint16_t stream_ref(const struct metrics_run *v, size_t n,
			   const struct metrics_window *w, uint32_t ssrc)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].run.ssrc == ssrc && in_window(&v[i].run, w))
			return v[i].run.seq;
	}
	return 0;
}

int metrics_compute(const struct metrics_run *v, size_t n,
		    const struct metrics_window *w, int target_src,
		    struct transfer_metrics *m)
{
	struct span *seqs = NULL, *times = NULL;
	size_t k = 0;
	int64_t covered_to, hole, lapse = 0, gap = 0;

	if (!v || !w || !m)
		return EINVAL;

	memset(m, 0, sizeof(*m));
	m->ssrc = main_ssrc(v, n, w, &m->packets);
	if (!m->packets)
		return ENOENT;
	if (w->across_streams)
		m->packets = 0;   /* counted below, every stream */

	seqs = mem_zalloc(n * sizeof(*seqs), NULL);
	times = mem_zalloc(n * sizeof(*times), NULL);
	if (!seqs || !times) {
		mem_deref(seqs);
		mem_deref(times);
		return ENOMEM;
	}

	for (size_t i = 0; i < n; i++) {
		const struct playlog_run *r = &v[i].run;

		if ((r->ssrc != m->ssrc && !w->across_streams) ||
		    !in_window(r, w))
			continue;
		seqs[k].ssrc = r->ssrc;
		seqs[k].a = (int16_t)(uint16_t)(r->seq - stream_ref(v, n, w,
								    r->ssrc));
		seqs[k].b = seqs[k].a + r->n - 1;
		if (w->across_streams)
			m->packets += r->n;
		times[k].a = (int64_t)r->t0_ms;
		times[k].b = (int64_t)r->t1_ms;
		if ((int64_t)r->max_gap_ms > gap)
			gap = r->max_gap_ms;
		k++;

		if (v[i].src == target_src && r->t0_ms >= w->cmd_ms &&
		    (!m->latency_known ||
		     (int64_t)(r->t0_ms - w->cmd_ms) < m->latency_ms)) {
			m->latency_known = true;
			m->latency_ms = (int64_t)(r->t0_ms - w->cmd_ms);
			if (w->across_streams)
				m->ssrc = r->ssrc;   /* the new place's */
		}
	}

	/* Lapse: holes in the union of each stream's sequence spans. */
	qsort(seqs, k, sizeof(*seqs), span_cmp);
	covered_to = seqs[0].b;
	for (size_t i = 1; i < k; i++) {
		if (seqs[i].ssrc != seqs[i - 1].ssrc) {
			covered_to = seqs[i].b;
			continue;
		}
		if (seqs[i].a > covered_to + 1)
			lapse += seqs[i].a - covered_to - 1;
		if (seqs[i].b > covered_to)
			covered_to = seqs[i].b;
	}

	/* Disruption: holes in the union of the time spans. */
	qsort(times, k, sizeof(*times), span_cmp);
	covered_to = times[0].b;
	for (size_t i = 1; i < k; i++) {
		hole = times[i].a - covered_to;
		if (hole > gap)
			gap = hole;
		if (times[i].b > covered_to)
			covered_to = times[i].b;
	}

	m->lapse_packets = (uint64_t)lapse;
	m->disruption_ms = (uint64_t)gap;
	mem_deref(seqs);
	mem_deref(times);
	return 0;
}
