/*
 * Fuzz harness for URI header escaping (src/sip/uri_hval.c). The input is
 * unescaped (it may be refused); what unescapes must escape to text of
 * hname/hvalue characters only, which unescapes back to the same bytes.
 * The input itself, unless it holds a NUL, must survive escape then
 * unescape. A mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int esc_h(struct re_printf *pf, void *arg)
{
	return sipuri_hval_escape(pf, arg);
}

static int unesc_h(struct re_printf *pf, void *arg)
{
	return sipuri_hval_unescape(pf, arg);
}

static bool escaped_only(const char *s)
{
	for (; *s; s++) {
		if (*s == '%' || (*s >= '0' && *s <= '9') ||
		    (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    strchr("-_.!~*'()[]/?:+$", *s))
			continue;
		return false;
	}
	return true;
}

/* escape then unescape n bytes of p: must give them back */
static void round_trip(const char *p, size_t n)
{
	struct pl in = {p, n}, epl;
	char *e = NULL, *u = NULL;

	if (re_sdprintf(&e, "%H", esc_h, &in))
		abort();
	if (!escaped_only(e))
		abort();
	pl_set_str(&epl, e);
	if (re_sdprintf(&u, "%H", unesc_h, &epl))
		abort();
	if (strlen(u) != n || memcmp(u, p, n))
		abort();
	mem_deref(u);
	mem_deref(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl in = {(const char *)data, size};
	char *u = NULL;

	if (size > SIPHDR_MAXLEN)
		return 0;

	if (re_sdprintf(&u, "%H", unesc_h, &in) == 0) {
		round_trip(u, strlen(u));   /* %00 is refused: no NUL in u */
		mem_deref(u);
	}
	if (!memchr(data, 0, size))
		round_trip((const char *)data, size);

	return 0;
}
