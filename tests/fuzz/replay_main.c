/*
 * Replays a libFuzzer corpus without libFuzzer: the ordinary (gcc, ASan)
 * build links each harness with this main() so that `make check` feeds every
 * saved input, crash reproducers included, through the parser under test.
 * Arguments are files or folders; a folder's regular files are all replayed.
 * A replay that replays nothing proves nothing: a missing or unreadable
 * argument, an empty folder, or no argument at all fails (exit 1).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n = 0, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;
		unsigned here = 0;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: no such corpus\n",
				argv[i]);
			bad++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) != 0) {
				fprintf(stderr, "replay: %s: cannot read\n",
					argv[i]);
				bad++;
			}
			else
				n++;
			continue;
		}
		d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "replay: %s: cannot open\n", argv[i]);
			bad++;
			continue;
		}
		while ((de = readdir(d))) {
			char p[4096];
			struct stat fst;

			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
			if (stat(p, &fst) != 0 || !S_ISREG(fst.st_mode))
				continue;
			if (replay_file(p) != 0) {
				fprintf(stderr, "replay: %s: cannot read\n", p);
				bad++;
				continue;
			}
			here++;
		}
		closedir(d);
		if (!here) {
			fprintf(stderr, "replay: %s: empty corpus\n", argv[i]);
			bad++;
		}
		n += here;
	}
	printf("replayed %u inputs\n", n);
	return bad || !n ? 1 : 0;
}
