/*
 * SRTP/SRTCP as UDP helpers (media_srtp.h) over libre's srtp. One context
 * per direction: libre's srtp keeps the per-SSRC state (rollover counter,
 * replay window) inside it, so a context is made again only when its key
 * changes: a re-INVITE that repeats the key leaves the stream as it was.
 */
#include <string.h>
#include <re.h>
#include <sipmob/media_srtp.h>

enum { LAYER = 10, KEYLEN = 30 };

struct ctx {
	struct srtp *srtp;
	bool tag32;
	uint8_t key[KEYLEN];
};

struct media_srtp {
	struct udp_sock *us_rtp;      /* held: the stream's last RTCP (BYE) */
	struct udp_sock *us_rtcp;     /* goes out through us too            */
	struct udp_helper *uh_rtp;
	struct udp_helper *uh_rtcp;
	bool on;
	struct ctx tx, rx;
	uint64_t tx_drops, rx_drops;
};

static void destructor(void *arg)
{
	struct media_srtp *s = arg;

	mem_deref(s->uh_rtp);   /* off the sockets before they go */
	mem_deref(s->uh_rtcp);
	mem_deref(s->us_rtp);
	mem_deref(s->us_rtcp);
	mem_deref(s->tx.srtp);
	mem_deref(s->rx.srtp);
}

/* Once on, nothing goes out in clear: without a key, or when the
 * encryption fails, the packet is dropped and counted. True: handled. */
static bool protect(struct media_srtp *s, int *err, struct mbuf *mb,
		    int (*encrypt)(struct srtp *, struct mbuf *))
{
	if (!s->on)
		return false;
	*err = s->tx.srtp ? encrypt(s->tx.srtp, mb) : ENOKEY;
	if (*err) {
		s->tx_drops++;
		return true;
	}
	return false;
}

/* ... and nothing comes in that does not authenticate. True: dropped. */
static bool unprotect(struct media_srtp *s, struct mbuf *mb,
		      int (*decrypt)(struct srtp *, struct mbuf *))
{
	if (!s->on)
		return false;
	if (!s->rx.srtp || decrypt(s->rx.srtp, mb)) {
		s->rx_drops++;
		return true;
	}
	return false;
}

static bool send_handler(int *err, struct sa *dst, struct mbuf *mb,
			 void *arg)
{
	(void)dst;
	return protect(arg, err, mb, srtp_encrypt);
}

static bool send_rtcp_handler(int *err, struct sa *dst, struct mbuf *mb,
			      void *arg)
{
	(void)dst;
	return protect(arg, err, mb, srtcp_encrypt);
}

static bool recv_handler(struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	return unprotect(arg, mb, srtp_decrypt);
}

static bool recv_rtcp_handler(struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	return unprotect(arg, mb, srtcp_decrypt);
}

int media_srtp_alloc(struct media_srtp **sp, struct rtp_sock *rtp)
{
	struct media_srtp *s;
	int err;

	if (!sp || !rtp)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), destructor);
	if (!s)
		return ENOMEM;
	s->us_rtp = mem_ref(rtp_sock(rtp));
	s->us_rtcp = mem_ref(rtcp_sock(rtp));
	err = udp_register_helper(&s->uh_rtp, s->us_rtp, LAYER,
				  send_handler, recv_handler, s);
	if (!err && s->us_rtcp)
		err = udp_register_helper(&s->uh_rtcp, s->us_rtcp, LAYER,
					  send_rtcp_handler,
					  recv_rtcp_handler, s);
	if (err)
		mem_deref(s);
	else
		*sp = s;
	return err;
}

void media_srtp_on(struct media_srtp *s)
{
	if (s)
		s->on = true;
}

void media_srtp_off(struct media_srtp *s)
{
	if (!s)
		return;
	s->on = false;
	s->tx.srtp = mem_deref(s->tx.srtp);
	s->rx.srtp = mem_deref(s->rx.srtp);
}

bool media_srtp_is_on(const struct media_srtp *s)
{
	return s && s->on;
}

static int ctx_set(struct ctx *c, bool tag32, const uint8_t *key)
{
	struct srtp *srtp;
	int err;

	if (c->srtp && c->tag32 == tag32 && !memcmp(c->key, key, KEYLEN))
		return 0;
	err = srtp_alloc(&srtp, tag32 ? SRTP_AES_CM_128_HMAC_SHA1_32 :
			 SRTP_AES_CM_128_HMAC_SHA1_80, key, KEYLEN, 0);
	if (err)
		return err;
	mem_deref(c->srtp);
	c->srtp = srtp;
	c->tag32 = tag32;
	memcpy(c->key, key, KEYLEN);
	return 0;
}

int media_srtp_set_tx(struct media_srtp *s, bool tag32, const uint8_t *key)
{
	if (!s || !key)
		return EINVAL;
	s->on = true;
	return ctx_set(&s->tx, tag32, key);
}

int media_srtp_set_rx(struct media_srtp *s, bool tag32, const uint8_t *key)
{
	if (!s || !key)
		return EINVAL;
	s->on = true;
	return ctx_set(&s->rx, tag32, key);
}

void media_srtp_drops(const struct media_srtp *s, uint64_t *tx, uint64_t *rx)
{
	if (tx)
		*tx = s ? s->tx_drops : 0;
	if (rx)
		*rx = s ? s->rx_drops : 0;
}
