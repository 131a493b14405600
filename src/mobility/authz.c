/*
 * The device's authorization policy: its configuration file, its users'
 * secrets, and the decision the SIP endpoint asks for once a request has
 * proved its user (sip_auth.h). INVITE needs "use", REFER "refer",
 * SUBSCRIBE "watch"; the owner has all three. A user who proves a secret
 * but lacks the permission gets 403; the endpoint logs it.
 *
 * The From URI plays no part here: anyone can write any From. It is only
 * a hint for which algorithms to offer before the user has said who it is.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include <sipmob/sipua.h>
#include <sipmob/sip_auth.h>
#include <sipmob/authz.h>
#include <sipmob/device.h>
#include <sipmob/presence.h>

_Static_assert(SIPAUTH_SECRET_MAX == PRESENCE_SECRET_LEN,
	       "a presence secret is what Digest proves");

enum { USERS_MAX = 32, CONF_MAX = 65536 };

struct authz_user {
	char name[SIPAUTH_USER_MAX];
	unsigned perms;
	unsigned algs;
	char secret[SIPAUTH_SECRET_MAX];
};

struct authz {
	char realm[128];
	char owner[SIPAUTH_USER_MAX];
	uint32_t lifetime;
	struct authz_user users[USERS_MAX];
	size_t n;
	struct sipauth *auth;
	const struct device *presence;   /* proof of presence (§8.2), or NULL */
};

static void destructor(void *arg)
{
	struct authz *az = arg;

	mem_deref(az->auth);
	OPENSSL_cleanse(az->users, sizeof(az->users));
}

static struct authz_user *user_find(const struct authz *az, const char *name)
{
	for (size_t i = 0; name && i < az->n; i++) {
		if (!strcmp(az->users[i].name, name))
			return (struct authz_user *)&az->users[i];
	}
	return NULL;
}

bool authz_has_owner(const struct authz *az)
{
	return az && az->owner[0];
}

bool authz_is_owner(const struct authz *az, const char *user)
{
	return az && user && az->owner[0] && !strcmp(az->owner, user);
}

bool authz_permits(const struct authz *az, const char *user,
		   enum authz_perm perm)
{
	const struct authz_user *u;

	if (authz_is_owner(az, user))
		return true;
	u = az ? user_find(az, user) : NULL;
	return u && (u->perms & (unsigned)perm);
}


/* Reading */

/* The next blank-separated word of a line, NUL-terminated in place */
static char *word(char **s)
{
	char *w;

	*s += strspn(*s, " \t\r");
	if (!**s)
		return NULL;
	w = *s;
	*s += strcspn(*s, " \t\r");
	if (**s)
		*(*s)++ = '\0';
	return w;
}

