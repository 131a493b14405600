/**
 * @file jitbuf.c  The adaptive jitter buffer (media_jitbuf.h).
 *
 * A ring of JITBUF_SLOTS frames indexed by sequence number. `next` is the
 * sequence number the next jitbuf_get plays; `high` the highest received.
 * A new sender (SSRC) continues the sequence: its first packet is taken as
 * the one after the highest of the sender before (`offset` maps its numbers
 * into that space), so what the old sender left in the buffer is still
 * played, in order, before the new one. That is what a move of the far
 * end's media looks like (a bridge's spliced packets, then the far end's
 * own): no frame is lost at the switch.
 * The span high - next + 1 is how many frame times the buffer holds; its
 * minimum over a window says how close the window came to running dry,
 * its mean is the delay the buffer adds. The control is on frames, not
 * on timestamps, so it needs no common clock with the sender: the sound
 * card's clock drives jitbuf_get, and a sender slower or faster than the
 * card only makes the buffer stretch or shrink now and then.
 */

#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_jitbuf.h>

struct slot {
	bool used;
	uint16_t key;             /* the sequence number, mapped          */
	struct jitbuf_frame f;
};

struct jitbuf {
	uint32_t clock;
	uint32_t ptime;
	uint32_t min_ms;
	uint32_t max_ms;
	struct slot *slotv;
	unsigned nbuf;

	bool have_ssrc;
	uint32_t ssrc;
	uint16_t offset;          /* this sender's numbers + offset: keys  */
	bool have_next;           /* a stream is being buffered            */
	bool started;             /* ...and played                         */
	uint16_t next;
	uint16_t high;
	uint64_t first_ms;        /* arrival of the first packet buffered  */
	uint64_t last_ms;         /* latest arrival                        */

	bool have_transit;
	int32_t transit;          /* RFC 3550 6.4.1, in clock units        */
	double jitter;            /* ...                                   */

	unsigned win_n;           /* frames in this window                 */
	unsigned win_sum;         /* sum of spans                          */
	unsigned win_min;
	unsigned win_held;        /* frames played in it...               */
	uint64_t win_hold;        /* ...and the ms they waited, summed     */
	uint64_t win_min_hold;    /* ...the shortest wait                  */
	bool win_late;
	bool stretch;             /* insert a frame at the next get        */
	bool late_ready;          /* ...the late packet in `late`          */
	struct jitbuf_frame late;

	struct jitbuf_stats st;
};


static void destructor(void *arg)
{
	struct jitbuf *jb = arg;

	mem_deref(jb->slotv);
}


static void window_reset(struct jitbuf *jb)
{
	jb->win_n = 0;
	jb->win_sum = 0;
	jb->win_min = UINT32_MAX;
	jb->win_held = 0;
	jb->win_hold = 0;
	jb->win_min_hold = UINT64_MAX;
	jb->win_late = false;
}


/* Forgets the frames and the stream's place; keeps the statistics and,
 * the jitter estimate */
static void drop_all(struct jitbuf *jb)
{
	for (unsigned i = 0; i < JITBUF_SLOTS; i++)
		jb->slotv[i].used = false;
	jb->nbuf = 0;
	jb->have_next = false;
	jb->started = false;
	jb->stretch = false;
	jb->late_ready = false;
	window_reset(jb);
}


int jitbuf_alloc(struct jitbuf **jbp, uint32_t clock, uint32_t ptime_ms,
	       uint32_t min_ms, uint32_t max_ms)
{
	struct jitbuf *jb;

	if (!jbp || !clock || !ptime_ms || min_ms > max_ms)
		return EINVAL;

	jb = mem_zalloc(sizeof(*jb), destructor);
	if (!jb)
		return ENOMEM;

	jb->slotv = mem_zalloc(JITBUF_SLOTS * sizeof(*jb->slotv), NULL);
	if (!jb->slotv) {
		mem_deref(jb);
		return ENOMEM;
	}
	jb->clock = clock;
	jb->ptime = ptime_ms;
	jb->min_ms = min_ms;
	jb->max_ms = max_ms;
	window_reset(jb);
	*jbp = jb;
	return 0;
}


