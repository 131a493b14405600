/**
 * @file pidf_lo.h  A location in presence: PIDF-LO (RFC 4119) civic
 * addresses (RFC 5139), as a presence server carries a user's location
 * in application/pidf+xml. The MN reads the room it is in from the
 * NOTIFYs of its user's presence; sipmob-locpub writes one to PUBLISH.
 *
 * The reader takes the first civicAddress of a gp:geopriv/gp:location-
 * info anywhere in the document (in a tuple's status, or in an RFC 4479
 * person or device, RFC 5491 §3.4: the first location is the one to
 * use), in the RFC 5139 namespace or RFC 4119's original civicLoc one;
 * geodetic shapes and usage rules are skipped. Values are collapsed as
 * xs:token (leading, trailing and repeated white space dropped). The
 * XML is checked by the scanner of dialog_info (no DTD, no entities,
 * namespaces bound); what is not PIDF, holds no civic address, or has a
 * value past the bounds below is refused with EBADMSG and a sentence.
 *
 *   struct pidf_lo lo;
 *   if (pidf_lo_decode(&lo, body, len, why, sizeof(why))) ...keep old
 *   re_printf("%H", pidf_lo_print, &lo);
 */
#ifndef SIPMOB_PIDF_LO_H
#define SIPMOB_PIDF_LO_H

#include <stdbool.h>
#include <stddef.h>

struct re_printf;

enum {
	PIDF_LO_MAXLEN   = 65536,  /**< longest body read                */
	PIDF_LO_VALUE    = 128,    /**< a civic value and NUL            */
	PIDF_LO_ENTITY   = 256,    /**< the presentity URI and NUL       */
};

/** The civic address types we keep (RFC 5139 §3.1 names). */
enum pidf_civic_field {
	PIDF_COUNTRY = 0, PIDF_A1, PIDF_A2, PIDF_A3, PIDF_A4, PIDF_A5,
	PIDF_A6, PIDF_PRD, PIDF_POD, PIDF_STS, PIDF_HNO, PIDF_HNS,
	PIDF_LMK, PIDF_LOC, PIDF_FLR, PIDF_NAM, PIDF_PC, PIDF_BLD,
	PIDF_UNIT, PIDF_ROOM, PIDF_SEAT, PIDF_PLC, PIDF_PCN, PIDF_POBOX,
	PIDF_ADDCODE, PIDF_RD, PIDF_RDSEC, PIDF_RDBR, PIDF_RDSUBBR,
	PIDF_PRM, PIDF_POM,
	PIDF_NFIELDS
};

struct pidf_lo {
	char entity[PIDF_LO_ENTITY];      /**< the presence's entity       */
	char v[PIDF_NFIELDS][PIDF_LO_VALUE]; /**< "" when not given        */
	char method[64];                  /**< gp:method, or ""            */
};

/** The element name of a field ("country", "A1", "HNO"...), or NULL */
const char *pidf_civic_name(enum pidf_civic_field f);
/** The field named name, or -1 */
int pidf_civic_field(const char *name);

/** The street: RD (RFC 5139), else A6 (RFC 4119's street), else "" */
const char *pidf_lo_street(const struct pidf_lo *lo);

/** Reads a PIDF-LO document (network input: any bytes). 0, or EBADMSG
 *  with why saying what is wrong; lo is then untouched. */
int pidf_lo_decode(struct pidf_lo *lo, const char *buf, size_t len,
		   char *why, size_t whysz);

/** Writes lo as a PIDF-LO document (RFC 5491 form: one tuple whose
 *  status holds gp:geopriv with the RFC 5139 civicAddress), that
 *  pidf_lo_decode() reads back equal. tuple id "loc". */
int pidf_lo_print(struct re_printf *pf, const struct pidf_lo *lo);

/** Is s a value pidf_lo_print() writes and pidf_lo_decode() gives back
 *  unchanged: 1 to PIDF_LO_VALUE - 1 bytes of UTF-8 XML Chars, no
 *  leading, trailing or doubled white space, no control characters. */
bool pidf_lo_value_valid(const char *s);

#endif
