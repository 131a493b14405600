/**
 * @file transcoder.h  sipmob-transcoder's service: a SIP UA invoked by
 * third-party call control (RFC 4117; spec §6.1, Figure 7) that relays each
 * audio medium between two legs and converts its codec.
 *
 * A session's m-lines come in pairs: line 2k faces party A, line 2k+1
 * party B, and what arrives on one goes out of the other. Two invocations:
 *   - an INVITE with an offer of both parties' media ("A+B", RFC 4117 §3):
 *     the answer gives our address for each line;
 *   - an INVITE without a body (spec Figure 7): our 2xx offers one pair of
 *     audio lines with every codec we have; the ACK answers with both
 *     parties' media, once the controller knows them.
 * A re-INVITE changes either party's media; BYE ends the pairs; a pair
 * that carries nothing for the media timeout is hung up. The service
 * registers service:sip-transcoder in SLP with its codecs and its load.
 */

struct tcsvc;
struct odict;

struct tcsvc_conf {
	const char *sip_listen;   /**< "ADDR:PORT"                          */
	const char *codecs;       /**< what we offer; NULL: every codec     */
	unsigned threads;         /**< media worker loops; 0: one per core  */
	uint16_t port_min, port_max;
	uint32_t media_timeout_s; /**< 0: 30 s                              */
	unsigned max_pairs;       /**< what "load" (percent) is of; 0: 1000
				       per worker loop                     */
	const char *slp_da;       /**< "ADDR[:PORT]"; NULL: by multicast    */
	bool no_slp;              /**< do not register in SLP               */
	const char *room;         /**< SLP location attributes, optional    */
	bool trace;               /**< log every SIP message                */
	int max_wake_us;          /**< hold the CPUs' wake-up latency under
				       this (PM QoS, root); -1: leave it    */
};

int  tcsvc_alloc(struct tcsvc **svcp, const struct tcsvc_conf *conf);
/** Control socket commands: status, hangup */
int  tcsvc_command(struct tcsvc *svc, int argc, char *argv[],
		   struct odict *reply);
void tcsvc_shutdown(struct tcsvc *svc);
