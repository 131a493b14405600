/*
 * Mobile Node Control plans (spec §5.2): what a move asks for, checked and
 * turned into lines of the call and devices, before xfer.c carries it out.
 * A refusal says what was wrong in words a person can act on.
 */
#include <string.h>
#include <re.h>
#include "mn_priv.h"

/* The first active m-line of a medium in the CN's description, or -1. */
static int line_of(const struct mn *mn, const char *type)
{
	unsigned v[1];

	return place_lines_of(mn->cn_remote, type, v, 1) ? (int)v[0] : -1;
}

const char *mnc_device_uri(const struct mn *mn, const char *dev, char *why,
			   size_t whysz)
{
	const char *uri;

	if (!strncmp(dev, "sip:", 4) || !strncmp(dev, "sips:", 5))
		return dev;
	uri = mn_device_uri(mn, dev);
	if (!uri && why)
		re_snprintf(why, whysz, "no device '%s' (run `devices` first,"
			    " or give a SIP URI)", dev);
	return uri;
}

static int plan_add(struct mnc_plan *p, const struct mn *mn,
		    const char *type, enum line_role role, const char *dev,
		    char *why, size_t whysz)
{
	int line = line_of(mn, type);
	const char *uri;

	if (line < 0) {
		re_snprintf(why, whysz, "the call has no %s", type);
		return ENOENT;
	}
	if (line >= MN_MAX_LINES) {
		re_snprintf(why, whysz, "the %s is m-line %d; this MN moves"
			    " the first %u lines only", type, line,
			    MN_MAX_LINES);
		return E2BIG;
	}
	uri = mnc_device_uri(mn, dev, why, whysz);
	if (!uri)
		return ENOENT;
	if (p->n >= MN_MAX_LINES) {
		re_snprintf(why, whysz, "too many media to move at once");
		return E2BIG;
	}
	p->item[p->n].line = (unsigned)line;
	p->item[p->n].role = role;
	p->item[p->n].uri = uri;
	p->n++;
	return 0;
}

int mnc_move(struct mn *mn, const struct mnc_request *rq, xfer_done_h *h,
	     void *arg, char *why, size_t whysz)
{
	struct mnc_plan plan;
	int err = 0;

	memset(&plan, 0, sizeof(plan));
	if (mn->state != MN_ESTABLISHED) {
		re_snprintf(why, whysz, "no established call");
		return ENOTCONN;
	}
	if (!rq->display != !rq->camera) {
		re_snprintf(why, whysz, "a video split needs both: --display"
			    " DEV (shows the far end) and --camera DEV (films"
			    " you)");
		return EINVAL;
	}
	if (rq->video && rq->display) {
		re_snprintf(why, whysz, "--video moves the whole video; give"
			    " it or --display with --camera, not both");
		return EINVAL;
	}

	if (rq->audio)
		err = plan_add(&plan, mn, "audio", ROLE_WHOLE, rq->audio, why,
			       whysz);
	if (!err && rq->video)
		err = plan_add(&plan, mn, "video", ROLE_WHOLE, rq->video, why,
			       whysz);
	if (!err && rq->display) {
		err = plan_add(&plan, mn, "video", ROLE_OUT, rq->display, why,
			       whysz);
		err = err ? err : plan_add(&plan, mn, "video", ROLE_IN,
					   rq->camera, why, whysz);
	}
	if (!err && rq->to) {
		/* Everything still here, and nothing named already. */
		for (unsigned k = 0; !err && k < MN_MAX_LINES &&
			     k < sdesc_media_count(mn->cn_remote); k++) {
			const struct sdesc_media *m =
				sdesc_media(mn->cn_remote, k);
			const char *type = sdesc_media_name(m);

			if (!sdesc_media_port(m) || mn->place.line[k].dev ||
			    (k != (unsigned)line_of(mn, type)) ||
			    (!strcmp(type, "audio") && rq->audio) ||
			    (!strcmp(type, "video") &&
			     (rq->video || rq->display)))
				continue;
			err = plan_add(&plan, mn, type, ROLE_WHOLE, rq->to,
				       why, whysz);
		}
	}
	if (err)
		return err;
	if (!plan.n) {
		re_snprintf(why, whysz, "nothing to move%s", rq->to ?
			    ": every medium is on a device already" : "");
		return EINVAL;
	}
	return caps_move(mn, &plan, h, arg, why, whysz);
}

const char *mnc_whole_target(const struct mn *mn,
			     const struct mnc_request *rq)
{
	const char *dev = NULL;
	bool a = line_of(mn, "audio") >= 0, v = line_of(mn, "video") >= 0;

	if (rq->display || rq->camera || mn->devs.head)
		return NULL;
	if (rq->to && !rq->audio && !rq->video)
		dev = rq->to;
	else if (a && v && rq->audio && rq->video &&
		 !strcmp(rq->audio, rq->video) && !rq->to)
		dev = rq->audio;
	else if (a && !v && rq->audio && !rq->video && !rq->to)
		dev = rq->audio;
	else if (v && !a && rq->video && !rq->audio && !rq->to)
		dev = rq->video;
	return dev ? mnc_device_uri(mn, dev, NULL, 0) : NULL;
}

int mnc_retrieve(struct mn *mn, const char *media, xfer_done_h *h,
		 void *arg, char *why, size_t whysz)
{
	struct mset_conf mc;

	if (media && mset_media_parse(&mc, media, NULL, why, whysz))
		return EINVAL;   /* why names the unknown medium */
	if (mn->state != MN_ESTABLISHED) {
		re_snprintf(why, whysz, "no established call");
		return ENOTCONN;
	}
	return xfer_retrieve(mn, media, h, arg, why, whysz);
}
