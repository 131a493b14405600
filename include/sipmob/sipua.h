/**
 * @file sipua.h  Our SIP user agent over libre: one endpoint per process and
 * the INVITE dialogs ("legs") it holds.
 *
 * libre's sipsess acknowledges a 2xx inside its response callback and does
 * not report a failed re-INVITE. Third-party call control (RFC 3725, spec
 * §5.2) needs both: the controller must put one party's answer into the ACK
 * it sends to the other, and must roll back when a re-INVITE fails. So a leg
 * is built here directly on libre's transactions (sip_drequestf, sip_strans)
 * and dialogs (sip_dialog).
 *
 * Usage:
 *   sipep_alloc(&ep, &conf, invite_handler, arg);   // listens, UDP + TCP
 *   sipleg_connect(&leg, ep, "sip:cn@host", NULL, offer, hold_ack, &h, arg);
 *     h.resph(leg, 0, 200, msg, arg)  ->  sipleg_ack(leg, body-or-NULL)
 *   sipleg_reinvite(leg, offer, hold_ack);          // result in h.resph
 *   incoming: invite_handler(ep, leg, msg, arg) -> sipleg_set_handlers(),
 *             sipleg_reply(leg, 200, "OK", answer)
 *   mem_deref(leg) sends BYE (or CANCEL / 480) and forgets the dialog.
 */

struct sipep;
struct sipleg;
struct sip_msg;
struct mbuf;
struct pl;

/** What a leg is doing */
enum sipleg_state {
	SIPLEG_CALLING = 0,   /**< our INVITE sent, no final answer yet      */
	SIPLEG_INCOMING,      /**< their INVITE received, not yet answered   */
	SIPLEG_ESTABLISHED,   /**< dialog confirmed (2xx sent or received)    */
	SIPLEG_CLOSED,        /**< BYE, CANCEL or failure: the dialog is gone */
};

/**
 * Result of an INVITE or re-INVITE we sent. err is an errno (ETIMEDOUT for
 * Timer B, ECONNRESET when the leg closed under it) or 0; then scode is the
 * status of msg: 1xx (provisional, may repeat), 2xx (msg carries the answer,
 * or the offer when ours had no body) or 300..699 (the request failed; an
 * established dialog is unchanged). After a 2xx to a request sent with
 * hold_ack, the ACK goes out only when the caller calls sipleg_ack().
 */
typedef void (sipleg_resp_h)(struct sipleg *leg, int err, uint16_t scode,
			     const struct sip_msg *msg, void *arg);

/** Their re-INVITE (body may be empty: then we must offer). Answer it,
 *  now or later, with sipleg_reply(). */
typedef void (sipleg_offer_h)(struct sipleg *leg, const struct sip_msg *msg,
			      void *arg);

/** The ACK to our 2xx; carries the answer when our 2xx carried an offer. */
typedef void (sipleg_ack_h)(struct sipleg *leg, const struct sip_msg *msg,
			    void *arg);

/** The dialog ended from the far side or by failure (BYE, CANCEL, no ACK). */
typedef void (sipleg_close_h)(struct sipleg *leg, int err,
			      const struct sip_msg *msg, void *arg);

/** Another request inside the dialog (INFO). Answer it with
 *  sip_treplyf() on sipep_sip(); return false to have it refused (501). */
typedef bool (sipleg_request_h)(struct sipleg *leg, const struct sip_msg *msg,
				void *arg);

struct sipleg_handlers {
	sipleg_resp_h  *resph;
	sipleg_offer_h *offerh;
	sipleg_ack_h   *ackh;
	sipleg_close_h *closeh;
	sipleg_request_h *reqh;
};

/* Endpoint */

/** A new INVITE outside any dialog. The leg is in SIPLEG_INCOMING; the
 *  handler takes a reference (mem_ref) to keep it, sets its handlers and
 *  answers it with sipleg_reply(). A leg nobody keeps is declined (480). */
typedef void (sipep_invite_h)(struct sipep *ep, struct sipleg *leg,
			      const struct sip_msg *msg, void *arg);

/** Writes the SDP of our capabilities (for OPTIONS) into *descp. */
typedef int (sipep_caps_h)(struct mbuf **descp, void *arg);

/** One line per SIP message sent or received, for logs and ladders. */
typedef void (sipep_trace_h)(bool tx, const char *summary, void *arg);

