/*
 * Configuration files (src/ctl/config.c): each line becomes the long
 * option it names, placed before the command line's arguments; a line
 * that names no option, or lacks a value, is refused with its number.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sipmob/cli.h>

static const struct option opts[] = {
	{"name",    required_argument, NULL, 'n'},
	{"basic",   no_argument,       NULL, 'b'},
	{"level",   optional_argument, NULL, 'l'},
	{"member",  required_argument, NULL, 'm'},
	CLI_CONFIG_OPTION,
	{"help",    no_argument,       NULL, 'h'},
	{NULL, 0, NULL, 0}
};

static char path[64];

static void write_file(const char *text)
{
	FILE *f;

	strcpy(path, "/tmp/test_ctl_config.XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* cli_config over text with argv "prog --config PATH EXTRA..." */
static int run(const char *text, const char *extra, int *argc, char ***argv)
{
	static char *v[8];
	int n = 0, err;

	write_file(text);
	v[n++] = "prog";
	v[n++] = "--config";
	v[n++] = path;
	if (extra)
		v[n++] = (char *)extra;
	v[n] = NULL;
	*argc = n;
	*argv = v;
	err = cli_config("prog", opts, argc, argv);
	unlink(path);

	return err;
}

static void lines_become_options_before_the_command_line(void **state)
{
	int argc;
	char **argv;
	(void)state;

	assert_int_equal(run("# a comment\n\n  name =  wall  \r\n"
			     "basic\nlevel = 3\nmember = \"sip:a@b\"\n"
			     "member=sip:c@d\n", "--name=door", &argc, &argv),
			 0);
	assert_int_equal(argc, 12);
	assert_string_equal(argv[0], "prog");
	assert_string_equal(argv[1], "--name");
	assert_string_equal(argv[2], "wall");
	assert_string_equal(argv[3], "--basic");
	assert_string_equal(argv[4], "--level=3");
	assert_string_equal(argv[5], "--member");
	assert_string_equal(argv[6], "sip:a@b");
	assert_string_equal(argv[7], "--member");
	assert_string_equal(argv[8], "sip:c@d");
	/* then the command line, whose --name getopt takes last */
	assert_string_equal(argv[9], "--config");
	assert_string_equal(argv[11], "--name=door");
	assert_null(argv[12]);
}

static void booleans_and_values_with_equals(void **state)
{
	int argc;
	char **argv;
	(void)state;

	assert_int_equal(run("basic = false\nname = a=b c\n", NULL, &argc,
			     &argv), 0);
	assert_int_equal(argc, 5);
	assert_string_equal(argv[1], "--name");
	assert_string_equal(argv[2], "a=b c");
	assert_int_equal(run("basic = yes\n", NULL, &argc, &argv), 0);
	assert_string_equal(argv[1], "--basic");
}

static void bad_lines_are_refused(void **state)
{
	static const char *bad[] = {
		"name = x\ncolour = red\n",   /* unknown option          */
		"name\n",                     /* no value                */
		"name =\n",                   /* empty value             */
		"basic = maybe\n",            /* not a boolean           */
		"config = /etc/x.conf\n",     /* no nesting              */
		"help\n",                     /* not from a file         */
	};
	int argc;
	char **argv;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(run(bad[i], NULL, &argc, &argv), EINVAL);
}

static void a_missing_file_is_refused(void **state)
{
	char *v[] = {"prog", "--config", "/nonexistent/x.conf", NULL};
	char **argv = v;
	int argc = 3;
	(void)state;

	assert_int_equal(cli_config("prog", opts, &argc, &argv), EINVAL);
	assert_ptr_equal(argv, v);
}

static void no_file_leaves_argv(void **state)
{
	char *v[] = {"prog-without-a-default-config", "--name", "x", NULL};
	char **argv = v;
	int argc = 3;
	(void)state;

	assert_int_equal(cli_config("prog-without-a-default-config", opts,
				    &argc, &argv), 0);
	assert_ptr_equal(argv, v);
	assert_int_equal(argc, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_become_options_before_the_command_line),
		cmocka_unit_test(booleans_and_values_with_equals),
		cmocka_unit_test(bad_lines_are_refused),
		cmocka_unit_test(a_missing_file_is_refused),
		cmocka_unit_test(no_file_leaves_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
