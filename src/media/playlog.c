/*
 * The playout log (see include/sipmob/media_playlog.h): a ring of runs. A
 * packet extends the newest run of its SSRC when its sequence number is the
 * next one; anything else (a gap, a reorder, another SSRC) opens a new run.
 * When the ring is full the oldest run is dropped: the log remembers the
 * recent past, which is all the transfer metrics look at.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <sipmob/media_playlog.h>

struct playlog {
	struct playlog_run *runs;
	size_t max;
	size_t head;     /* index of the oldest run */
	size_t count;
};

static void destructor(void *arg)
{
	struct playlog *pl = arg;

	mem_deref(pl->runs);
}

int playlog_alloc(struct playlog **plp, size_t max_runs)
{
	struct playlog *pl;

	if (!plp || !max_runs)
		return EINVAL;

	pl = mem_zalloc(sizeof(*pl), destructor);
	if (!pl)
		return ENOMEM;
	pl->runs = mem_zalloc(max_runs * sizeof(*pl->runs), NULL);
	if (!pl->runs) {
		mem_deref(pl);
		return ENOMEM;
	}
	pl->max = max_runs;
	*plp = pl;
	return 0;
}

static struct playlog_run *run_at(const struct playlog *pl, size_t i)
{
	return &pl->runs[(pl->head + i) % pl->max];
}

/* The newest run of ssrc, looking back over a few runs only: streams from
 * two SSRCs interleave (the far end and a leftover) but not many. */
static struct playlog_run *newest_of(struct playlog *pl, uint32_t ssrc)
{
	for (size_t k = 0; k < pl->count && k < 4; k++) {
		struct playlog_run *r = run_at(pl, pl->count - 1 - k);

		if (r->ssrc == ssrc)
			return r;
	}
	return NULL;
}

void playlog_add(struct playlog *pl, uint32_t ssrc, uint16_t seq,
		 uint64_t now_ms)
{
	struct playlog_run *r;

	if (!pl)
		return;

	/* a run goes on with the next sequence number, unless the sender
	 * paused so long (its media were elsewhere) that the pause must be
	 * placed in time: another place may have played meanwhile */
	r = newest_of(pl, ssrc);
	if (r && (uint16_t)(r->seq + r->n) == seq && now_ms >= r->t1_ms &&
	    now_ms - r->t1_ms <= PLAYLOG_PAUSE_MS) {
		uint64_t gap = now_ms - r->t1_ms;

		if (gap > r->max_gap_ms)
			r->max_gap_ms = (uint32_t)gap;
		r->n++;
		r->t1_ms = now_ms;
		return;
	}

	if (pl->count == pl->max) {   /* full: forget the oldest */
		pl->head = (pl->head + 1) % pl->max;
		pl->count--;
	}
	r = run_at(pl, pl->count++);
	r->ssrc = ssrc;
	r->seq = seq;
	r->n = 1;
	r->t0_ms = r->t1_ms = now_ms;
	r->max_gap_ms = 0;
}

size_t playlog_runs(const struct playlog *pl, uint64_t since_ms,
		    struct playlog_run *v, size_t max)
{
	size_t n = 0;

	if (!pl || !v)
		return 0;

	for (size_t i = 0; i < pl->count && n < max; i++) {
		const struct playlog_run *r = run_at(pl, i);

		if (r->t1_ms >= since_ms)
			v[n++] = *r;
	}
	return n;
}

uint64_t playlog_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
