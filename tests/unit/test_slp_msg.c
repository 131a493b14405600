/*
 * SLPv2 wire codec: every message type encodes and decodes to the same
 * fields; a message cut short at any offset, or with any byte changed, is
 * either rejected with an SLP error or decoded within its bounds (the
 * decoder is run on a heap copy of exactly the message's size so that ASan
 * sees any read past it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/slp_msg.h>

static struct slp_auth auth1 = {
	.bsd = 2, .timestamp = 0x01020304,
	.spi = PL("spi-one"), .data = PL("signature-bytes"),
};

static void fill(struct slp_msg *m, uint8_t fid)
{
	memset(m, 0, sizeof(*m));
	m->hdr.fid = fid;
	m->hdr.xid = 0x1234;
	m->hdr.lang = (struct pl)PL("en");
	switch (fid) {
	case SLP_SRVRQST:
		pl_set_str(&m->prlist, "10.0.0.1,10.0.0.2");
		pl_set_str(&m->srvtype, "service:sip-device");
		pl_set_str(&m->scopes, "DEFAULT");
		pl_set_str(&m->pred, "(&(room=123)(media=audio))");
		break;
	case SLP_SRVRPLY:
		break;
	case SLP_SRVREG:
		m->hdr.flags = SLP_FLAG_FRESH;
		m->urlent.lifetime = 300;
		pl_set_str(&m->urlent.url, "sip:audio_rm123@example.com");
		m->urlent.nauth = 1;
		m->urlent.auth[0] = auth1;
		pl_set_str(&m->srvtype, "service:sip-device");
		pl_set_str(&m->scopes, "DEFAULT");
		pl_set_str(&m->attrs, "(room=123),(media=audio,video)");
		m->nauth = 1;
		m->auth[0] = auth1;
		break;
	case SLP_SRVDEREG:
		pl_set_str(&m->scopes, "DEFAULT");
		pl_set_str(&m->urlent.url, "sip:x@y");
		pl_set_str(&m->tags, "room");
		break;
	case SLP_SRVACK:
		m->err = SLP_INVALID_REGISTRATION;
		break;
	case SLP_ATTRRQST:
		pl_set_str(&m->url, "service:sip-device");
		pl_set_str(&m->scopes, "DEFAULT");
		pl_set_str(&m->tags, "room,media");
		pl_set_str(&m->spi, "x");
		break;
	case SLP_ATTRRPLY:
		pl_set_str(&m->attrs, "(room=123)");
		break;
	case SLP_DAADVERT:
		m->boot = 1700000000;
		pl_set_str(&m->url, "service:directory-agent://10.0.0.1");
		pl_set_str(&m->scopes, "DEFAULT,lab");
		pl_set_str(&m->attrs, "(x=1)");
		pl_set_str(&m->spi, "");
		break;
	case SLP_SRVTYPERQST:
		m->na_all = true;
		pl_set_str(&m->scopes, "DEFAULT");
		break;
	case SLP_SRVTYPERPLY:
		pl_set_str(&m->srvtypes, "service:sip-device,service:x");
		break;
	case SLP_SAADVERT:
		pl_set_str(&m->url, "service:service-agent://10.0.0.9");
		pl_set_str(&m->scopes, "DEFAULT");
		break;
	}
}

static struct mbuf *encode(const struct slp_msg *m)
{
	struct mbuf *mb = mbuf_alloc(256);

	assert_non_null(mb);
	assert_int_equal(0, slp_msg_encode(mb, m));
	return mb;
}

static void assert_pl(const struct pl *a, const struct pl *b)
{
	assert_int_equal(a->l, b->l);
	if (a->l)
		assert_memory_equal(a->p, b->p, a->l);
}

static void every_message_round_trips(void **state)
{
	(void)state;
	for (uint8_t fid = SLP_SRVRQST; fid <= SLP_SAADVERT; fid++) {
		struct slp_msg m, d;
		struct mbuf *mb;
		uint16_t e = 0;

		fill(&m, fid);
		mb = encode(&m);
		assert_int_equal(0, slp_msg_decode(&d, mb->buf, mb->end, &e));
		assert_int_equal(d.hdr.fid, fid);
		assert_int_equal(d.hdr.xid, 0x1234);
		assert_int_equal(d.hdr.len, mb->end);
		assert_int_equal(d.hdr.flags, m.hdr.flags);
		assert_pl(&d.hdr.lang, &m.hdr.lang);
		assert_pl(&d.prlist, &m.prlist);
		assert_pl(&d.srvtype, &m.srvtype);
		assert_pl(&d.scopes, &m.scopes);
		assert_pl(&d.pred, &m.pred);
		assert_pl(&d.url, &m.url);
		assert_pl(&d.tags, &m.tags);
		assert_pl(&d.attrs, &m.attrs);
		assert_pl(&d.srvtypes, &m.srvtypes);
		assert_int_equal(d.err, m.err);
		assert_int_equal(d.boot, m.boot);
		assert_int_equal(d.na_all, m.na_all);
		assert_int_equal(d.urlent.lifetime, m.urlent.lifetime);
		assert_pl(&d.urlent.url, &m.urlent.url);
		assert_int_equal(d.urlent.nauth, m.urlent.nauth);
		assert_int_equal(d.nauth, m.nauth);
		for (int i = 0; i < d.nauth; i++) {
			assert_int_equal(d.auth[i].bsd, auth1.bsd);
			assert_int_equal(d.auth[i].timestamp, auth1.timestamp);
			assert_pl(&d.auth[i].spi, &auth1.spi);
			assert_pl(&d.auth[i].data, &auth1.data);
		}
		mem_deref(mb);
	}
}

static void srvrply_entries_round_trip(void **state)
{
	struct mbuf *mb = mbuf_alloc(512), *ents = mbuf_alloc(512);
	struct slp_msg m, d;
	struct slp_urlent e;
	struct pl blk;
	uint16_t se;
	char url[32];

	(void)state;
	for (int i = 0; i < 5; i++) {
		memset(&e, 0, sizeof(e));
		e.lifetime = (uint16_t)(100 + i);
		re_snprintf(url, sizeof(url), "sip:dev%d@example.com", i);
		pl_set_str(&e.url, url);
		assert_int_equal(0, slp_urlent_encode(ents, &e));
	}
	fill(&m, SLP_SRVRPLY);
	m.nurl = 5;
	m.urls.p = (const char *)ents->buf;
	m.urls.l = ents->end;
	assert_int_equal(0, slp_msg_encode(mb, &m));
	assert_int_equal(0, slp_msg_decode(&d, mb->buf, mb->end, &se));
	assert_int_equal(5, d.nurl);
	blk = d.urls;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(0, slp_urlent_next(&blk, &e));
		assert_int_equal(100 + i, e.lifetime);
		re_snprintf(url, sizeof(url), "sip:dev%d@example.com", i);
		assert_int_equal(0, pl_strcmp(&e.url, url));
	}
	assert_int_equal(ENOENT, slp_urlent_next(&blk, &e));
	mem_deref(mb);
	mem_deref(ents);
}

static int decode_copy(const uint8_t *p, size_t n, uint16_t *e)
{
	uint8_t *c = malloc(n ? n : 1);
	struct slp_msg d;
	int err;

	memcpy(c, p, n);
	err = slp_msg_decode(&d, c, n, e);
	if (!err && d.hdr.fid == SLP_SRVRPLY) {
		struct slp_urlent ue;
		struct pl b = d.urls;
		while (slp_urlent_next(&b, &ue) == 0)
			;
	}
	free(c);
	return err;
}

static void truncated_messages_are_parse_errors(void **state)
{
	(void)state;
	for (uint8_t fid = SLP_SRVRQST; fid <= SLP_SAADVERT; fid++) {
		struct slp_msg m;
		struct mbuf *mb;

		fill(&m, fid);
		mb = encode(&m);
		for (size_t n = 0; n < mb->end; n++) {
			uint16_t e = 0;

			/* keep the length field honest so that the body,
			 * not the header check, is what fails */
			if (n >= 5) {
				mb->buf[2] = (uint8_t)(n >> 16);
				mb->buf[3] = (uint8_t)(n >> 8);
				mb->buf[4] = (uint8_t)n;
			}
			assert_int_equal(EBADMSG, decode_copy(mb->buf, n, &e));
			assert_true(e == SLP_PARSE_ERROR);
		}
		mem_deref(mb);
	}
}

