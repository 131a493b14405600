/*
 * SLP predicates: the LDAPv3 search filter of RFC 2254 as profiled by RFC
 * 2608 §8.1 — `&`, `|`, `!`, `=`, `~=`, `<=`, `>=`, presence `=*` and
 * substrings with `*` — compiled once into a flat node array and evaluated
 * against typed attribute lists.
 *
 * Compilation is bounded: a predicate of L bytes has at most L/3 nodes,
 * unescapes to at most L bytes and nests at most SLP_FILTER_DEPTH deep, so
 * the recursive parser cannot exhaust the stack and all memory is sized
 * before parsing. Comparison follows the attribute's type (RFC 2608 §6.4):
 * integers numerically ("(floor>=2)" matches 10), booleans as booleans,
 * strings case-insensitively with white space folded, opaque values byte by
 * byte; a keyword only answers presence.
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include <sipmob/slp_attr.h>
#include "slp_priv.h"

enum { SLP_FILTER_DEPTH = 32 };

enum op { OP_AND, OP_OR, OP_NOT, OP_EQ, OP_APPROX, OP_GE, OP_LE,
	  OP_PRESENT, OP_SUBSTR };

struct node {
	enum op op;
	int child;            /* first child, -1 if none */
	int next;             /* next sibling, -1 if none */
	struct pl tag;
	struct slp_val val;   /* typed value (EQ, APPROX, GE, LE) */
	struct pl *part;      /* SUBSTR: parts between `*`s */
	size_t nparts;
};

struct slp_filter {
	struct node *n;
	size_t nn, cap;
	char *buf;            /* unescaped strings */
	size_t bufused;
	struct pl *parts;
	size_t nparts, partcap;
	bool empty;           /* empty predicate: match everything */
};

struct parser {
	struct slp_filter *f;
	const char *p;
	const char *end;
	int depth;
};

