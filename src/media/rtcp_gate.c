/*
 * An RTCP gate on a stream's RTCP socket: while closed, our reports are
 * not sent. A mobile node whose medium is on a device (it neither sends
 * nor plays it) closes it: the far end now talks to another source, and
 * our reports about a stream we left would only mislead it (with SRTP,
 * they would not even authenticate under the device's key).
 */
#include <re.h>
#include <sipmob/media.h>

enum { LAYER = 20 };   /* above SRTP: a report held back is not encrypted */

struct media_rtcp_gate {
	struct udp_helper *uh;
	struct udp_sock *us;
	bool closed;
};

static void destructor(void *arg)
{
	struct media_rtcp_gate *g = arg;

	mem_deref(g->uh);
	mem_deref(g->us);
}

static bool send_handler(int *err, struct sa *dst, struct mbuf *mb,
			 void *arg)
{
	struct media_rtcp_gate *g = arg;
	(void)dst;
	(void)mb;

	if (!g->closed)
		return false;
	*err = 0;   /* held back, quietly: libre's timer goes on */
	return true;
}

int media_rtcp_gate_alloc(struct media_rtcp_gate **gp, struct rtp_sock *rtp)
{
	struct media_rtcp_gate *g;
	int err;

	if (!gp || !rtp || !rtcp_sock(rtp))
		return EINVAL;
	g = mem_zalloc(sizeof(*g), destructor);
	if (!g)
		return ENOMEM;
	g->us = mem_ref(rtcp_sock(rtp));
	err = udp_register_helper(&g->uh, g->us, LAYER, send_handler, NULL,
				  g);
	if (err)
		mem_deref(g);
	else
		*gp = g;
	return err;
}

void media_rtcp_gate_set(struct media_rtcp_gate *g, bool open)
{
	if (g)
		g->closed = !open;
}
