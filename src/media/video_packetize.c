/**
 * @file video_packetize.c  RFC 4629 packetizer: one H.263+ picture into RTP
 * payloads.
 *
 * Each payload starts with the 2-byte header of RFC 4629 §5.1
 * (RR=0, P, V=0, PLEN=0, PEBIT=0). A payload that begins with a picture,
 * GOB or slice start code (16 zero bits then a 1, byte aligned) has P=1 and
 * the start code's two zero bytes left out (§6.1.1); the receiver puts them
 * back. A payload is cut just before the last byte-aligned start code that
 * fits, so GOBs travel whole and a lost packet costs whole GOBs; a GOB
 * larger than one payload continues in follow-on payloads with P=0
 * (§6.1.2, no extra picture header). The caller sets the RTP marker on the
 * payload flagged as the picture's last. Cost: one backward scan over each
 * payload's bytes; no copies (the handler gets pointers into the frame).
 */

#include <errno.h>
#include <re.h>
#include <sipmob/media_video.h>

enum {
	PHDR_SIZE = 2,
	PHDR_P    = 0x04,  /* first byte: RR(5) P(1) V(1) PLEN's top bit */
};


/* A start code (00 00 1xxxxxxx) at p[0..2] */
static bool is_start(const uint8_t *p, size_t left)
{
	return left >= 3 && p[0] == 0 && p[1] == 0 && (p[2] & 0x80);
}


/** Cut an encoded picture into payloads of at most max_payload bytes
 *  (header included) and give each to h, in order; the last one has
 *  marker set. h's error stops the call and is returned. */
int h263_packetize(const uint8_t *frame, size_t len, size_t max_payload,
		   h263_packet_h *h, void *arg)
{
	size_t room;
	int err;

	if (!frame || !len || !h || max_payload < PHDR_SIZE + 8)
		return EINVAL;

	room = max_payload - PHDR_SIZE;

	while (len) {
		uint8_t phdr[PHDR_SIZE] = {0, 0};
		size_t n;

		if (is_start(frame, len)) {
			phdr[0] = PHDR_P;
			frame += 2;
			len -= 2;
		}

		n = len;
		if (n > room) {
			/* the last start code that begins within room */
			n = room;
			for (size_t i = room; i > 0; i--) {
				if (is_start(frame + i, len - i)) {
					n = i;
					break;
				}
			}
		}

		err = h(n == len, phdr, frame, n, arg);
		if (err)
			return err;

		frame += n;
		len -= n;
	}

	return 0;
}