static void filter_destructor(void *arg)
{
	struct slp_filter *f = arg;

	mem_deref(f->n);
	mem_deref(f->buf);
	mem_deref(f->parts);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

/* Unescapes [p,e), trimmed, into the filter's buffer. */
static int unescape(struct slp_filter *f, const char *p, const char *e,
		    struct pl *out, bool fold)
{
	char *o = f->buf + f->bufused;
	long n;

	slp_trim(&p, &e);
	n = slp_unescape(o, p, e, "()<>~=", fold);
	if (n < 0)
		return EBADMSG;
	out->p = o;
	out->l = (size_t)n;
	f->bufused += (size_t)n;
	return 0;
}

static int new_node(struct slp_filter *f, enum op op)
{
	struct node *n;

	if (f->nn >= f->cap)
		return -1;
	n = &f->n[f->nn];
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->child = -1;
	n->next = -1;
	return (int)f->nn++;
}

static int parse_filter(struct parser *ps, int *idx);

static int parse_item(struct parser *ps, int *idx)
{
	struct slp_filter *f = ps->f;
	const char *a = ps->p, *ae, *v, *ve;
	enum op op;
	struct node *n;
	int i, err;
	bool star = false;

	while (ps->p < ps->end && !strchr("=~<>()", *ps->p))
		ps->p++;
	if (ps->p >= ps->end || ps->p == a)
		return EBADMSG;
	ae = ps->p;
	switch (*ps->p) {
	case '=': op = OP_EQ; ps->p += 1; break;
	case '~': op = OP_APPROX; ps->p += 1; break;
	case '<': op = OP_LE; ps->p += 1; break;
	case '>': op = OP_GE; ps->p += 1; break;
	default: return EBADMSG;
	}
	if (op != OP_EQ) {
		if (ps->p >= ps->end || *ps->p != '=')
			return EBADMSG;
		ps->p++;
	}
	v = ps->p;
	while (ps->p < ps->end && *ps->p != ')') {
		if (*ps->p == '(')
			return EBADMSG;
		star |= *ps->p == '*';
		ps->p++;
	}
	if (ps->p >= ps->end)
		return EBADMSG;
	ve = ps->p;

	i = new_node(f, op);
	if (i < 0)
		return EBADMSG;
	n = &f->n[i];
	err = unescape(f, a, ae, &n->tag, false);
	if (err || !n->tag.l || memchr(n->tag.p, '*', n->tag.l))
		return EBADMSG;

	if (star && op == OP_EQ) {
		const char *s = v, *t = v;
		bool any = false;

		/* "=*" alone is presence */
		{
			const char *b = v, *e = ve;
			while (b < e && (*b == ' ' || *b == '\t')) b++;
			while (e > b && (e[-1] == ' ' || e[-1] == '\t')) e--;
			if (e - b == 1 && *b == '*') {
				n->op = OP_PRESENT;
				*idx = i;
				return 0;
			}
		}
		n->op = OP_SUBSTR;
		n->part = &f->parts[f->nparts];
		for (t = v; t <= ve; t++) {
			if (t < ve && *t != '*')
				continue;
			if (f->nparts >= f->partcap)
				return EBADMSG;
			/* parts keep their spaces: "a *" differs from "a*" */
			err = unescape(f, s, t, &f->parts[f->nparts], true);
			if (err)
				return err;
			any |= f->parts[f->nparts].l > 0;
			f->nparts++;
			n->nparts++;
			s = t + 1;
		}
		(void)any;
		*idx = i;
		return 0;
	}
	if (star)
		return EBADMSG;   /* `*` only in equality */

	{
		struct pl u;
		const char *b = v, *e = ve;

		while (b < e && (*b == ' ' || *b == '\t')) b++;
		if (b == e)
			return EBADMSG;  /* a value is required */
		if (e - b >= 3 && b[0] == '\\' && (b[1] | 0x20) == 'f' &&
		    (b[2] | 0x20) == 'f') {
			err = unescape(f, b + 3, e, &u, false);
			if (err)
				return err;
			n->val.type = SLP_T_OPAQUE;
			n->val.s = u;
		}
		else {
			err = unescape(f, b, e, &u, true);
			if (err)
				return err;
			slp_val_type(&n->val, &u);
		}
	}
	*idx = i;
	return 0;
}

static int parse_list(struct parser *ps, int parent, bool one)
{
	int last = -1, count = 0, err;

	for (;;) {
		int c;

		skip_ws(ps);
		if (ps->p >= ps->end)
			return EBADMSG;
		if (*ps->p == ')')
			break;
		err = parse_filter(ps, &c);
		if (err)
			return err;
		if (last < 0)
			ps->f->n[parent].child = c;
		else
			ps->f->n[last].next = c;
		last = c;
		count++;
	}
	if (!count || (one && count != 1))
		return EBADMSG;
	return 0;
}

static int parse_filter(struct parser *ps, int *idx)
{
	int err, i;
	char c;

	if (++ps->depth > SLP_FILTER_DEPTH)
		return EBADMSG;
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != '(')
		return EBADMSG;
	ps->p++;
	skip_ws(ps);
	if (ps->p >= ps->end)
		return EBADMSG;
	c = *ps->p;
	if (c == '&' || c == '|' || c == '!') {
		ps->p++;
		i = new_node(ps->f, c == '&' ? OP_AND :
			     c == '|' ? OP_OR : OP_NOT);
		if (i < 0)
			return EBADMSG;
		err = parse_list(ps, i, c == '!');
	}
	else {
		err = parse_item(ps, &i);
	}
	if (err)
		return err;
	if (ps->p >= ps->end || *ps->p != ')')
		return EBADMSG;
	ps->p++;
	ps->depth--;
	*idx = i;
	return 0;
}

int slp_filter_compile(struct slp_filter **fp, const struct pl *pred)
{
	struct slp_filter *f;
	struct parser ps;
	int err = 0, root;
	size_t len;

	if (!fp || !pred)
		return EINVAL;
	len = pred->l;
	f = mem_zalloc(sizeof(*f), filter_destructor);
	if (!f)
		return ENOMEM;
	ps.f = f;
	ps.p = pred->p;
	ps.end = pred->p + len;
	ps.depth = 0;
	skip_ws(&ps);
	if (ps.p == ps.end) {
		f->empty = true;
		goto out;
	}
	f->cap = len / 3 + 1;
	f->partcap = len + 2;
	f->n = mem_zalloc(f->cap * sizeof(*f->n), NULL);
	f->buf = mem_alloc(len + 1, NULL);
	f->parts = mem_zalloc(f->partcap * sizeof(*f->parts), NULL);
	if (!f->n || !f->buf || !f->parts) {
		err = ENOMEM;
		goto out;
	}
	err = parse_filter(&ps, &root);
	if (err)
		goto out;
	skip_ws(&ps);
	if (ps.p != ps.end || root != 0)
		err = EBADMSG;
 out:
	if (err)
		mem_deref(f);
	else
		*fp = f;
	return err;
}

static int cmp_ci(const struct pl *a, const struct pl *b)
{
	size_t n = a->l < b->l ? a->l : b->l;

	for (size_t i = 0; i < n; i++) {
		int x = tolower((unsigned char)a->p[i]);
		int y = tolower((unsigned char)b->p[i]);

		if (x != y)
			return x - y;
	}
	return (a->l > b->l) - (a->l < b->l);
}

