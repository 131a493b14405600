/*
 * Inside of the SDP model, shared by the files of src/sdp/. A description
 * is v=, an optional o= (parsed), the other session lines in their order,
 * and a list of media; a media is its parsed m= line and the lines that
 * follow it, in order. Every line keeps its text after "x=" verbatim in
 * `val`; lines we understand also carry the parsed value in `u`, and are
 * rewritten as a whole (text and parsed value together) when changed, so
 * printing is always the plain concatenation of the lines.
 */
#include <re.h>
#include <sipmob/sdesc.h>

enum {
	SDESC_MAXFMT   = 64,   /* formats on one m= line           */
	SDESC_MAXTOKEN = 32,   /* media name, proto, format, enc   */
	SDESC_MAXMEDIA = 64,   /* m= sections in one description   */
};

enum sdesc_lkind {
	SDESC_L_OTHER = 0,   /* kept verbatim, not interpreted      */
	SDESC_L_CONN,        /* c=                                  */
	SDESC_L_DIR,         /* a=sendrecv/sendonly/recvonly/inactive */
	SDESC_L_RTPMAP,      /* a=rtpmap:                           */
	SDESC_L_FMTP,        /* a=fmtp:                             */
	SDESC_L_PTIME,       /* a=ptime:                            */
};

struct sdesc_line {
	struct le le;
	char type;                  /* 'a', 'b', 'c', 's', ...          */
	enum sdesc_lkind kind;
	char *val;                  /* the text after "x=", verbatim    */
	union {
		struct {
			struct sa sa;       /* address, port 0           */
			bool numeric;       /* false: an FQDN            */
		} conn;
		enum sdesc_dir dir;
		struct {
			int pt;
			char enc[SDESC_MAXTOKEN];
			uint32_t srate;
			uint8_t ch;         /* 0: not given (1)          */
		} rtpmap;
		struct {
			char fmt[SDESC_MAXTOKEN];
			size_t params;      /* offset of params in val   */
		} fmtp;
		uint32_t ptime;
	} u;
};

struct sdesc_fmt {
	char id[SDESC_MAXTOKEN];
	int pt;                     /* -1 when not a number 0..127      */
};

struct sdesc_media {
	struct le le;
	struct sdesc *sd;           /* the description holding it       */
	enum sdesc_mtype type;
	char name[SDESC_MAXTOKEN];  /* "audio", "video", "message", ... */
	uint16_t port;
	uint16_t portc;             /* 0: no "/count"                   */
	char proto[SDESC_MAXTOKEN];
	struct sdesc_fmt fmtv[SDESC_MAXFMT];
	unsigned fmtc;
	struct list lines;          /* struct sdesc_line, after m=      */
};

struct sdesc {
	bool has_origin;
	char *o_user;
	char *o_id;                 /* sess-id, digits                  */
	uint64_t o_ver;
	char *o_addr;               /* "IN IP4 host", verbatim          */
	struct list lines;          /* session lines after v= and o=    */
	struct list medial;         /* struct sdesc_media               */
};

/* line.c */
int  sdesc_num(const char *s, size_t n, uint64_t max, uint64_t *v);
int  sdesc_token(char *buf, size_t sz, const char *s, size_t n);

/* model.c */
int  sdesc_alloc(struct sdesc **sdp);
int  sdesc_media_add(struct sdesc_media **mp, struct sdesc *sd,
		     const char *name, uint16_t port, const char *proto);
int  sdesc_media_add_fmt(struct sdesc_media *m, const char *id);
int  sdesc_line_add(struct sdesc_line **lp, struct list *lines, char type,
		    const char *val, size_t len);
int  sdesc_line_interpret(struct sdesc_line *l, bool rtp, char *why,
			  size_t whysz);
int  sdesc_line_set(struct list *lines, char type, enum sdesc_lkind kind,
		    const char *val);
struct sdesc_line *sdesc_line_find(const struct list *lines,
				   enum sdesc_lkind kind);
int  sdesc_media_dup_into(struct sdesc_media **mp, struct sdesc *dst,
			  const struct sdesc_media *src, bool materialize);
int  sdesc_origin_set(struct sdesc *sd, const char *user, const char *id,
		      uint64_t ver, const struct sa *addr);
int  sdesc_conn_print(struct re_printf *pf, const struct sa *sa);
enum sdesc_mtype sdesc_mtype_of(const char *name);
bool sdesc_proto_is_rtp(const char *proto);

/* build.c */
int  sdesc_origin_new(struct sdesc *sd, const struct sdesc *prev,
		      const char *user, const struct sa *addr);
int  sdesc_session_lines(struct sdesc *sd, const struct sa *addr,
			 const struct sdesc *t_from);
int  sdesc_media_build(struct sdesc_media **mp, struct sdesc *sd,
		       const struct sdesc_lmedia *lm,
		       const struct sdesc_codec *codecv, size_t codecc,
		       enum sdesc_dir dir);

/* codec.c */
bool sdesc_static_codec(struct sdesc_codec *c, int pt);
bool sdesc_codec_auxiliary(const char *name);
