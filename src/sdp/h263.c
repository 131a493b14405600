/*
 * H.263+ receive capabilities in fmtp (RFC 4629 §8.1; spec §6.2): picture
 * sizes with their MPI (Minimum Picture Interval: at most 30000 / (1001 *
 * MPI) frames per second), in order of preference, a maximum bit rate
 * (MAXBR) and a maximum frame rate (MAX-FPS). The mobility layer uses them
 * to move video to a bigger display at a higher resolution or frame rate.
 *
 * Both the RFC 4629 names (CIF4, CIF16) and the older ones the spec uses
 * (4CIF, 16CIF) are read; the RFC 4629 names are printed. Parameters other
 * than these are ignored: the intersection drops them. An fmtp with no
 * picture size is read as an empty list; intersecting with an empty list
 * keeps the other side's sizes (no constraint was stated).
 */
#include <string.h>
#include "sdesc_priv.h"

static const struct {
	const char *name;
	const char *alias;
	enum sdesc_h263_size size;
} sizes[] = {
	{"SQCIF", NULL,    SDESC_H263_SQCIF},
	{"QCIF",  NULL,    SDESC_H263_QCIF},
	{"CIF",   NULL,    SDESC_H263_CIF},
	{"CIF4",  "4CIF",  SDESC_H263_CIF4},
	{"CIF16", "16CIF", SDESC_H263_CIF16},
};

static int size_of(const struct pl *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (!pl_strcasecmp(name, sizes[i].name) ||
		    (sizes[i].alias && !pl_strcasecmp(name, sizes[i].alias)))
			return (int)sizes[i].size;
	}
	return -1;
}

static int num_u32(const struct pl *pl, uint64_t max, uint32_t *v)
{
	uint64_t x;
	int err;

	err = sdesc_num(pl->p, pl->l, max, &x);
	if (!err)
		*v = (uint32_t)x;
	return err;
}

static void pl_trim(struct pl *pl)
{
	while (pl->l && (pl->p[0] == ' ' || pl->p[0] == '\t')) {
		++pl->p;
		--pl->l;
	}
	while (pl->l && (pl->p[pl->l - 1] == ' ' || pl->p[pl->l - 1] == '\t'))
		--pl->l;
}

/**
 * Read the H.263 parameters of an fmtp value ("CIF=1;QCIF=2;MAXBR=3840").
 * EINVAL on a picture size with a bad or repeated MPI, or a bad number.
 */
int sdesc_h263_parse(struct sdesc_h263 *h, const char *params)
{
	struct pl rest;

	if (!h || !params)
		return EINVAL;

	memset(h, 0, sizeof(*h));
	pl_set_str(&rest, params);

	while (rest.l) {
		const char *semi = memchr(rest.p, ';', rest.l);
		struct pl item = {rest.p, semi ? (size_t)(semi - rest.p) : rest.l};
		struct pl name, val = PL_INIT;
		const char *eq;
		uint32_t x;
		int s;

		if (semi) {
			rest.l -= (size_t)(semi - rest.p) + 1;
			rest.p = semi + 1;
		}
		else {
			rest.l = 0;
		}

		pl_trim(&item);
		if (!item.l)
			continue;

		eq = memchr(item.p, '=', item.l);
		name.p = item.p;
		name.l = eq ? (size_t)(eq - item.p) : item.l;
		if (eq) {
			val.p = eq + 1;
			val.l = item.l - name.l - 1;
		}
		pl_trim(&name);
		pl_trim(&val);

		s = size_of(&name);
		if (s >= 0) {
			if (num_u32(&val, 32, &x) || x == 0)
				return EINVAL;
			for (unsigned i = 0; i < h->picc; i++) {
				if ((int)h->picv[i].size == s)
					return EINVAL;
			}
			h->picv[h->picc].size = (enum sdesc_h263_size)s;
			h->picv[h->picc].mpi = (uint8_t)x;
			++h->picc;
		}
		else if (!pl_strcasecmp(&name, "MAXBR")) {
			if (num_u32(&val, UINT32_MAX, &h->maxbr))
				return EINVAL;
		}
		else if (!pl_strcasecmp(&name, "MAX-FPS")) {
			if (num_u32(&val, UINT32_MAX, &h->max_fps))
				return EINVAL;
		}
	}

	return 0;
}

static uint32_t min_limit(uint32_t a, uint32_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/**
 * What both a and b can receive: the sizes both list, in a's order, each
 * at the larger MPI (the lower frame rate); the lower MAXBR and MAX-FPS.
 * ENOENT when both list sizes but none in common.
 */
int sdesc_h263_intersect(struct sdesc_h263 *out, const struct sdesc_h263 *a,
			 const struct sdesc_h263 *b)
{
	struct sdesc_h263 r;

	if (!out || !a || !b)
		return EINVAL;

	memset(&r, 0, sizeof(r));
	r.maxbr = min_limit(a->maxbr, b->maxbr);
	r.max_fps = min_limit(a->max_fps, b->max_fps);

	if (!a->picc || !b->picc) {
		const struct sdesc_h263 *o = a->picc ? a : b;

		r.picc = o->picc;
		memcpy(r.picv, o->picv, sizeof(r.picv));
		*out = r;
		return 0;
	}

	for (unsigned i = 0; i < a->picc; i++) {
		for (unsigned k = 0; k < b->picc; k++) {
			if (a->picv[i].size != b->picv[k].size)
				continue;
			r.picv[r.picc].size = a->picv[i].size;
			r.picv[r.picc].mpi = a->picv[i].mpi > b->picv[k].mpi ?
				a->picv[i].mpi : b->picv[k].mpi;
			++r.picc;
		}
	}

	if (!r.picc)
		return ENOENT;

	*out = r;
	return 0;
}

/** Print as an fmtp value: sizes in order, then MAXBR and MAX-FPS */
int sdesc_h263_print(struct re_printf *pf, const struct sdesc_h263 *h)
{
	const char *sep = "";
	int err = 0;

	if (!h)
		return EINVAL;

	for (unsigned i = 0; i < h->picc && i < SDESC_H263_NSIZES; i++) {
		if ((unsigned)h->picv[i].size >= SDESC_H263_NSIZES)
			return EINVAL;
		err |= re_hprintf(pf, "%s%s=%u", sep,
				  sizes[h->picv[i].size].name,
				  h->picv[i].mpi);
		sep = ";";
	}
	if (h->maxbr) {
		err |= re_hprintf(pf, "%sMAXBR=%u", sep, h->maxbr);
		sep = ";";
	}
	if (h->max_fps)
		err |= re_hprintf(pf, "%sMAX-FPS=%u", sep, h->max_fps);

	return err;
}
