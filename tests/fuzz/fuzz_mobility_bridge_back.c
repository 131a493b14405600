/*
 * libFuzzer harness for the body of a retrieval's bridge-back INFO
 * (bridge_back.c, application/vnd.sipmob.bridge+json): the input is the
 * body, read by mset_bridge_back() on a media set with audio and video
 * (made once, on first use, on 127.0.0.1). Nothing may crash, leak or
 * read out of bounds, and the result must be one the header allows:
 * 0 with the bridges asked for (none for an empty list), else EBADMSG or
 * ENOENT with no bridge left behind. The bridges are freed every time.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <re.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include "mobility/bridge.h"

static struct mset *set(void)
{
	static struct mset *ms;

	if (!ms) {
		struct mset_conf conf = {0};
		struct sa addr;

		if (libre_init() || sa_set_str(&addr, "127.0.0.1", 0))
			abort();
		conf.addr = &addr;
		conf.codecs = "PCMU";
		conf.video = MSET_VIDEO_BOTH;
		if (mset_alloc(&ms, &conf))
			abort();
	}
	return ms;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bridge *out[2] = {NULL, NULL};
	int err = mset_bridge_back(set(), data, size, out);

	switch (err) {

	case 0:
		break;

	case EBADMSG:
	case ENOENT:
		if (out[0] || out[1])
			abort();
		break;

	default:
		abort();
	}
	mem_deref(out[0]);
	mem_deref(out[1]);
	return 0;
}
