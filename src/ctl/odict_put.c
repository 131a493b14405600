/*
 * Small helpers that build control-socket replies on libre's odict, so that
 * handlers read as the JSON they produce. Arrays are odicts whose keys are
 * the element indexes, as libre's JSON encoder expects.
 */
#include <re.h>
#include <sipmob/ctl.h>

int ctl_put_str(struct odict *od, const char *key, const char *val)
{
	if (!val)
		return odict_entry_add(od, key, ODICT_NULL);
	return odict_entry_add(od, key, ODICT_STRING, val);
}

int ctl_put_int(struct odict *od, const char *key, int64_t val)
{
	return odict_entry_add(od, key, ODICT_INT, val);
}

int ctl_put_bool(struct odict *od, const char *key, bool val)
{
	return odict_entry_add(od, key, ODICT_BOOL, (int)val);
}

int ctl_put_double(struct odict *od, const char *key, double val)
{
	return odict_entry_add(od, key, ODICT_DOUBLE, val);
}

static int put_container(struct odict *od, const char *key, int type,
			 struct odict **childp)
{
	struct odict *child;
	int err;

	err = odict_alloc(&child, 8);
	if (err)
		return err;
	err = odict_entry_add(od, key, type, child);
	if (!err && childp)
		*childp = child;
	mem_deref(child);   /* the entry holds it */
	return err;
}

int ctl_put_obj(struct odict *od, const char *key, struct odict **childp)
{
	return put_container(od, key, ODICT_OBJECT, childp);
}

int ctl_put_array(struct odict *od, const char *key, struct odict **childp)
{
	return put_container(od, key, ODICT_ARRAY, childp);
}

int ctl_array_obj(struct odict *array, struct odict **childp)
{
	char key[16];

	re_snprintf(key, sizeof(key), "%zu", odict_count(array, false));
	return put_container(array, key, ODICT_OBJECT, childp);
}

int ctl_array_str(struct odict *array, const char *val)
{
	char key[16];

	re_snprintf(key, sizeof(key), "%zu", odict_count(array, false));
	return ctl_put_str(array, key, val);
}
