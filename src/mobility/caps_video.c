/*
 * A basic device's picture sizes in the CN's offer (spec §6.2). A device
 * that is not mobility-enhanced may answer the MN's INVITE with a video
 * line that says nothing of the H.263 sizes it can show; then the CN,
 * reading no sizes, sends QCIF (RFC 4629 §8.1.1) even to a wall display.
 * A proxy SA may have registered the sizes in SLP (image-size, in
 * docs/slp-templates.md: "4CIF,CIF"). In Mobile Node Control the MN puts
 * them into the device's line as the fmtp the device would have sent, so
 * that the CN's offer carries them (Figure 2, message 3). Session Handoff
 * composes no offer at the MN, so there the sizes stay unsaid, as the
 * spec says.
 *
 * A line that lists sizes already is left alone: what a device says for
 * itself wins over a directory. SLP gives no frame rate, so each size
 * goes in at MPI 1 (the RFC's default, "QCIF=1"); an fmtp's other
 * parameters (MAXBR, annexes) are kept after the sizes.
 */
#include <string.h>
#include <re.h>
#include "mn_priv.h"

/* The encodings whose fmtp takes RFC 4629 picture sizes */
static bool is_h263(const char *name)
{
	return name && (!str_casecmp(name, "H263") ||
			!str_casecmp(name, "H263-1998") ||
			!str_casecmp(name, "H263-2000"));
}

/* Whether an fmtp lists a picture size; one we cannot read is left alone
 * as if it did */
static bool lists_sizes(const char *fmtp)
{
	struct sdesc_h263 h;

	if (!fmtp || !fmtp[0])
		return false;
	return sdesc_h263_parse(&h, fmtp) || h.picc > 0;
}

int caps_video_fmtp_from_slp(struct sdesc_media *m, const char *image_size)
{
	struct sdesc_h263 sizes;
	bool any = false, set = false;
	char buf[64];
	int err;

	if (!m || !image_size)
		return EINVAL;
	if (sdesc_media_type(m) != SDESC_VIDEO)
		return ENOENT;
	if (sdesc_h263_sizes_parse(&sizes, image_size, 1, NULL, NULL))
		return EINVAL;
	if (re_snprintf(buf, sizeof(buf), "%H", sdesc_h263_print,
			&sizes) < 0)
		return ENOMEM;

	for (unsigned i = 0; i < sdesc_media_fmtc(m); i++) {
		const char *fmt = sdesc_media_fmt(m, i);
		struct sdesc_codec c;
		char *params = NULL;

		if (sdesc_media_codec(m, i, &c) || !is_h263(c.name))
			continue;
		any = true;
		if (lists_sizes(c.fmtp))
			continue;
		err = re_sdprintf(&params, "%s%s%s", buf,
				  c.fmtp && c.fmtp[0] ? ";" : "",
				  c.fmtp ? c.fmtp : "");
		err = err ? err : sdesc_media_set_fmtp(m, fmt, params);
		mem_deref(params);
		if (err)
			return err;
		set = true;
	}
	if (!any)
		return ENOENT;
	return set ? 0 : EALREADY;
}

unsigned caps_video_device(const struct mn *mn, struct devleg *d,
			   const bool *lines)
{
	const char *sizes;
	unsigned n = 0;

	if (!mn || !d || !d->answer || !lines)
		return 0;
	sizes = mn_known_attr(mn, d->uri, "image-size");
	if (!sizes)
		return 0;

	for (unsigned i = 0; i < MN_MAX_LINES; i++) {
		struct sdesc_media *m = sdesc_media(d->answer, i);
		int err;

		if (!lines[i] || !m || !sdesc_media_port(m))
			continue;
		err = caps_video_fmtp_from_slp(m, sizes);
		if (!err) {
			re_fprintf(stderr, "mn: device %s: H.263 sizes %s,"
				   " from SLP, on line %u\n", d->uri, sizes,
				   i);
			++n;
		}
		else if (err == EINVAL) {
			re_fprintf(stderr, "mn: device %s: SLP image-size"
				   " '%s' unreadable: left out\n", d->uri,
				   sizes);
		}
	}
	return n;
}
