/*
 * Private state of the SIP endpoint and its legs (see include/sipmob/sipua.h
 * for the contract). Shared by the files of src/sip/ only.
 */
#include <re.h>
#include <sipmob/sipua.h>
#include <sipmob/sip_auth.h>

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
	struct aib_signer *aib_signer;      /* not owned (aib_sip.c)      */
	struct aib_verifier *aib_verifier;  /* not owned                  */
	struct list tokens;                 /* struct sip_token, kept     */
	struct sipauth *auth;          /* the guard (auth_guard.c)       */
	unsigned auth_methods;
	sipep_authz_h *authzh;
	void *authzarg;
	const struct sip_msg *auth_msg;   /* the request being handled  */
	char auth_user[SIPAUTH_USER_MAX]; /* ... and who proved it      */
	struct sipauth_creds *creds;   /* ours, for challenges we meet   */
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
	struct mbuf *offer;         /* our first INVITE's, to resend it (401, 429) */
	char *auth_hdr;             /* its Authorization, after a 401        */
	unsigned auth_tries;

	/* client side: our INVITE or re-INVITE */
	struct sip_request *req;
	sipleg_resp_h *req_resph;   /* this re-INVITE's own handler, or NULL */
	void *req_arg;
	char *hdrs;                 /* extra headers of the first INVITE     */
	struct sip_token *token;    /* given on 429 (RFC 3892 §5), or NULL   */
	bool token_sent;
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

/* auth_guard.c: false when msg was answered (401, 403) */
bool sipep_auth_guard(struct sipep *ep, const struct sip_msg *msg);
/** The Authorization line answering resp, counting *tries (once per
 *  challenge, twice when the first came back stale). ENOENT: none of our
 *  credentials fits; EAUTH: ours were refused. */
int  sipep_auth_answer(struct sipep *ep, const struct sip_msg *resp,
		       const char *method, const char *uri, unsigned *tries,
		       char **hdrp);

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

/* replaced.c (the incoming side): a failure's scode is 0 when it was
 * already answered (a Referred-By token refused, with a Warning) */
int  sipleg_find_replaced(struct sipep *ep, const struct sip_msg *msg,
			  struct sipleg **legp, uint16_t *scode,
			  const char **reason);

/* aib_sip.c: Referred-By tokens */
struct sip_token;
struct sip_token *sipep_token_for(struct sipep *ep, const char *hdrs);
int  sip_token_body_print(struct re_printf *pf, const struct sip_token *t,
			  const struct mbuf *offer);
int  sipep_sign_refer(struct sipep *ep, struct sip_dialog *dlg,
		      const char *uri, const char *hdrs, char **outp);
uint16_t sipep_invite_token_check(struct sipep *ep,
				  const struct sip_msg *msg,
				  const struct pl *replaces, char *why,
				  size_t whysz);
bool sipep_narrow_to_sdp(struct sipep *ep, const struct sip_msg *msg);

/* refer.c */
int  sipep_events_alloc(struct sipep *ep);
bool sipep_refer_request(struct sipep *ep, struct sipleg *leg,
			 const struct sip_msg *msg);

/** The methods we take: REFER, NOTIFY and SUBSCRIBE only once someone
 *  handles REFER (endpoint.c) */
const char *sipep_allow(const struct sipep *ep);
#define SIPMOB_SUPPORTED "replaces"