static bool eq_nows(const struct pl *a, const struct pl *b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a->l && a->p[i] == ' ') i++;
		while (j < b->l && b->p[j] == ' ') j++;
		if (i == a->l || j == b->l)
			return i == a->l && j == b->l;
		if (tolower((unsigned char)a->p[i]) !=
		    tolower((unsigned char)b->p[j]))
			return false;
		i++;
		j++;
	}
}

static const char *find_ci(const char *s, const char *se, const struct pl *n)
{
	if (!n->l)
		return s;
	for (; se - s >= (long)n->l; s++) {
		size_t k = 0;

		while (k < n->l && tolower((unsigned char)s[k]) ==
		       tolower((unsigned char)n->p[k]))
			k++;
		if (k == n->l)
			return s;
	}
	return NULL;
}

static bool substr_match(const struct node *n, const struct pl *s)
{
	const char *p = s->p, *e = s->p + s->l;
	const struct pl *first = &n->part[0];
	const struct pl *last = &n->part[n->nparts - 1];

	if (first->l > s->l)
		return false;
	if (find_ci(p, p + first->l, first) != p)
		return false;
	p += first->l;
	for (size_t k = 1; k + 1 < n->nparts; k++) {
		const char *q = find_ci(p, e, &n->part[k]);

		if (!q)
			return false;
		p = q + n->part[k].l;
	}
	if ((size_t)(e - p) < last->l)
		return false;
	return find_ci(e - last->l, e, last) == e - last->l;
}

static bool val_match(const struct node *n, const struct slp_val *v)
{
	const struct slp_val *f = &n->val;

	switch (n->op) {

	case OP_SUBSTR:
		return v->type == SLP_T_STRING && substr_match(n, &v->s);

	case OP_EQ:
	case OP_APPROX:
		if (v->type != f->type)
			return false;
		if (v->type == SLP_T_INTEGER || v->type == SLP_T_BOOLEAN)
			return v->i == f->i;
		if (v->type == SLP_T_OPAQUE)
			return !pl_cmp(&v->s, &f->s);
		return n->op == OP_EQ ? !cmp_ci(&v->s, &f->s) :
			eq_nows(&v->s, &f->s);

	case OP_GE:
	case OP_LE:
		if (v->type != f->type)
			return false;
		if (v->type == SLP_T_INTEGER) {
			return n->op == OP_GE ? v->i >= f->i : v->i <= f->i;
		}
		if (v->type == SLP_T_STRING) {
			int c = cmp_ci(&v->s, &f->s);
			return n->op == OP_GE ? c >= 0 : c <= 0;
		}
		return false;

	default:
		return false;
	}
}

static bool eval(const struct slp_filter *f, int i, const struct slp_attrs *a)
{
	const struct node *n = &f->n[i];
	const struct slp_attr *at;
	int c;

	switch (n->op) {

	case OP_AND:
		for (c = n->child; c >= 0; c = f->n[c].next)
			if (!eval(f, c, a))
				return false;
		return true;

	case OP_OR:
		for (c = n->child; c >= 0; c = f->n[c].next)
			if (eval(f, c, a))
				return true;
		return false;

	case OP_NOT:
		return !eval(f, n->child, a);

	case OP_PRESENT:
		return slp_attrs_find(a, &n->tag) != NULL;

	default:
		at = slp_attrs_find(a, &n->tag);
		if (!at)
			return false;
		for (size_t k = 0; k < at->nval; k++)
			if (val_match(n, &at->val[k]))
				return true;
		return false;
	}
}

bool slp_filter_match(const struct slp_filter *f, const struct slp_attrs *a)
{
	if (!f || f->empty)
		return true;
	return eval(f, 0, a);
}

void slp_filter_required_eq(const struct slp_filter *f, slp_filter_eq_h *eqh,
			    void *arg)
{
	const struct node *root;

	if (!f || f->empty || !eqh)
		return;
	root = &f->n[0];
	if (root->op == OP_EQ) {
		(void)eqh(&root->tag, &root->val, arg);
		return;
	}
	if (root->op != OP_AND)
		return;
	for (int c = root->child; c >= 0; c = f->n[c].next) {
		if (f->n[c].op == OP_EQ && eqh(&f->n[c].tag, &f->n[c].val,
					       arg))
			return;
	}
}

bool slp_filter_single_eq(const struct slp_filter *f)
{
	return f && !f->empty && f->n[0].op == OP_EQ &&
		f->n[0].val.type != SLP_T_OPAQUE;
}
