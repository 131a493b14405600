/*
 * Where each medium and direction of the call is (spec §5.2, RFC 5631
 * §5.3): the placement model, and the SDP it composes. Plain data and pure
 * functions, no sockets: tests/unit/test_mobility_place.c drives it alone.
 *
 * Each m-line of the description the CN has from us (cn_local) has one
 * holder: the MN itself (dev NULL) or a device leg. A device may hold the
 * whole line, or one direction of a video split by direction: the camera
 * keeps the old line (ROLE_IN: the CN receives it), the display gets a
 * line of its own (ROLE_OUT: the CN sends on it), appended or taking a
 * free port-0 slot (RFC 3264 §8.1 lets a port-0 line be reused).
 *
 * A device's own session keeps the layout it was invited with: dev_line is
 * the line's index there (a display's line is the old video line there).
 */

#ifndef SIPMOB_PLACE_H
#define SIPMOB_PLACE_H
#include <stdbool.h>
#include <sipmob/sdesc.h>

enum { MN_MAX_LINES = 16 };

/** What a holder does with one m-line of the call (spec §5.2.2) */
enum line_role {
	ROLE_WHOLE = 0,   /* both directions                            */
	ROLE_OUT,         /* it receives the CN's stream (a display)   */
	ROLE_IN,          /* it sends to the CN (a camera)             */
};

struct devleg;

struct placement {
	struct devleg *dev;       /* NULL: the MN itself                   */
	enum line_role role;
	unsigned dev_line;
};

struct place {
	struct placement line[MN_MAX_LINES];
};

/** One line of a move: the device, its role, and its answer (in the
 *  layout it was invited with, the CN's, so the medium is at `line`). */
struct place_item {
	unsigned line;
	enum line_role role;
	struct devleg *dev;
	const struct sdesc *answer;
};

struct place_plan {
	unsigned n;
	struct place_item item[MN_MAX_LINES];
};

/** Whether any line is on a device */
bool place_elsewhere(const struct place *p);
/** Whether the MN holds an active line of a medium in sd (it sends and
 *  plays exactly those) */
bool place_self_holds(const struct place *p, const struct sdesc *sd,
		      enum sdesc_mtype type);
/** Whether d holds any line */
bool place_dev_holds(const struct place *p, const struct devleg *d);
/** The active lines of a medium in sd, in order; returns how many */
unsigned place_lines_of(const struct sdesc *sd, const char *type,
			unsigned *v, unsigned max);

/** sd with only the holder's lines active (holder NULL: the MN's) */
int place_restrict(struct sdesc **outp, const struct sdesc *sd,
		   const struct place *p, const struct devleg *holder);
/** The offer a device is invited with: cn (the CN's description) with only
 *  its lines active; a display is offered what the CN sends, a camera
 *  what the CN receives, a whole medium that was split both ways.
 *  lines[i], roles[i] for each line of cn. */
int place_invite_offer(struct sdesc **offerp, const struct sdesc *cn,
		       const struct place *cur, const bool *lines,
		       const enum line_role *roles);
/** d's session with the CN's lines of cn put in d's layout: the offer
 *  that gives d the CN's current parameters, or the answer to d's own
 *  re-offer when cn is the CN's answer. */
int place_device_view(struct sdesc **outp, const struct sdesc *dev_sdp,
		      const struct sdesc *cn, const struct place *p,
		      const struct devleg *d);
/** Whether two descriptions of a device's session differ in what its media
 *  do: a line's address, port, direction, codec in use or telephone-event
 *  type (a peer that rewrites its SDP text without changing those needs no
 *  re-INVITE of the device). */
bool place_view_differs(const struct sdesc *a, const struct sdesc *b);
/** cn_local with d's lines taken from d's description (its re-offer) */
int place_from_device(struct sdesc **outp, const struct sdesc *cn_local,
		      const struct place *p, const struct devleg *d,
		      const struct sdesc *dev_sdp);

/** The CN's next offer for a move, and where each line will be. A whole
 *  medium's move also drops the display line of a split of it. */
int place_compose_move(struct sdesc **offerp, struct place *next,
		       const struct sdesc *cn_local, const struct place *cur,
		       const struct place_plan *plan);
/** The CN's next offer for a retrieval of the media named in `media`
 *  ("audio", "video", "audio,video"; NULL: all) from own (the MN's own
 *  lines, one per medium). ENOENT when none of them is on a device. */
int place_compose_retrieve(struct sdesc **offerp, struct place *next,
			   const struct sdesc *cn_local,
			   const struct place *cur, const struct sdesc *own,
			   const char *media);

typedef const struct sdesc *(place_answer_of_h)(const struct devleg *d,
						 void *arg);
/** Our answer to a CN offer: each line from its holder's answer (self_ans
 *  for the MN's lines, in the CN's layout; a device's in its own), lines
 *  the CN turned off stay off. cn_local gives the o= and session lines. */
int place_answer_cn(struct sdesc **ansp, const struct sdesc *offer,
		    const struct sdesc *cn_local, const struct place *p,
		    const struct sdesc *self_ans, place_answer_of_h *ansh,
		    void *arg);

#endif /* SIPMOB_PLACE_H */
