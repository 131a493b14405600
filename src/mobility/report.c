/*
 * Playout reports: what the MN and each device played since a time (each
 * device answers an INFO, see playout.h), and the transfer metrics computed
 * from them (metrics.c, spec §7). A query holds a reference to its
 * collector and to its device, so an answer that comes after the transfer
 * ended finds both alive and is dropped.
 */
#include <string.h>
#include <re.h>
#include <sipmob/playout.h>
#include "mn_priv.h"

enum {
	REPORT_TIMEOUT_MS = 2000,
	MAX_RUNS          = 256,
};

struct played {             /* runs reported, per medium           */
	struct metrics_run v[MAX_RUNS];
	size_t n;
};

struct report {
	report_done_h *h;
	void *arg;
	unsigned pending;
	struct played played[2];    /* [SDESC_AUDIO], [SDESC_VIDEO]        */
	char missing[128];
	struct tmr tmr;
};

struct query {
	struct report *r;
	struct devleg *d;
};

static void destructor(void *arg)
{
	struct report *r = arg;

	tmr_cancel(&r->tmr);
}

static void query_destructor(void *arg)
{
	struct query *q = arg;

	mem_deref(q->r);
	mem_deref(q->d);
}

static void add_run(struct report *r, enum sdesc_mtype type, int src,
		    const struct playlog_run *run)
{
	struct played *p = &r->played[type == SDESC_VIDEO];

	if (p->n < MAX_RUNS)
		p->v[p->n++] = (struct metrics_run){src, *run};
}

static void complete(struct report *r)
{
	report_done_h *h = r->h;

	tmr_cancel(&r->tmr);
	r->h = NULL;
	if (h)
		h(r, r->arg);
}

static void add_runs(struct report *r, int src, const struct odict *od)
{
	const struct odict_entry *e = odict_lookup(od, "playout");

	for (struct le *le = e->u.odict->lst.head; le; le = le->next) {
		const struct odict_entry *re = le->data;
		uint64_t v[6] = {0};
		struct playlog_run run;
		const char *type;

		if (re->type != ODICT_OBJECT)
			continue;
		type = odict_string(re->u.odict, "type");
		(void)odict_get_number(re->u.odict, &v[0], "ssrc");
		(void)odict_get_number(re->u.odict, &v[1], "seq");
		(void)odict_get_number(re->u.odict, &v[2], "n");
		(void)odict_get_number(re->u.odict, &v[3], "t0");
		(void)odict_get_number(re->u.odict, &v[4], "t1");
		(void)odict_get_number(re->u.odict, &v[5], "max_gap");
		run = (struct playlog_run){(uint32_t)v[0], (uint16_t)v[1],
					   (uint32_t)v[2], v[3], v[4],
					   (uint32_t)v[5]};
		add_run(r, type && !strcmp(type, "video") ? SDESC_VIDEO :
			SDESC_AUDIO, src, &run);
	}
}

static void report_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct query *q = arg;
	struct report *r = q->r;
	struct odict *od = NULL;
	const struct odict_entry *e;

	if (!r->h)
		goto out;   /* too late: the metrics are made already */

	if (err || !msg || msg->scode >= 300 ||
	    json_decode_odict(&od, 32, (const char *)mbuf_buf(msg->mb),
			      mbuf_get_left(msg->mb), 8) ||
	    !(e = odict_lookup(od, "playout")) || e->type != ODICT_ARRAY)
		re_snprintf(r->missing, sizeof(r->missing), "device %s gave"
			    " no playout report", q->d->uri);
	else
		add_runs(r, q->d->src, od);

	if (--r->pending == 0)
		complete(r);
 out:
	mem_deref(od);
	mem_deref(q);
}

static void reports_late(void *arg)
{
	struct report *r = arg;

	if (!r->missing[0])
		str_ncpy(r->missing, "a device did not report its playout in"
			 " time", sizeof(r->missing));
	complete(r);
}

static void query_device(struct report *r, struct devleg *d,
			 struct mbuf *body)
{
	struct query *q;

	if (d->lost[0] || !d->leg)
		return;
	q = mem_zalloc(sizeof(*q), query_destructor);
	if (!q)
		return;
	q->r = mem_ref(r);
	q->d = mem_ref(d);
	body->pos = 0;
	if (sipleg_request(d->leg, "INFO", PLAYOUT_CTYPE, body,
			   report_handler, q)) {
		mem_deref(q);
		return;
	}
	r->pending++;
}

struct report *report_alloc(void)
{
	struct report *r = mem_zalloc(sizeof(*r), destructor);