static uint32_t jitter_ms(const struct jitbuf *jb)
{
	return (uint32_t)(jb->jitter * 1000.0 / jb->clock + 0.5);
}


static uint32_t target_ms(const struct jitbuf *jb)
{
	uint32_t t = JITBUF_K * jitter_ms(jb);

	if (t < jb->min_ms)
		t = jb->min_ms;
	if (t > jb->max_ms)
		t = jb->max_ms;
	return t;
}


static void jitter_update(struct jitbuf *jb, uint32_t ts, uint64_t now_ms)
{
	uint32_t arrival = (uint32_t)(now_ms * jb->clock / 1000);
	int32_t transit = (int32_t)(arrival - ts);
	double d;

	if (jb->have_transit) {
		d = (double)transit - (double)jb->transit;
		if (d < 0)
			d = -d;
		jb->jitter += (d - jb->jitter) / 16.0;
	}
	jb->transit = transit;
	jb->have_transit = true;
}


/**
 * Buffers one packet. A packet that just missed its turn is played in the
 * frame inserted to grow the delay (counted late, not dropped).
 * EALREADY: a duplicate, or late (its turn was
 * played; counted); EMSGSIZE: too large for a slot.
 */
int jitbuf_put(struct jitbuf *jb, uint32_t ssrc, uint16_t seq, uint32_t ts,
	     uint64_t ext, uint64_t now_ms, const uint8_t *p, size_t len)
{
	struct slot *s;
	uint16_t key;
	int16_t diff;

	if (!jb || !p || !len)
		return EINVAL;
	if (len > JITBUF_MAX_PAYLOAD)
		return EMSGSIZE;

	if (!jb->have_ssrc || ssrc != jb->ssrc) {
		/* a new sender continues after the old one's highest */
		jb->offset = jb->have_next ? (uint16_t)(jb->high + 1 - seq) : 0;
		jb->have_transit = false;
		jb->jitter = 0;
		if (jb->have_ssrc)
			++jb->st.resets;
	}
	jb->have_ssrc = true;
	jb->ssrc = ssrc;
	key = (uint16_t)(seq + jb->offset);
	jitter_update(jb, ts, now_ms);
	jb->last_ms = now_ms;

	if (!jb->have_next) {
		jb->have_next = true;
		jb->next = key;
		jb->high = key;
		jb->first_ms = now_ms;
	}

	diff = (int16_t)(key - jb->next);
	if (diff < 0 && jb->started) {
		bool grow = target_ms(jb) + jb->ptime <= jb->max_ms;

		++jb->st.late;
		jb->win_late = true;
		/* just missed its turn: it fills the frame the buffer inserts
		 * to grow, so it is still played, one frame late */
		if (diff == -1 && grow && !jb->late_ready) {
			jb->late = (struct jitbuf_frame){.ssrc = ssrc,
				.seq = seq, .ext = ext, .ts = ts,
				.arrival_ms = now_ms, .len = len};
			memcpy(jb->late.payload, p, len);
			jb->late_ready = true;
			jb->stretch = true;
			return 0;
		}
		++jb->st.late_dropped;
		if (grow)
			jb->stretch = true;
		return EALREADY;
	}
	if (diff < 0 && (int16_t)(jb->high - key) < JITBUF_SLOTS) {
		jb->next = key;   /* filling: an earlier one came later */
		diff = 0;
	}
	if (diff < 0 || diff >= JITBUF_SLOTS) {
		drop_all(jb);     /* a jump: start over from this one */
		++jb->st.resets;
		jb->have_next = true;
		jb->next = key;
		jb->high = key;
		jb->first_ms = now_ms;
	}

	s = &jb->slotv[key % JITBUF_SLOTS];
	if (s->used && s->key == key)
		return EALREADY;
	if (!s->used)
		++jb->nbuf;

	s->used = true;
	s->key = key;
	s->f.ssrc = ssrc;
	s->f.seq = seq;
	s->f.ext = ext;
	s->f.ts = ts;
	s->f.arrival_ms = now_ms;
	s->f.len = len;
	memcpy(s->f.payload, p, len);

	if ((int16_t)(key - jb->high) > 0)
		jb->high = key;

	return 0;
}