struct sipep_conf {
	const char *listen;   /**< "ADDR:PORT" or "[V6ADDR]:PORT" (required) */
	const char *user;     /**< user part of our URI (default "sipmob")   */
	const char *display;  /**< display name (optional)                   */
	const char *software; /**< User-Agent / Server value (optional)      */
	bool trace;           /**< log every message to stderr ("sip: ...") */
	/* TLS (tls.c): with a certificate, a TLS listener beside UDP and TCP
	 * and a sips: URI; outgoing TLS connections need a certificate that
	 * chains to tls_ca and names the host of the URI we meant. */
	const char *tls_cert; /**< PEM certificate (chain) and key, or NULL */
	const char *tls_ca;   /**< PEM CAs to trust (NULL: none: every
				   outgoing TLS connection fails)          */
	uint16_t tls_port;    /**< TLS port (0: the SIP port + 1)          */
};

int  sipep_alloc(struct sipep **epp, const struct sipep_conf *conf,
		 sipep_invite_h *inviteh, void *arg);
void sipep_set_caps_handler(struct sipep *ep, sipep_caps_h *capsh,
			    void *arg);
void sipep_set_trace_handler(struct sipep *ep, sipep_trace_h *traceh,
			     void *arg);
const char *sipep_uri(const struct sipep *ep);
const struct sa *sipep_laddr(const struct sipep *ep);
struct sip *sipep_sip(const struct sipep *ep);
/** Whether a URI is reached over TLS (sips:, or ;transport=tls) */
bool sipep_uri_secure(const char *uri);
/** A copy of uri that libre 1.1.0 can route: sips:X as
 *  sip:X;transport=tls, any other as it is */
int  sipep_route_uri(char **outp, const char *uri);
/** Checks that a sips: URI with an address for host leads to a party
 *  whose certificate chains to our CAs and names that address: a TLS
 *  handshake, nothing sent. h gets 0, or the error and why; freeing *cp
 *  before that cancels it. ENOTSUP: the endpoint has no TLS. */
struct sipep_tls_check;
typedef void (sipep_tls_check_h)(int err, const char *why, void *arg);
int  sipep_tls_check(struct sipep_tls_check **cp, struct sipep *ep,
		     const char *uri, sipep_tls_check_h *h, void *arg);
/** Closes every leg (BYE) and waits for nothing: call before re_cancel. */
void sipep_shutdown(struct sipep *ep);

/* Registration (client, RFC 3261 §10, Digest as client). A NULL aor means
 * sip:USER@REGISTRAR-HOST:PORT. */
typedef void (sipep_reg_h)(int err, uint16_t scode, void *arg);
int  sipep_register(struct sipep *ep, const char *registrar,
		    const char *aor, const char *user, const char *password,
		    uint32_t expires, sipep_reg_h *regh, void *arg);
bool sipep_registered(const struct sipep *ep);

/* OPTIONS query (client) */
typedef void (sipep_options_h)(int err, const struct sip_msg *msg, void *arg);
int  sipep_options(struct sipep *ep, const char *uri, sipep_options_h *h,
		   void *arg);

/* Legs */
int  sipleg_connect(struct sipleg **legp, struct sipep *ep,
		    const char *to_uri, const char *extra_hdrs,
		    struct mbuf *offer, bool hold_ack,
		    const struct sipleg_handlers *h, void *arg);
int  sipleg_reinvite(struct sipleg *leg, struct mbuf *offer, bool hold_ack);
/** A re-INVITE whose responses go to resph (not the leg's handler), so
 *  that each request a controller sends has its own owner. */
int  sipleg_reinvite_h(struct sipleg *leg, struct mbuf *offer, bool hold_ack,
		       sipleg_resp_h *resph, void *arg);
int  sipleg_ack(struct sipleg *leg, struct mbuf *body);
int  sipleg_reply(struct sipleg *leg, uint16_t scode, const char *reason,
		  struct mbuf *body);
/** The same with a body of another content type than application/sdp */
int  sipleg_reply_typed(struct sipleg *leg, uint16_t scode,
			const char *reason, const char *ctype,
			struct mbuf *body);
void sipleg_set_handlers(struct sipleg *leg, const struct sipleg_handlers *h,
			 void *arg);
/** Ends the leg now: BYE if established, CANCEL if calling, 480/487 to a
 *  pending incoming INVITE. The close handler is not called. */
void sipleg_hangup(struct sipleg *leg);

