/*
 * Fuzz harness for the Replaces parser (src/sip/replaces.c). Any input may
 * be refused, but nothing may crash or read out of bounds; what is
 * accepted must print, and the printed text must decode to the same
 * fields and print identically. A mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int print_h(struct re_printf *pf, void *arg)
{
	return sipreplaces_print(pf, arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl in = {(const char *)data, size}, pl;
	struct sipreplaces r, r2;
	char *s1 = NULL, *s2 = NULL;
	char err[128];

	if (sipreplaces_decode(&r, &in, err, sizeof(err)))
		return 0;

	if (re_sdprintf(&s1, "%H", print_h, &r))
		abort();
	pl_set_str(&pl, s1);
	if (sipreplaces_decode(&r2, &pl, err, sizeof(err)))
		abort();
	if (pl_cmp(&r.callid, &r2.callid) || pl_cmp(&r.to_tag, &r2.to_tag) ||
	    pl_cmp(&r.from_tag, &r2.from_tag) ||
	    r.early_only != r2.early_only || r.paramc != r2.paramc)
		abort();
	if (re_sdprintf(&s2, "%H", print_h, &r2) || strcmp(s1, s2))
		abort();

	mem_deref(s2);
	mem_deref(s1);
	return 0;
}
