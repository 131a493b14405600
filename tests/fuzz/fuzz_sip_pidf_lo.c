/*
 * Fuzz harness for the PIDF-LO reader and writer (src/sip/pidf_lo.c,
 * xmlscan.c). Any body may be refused, and a refusal must leave the
 * location given in untouched; what is accepted must be written to a
 * document that reads back equal and is written identically. A mismatch
 * aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/pidf_lo.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int print_h(struct re_printf *pf, void *arg)
{
	return pidf_lo_print(pf, arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pidf_lo lo, back, mark;
	char *s1 = NULL, *s2 = NULL;
	char why[160];

	memset(&mark, 0x5a, sizeof(mark));
	lo = mark;
	if (pidf_lo_decode(&lo, (const char *)data, size, why, sizeof(why))) {
		if (memcmp(&lo, &mark, sizeof(lo)) || !why[0])
			abort();
		return 0;
	}
	for (int i = 0; i < PIDF_NFIELDS; i++) {
		if (lo.v[i][0] && !pidf_lo_value_valid(lo.v[i]))
			abort();
	}
	if (re_sdprintf(&s1, "%H", print_h, &lo))
		abort();
	if (pidf_lo_decode(&back, s1, strlen(s1), why, sizeof(why)) ||
	    memcmp(&lo, &back, sizeof(lo)))
		abort();
	if (re_sdprintf(&s2, "%H", print_h, &back) || strcmp(s1, s2))
		abort();
	mem_deref(s2);
	mem_deref(s1);
	return 0;
}