enum sipleg_state sipleg_state(const struct sipleg *leg);
const char *sipleg_state_name(enum sipleg_state st);
bool sipleg_is_uac(const struct sipleg *leg);
bool sipleg_busy(const struct sipleg *leg);  /**< an INVITE is in progress */
const char *sipleg_remote_uri(const struct sipleg *leg);
/** Where the far side is reached: its Contact, else its URI */
const char *sipleg_remote_target(const struct sipleg *leg);
/** Whether the leg's signalling runs over TLS (sips: or transport=tls) */
bool sipleg_secure(const struct sipleg *leg);
/** Its INVITE or 2xx said Supported (or Require): replaces */
bool sipleg_peer_supports_replaces(const struct sipleg *leg);
const char *sipleg_callid(const struct sipleg *leg);
const char *sipleg_local_tag(const struct sipleg *leg);
const char *sipleg_remote_tag(const struct sipleg *leg);
/** Sends a request inside the dialog (e.g. INFO) with an optional body;
 *  the final response (or error) reaches h, which may be NULL. */
typedef void (sipleg_info_h)(int err, const struct sip_msg *msg, void *arg);
int  sipleg_request(struct sipleg *leg, const char *method,
		    const char *ctype, const struct mbuf *body,
		    sipleg_info_h *h, void *arg);

/* The Replaces this incoming INVITE carried (RFC 3891), already checked by
 * the endpoint: it names an established dialog of ours, and the INVITE's
 * From or Referred-By is that dialog's far side (else 481 or 403 was sent
 * and no leg was made). NULL for an ordinary INVITE. The handler answers
 * the new leg and, once it is established, hangs the replaced one up. */
struct sipleg *sipleg_replaced(const struct sipleg *leg);

/** True when a and b name the same party: same scheme, user, host and
 *  port (parameters and headers ignored). */
bool sip_uri_same_party(const struct pl *a, const struct pl *b);


/* REFER (RFC 3515) and event subscriptions (RFC 6665), over libre's
 * sipevent: the implicit subscription of a REFER reports the referred
 * request's progress in NOTIFYs whose bodies are message/sipfrag. */

struct siprefer;      /* a REFER we sent, and its subscription          */
struct sipnotifier;   /* a subscription we accepted: we send NOTIFYs     */
struct sipsubscr;     /* a subscription we made (SUBSCRIBE)              */

/**
 * A REFER for us, in the INVITE dialog leg or (leg NULL) outside any
 * dialog. Accept it with siprefer_accept() or refuse it with
 * sip_treply(NULL, sipep_sip(ep), msg, 403, ...), now.
 */
typedef void (sipep_refer_h)(struct sipep *ep, struct sipleg *leg,
			     const struct sip_msg *msg, void *arg);
void sipep_set_refer_handler(struct sipep *ep, sipep_refer_h *h, void *arg);

/**
 * News of a REFER we sent. refused: the REFER itself failed (scode is its
 * response, or 0 with err set: ETIMEDOUT...). Otherwise scode is the status
 * line of a NOTIFY's sipfrag (100, 180, 200, 4xx...), frag the whole
 * sipfrag (headers and any body the referee added) and notify the NOTIFY.
 * final: the last call for this REFER (a final status or the end of the
 * subscription); the siprefer may then be freed.
 */
typedef void (siprefer_h)(int err, bool refused, uint16_t scode,
			  const struct pl *frag, const struct sip_msg *notify,
			  bool final, void *arg);
/** Sends REFER to uri (outside any dialog) or inside leg. hdrs: the
 *  Refer-To and Referred-By lines ("Name: value\r\n" each). */
int siprefer_send(struct siprefer **rp, struct sipep *ep,
		  struct sipleg *leg, const char *uri, const char *hdrs,
		  siprefer_h *h, void *arg);
/** Answers the REFER 202 and sends the first NOTIFY (100 Trying). */
int siprefer_accept(struct sipnotifier **np, struct sipep *ep,
		    struct sipleg *leg, const struct sip_msg *msg);
/** Reports the referred request's status: a sipfrag of the status line
 *  followed by more (sipfrag header lines, each ending CRLF, and then
 *  optionally CRLF and a body), or NULL. final: the last report; the
 *  subscription ends with it. */
int siprefer_notify(struct sipnotifier *n, uint16_t scode,
		    const char *reason, const char *more, bool final);

/** A SUBSCRIBE outside any dialog (event: its Event package). Accept it
 *  with sipnotifier_accept() or refuse it with sip_treply(), now. */
typedef void (sipep_subscribe_h)(struct sipep *ep, const struct sip_msg *msg,
				 const struct pl *event, void *arg);
