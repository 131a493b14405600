/*
 * Private state of the SIP endpoint and its legs (see include/sipmob/sipua.h
 * for the contract). Shared by the files of src/sip/ only.
 */
#include <re.h>
#include <sipmob/sipua.h>

struct sipep {
	struct sip *sip;
	struct sip_lsnr *lsnr_req;
	struct sip_lsnr *lsnr_resp;
	struct hash *legs;          /* struct sipleg, by Call-ID (not owned) */
	struct sa laddr;
	struct tls *tls;            /* NULL: no TLS (tls.c)                  */
	struct sa tls_laddr;
	char *uri;                  /* sip:user@addr:port, or sips: with TLS */
	char *user;
	char *display;
	sipep_invite_h *inviteh;
	void *arg;
	sipep_caps_h *capsh;
	void *capsarg;
	sipep_trace_h *traceh;
	void *tracearg;
	struct sipreg *reg;
	char *reg_user;
	char *reg_pass;
	sipep_reg_h *regh;
	void *regarg;
	struct sipevent_sock *evsock;  /* REFER and SUBSCRIBE (refer.c)  */
	sipep_refer_h *referh;
	void *referarg;
	sipep_subscribe_h *subh;
	void *subarg;
};

struct sipleg {
	struct le he;               /* in sipep.legs                         */
	struct sipep *ep;
	struct sip_dialog *dlg;
	enum sipleg_state state;
	bool uac;
	char *ruri;                 /* the far side's URI (To or From)       */
	char *callid;
	char *ltag;
	char *rtag;
	struct mbuf *rsdp;          /* last SDP received                     */
	struct sipleg *replaced;    /* the leg its Replaces names (incoming) */
	char *rtarget;              /* the far side's Contact URI            */
	bool secure;                /* its signalling runs over TLS          */
	char *route;                /* ruri as libre routes it (tls.c)       */
	bool peer_replaces;         /* its Supported lists "replaces"        */
	struct sipleg_handlers h;
	void *arg;

	/* client side: our INVITE or re-INVITE */
	struct sip_request *req;
	sipleg_resp_h *req_resph;   /* this re-INVITE's own handler, or NULL */
	void *req_arg;
	char *hdrs;                 /* extra headers of the first INVITE     */
	bool hold_ack;
	bool ack_due;               /* 2xx received, ACK not sent yet        */
	uint32_t ack_cseq;
	struct mbuf *ackmb;         /* last ACK, resent on a 2xx retransmit  */
	struct sa ackdst;
	enum sip_transp acktp;

	/* server side: their INVITE or re-INVITE */
	struct sip_strans *st;
	const struct sip_msg *imsg;
	struct mbuf *resp;          /* our 2xx, retransmitted until ACK      */
	uint32_t resp_cseq;
	uint32_t txc;
	struct tmr tmr_rtx;
	struct tmr tmr_noack;
};

/* endpoint.c */
int  sipep_send_contact(struct sipep *ep, struct mbuf *mb,
			const struct sa *src, enum sip_transp tp);
struct sipleg *sipep_find_leg(struct sipep *ep, const struct sip_msg *msg);

/* tls.c */
int  sipep_tls_alloc(struct sipep *ep, const struct sipep_conf *conf);
void sipep_tls_expect(struct sipep *ep, const char *uri);
/** Why the last certificate was refused ("" if none since last asked) */
void sipep_tls_last_refusal(char *buf, size_t sz);
/** Where the leg's requests go: its target (the URI to check a
 *  certificate against) */
const char *sipleg_next_hop(const struct sipleg *leg);

/** False (and logged) when body carries SDES keys (a=crypto) and the
 *  leg does not run over TLS: keys never go in clear (RFC 4568 §8.3) */
bool sipleg_keys_allowed(const struct sipleg *leg, const struct mbuf *body);

/* leg.c */
int  sipleg_alloc(struct sipleg **legp, struct sipep *ep, bool uac);
void sipleg_index(struct sipleg *leg);
void sipleg_keep_sdp(struct sipleg *leg, const struct sip_msg *msg);
void sipleg_keep_peer(struct sipleg *leg, const struct sip_msg *msg);
void sipleg_send_bye(struct sipleg *leg);
void sipleg_closed(struct sipleg *leg, int err, const struct sip_msg *msg);
/** A body and its content type (NULL: SDP) */
struct sipleg_body {
	const char *ctype;
	const struct mbuf *mb;
};
#define SIPLEG_SDP "application/sdp"
int  sipleg_body_printf(struct re_printf *pf, const struct sipleg_body *b);

/* invite.c (client) */
void sipleg_response_retransmit(struct sipleg *leg, const struct sip_msg *m);

/* accept.c (server) */
void sipleg_incoming_invite(struct sipep *ep, const struct sip_msg *msg);
void sipleg_incoming_reinvite(struct sipleg *leg, const struct sip_msg *msg);
void sipleg_incoming_ack(struct sipleg *leg, const struct sip_msg *msg);
void sipleg_incoming_bye(struct sipleg *leg, const struct sip_msg *msg);
void sipleg_server_stop(struct sipleg *leg);

/* options.c */
void sipep_options_reply(struct sipep *ep, const struct sip_msg *msg);

/* replaces.c (the incoming side) */
int  sipleg_find_replaced(struct sipep *ep, const struct sip_msg *msg,
			  struct sipleg **legp, uint16_t *scode,
			  const char **reason);

/* refer.c */
int  sipep_events_alloc(struct sipep *ep);
bool sipep_refer_request(struct sipep *ep, struct sipleg *leg,
			 const struct sip_msg *msg);

/** The methods we take: REFER, NOTIFY and SUBSCRIBE only once someone
 *  handles REFER (endpoint.c) */
const char *sipep_allow(const struct sipep *ep);
#define SIPMOB_SUPPORTED "replaces"
