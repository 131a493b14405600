/*
 * Scope lists and service types (RFC 2608 §6.4.1, §4.1): comma-separated
 * scopes compared case-insensitively with white space trimmed, and a
 * request for an abstract type ("service:printer") matching its concrete
 * types ("service:printer:lpr").
 */
#include <string.h>
#include <re.h>
#include <sipmob/slp_attr.h>
#include <sipmob/slp_store.h>

static bool next_item(const char **p, const char *end, struct pl *item)
{
	const char *c, *b, *e;

	while (*p < end) {
		c = memchr(*p, ',', (size_t)(end - *p));
		b = *p;
		e = c ? c : end;
		*p = c ? c + 1 : end;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (b < e) {
			item->p = b;
			item->l = (size_t)(e - b);
			return true;
		}
	}
	return false;
}

static bool in_list(const struct pl *item, const struct pl *list)
{
	const char *p = list->p, *end = list->p + list->l;
	struct pl s;

	while (next_item(&p, end, &s)) {
		if (!pl_casecmp(&s, item))
			return true;
	}
	return false;
}

bool slp_scopes_intersect(const struct pl *a, const struct pl *b)
{
	const char *p, *end;
	struct pl s;

	if (!a || !b)
		return false;
	p = a->p;
	end = a->p + a->l;
	while (next_item(&p, end, &s)) {
		if (in_list(&s, b))
			return true;
	}
	return false;
}

bool slp_scopes_subset(const struct pl *a, const struct pl *b)
{
	const char *p, *end;
	struct pl s;
	bool any = false;

	if (!a || !b)
		return false;
	p = a->p;
	end = a->p + a->l;
	while (next_item(&p, end, &s)) {
		if (!in_list(&s, b))
			return false;
		any = true;
	}
	return any;
}

void slp_type_abstract(struct pl *abs, const struct pl *type)
{
	const char *c;

	*abs = *type;
	if (type->l <= 8 || strncasecmp(type->p, "service:", 8))
		return;
	c = memchr(type->p + 8, ':', type->l - 8);
	if (c)
		abs->l = (size_t)(c - type->p);
}

bool slp_type_match(const struct pl *req, const struct pl *type)
{
	struct pl abs;

	if (!pl_casecmp(req, type))
		return true;
	slp_type_abstract(&abs, type);
	return !pl_casecmp(req, &abs);
}
