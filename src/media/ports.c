/*
 * RTP port rules shared by the audio and video streams: an explicit port
 * must be even (RTP) with room for RTCP on the next one; otherwise a range
 * MIN-MAX (the --rtp-ports option) in which rtp_listen() picks a free pair.
 */
#include <errno.h>
#include <stdlib.h>
#include <re.h>
#include <sipmob/media.h>

/** The range to bind in: [port, port+1] for an explicit port of laddr,
 *  else *port_min..*port_max as given, checked. */
int media_port_range(const struct sa *laddr, uint16_t *port_min,
		     uint16_t *port_max)
{
	uint16_t port = sa_port(laddr);

	if (port) {
		if (port & 1 || port == 0xffff)
			return EINVAL;
		*port_min = port;
		*port_max = port + 1;
	}
	else if (*port_min < 2 || *port_max <= *port_min + 1) {
		return EINVAL;
	}
	return 0;
}

/** Parse an --rtp-ports value "MIN-MAX" (MIN < MAX, both 1..65535) */
int media_ports_parse(const char *str, uint16_t *port_min,
		      uint16_t *port_max)
{
	unsigned long a, b;
	char *end;

	if (!str || !port_min || !port_max)
		return EINVAL;

	errno = 0;
	a = strtoul(str, &end, 10);
	if (errno || end == str || *end != '-')
		return EINVAL;
	str = end + 1;
	b = strtoul(str, &end, 10);
	if (errno || end == str || *end)
		return EINVAL;
	if (a < 2 || b > 65535 || b <= a + 1)
		return EINVAL;

	*port_min = (uint16_t)a;
	*port_max = (uint16_t)b;

	return 0;
}
