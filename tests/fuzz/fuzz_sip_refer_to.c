/*
 * Fuzz harness for the Refer-To parser and printer (src/sip/refer_to.c).
 * Any input may be refused; what is accepted must print to text that
 * decodes again and prints identically. An embedded Refer-To is decoded
 * as a nested REFER target would be (RFC 5631 Figure 5), as deep as it
 * goes, and every level's Replaces too. A mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int print_h(struct re_printf *pf, void *arg)
{
	return sipreferto_print(pf, arg);
}

static void check(const struct pl *in, unsigned depth)
{
	struct sipreferto *rt = NULL, *rt2 = NULL;
	struct sipreplaces r;
	const struct pl *nested;
	char *s1 = NULL, *s2 = NULL;
	struct pl pl;
	char err[128];

	if (depth > 8 || sipreferto_decode(&rt, in, err, sizeof(err)))
		return;

	if (re_sdprintf(&s1, "%H", print_h, rt))
		abort();
	pl_set_str(&pl, s1);
	if (sipreferto_decode(&rt2, &pl, err, sizeof(err)))
		abort();
	if (rt->uparamc != rt2->uparamc || rt->hdrc != rt2->hdrc ||
	    rt->paramc != rt2->paramc || pl_cmp(&rt->base, &rt2->base) ||
	    pl_cmp(&rt->target, &rt2->target))
		abort();
	for (size_t i = 0; i < rt->hdrc; i++) {
		if (pl_cmp(&rt->hdrv[i].name, &rt2->hdrv[i].name) ||
		    pl_cmp(&rt->hdrv[i].val, &rt2->hdrv[i].val))
			abort();
	}
	if (re_sdprintf(&s2, "%H", print_h, rt2) || strcmp(s1, s2))
		abort();

	(void)sipreferto_replaces(rt, &r, err, sizeof(err));
	(void)sipreferto_uparam(rt, "method");
	nested = sipreferto_header(rt, "Refer-To");
	if (nested)
		check(nested, depth + 1);

	mem_deref(s2);
	mem_deref(s1);
	mem_deref(rt2);
	mem_deref(rt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl in = {(const char *)data, size};

	check(&in, 0);
	return 0;
}
