/*
 * Fuzz harness for the Digest header parsing (src/sip/auth_params.c) and
 * the two readers of it: a device checking an Authorization
 * (sipauth_verify) and our client answering a WWW-Authenticate
 * (sipauth_answer). Any input may be refused, but nothing may crash or
 * read out of bounds, and every parameter decoded must lie inside the
 * input. A violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sip_auth.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t secrets(const char *user, char out[][SIPAUTH_SECRET_MAX],
		      size_t max, void *arg)
{
	(void)user;
	(void)arg;
	if (!max)
		return 0;
	str_ncpy(out[0], "secret", SIPAUTH_SECRET_MAX);
	return 1;
}

static void inside(const struct pl *v, const struct pl *in)
{
	if (!v->p)
		return;
	if (v->p < in->p || v->p + v->l > in->p + in->l)
		abort();
}

/* The input as one header of a message, through libre's parser */
static struct sip_msg *message(const char *head, const char *name,
			       const uint8_t *data, size_t size)
{
	struct mbuf *mb = mbuf_alloc(512 + size);
	struct sip_msg *msg = NULL;

	if (!mb)
		return NULL;
	(void)mbuf_printf(mb, "%s\r\n"
			  "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
			  "From: <sip:alice@127.0.0.1>;tag=a\r\n"
			  "To: <sip:speaker@127.0.0.1:5071>\r\n"
			  "Call-ID: c\r\nCSeq: 1 REFER\r\n%s: ", head, name);
	(void)mbuf_write_mem(mb, data, size);
	(void)mbuf_write_str(mb, "\r\nContent-Length: 0\r\n\r\n");
	mb->pos = 0;
	if (sip_msg_decode(&msg, mb))
		msg = NULL;
	else
		(void)sa_set_str(&msg->src, "127.0.0.1", 5060);
	mem_deref(mb);
	return msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sipauth *auth;
	static struct sipauth_creds *creds;
	struct pl in = {(const char *)data, size};
	struct sipauth_params p;
	struct sipauth_result res;
	struct sip_msg *msg;
	char *hdr = NULL;
	bool stale;

	if (!auth && (sipauth_alloc(&auth, &(struct sipauth_conf){
			"room", 300, secrets, NULL, NULL}) ||
		      sipauth_creds_decode(&creds, "room alice secret\n",
					   NULL)))
		abort();

	if (!sipauth_params_decode(&p, &in)) {
		const struct pl *all[] = {&p.realm, &p.nonce, &p.opaque,
			&p.stale, &p.algorithm, &p.qop, &p.username, &p.uri,
			&p.response, &p.nc, &p.cnonce};

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			inside(all[i], &in);
		if (!p.realm.p)
			abort();
	}

	msg = message("REFER sip:speaker@127.0.0.1:5071 SIP/2.0",
		      "Authorization", data, size);
	if (msg) {
		sipauth_verify_at(auth, msg, 10, &res);
		if (res.outcome == SIPAUTH_OK)
			abort();   /* no nonce of ours can be in the input */
		mem_deref(msg);
	}

	msg = message("SIP/2.0 401 Unauthorized", "WWW-Authenticate", data,
		      size);
	if (msg) {
		if (!sipauth_answer(&hdr, creds, msg, "REFER",
				    "sip:speaker@127.0.0.1:5071", &stale) &&
		    strncmp(hdr, "Authorization: Digest ", 22))
			abort();
		mem_deref(hdr);
		mem_deref(msg);
	}
	return 0;
}