void sipep_set_subscribe_handler(struct sipep *ep, sipep_subscribe_h *h,
				 void *arg);
/** Answers the SUBSCRIBE 200; then send the state with
 *  sipnotifier_notify(). closeh: the subscription ended (expired,
 *  unsubscribed, or the NOTIFY failed). */
typedef void (sipnotifier_close_h)(int err, void *arg);
int sipnotifier_accept(struct sipnotifier **np, struct sipep *ep,
		       const struct sip_msg *msg, const char *ctype,
		       sipnotifier_close_h *closeh, void *arg);
int sipnotifier_notify(struct sipnotifier *n, struct mbuf *body, bool final);

/** A NOTIFY of a subscription we made (msg), or its end (msg NULL, err or
 *  a refused SUBSCRIBE's scode). final: no more calls. */
typedef void (sipsubscr_h)(int err, uint16_t scode, const struct sip_msg *msg,
			   bool final, void *arg);
/** SUBSCRIBE to uri's event package (e.g. "dialog"), with an Accept of
 *  accept_ctype. Freeing the sipsubscr unsubscribes. */
int sipsubscr_send(struct sipsubscr **sp, struct sipep *ep, const char *uri,
		   const char *event, const char *accept_ctype,
		   uint32_t expires, sipsubscr_h *h, void *arg);

/* PUBLISH (RFC 3903): an event state on a presence server (publish.c) */
struct sippub;
/** Each final answer to a PUBLISH: err (ETIMEDOUT...) or its status. */
typedef void (sippub_h)(int err, uint16_t scode, const char *reason,
			void *arg);
/** A publisher of event's state for the presentity uri (Request-URI and
 *  To), asking for expires seconds. Nothing is sent before
 *  sippub_publish(); then it refreshes (SIP-If-Match) while it lives,
 *  retries after failures, starts over on 412 and answers 401/407 with
 *  the endpoint's credentials. Freeing it sends nothing: call
 *  sippub_remove() first to take the state away. */
int sippub_alloc(struct sippub **pp, struct sipep *ep, const char *uri,
		 const char *event, uint32_t expires, sippub_h *h, void *arg);
/** Publishes a new state (a copy of body) */
int sippub_publish(struct sippub *p, const char *ctype, const char *body,
		   size_t len);
/** Removes the published state (Expires: 0); ENOENT: none published */
int sippub_remove(struct sippub *p);
/** Takes over a state published before (its entity tag): the next
 *  PUBLISH names it in SIP-If-Match */
int sippub_set_etag(struct sippub *p, const char *etag);
/** The entity tag the server gave, or NULL */
const char *sippub_etag(const struct sippub *p);
/** How many PUBLISHes were accepted (2xx) */
uint64_t sippub_count(const struct sippub *p);

/* Authenticated referral (RFC 3892, RFC 3893; include/sipmob/aib.h).
 * With a signer, every REFER we send carries a signed token of its
 * Refer-To and Referred-By (the Referred-By names it with cid=). With a
 * verifier, an INVITE with Replaces must carry a good token naming that
 * Replaces (else 429 Provide Referrer Identity, or 403 with a Warning
 * saying why), and a multipart/mixed INVITE body is read for its SDP.
 * The endpoint does not own them: keep them while it lives. */
struct aib_signer;
struct aib_verifier;
void sipep_set_aib(struct sipep *ep, struct aib_signer *signer,
		   struct aib_verifier *verifier);
struct aib_verifier *sipep_aib_verifier(const struct sipep *ep);
/** Checks the token of a REFER for us against its own Refer-To,
 *  Referred-By and Call-ID: 0 when good, else the status to refuse it
 *  with (429 none, 403 bad) and why. */
uint16_t sipep_refer_token_check(struct sipep *ep, const struct sip_msg *msg,
				 char *why, size_t whysz);
/** Refuses a request with scode (429 or 403) and a Warning of why. */
void sipep_token_refuse(struct sipep *ep, const struct sip_msg *msg,
			uint16_t scode, const char *why);
/** Keeps the token of a REFER we took (RFC 3892 §5): an INVITE we send
 *  with the same Referred-By cid gives it to a refer target that asks
 *  for it (429), in a multipart/mixed body with the offer. */
int  sipep_keep_refer_token(struct sipep *ep, const struct sip_msg *msg);

/** The last SDP the far side sent us (offer or answer), or NULL. */
const struct mbuf *sipleg_remote_sdp(const struct sipleg *leg);