static void corrupt_bytes_never_read_out_of_bounds(void **state)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
	unsigned ok = 0, bad = 0;

	(void)state;
	for (uint8_t fid = SLP_SRVRQST; fid <= SLP_SAADVERT; fid++) {
		struct slp_msg m;
		struct mbuf *mb;

		fill(&m, fid);
		mb = encode(&m);
		for (size_t i = 0; i < mb->end; i++) {
			uint8_t orig = mb->buf[i];

			for (size_t v = 0; v < sizeof(vals); v++) {
				uint16_t e = 0;

				mb->buf[i] = vals[v];
				if (decode_copy(mb->buf, mb->end, &e))
					bad++;
				else
					ok++;
			}
			mb->buf[i] = orig;
		}
		mem_deref(mb);
	}
	assert_true(bad > 0);
	assert_true(ok > 0);
}

static void wrong_version_is_ver_not_supported(void **state)
{
	struct slp_msg m, d;
	struct mbuf *mb;
	uint16_t e = 0;

	(void)state;
	fill(&m, SLP_SRVRQST);
	mb = encode(&m);
	mb->buf[0] = 1;
	assert_int_equal(EBADMSG, slp_msg_decode(&d, mb->buf, mb->end, &e));
	assert_int_equal(SLP_VER_NOT_SUPPORTED, e);
	assert_int_equal(0x1234, d.hdr.xid);
	mem_deref(mb);
}

