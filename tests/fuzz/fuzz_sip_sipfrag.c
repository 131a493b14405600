/*
 * Fuzz harness for the sipfrag reader (src/sip/sipfrag.c): a NOTIFY's body
 * from whoever we REFERred. Any input may be refused, but nothing may
 * crash or read out of bounds; what is read must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const struct pl *pl, const uint8_t *data, size_t size)
{
	if (pl->p && ((const uint8_t *)pl->p < data ||
		      (const uint8_t *)pl->p + pl->l > data + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl in = {(const char *)data, size}, v;
	static const char *const names[] = {"Call-ID", "From", "To",
					    "Content-Type"};
	struct sipfrag f;

	if (sipfrag_decode(&f, &in))
		return 0;
	if (f.scode < 100 || f.scode > 699)
		abort();
	inside(&f.reason, data, size);
	inside(&f.headers, data, size);
	inside(&f.body, data, size);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (sipfrag_header(&f, names[i], &v))
			inside(&v, data, size);
	}
	return 0;
}
