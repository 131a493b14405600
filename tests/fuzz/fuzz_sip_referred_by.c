/*
 * Fuzz harness for the Referred-By parser (src/sip/referred_by.c). Any
 * input may be refused; what is accepted must print to text that decodes
 * to the same URI and cid and prints identically. A mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int print_h(struct re_printf *pf, void *arg)
{
	return sipreferredby_print(pf, arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl in = {(const char *)data, size}, pl;
	struct sipreferredby rb, rb2;
	char *s1 = NULL, *s2 = NULL;
	char err[128];

	if (sipreferredby_decode(&rb, &in, err, sizeof(err)))
		return 0;

	if (re_sdprintf(&s1, "%H", print_h, &rb))
		abort();
	pl_set_str(&pl, s1);
	if (sipreferredby_decode(&rb2, &pl, err, sizeof(err)))
		abort();
	if (pl_cmp(&rb.uri, &rb2.uri) || rb.paramc != rb2.paramc ||
	    !rb.cid.p != !rb2.cid.p ||
	    (rb.cid.p && pl_cmp(&rb.cid, &rb2.cid)))
		abort();
	if (re_sdprintf(&s2, "%H", print_h, &rb2) || strcmp(s1, s2))
		abort();

	mem_deref(s2);
	mem_deref(s1);
	return 0;
}
