/*
 * DTMF as RFC 4733 telephone events: the payload, the sender and the
 * receiver. An IVR menu must hear the digits a user presses even after the
 * call moved to a speakerphone, and in-band tones would not survive a
 * compressing codec, so digits travel as named events.
 *
 * Sending (§2.5.1): one digit is one event. Its packets carry the RTP
 * timestamp of the event's start and a duration that grows by one frame
 * per packet; the first has the marker bit. After DTMF_TONE_MS the end
 * packet (E bit, final duration) goes out DTMF_END_REPEAT times, each with
 * a new sequence number, since a lost end would leave the far end
 * guessing. DTMF_PAUSE_MS of ordinary audio separate two digits. The
 * stream sends no audio frame while an event plays (§2.5.1.1 recommends
 * it: the tone and the event would otherwise both be heard), and the
 * events share its SSRC, sequence numbers and clock, as peers expect.
 *
 * Receiving (§2.5.2): a key press is known by its SSRC and start
 * timestamp. The first packet seen of it reports the digit; later updates
 * and the repeated end packets are the same press. A timestamp older than
 * the last press's is a late packet, not a new press.
 *
 * Limits: only the first block of a packet is read (senders pack several
 * only to repeat past events, §2.5.1.5); an event longer than the 16-bit
 * duration is split by the sender into segments with new timestamps
 * (§2.5.1.3), which we would report as more presses; the tone we send is
 * always DTMF_TONE_MS long.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_dtmf.h>

enum { VOLUME = 10 };   /* -10 dBm0, what phones commonly send */

static const char digits[] = "0123456789*#ABCD";

/** The event code of a DTMF digit (0-9 * # A-D, a-d), or -1 */
int dtmf_code(char digit)
{
	const char *p;

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	p = digit ? strchr(digits, digit) : NULL;
	return p ? (int)(p - digits) : -1;
}

/** The digit of an event code, or '\0' for an event that is no digit */
char dtmf_digit(uint8_t code)
{
	return code < sizeof(digits) - 1 ? digits[code] : '\0';
}

/** A non-empty string of DTMF digits only */
bool dtmf_digits_valid(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (dtmf_code(*s) < 0)
			return false;
	}
	return true;
}

/** Writes one event block (§2.3): event, E|R|volume, duration */
int dtmf_encode(uint8_t *buf, size_t size, const struct dtmf_event *ev)
{
	if (!buf || !ev || ev->volume > 63)
		return EINVAL;
	if (size < DTMF_PAYLOAD_SIZE)
		return EOVERFLOW;

	buf[0] = ev->code;
	buf[1] = (uint8_t)((ev->end ? 0x80 : 0) | ev->volume);
	buf[2] = (uint8_t)(ev->duration >> 8);
	buf[3] = (uint8_t)(ev->duration & 0xff);
	return 0;
}

/**
 * Reads the first event block of a payload. A payload is whole blocks of
 * four bytes, at least one: anything else is EBADMSG.
 */
int dtmf_decode(struct dtmf_event *ev, const uint8_t *p, size_t len)
{
	if (!ev || (!p && len))
		return EINVAL;
	if (len < DTMF_PAYLOAD_SIZE || len % DTMF_PAYLOAD_SIZE)
		return EBADMSG;

	ev->code = p[0];
	ev->end = (p[1] & 0x80) != 0;
	ev->volume = p[1] & 0x3f;
	ev->duration = (uint16_t)(p[2] << 8 | p[3]);
	return 0;
}

/* ---- sender ---- */

enum tx_state { TX_IDLE = 0, TX_TONE, TX_END, TX_PAUSE };

struct dtmf_tx {
	char queue[DTMF_MAX_QUEUE];
	size_t n;
	enum tx_state st;
	uint8_t code;
	uint32_t ts0;         /* the event's start                     */
	uint32_t dur;         /* timestamp units so far                */
	unsigned ends;        /* end packets sent                      */
	uint32_t pause;       /* audio still due before the next digit */
};

int dtmf_tx_alloc(struct dtmf_tx **txp)
{
	struct dtmf_tx *tx;

	if (!txp)
		return EINVAL;
	tx = mem_zalloc(sizeof(*tx), NULL);
	if (!tx)
		return ENOMEM;
	*txp = tx;
	return 0;
}

/** Appends digits to the queue: all of them, or none (EINVAL for a bad
 *  digit, ENOSPC when they do not fit) */
int dtmf_tx_queue(struct dtmf_tx *tx, const char *s)
{
	size_t len;

	if (!tx || !dtmf_digits_valid(s))
		return EINVAL;
	len = strlen(s);
	if (len > DTMF_MAX_QUEUE - tx->n)
		return ENOSPC;
	for (size_t i = 0; i < len; i++)
		tx->queue[tx->n++] = (char)dtmf_code(s[i]);
	return 0;
}

