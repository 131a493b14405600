/*
 * Fuzz harness for the dialog-info reader and writer
 * (src/sip/dialog_info.c, dialog_info_print.c, xmlscan.c). Any body may be
 * refused; what is accepted must be written (given an entity when it had
 * none) to a document that is read back and written identically. A
 * mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/dialog_info.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int print_h(struct re_printf *pf, void *arg)
{
	return dlginfo_print(pf, arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dlginfo *di = NULL, *di2 = NULL, out;
	char *s1 = NULL, *s2 = NULL;
	char err[160];

	if (dlginfo_decode(&di, data, size, err, sizeof(err)))
		return 0;

	out = *di;
	if (!out.entity)
		out.entity = "sip:fuzz@example.com";
	if (re_sdprintf(&s1, "%H", print_h, &out))
		abort();
	if (dlginfo_decode(&di2, (const uint8_t *)s1, strlen(s1), err,
			   sizeof(err)))
		abort();
	if (di2->dialogc != di->dialogc || di2->version != di->version)
		abort();
	if (re_sdprintf(&s2, "%H", print_h, di2) || strcmp(s1, s2))
		abort();

	mem_deref(s2);
	mem_deref(s1);
	mem_deref(di2);
	mem_deref(di);
	return 0;
}
