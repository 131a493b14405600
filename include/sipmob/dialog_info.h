/**
 * @file dialog_info.h  application/dialog-info+xml bodies (RFC 4235 §4):
 * which INVITE dialogs an entity has and in what state. A device reports
 * the dialogs it holds (which session it took over, with which tags), and
 * the MN reads them to retrieve a session it handed off (spec §5.3.2,
 * RFC 5631 §5.4.2).
 *
 * The reader takes the elements we need and skips the rest: dialog-info's
 * version, state and entity; each dialog's id, call-id, local-tag,
 * remote-tag and direction; its state (and the state's event and code);
 * and for the local and remote participant the identity (with its display
 * name) and the target URI. Elements of other namespaces (RFC 4235
 * extensions, RFC 7463 appearances) and children we do not use are
 * skipped. Malformed XML, a missing required part, and anything past the
 * bounds below are refused with EBADMSG and a message naming the line.
 *
 * Usage:
 *   dlginfo_decode(&di, mbuf_buf(mb), mbuf_get_left(mb), err, sizeof(err));
 *   for (i = 0; i < di->dialogc; i++) di->dialogv[i].state ...
 *   mem_deref(di);
 *
 *   struct dlginfo_dialog d = {.id = "d1", .call_id = ..., .state =
 *                              DLGINFO_CONFIRMED};
 *   struct dlginfo out = {.version = 3, .entity = "sip:dev@host",
 *                         .dialogv = &d, .dialogc = 1};
 *   dlginfo_encode(&mb, &out);
 */

#ifndef SIPMOB_DIALOG_INFO_H
#define SIPMOB_DIALOG_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mbuf;
struct re_printf;

enum {
	DLGINFO_MAXLEN     = 65536, /**< longest body we read            */
	DLGINFO_MAXDIALOGS = 32,    /**< dialogs in one document         */
	DLGINFO_MAXDEPTH   = 16,    /**< element nesting                 */
};

/** RFC 4235 §3.7.1 dialog states */
enum dlginfo_state {
	DLGINFO_TRYING = 0,
	DLGINFO_PROCEEDING,
	DLGINFO_EARLY,
	DLGINFO_CONFIRMED,
	DLGINFO_TERMINATED,
};

/** Which side sent the dialog's INVITE (the direction attribute) */
enum dlginfo_dir {
	DLGINFO_DIR_NONE = 0,   /**< not given */
	DLGINFO_INITIATOR,
	DLGINFO_RECIPIENT,
};

/** A participant (<local> or <remote>). NULL means absent. */
struct dlginfo_party {
	const char *identity;   /**< <identity> text: a URI               */
	const char *display;    /**< its display attribute               */
	const char *target;     /**< <target uri=...>                     */
};

struct dlginfo_dialog {
	const char *id;         /**< required                            */
	const char *call_id;    /**< NULL when not given                 */
	const char *local_tag;
	const char *remote_tag;
	enum dlginfo_dir direction;
	enum dlginfo_state state;
	const char *event;      /**< <state event=...>, e.g. "replaced"  */
	uint16_t code;          /**< <state code=...> (100..699), or 0   */
	struct dlginfo_party local;
	struct dlginfo_party remote;
};

/** A document. Decoded strings are UTF-8 with references resolved. */
struct dlginfo {
	uint32_t version;
	bool partial;           /**< state="partial" (else "full")        */
	const char *entity;     /**< required to write; a document without
				     one is read (RFC 4235's own sample
				     body has none)                       */
	const struct dlginfo_dialog *dialogv;
	size_t dialogc;
};

/** Reads a body into a new object (mem_deref it); strings live in it. */
int  dlginfo_decode(struct dlginfo **dip, const uint8_t *buf, size_t len,
		    char *err, size_t errsz);
/** Writes the document (UTF-8, with an XML declaration). EINVAL when a
 *  required part is missing, a string is not UTF-8 XML text, or there are
 *  more than DLGINFO_MAXDIALOGS dialogs. */
int  dlginfo_print(struct re_printf *pf, const struct dlginfo *di);
int  dlginfo_encode(struct mbuf **mbp, const struct dlginfo *di);

const char *dlginfo_state_name(enum dlginfo_state st);
const char *dlginfo_dir_name(enum dlginfo_dir dir);

#endif
