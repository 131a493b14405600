/**
 * @file test_media_aec.c  The echo canceller takes a delayed, attenuated
 * copy of what was played out of the microphone's signal: >= 20 dB less
 * after two seconds, at 8 and 16 kHz; and it refuses bad sizes.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/media_aec.h>

static double erle_at(uint32_t srate)
{
	struct aec *a = NULL;
	size_t n = srate / 50, delay = srate * 40 / 1000;
	size_t total = srate * 6;
	int16_t *far = calloc(total, sizeof(*far));
	double in = 0, out = 0;
	uint32_t x = 12345;

	assert_non_null(far);
	assert_int_equal(0, aec_alloc(&a, srate, n, AEC_TAIL_MS));
	for (size_t i = 0; i < total; i++) {   /* noise: broadband, as speech */
		x = x * 1103515245u + 12345u;
		far[i] = (int16_t)((int)((x >> 16) & 0x1fff) - 0x1000);
	}
	for (size_t f = 0; f + n <= total; f += n) {
		int16_t mic[960];

		for (size_t i = 0; i < n; i++)   /* 40 ms later, -6 dB */
			mic[i] = f + i >= delay ? far[f + i - delay] / 2 : 0;
		if (f >= 2 * srate)
			for (size_t i = 0; i < n; i++)
				in += (double)mic[i] * mic[i];
		aec_run(a, far + f, mic, n);
		if (f >= 2 * srate)
			for (size_t i = 0; i < n; i++)
				out += (double)mic[i] * mic[i];
	}
	assert_true(aec_erle_db(a) > 0);
	mem_deref(a);
	free(far);
	return 10.0 * log10(in / (out + 1.0));
}


static void echo_drops_by_20_db(void **state)
{
	(void)state;

	double e8 = erle_at(8000), e16 = erle_at(16000);

	print_message("ERLE 8 kHz %.1f dB, 16 kHz %.1f dB\n", e8, e16);
	assert_true(e8 >= 20);
	assert_true(e16 >= 20);
}


static void bad_sizes_are_refused(void **state)
{
	struct aec *a = NULL;
	int16_t pcm[160] = {0};
	(void)state;

	assert_int_equal(EINVAL, aec_alloc(&a, 8000, 0, 200));
	assert_int_equal(EINVAL, aec_alloc(&a, 8000, 4000, 200));
	assert_int_equal(EINVAL, aec_alloc(&a, 0, 160, 200));
	assert_int_equal(0, aec_alloc(&a, 8000, 160, 200));
	aec_run(a, pcm, pcm, 80);   /* the wrong size: ignored */
	assert_int_equal(8000, aec_srate(a));
	assert_int_equal(160, aec_frame(a));
	mem_deref(a);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(echo_drops_by_20_db),
		cmocka_unit_test(bad_sizes_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