static int perms_decode(unsigned *perms, char *list)
{
	char *save = NULL;

	*perms = 0;
	for (char *p = strtok_r(list, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		if (!strcmp(p, "use"))
			*perms |= AUTHZ_USE;
		else if (!strcmp(p, "refer"))
			*perms |= AUTHZ_REFER;
		else if (!strcmp(p, "watch"))
			*perms |= AUTHZ_WATCH;
		else
			return EINVAL;
	}
	return *perms ? 0 : EINVAL;
}

static int user_decode(struct authz *az, char *rest, char *why, size_t sz)
{
	struct authz_user *u;
	char *name = word(&rest), *w;

	if (!name || strlen(name) >= sizeof(u->name)) {
		re_snprintf(why, sz, "user needs a NAME (at most %u bytes)",
			    (unsigned)sizeof(u->name) - 1);
		return EINVAL;
	}
	if (user_find(az, name) || az->n == USERS_MAX) {
		re_snprintf(why, sz, "user %s: given twice, or more than %u"
			    " users", name, USERS_MAX);
		return EINVAL;
	}
	u = &az->users[az->n];
	str_ncpy(u->name, name, sizeof(u->name));
	u->perms = AUTHZ_USE;
	u->algs = SIPAUTH_ALGS_ALL;
	while ((w = word(&rest))) {
		if (!strncmp(w, "algorithms=", 11)) {
			if (sipauth_algs_decode(&u->algs, w + 11)) {
				re_snprintf(why, sz, "user %s: algorithms is"
					    " sha-256, md5 or both", name);
				return EINVAL;
			}
		}
		else if (perms_decode(&u->perms, w)) {
			re_snprintf(why, sz, "user %s: permissions are use,"
				    " refer, watch", name);
			return EINVAL;
		}
	}
	az->n++;
	return 0;
}

static int line_decode(struct authz *az, char *line, char *why, size_t sz)
{
	char *key = word(&line), *v;

	if (!key || key[0] == '#')
		return 0;
	if (!strcmp(key, "user"))
		return user_decode(az, line, why, sz);

	v = word(&line);
	if (!v || word(&line)) {
		re_snprintf(why, sz, "%s takes one value", key);
		return EINVAL;
	}
	if (!strcmp(key, "realm") && strlen(v) < sizeof(az->realm) &&
	    !strpbrk(v, "\"\\"))
		str_ncpy(az->realm, v, sizeof(az->realm));
	else if (!strcmp(key, "owner") && strlen(v) < sizeof(az->owner))
		str_ncpy(az->owner, v, sizeof(az->owner));
	else if (!strcmp(key, "nonce-lifetime")) {
		char *end;
		long n = strtol(v, &end, 10);

		if (*end || n < 1 || n > 86400) {
			re_snprintf(why, sz, "nonce-lifetime is 1..86400 s");
			return EINVAL;
		}
		az->lifetime = (uint32_t)n;
	}
	else {
		re_snprintf(why, sz, "unknown or bad statement '%s'", key);
		return EINVAL;
	}
	return 0;
}

/* "USER SECRET" lines; the secret is the rest of the line */
static int secrets_decode(struct authz *az, const char *text, char *why,
			  size_t sz)
{
	unsigned no = 0;

	while (text && *text) {
		size_t len = strcspn(text, "\n");
		char line[SIPAUTH_USER_MAX + SIPAUTH_SECRET_MAX + 2], *rest;
		struct authz_user *u;
		char *name, *secret;

		no++;
		if (len >= sizeof(line)) {
			re_snprintf(why, sz, "secrets line %u too long", no);
			return EINVAL;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (text[len] == '\n');
		rest = line;
		name = word(&rest);
		if (!name || name[0] == '#')
			continue;
		rest += strspn(rest, " \t");
		secret = rest;
		secret[strcspn(secret, "\r")] = '\0';
		u = user_find(az, name);
		if (!u || !*secret || strlen(secret) >= sizeof(u->secret)) {
			re_snprintf(why, sz, "secrets line %u: %s", no,
				    u ? "no secret" : "not a configured user");
			OPENSSL_cleanse(line, sizeof(line));
			return EINVAL;
		}
		str_ncpy(u->secret, secret, sizeof(u->secret));
		OPENSSL_cleanse(line, sizeof(line));
	}
	return 0;
}

int authz_load(struct authz **azp, const char *path,
	       const char *secrets_text, char *why, size_t whysz)
{
	char line[512];
	struct authz *az;
	unsigned no = 0;
	FILE *f;
	int err = 0;

	if (!azp || !path)
		return EINVAL;
	f = fopen(path, "r");
	if (!f) {
		err = errno;
		re_snprintf(why, whysz, "%s: %m", path, err);
		return err;
	}
	az = mem_zalloc(sizeof(*az), destructor);
	if (!az) {
		fclose(f);
		return ENOMEM;
	}

	while (!err && fgets(line, sizeof(line), f)) {
		char msg[160] = "";

		no++;
		if (!strchr(line, '\n') && !feof(f)) {
			re_snprintf(why, whysz, "%s:%u: line too long", path,
				    no);
			err = EINVAL;
			break;
		}
		line[strcspn(line, "\n")] = '\0';
		err = line_decode(az, line, msg, sizeof(msg));
		if (err)
			re_snprintf(why, whysz, "%s:%u: %s", path, no, msg);
	}
	fclose(f);
	if (!err && !az->realm[0]) {
		re_snprintf(why, whysz, "%s: no realm", path);
		err = EINVAL;
	}
	if (!err && az->owner[0] && !user_find(az, az->owner)) {
		re_snprintf(why, whysz, "%s: the owner %s is not a user", path,
			    az->owner);
		err = EINVAL;
	}
	if (!err)
		err = secrets_decode(az, secrets_text, why, whysz);
	for (size_t i = 0; !err && i < az->n; i++) {
		if (!az->users[i].secret[0]) {
			re_snprintf(why, whysz, "user %s has no secret",
				    az->users[i].name);
			err = EINVAL;
		}
	}
	if (err)
		mem_deref(az);
	else
		*azp = az;
	return err;
}


/* The endpoint's questions */

static size_t secrets_handler(const char *user,
			      char out[][SIPAUTH_SECRET_MAX], size_t max,
			      void *arg)
{
	const struct authz *az = arg;
	const struct authz_user *u = user_find(az, user);

	if (!u || !max)
		return 0;
	if (az->presence)   /* the password and the room's token */
		return device_presence_secrets(az->presence, u->secret, out,
					       max);
	str_ncpy(out[0], u->secret, SIPAUTH_SECRET_MAX);
	return 1;
}

static unsigned algs_handler(const char *user, void *arg)
{
	const struct authz_user *u = user_find(arg, user);

	return u ? u->algs : 0;
}

static uint16_t authz_handler(const char *user, const struct sip_msg *msg,
			      void *arg)
{
	const struct authz *az = arg;
	enum authz_perm perm;

	if (!pl_strcmp(&msg->met, "INVITE"))
		perm = AUTHZ_USE;
	else if (!pl_strcmp(&msg->met, "REFER"))
		perm = AUTHZ_REFER;
	else
		perm = AUTHZ_WATCH;

	return authz_permits(az, user, perm) ? 0 : 403;
}

int authz_attach(struct authz *az, struct sipep *ep,
		 const struct device *presence)
{
	int err;

	if (!az || !ep)
		return EINVAL;
	if (!az->auth) {
		err = sipauth_alloc(&az->auth, &(struct sipauth_conf){
				az->realm, az->lifetime, secrets_handler,
				algs_handler, az});
		if (err)
			return err;
	}
	az->presence = presence;
	sipep_set_auth(ep, az->auth, SIPEP_AUTH_INVITE | SIPEP_AUTH_REFER |
		       SIPEP_AUTH_SUBSCRIBE, authz_handler, az);
	return 0;
}
