/**
 * @file test_media_wav.c  The WAV sink writes a correct RIFF header, patched
 * with the real sizes on close, and the samples little-endian.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/media.h>


static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}


static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}


static size_t slurp(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, max, f);
	fclose(f);

	return n;
}


static void make_path(char *path, size_t sz)
{
	snprintf(path, sz, "/tmp/test_media_wav_%d.wav", (int)getpid());
}


static void check_header(const uint8_t *h, uint32_t srate, uint32_t data)
{
	assert_memory_equal(h, "RIFF", 4);
	assert_int_equal(36 + data, le32(h + 4));
	assert_memory_equal(h + 8, "WAVEfmt ", 8);
	assert_int_equal(16, le32(h + 16));
	assert_int_equal(1, le16(h + 20));       /* PCM */
	assert_int_equal(1, le16(h + 22));       /* mono */
	assert_int_equal(srate, le32(h + 24));
	assert_int_equal(srate * 2, le32(h + 28));
	assert_int_equal(2, le16(h + 32));
	assert_int_equal(16, le16(h + 34));
	assert_memory_equal(h + 36, "data", 4);
	assert_int_equal(data, le32(h + 40));
}


static void header_is_patched_on_close(void **state)
{
	static uint8_t buf[8192];
	struct wav *w = NULL;
	int16_t pcm[1000];
	char path[64];
	size_t n;
	(void)state;

	make_path(path, sizeof(path));
	for (int i = 0; i < 1000; i++)
		pcm[i] = (int16_t)(i * 37 - 18000);

	assert_int_equal(0, wav_open(&w, path, 16000));

	/* while open, the header says 0 bytes of data */
	n = slurp(path, buf, sizeof(buf));
	assert_int_equal(44, n);
	check_header(buf, 16000, 0);

	assert_int_equal(0, wav_write(w, pcm, 600));
	assert_int_equal(0, wav_write(w, pcm + 600, 400));
	assert_int_equal(1000, wav_samples(w));
	assert_int_equal(0, wav_close(w));
	assert_int_equal(EBADF, wav_write(w, pcm, 1));
	mem_deref(w);

	n = slurp(path, buf, sizeof(buf));
	assert_int_equal(44 + 2000, n);
	check_header(buf, 16000, 2000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(pcm[i], (int16_t)le16(buf + 44 + 2 * i));

	unlink(path);
}


static void mem_deref_closes_the_file(void **state)
{
	uint8_t buf[512];
	struct wav *w = NULL;
	int16_t pcm[80] = {1, -1, 32767, -32768};
	char path[64];
	(void)state;

	make_path(path, sizeof(path));
	assert_int_equal(0, wav_open(&w, path, 8000));
	assert_int_equal(0, wav_write(w, pcm, 80));
	mem_deref(w);

	assert_int_equal(44 + 160, slurp(path, buf, sizeof(buf)));
	check_header(buf, 8000, 160);
	assert_int_equal(-32768, (int16_t)le16(buf + 44 + 6));
	unlink(path);
}


static void open_reports_errors(void **state)
{
	struct wav *w = NULL;
	(void)state;

	assert_int_equal(ENOENT, wav_open(&w, "/nonexistent/dir/x.wav", 8000));
	assert_null(w);
	assert_int_equal(EINVAL, wav_open(&w, "/tmp/x.wav", 0));
	assert_int_equal(EINVAL, wav_write(NULL, NULL, 0));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_is_patched_on_close),
		cmocka_unit_test(mem_deref_closes_the_file),
		cmocka_unit_test(open_reports_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