/* Once a window: grow when it came close to empty or the jitter wants
 * more, shrink when it never ran low and holds more than it should */
static void adapt(struct jitbuf *jb)
{
	uint32_t avg = jb->win_sum * jb->ptime / jb->win_n;
	uint32_t target = target_ms(jb);

	if (jb->win_held)
		jb->st.delay_ms = (uint32_t)(jb->win_hold / jb->win_held);

	if ((jb->win_late || avg + jb->ptime / 2 < target) &&
	    avg + jb->ptime <= jb->max_ms) {
		jb->stretch = true;
	}
	else if (jb->win_min >= 2 && avg > target + jb->ptime &&
		 jb->win_held >= JITBUF_WINDOW / 2 &&
		 jb->win_min_hold >= jb->ptime + JITBUF_MARGIN_MS) {
		/* every packet of the window waited a frame more than the
		 * margin: one frame less still leaves them the margin */
		struct slot *s = &jb->slotv[jb->next % JITBUF_SLOTS];

		if (s->used && s->key == jb->next) {
			s->used = false;
			--jb->nbuf;
		}
		++jb->next;
		++jb->st.shrunk;
	}
	window_reset(jb);
}


/** The frame for this frame time (call once per ptime) */
enum jitbuf_out jitbuf_get(struct jitbuf *jb, uint64_t now_ms, struct jitbuf_frame *f)
{
	struct slot *s;
	unsigned span;

	if (!jb || !f || !jb->have_next)
		return JITBUF_NONE;

	if (!jb->started) {
		if (now_ms < jb->first_ms + target_ms(jb))
			return JITBUF_NONE;
		jb->started = true;
		window_reset(jb);
	}

	if (!jb->nbuf && now_ms >= jb->last_ms + JITBUF_IDLE_MS) {
		drop_all(jb);     /* the sender stopped (hold, a move) */
		return JITBUF_NONE;
	}

	span = jb->nbuf ? (unsigned)(uint16_t)(jb->high - jb->next) + 1 : 0;
	jb->win_sum += span;
	if (span < jb->win_min)
		jb->win_min = span;
	if (++jb->win_n >= JITBUF_WINDOW)
		adapt(jb);

	if (jb->stretch) {
		jb->stretch = false;
		++jb->st.stretched;
		if (jb->late_ready) {
			jb->late_ready = false;
			*f = jb->late;
			++jb->st.frames;
			return JITBUF_FRAME;
		}
		return JITBUF_CONCEAL;
	}

	s = &jb->slotv[jb->next % JITBUF_SLOTS];
	++jb->next;
	if (s->used && s->key == (uint16_t)(jb->next - 1)) {
		*f = s->f;
		s->used = false;
		--jb->nbuf;
		++jb->st.frames;
		jb->win_hold += now_ms - f->arrival_ms;
		if (now_ms - f->arrival_ms < jb->win_min_hold)
			jb->win_min_hold = now_ms - f->arrival_ms;
		++jb->win_held;
		return JITBUF_FRAME;
	}

	++jb->st.concealed;
	return JITBUF_CONCEAL;
}


/** Forgets what it holds (the sender's codec changed) */
void jitbuf_flush(struct jitbuf *jb)
{
	if (jb)
		drop_all(jb);
}


void jitbuf_stats(const struct jitbuf *jb, struct jitbuf_stats *st)
{
	if (!jb || !st)
		return;
	*st = jb->st;
	st->target_ms = target_ms(jb);
	st->jitter_ms = jitter_ms(jb);
}