static void unknown_function_is_msg_not_supported(void **state)
{
	struct slp_msg m, d;
	struct mbuf *mb;
	uint16_t e = 0;

	(void)state;
	fill(&m, SLP_SRVACK);
	mb = encode(&m);
	mb->buf[1] = 42;
	assert_int_equal(EBADMSG, slp_msg_decode(&d, mb->buf, mb->end, &e));
	assert_int_equal(SLP_MSG_NOT_SUPPORTED, e);
	mem_deref(mb);
}

static void trailing_bytes_are_parse_error(void **state)
{
	struct slp_msg m, d;
	struct mbuf *mb;
	uint16_t e = 0;

	(void)state;
	fill(&m, SLP_SRVACK);
	mb = encode(&m);
	mbuf_write_u8(mb, 0);
	assert_int_equal(0, slp_msg_finish(mb, 0));
	assert_int_equal(EBADMSG, slp_msg_decode(&d, mb->buf, mb->end, &e));
	assert_int_equal(SLP_PARSE_ERROR, e);
	mem_deref(mb);
}

static void mandatory_extension_is_reported(void **state)
{
	struct slp_msg m, d;
	struct mbuf *mb;
	uint16_t e = 0;
	size_t off;

	(void)state;
	fill(&m, SLP_SRVACK);
	mb = encode(&m);
	off = mb->end;
	mbuf_write_u16(mb, htons(0x4001));
	mbuf_write_u8(mb, 0);
	mbuf_write_u16(mb, 0);
	mb->buf[7] = 0; mb->buf[8] = 0; mb->buf[9] = (uint8_t)off;
	assert_int_equal(0, slp_msg_finish(mb, 0));
	assert_int_equal(0, slp_msg_decode(&d, mb->buf, mb->end, &e));
	assert_int_equal(0x4001, d.ext_required);
	/* an extension pointing back into itself is a loop */
	mb->buf[off + 2] = 0; mb->buf[off + 3] = 0;
	mb->buf[off + 4] = (uint8_t)off;
	assert_int_equal(EBADMSG, slp_msg_decode(&d, mb->buf, mb->end, &e));
	mem_deref(mb);
}

static void error_reply_matches_request(void **state)
{
	struct slp_msg m, d;
	struct mbuf *mb = mbuf_alloc(64);
	uint16_t e;

	(void)state;
	fill(&m, SLP_SRVREG);
	assert_int_equal(0, slp_msg_encode_error(mb, &m.hdr,
						 SLP_SCOPE_NOT_SUPPORTED));
	assert_int_equal(0, slp_msg_decode(&d, mb->buf, mb->end, &e));
	assert_int_equal(SLP_SRVACK, d.hdr.fid);
	assert_int_equal(SLP_SCOPE_NOT_SUPPORTED, d.err);
	assert_int_equal(0x1234, d.hdr.xid);
	mem_deref(mb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_message_round_trips),
		cmocka_unit_test(srvrply_entries_round_trip),
		cmocka_unit_test(truncated_messages_are_parse_errors),
		cmocka_unit_test(corrupt_bytes_never_read_out_of_bounds),
		cmocka_unit_test(wrong_version_is_ver_not_supported),
		cmocka_unit_test(unknown_function_is_msg_not_supported),
		cmocka_unit_test(trailing_bytes_are_parse_error),
		cmocka_unit_test(mandatory_extension_is_reported),
		cmocka_unit_test(error_reply_matches_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
