/*
 * Codecs of a media line: a format's payload type with its rtpmap, or, for
 * a static payload type given without rtpmap, its RFC 3551 §6 default
 * (Tables 4 and 5), plus its fmtp. Matching is by encoding name (case
 * insensitive, RFC 4855 §3), clock rate and channels; payload type numbers
 * never matter, since dynamic ones are chosen by each side.
 */
#include <string.h>
#include "sdesc_priv.h"

static const struct {
	int pt;
	const char *name;
	uint32_t srate;
	uint8_t ch;
} statics[] = {
	{0, "PCMU", 8000, 1},   {3, "GSM", 8000, 1},    {4, "G723", 8000, 1},
	{5, "DVI4", 8000, 1},   {6, "DVI4", 16000, 1},  {7, "LPC", 8000, 1},
	{8, "PCMA", 8000, 1},   {9, "G722", 8000, 1},   {10, "L16", 44100, 2},
	{11, "L16", 44100, 1},  {12, "QCELP", 8000, 1}, {13, "CN", 8000, 1},
	{14, "MPA", 90000, 0},  {15, "G728", 8000, 1},  {16, "DVI4", 11025, 1},
	{17, "DVI4", 22050, 1}, {18, "G729", 8000, 1},  {25, "CelB", 90000, 0},
	{26, "JPEG", 90000, 0}, {28, "nv", 90000, 0},   {31, "H261", 90000, 0},
	{32, "MPV", 90000, 0},  {33, "MP2T", 90000, 0}, {34, "H263", 90000, 0},
};

/* The RFC 3551 default of a static payload type; fmtp left NULL */
bool sdesc_static_codec(struct sdesc_codec *c, int pt)
{
	for (size_t i = 0; i < ARRAY_SIZE(statics); i++) {
		if (statics[i].pt != pt)
			continue;
		c->name = statics[i].name;
		c->pt = pt;
		c->srate = statics[i].srate;
		c->ch = statics[i].ch;
		c->fmtp = NULL;
		return true;
	}

	return false;
}

/**
 * The codec of format i of a media line. ENOENT when the format is not a
 * payload type, or is a dynamic one without rtpmap.
 */
int sdesc_media_codec(const struct sdesc_media *m, unsigned i,
		      struct sdesc_codec *codec)
{
	const struct sdesc_fmt *f;
	struct sdesc_codec c = {0};
	bool found = false;
	struct le *le;

	if (!m || !codec || i >= m->fmtc)
		return EINVAL;

	f = &m->fmtv[i];
	if (f->pt < 0)
		return ENOENT;

	LIST_FOREACH(&m->lines, le) {
		const struct sdesc_line *l = le->data;

		if (l->kind == SDESC_L_RTPMAP && l->u.rtpmap.pt == f->pt
		    && !found) {
			c.name = l->u.rtpmap.enc;
			c.pt = f->pt;
			c.srate = l->u.rtpmap.srate;
			c.ch = l->u.rtpmap.ch;
			found = true;
		}
	}

	if (!found && !sdesc_static_codec(&c, f->pt))
		return ENOENT;

	LIST_FOREACH(&m->lines, le) {
		const struct sdesc_line *l = le->data;

		if (l->kind == SDESC_L_FMTP && !strcmp(l->u.fmtp.fmt, f->id)) {
			c.fmtp = l->val + l->u.fmtp.params;
			break;
		}
	}

	*codec = c;
	return 0;
}

/** Formats that go with a codec and never are the codec of a line */
bool sdesc_codec_auxiliary(const char *name)
{
	return !str_casecmp(name, "telephone-event") ||
		!str_casecmp(name, "CN") || !str_casecmp(name, "red") ||
		!str_casecmp(name, "ulpfec") || !str_casecmp(name, "rtx");
}

/**
 * The codec in use on a negotiated media line: the first format that is a
 * known codec and not an auxiliary one (telephone-event, CN, red, ulpfec,
 * rtx). ENOENT when there is none.
 */
int sdesc_media_negotiated(const struct sdesc_media *m,
			   struct sdesc_codec *codec)
{
	if (!m || !codec)
		return EINVAL;

	for (unsigned i = 0; i < m->fmtc; i++) {
		struct sdesc_codec c;

		if (sdesc_media_codec(m, i, &c) ||
		    sdesc_codec_auxiliary(c.name))
			continue;

		*codec = c;
		return 0;
	}

	return ENOENT;
}

/** Same codec: encoding name (any case), clock rate, channels (0 = 1) */
bool sdesc_codec_match(const struct sdesc_codec *a,
		       const struct sdesc_codec *b)
{
	if (!a || !b || !a->name || !b->name)
		return false;

	return !str_casecmp(a->name, b->name) && a->srate == b->srate &&
		(a->ch ? a->ch : 1) == (b->ch ? b->ch : 1);
}