/** Digits are waiting, playing, or the pause after one is running */
bool dtmf_tx_busy(const struct dtmf_tx *tx)
{
	return tx && (tx->n || tx->st != TX_IDLE);
}

/** Forgets the queue and any event in progress (the far end's receiver
 *  times a cut event out, §2.5.2.3) */
void dtmf_tx_clear(struct dtmf_tx *tx)
{
	if (tx)
		memset(tx, 0, sizeof(*tx));
}

static void fill(const struct dtmf_tx *tx, bool end, bool marker,
		 struct dtmf_pkt *pkt)
{
	struct dtmf_event ev = {
		.code = tx->code, .end = end, .volume = VOLUME,
		.duration = (uint16_t)(tx->dur > 0xffff ? 0xffff : tx->dur),
	};

	pkt->marker = marker;
	pkt->ts = tx->ts0;
	(void)dtmf_encode(pkt->payload, sizeof(pkt->payload), &ev);
}

/**
 * One frame time. ts is the RTP timestamp the audio frame of this tick
 * would carry, step the timestamp units of one frame (at DTMF_CLOCK).
 * Returns true when *pkt goes out instead of the audio frame.
 */
bool dtmf_tx_tick(struct dtmf_tx *tx, uint32_t ts, uint32_t step,
		  struct dtmf_pkt *pkt)
{
	const uint32_t tone = DTMF_TONE_MS * DTMF_CLOCK / 1000;
	bool marker = false;

	if (!tx || !pkt || !step)
		return false;

	switch (tx->st) {

	case TX_PAUSE:
		tx->pause -= tx->pause < step ? tx->pause : step;
		if (!tx->pause)
			tx->st = TX_IDLE;
		return false;

	case TX_IDLE:
		if (!tx->n)
			return false;
		tx->code = (uint8_t)tx->queue[0];
		memmove(tx->queue, tx->queue + 1, --tx->n);
		tx->ts0 = ts;
		tx->dur = 0;
		tx->ends = 0;
		tx->st = TX_TONE;
		marker = true;
		/* fall through */

	case TX_TONE:
		tx->dur += step;
		if (tx->dur < tone) {
			fill(tx, false, marker, pkt);
			return true;
		}
		tx->st = TX_END;
		/* fall through */

	case TX_END:
		fill(tx, true, marker, pkt);
		if (++tx->ends >= DTMF_END_REPEAT) {
			tx->st = TX_PAUSE;
			tx->pause = DTMF_PAUSE_MS * DTMF_CLOCK / 1000;
		}
		return true;
	}
	return false;
}

/* ---- receiver ---- */

struct dtmf_rx {
	bool have_last;
	uint32_t ssrc;         /* the last key press: its sender and start */
	uint32_t ts;
	char digits[DTMF_MAX_RX + 1];
	size_t n;
};

int dtmf_rx_alloc(struct dtmf_rx **rxp)
{
	struct dtmf_rx *rx;

	if (!rxp)
		return EINVAL;
	rx = mem_zalloc(sizeof(*rx), NULL);
	if (!rx)
		return ENOMEM;
	*rxp = rx;
	return 0;
}

/**
 * One packet of the telephone-event payload type. *digitp is the digit
 * when the packet starts a new key press, else '\0' (a repeat, a late
 * packet, or an event that is no DTMF digit). EBADMSG for a malformed
 * payload, which changes nothing.
 */
int dtmf_rx_input(struct dtmf_rx *rx, uint32_t ssrc, uint32_t ts,
		  const uint8_t *p, size_t len, char *digitp)
{
	struct dtmf_event ev;
	char d;
	int err;

	if (digitp)
		*digitp = '\0';
	if (!rx)
		return EINVAL;
	err = dtmf_decode(&ev, p, len);
	if (err)
		return err;

	/* serial-number order (RFC 1982): the timestamp wraps */
	if (rx->have_last && ssrc == rx->ssrc &&
	    (int32_t)(ts - rx->ts) <= 0)
		return 0;

	rx->have_last = true;
	rx->ssrc = ssrc;
	rx->ts = ts;

	d = dtmf_digit(ev.code);
	if (!d)
		return 0;

	if (rx->n == DTMF_MAX_RX) {   /* keep the latest */
		memmove(rx->digits, rx->digits + 1, DTMF_MAX_RX - 1);
		rx->n--;
	}
	rx->digits[rx->n++] = d;
	rx->digits[rx->n] = '\0';
	if (digitp)
		*digitp = d;
	return 0;
}

/** The digits received, oldest first ("" when none) */
const char *dtmf_rx_digits(const struct dtmf_rx *rx)
{
	return rx ? rx->digits : "";
}
