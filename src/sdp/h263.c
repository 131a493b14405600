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
 *
 * A sender picks its picture size from the receiver's list
 * (sdesc_h263_choose): the receiver's most preferred size the sender can
 * make; a receiver that lists none takes QCIF (RFC 4629 §8.1.1). A size
 * list ("4cif,CIF": the command line's --video-sizes, SLP's image-size
 * attribute) is read by sdesc_h263_sizes_parse, largest first.
 */
#include <string.h>
#include "sdesc_priv.h"

static const struct {
	const char *name;
	const char *alias;
	enum sdesc_h263_size size;
	unsigned w, h;
} sizes[] = {
	{"SQCIF", NULL,    SDESC_H263_SQCIF,  128,   96},
	{"QCIF",  NULL,    SDESC_H263_QCIF,   176,  144},
	{"CIF",   NULL,    SDESC_H263_CIF,    352,  288},
	{"CIF4",  "4CIF",  SDESC_H263_CIF4,   704,  576},
	{"CIF16", "16CIF", SDESC_H263_CIF16, 1408, 1152},
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

/** The picture of a size in pixels; EINVAL for no such size */
int sdesc_h263_dim(enum sdesc_h263_size size, unsigned *w, unsigned *h)
{
	if ((unsigned)size >= SDESC_H263_NSIZES || !w || !h)
		return EINVAL;
	*w = sizes[size].w;
	*h = sizes[size].h;
	return 0;
}

/** The size of a w x h picture; ENOENT when it is none of the five */
int sdesc_h263_size_of(unsigned w, unsigned h, enum sdesc_h263_size *size)
{
	if (!size)
		return EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (sizes[i].w == w && sizes[i].h == h) {
			*size = sizes[i].size;
			return 0;
		}
	}
	return ENOENT;
}

/** The spec's and SLP's name of a size ("4CIF"), "?" for none */
const char *sdesc_h263_name(enum sdesc_h263_size size)
{
	if ((unsigned)size >= SDESC_H263_NSIZES)
		return "?";
	return sizes[size].alias ? sizes[size].alias : sizes[size].name;
}

/** The MPI of a frame rate: 30000 / (1001 * fps), rounded, in 1..32
 *  (15 fps: 2) */
uint8_t sdesc_h263_mpi(unsigned fps)
{
	unsigned mpi;

	if (!fps)
		return 32;
	mpi = (30000 + 1001 * fps / 2) / (1001 * fps);
	return (uint8_t)(mpi < 1 ? 1 : mpi > 32 ? 32 : mpi);
}

static bool has_size(const struct sdesc_h263 *h, enum sdesc_h263_size s)
{
	for (unsigned i = 0; i < h->picc; i++) {
		if (h->picv[i].size == s)
			return true;
	}
	return false;
}

/**
 * Reads a list of picture size names ("4cif,CIF", "QCIF, CIF"; names as
 * in fmtp, either spelling, any case) into h, largest first, each at mpi;
 * a name given twice counts once. EINVAL for an empty list or item, or an
 * unknown name; then *bad (when not NULL) points at the item, whose
 * length is *badlen.
 */
int sdesc_h263_sizes_parse(struct sdesc_h263 *h, const char *list,
			   uint8_t mpi, const char **bad, size_t *badlen)
{
	bool want[SDESC_H263_NSIZES] = {false};
	const char *p;

	if (!h || !list || !mpi || mpi > 32)
		return EINVAL;

	for (p = list;;) {
		const char *comma = strchr(p, ',');
		struct pl item = {p, comma ? (size_t)(comma - p) : strlen(p)};
		int s;

		pl_trim(&item);
		s = item.l ? size_of(&item) : -1;
		if (s < 0) {
			if (bad)
				*bad = item.p;
			if (badlen)
				*badlen = item.l;
			return EINVAL;
		}
		want[s] = true;
		if (!comma)
			break;
		p = comma + 1;
	}

	memset(h, 0, sizeof(*h));
	for (int s = SDESC_H263_NSIZES - 1; s >= 0; s--) {
		if (!want[s])
			continue;
		h->picv[h->picc].size = (enum sdesc_h263_size)s;
		h->picv[h->picc].mpi = mpi;
		++h->picc;
	}
	return 0;
}

/**
 * The picture size a sender that can make `ours` sends to a receiver
 * whose fmtp is `theirs` (RFC 4629 §8.1: a receiver's sizes are what it
 * can receive, in order of preference): the first of theirs that ours
 * has. A receiver that lists no size takes QCIF (§8.1.1). ENOENT when
 * none of theirs is ours; *size is then the receiver's first, the one
 * size it is sure to take.
 */
int sdesc_h263_choose(const struct sdesc_h263 *theirs,
		      const struct sdesc_h263 *ours,
		      enum sdesc_h263_size *size)
{
	static const struct sdesc_h263 qcif = {
		.picv = {{SDESC_H263_QCIF, 1}}, .picc = 1};

	if (!theirs || !ours || !size)
		return EINVAL;
	if (!theirs->picc)
		theirs = &qcif;

	for (unsigned i = 0; i < theirs->picc; i++) {
		if (has_size(ours, theirs->picv[i].size)) {
			*size = theirs->picv[i].size;
			return 0;
		}
	}
	*size = theirs->picv[0].size;
	return ENOENT;
}

/** Prints the sizes as SLP's image-size lists them ("4CIF,CIF") */
int sdesc_h263_print_names(struct re_printf *pf, const struct sdesc_h263 *h)
{
	int err = 0;

	if (!h)
		return EINVAL;
	for (unsigned i = 0; i < h->picc && i < SDESC_H263_NSIZES; i++)
		err |= re_hprintf(pf, "%s%s", i ? "," : "",
				  sdesc_h263_name(h->picv[i].size));
	return err;
}
