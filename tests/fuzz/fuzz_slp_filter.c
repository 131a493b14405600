/*
 * libFuzzer harness for the predicate compiler and the attribute-list
 * decoder: the input is split at the first NUL into a predicate and an
 * attribute list; both are parsed and, when valid, evaluated together and
 * the list re-encoded.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <re.h>
#include <sipmob/slp_attr.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct pl pred, list;
	struct slp_filter *f = NULL;
	struct slp_attrs *a = NULL;

	pred.p = (const char *)data;
	pred.l = nul ? (size_t)(nul - data) : size;
	list.p = nul ? (const char *)nul + 1 : "";
	list.l = nul ? size - pred.l - 1 : 0;

	(void)slp_filter_compile(&f, &pred);
	(void)slp_attrs_decode(&a, &list);
	if (f && a)
		(void)slp_filter_match(f, a);
	if (a) {
		struct mbuf *mb = mbuf_alloc(list.l + 16);
		struct pl tags = PL("");

		if (mb)
			(void)slp_attrs_encode(mb, &a, 1, &tags);
		mem_deref(mb);
	}
	mem_deref(f);
	mem_deref(a);
	return 0;
}