	if (r)
		tmr_init(&r->tmr);
	return r;
}

void report_add_own(struct report *r, const struct mset *ms,
		    uint64_t since_ms)
{
	struct playlog_run runs[64];
	size_t n, i;

	n = mset_runs(ms, SDESC_AUDIO, since_ms, runs, ARRAY_SIZE(runs));
	for (i = 0; i < n; i++)
		add_run(r, SDESC_AUDIO, 0, &runs[i]);
	n = mset_runs(ms, SDESC_VIDEO, since_ms, runs, ARRAY_SIZE(runs));
	for (i = 0; i < n; i++)
		add_run(r, SDESC_VIDEO, 0, &runs[i]);
}

int report_add_json(struct report *r, int src, const struct pl *json)
{
	const struct odict_entry *e;
	struct odict *od = NULL;
	int err;

	err = json_decode_odict(&od, 32, json->p, json->l, 8);
	if (!err && (!(e = odict_lookup(od, "playout")) ||
		     e->type != ODICT_ARRAY))
		err = EBADMSG;
	if (!err)
		add_runs(r, src, od);
	mem_deref(od);
	return err;
}

int report_collect(struct report **rp, struct mn *mn, struct list *extra,
		   uint64_t since_ms, report_done_h *h, void *arg)
{
	struct report *r;
	struct mbuf *body;
	struct le *le;

	r = report_alloc();
	body = mbuf_alloc(64);
	if (!r || !body) {
		mem_deref(r);
		mem_deref(body);
		return ENOMEM;
	}
	r->h = h;
	r->arg = arg;
	report_add_own(r, mn->ms, since_ms);

	(void)mbuf_printf(body, "{\"since\":%llu}", since_ms);
	for (le = mn->devs.head; le; le = le->next)
		query_device(r, le->data, body);
	for (le = extra ? extra->head : NULL; le; le = le->next)
		query_device(r, le->data, body);
	mem_deref(body);

	mem_deref(*rp);
	*rp = r;
	if (!r->pending)
		complete(r);
	else
		tmr_start(&r->tmr, REPORT_TIMEOUT_MS, reports_late, r);
	return 0;
}

/* Audio metrics always (they show a move of video alone did not touch the
 * audio); video metrics when video moved. */
void report_metrics(const struct report *r, uint64_t from_ms,
		    uint64_t cmd_ms, int target_src, int vtarget_src,
		    bool video_moved, bool handoff, struct last_transfer *lt)
{
	const struct metrics_window w = {from_ms, cmd_ms, playlog_now_ms(),
					 handoff};
	const struct played *a = &r->played[0], *v = &r->played[1];

	lt->video_moved = video_moved;
	if (r->missing[0]) {
		lt->metrics_known = lt->vmetrics_known = false;
		str_ncpy(lt->metrics_note, r->missing,
			 sizeof(lt->metrics_note));
		str_ncpy(lt->vmetrics_note, r->missing,
			 sizeof(lt->vmetrics_note));
		return;
	}
	lt->metrics_known = !metrics_compute(a->v, a->n, &w, target_src,
					     &lt->m);
	if (!lt->metrics_known)
		str_ncpy(lt->metrics_note, "no audio was played in the"
			 " window", sizeof(lt->metrics_note));
	lt->vmetrics_known = video_moved &&
		!metrics_compute(v->v, v->n, &w, vtarget_src, &lt->vm);
	if (!lt->vmetrics_known)
		str_ncpy(lt->vmetrics_note, "no marked video frame was"
			 " decoded in the window", sizeof(lt->vmetrics_note));
}

void report_outcome(struct last_transfer *lt, bool retrieve, const char *how,
		    const char *error)
{
	lt->valid = true;
	lt->ok = error == NULL;
	lt->mode = retrieve ? "retrieve" : "transfer";
	lt->how = how;
	str_ncpy(lt->error, error ? error : "", sizeof(lt->error));
	lt->ladder.n = 0;   /* the transfer's own, copied after this */
	lt->ladder.cut = false;
	/* the MNC transfer sets its bridges' figures after this */
	lt->bridged = false;
	lt->bridge_ms = lt->bridge_relayed = lt->bridge_spliced = 0;
	str_ncpy(lt->bridge_note, strcmp(how, "handoff") ? "" : "Session"
		 " Handoff: the device calls the far end itself",
		 sizeof(lt->bridge_note));
	if (error) {
		lt->metrics_known = lt->vmetrics_known = false;
		lt->video_moved = false;
		lt->metrics_note[0] = '\0';
	}
}
