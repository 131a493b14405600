/*
 * sipmob-da: the SLPv2 Directory Agent (RFC 2608) of a sipmob site. All of
 * the work is in src/slp/da.c; this file reads options and runs the loop.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/cli.h>
#include <sipmob/slp.h>

static void usage(FILE *f)
{
	fprintf(f,
"usage: sipmob-da [options]\n"
"  -p, --port PORT            UDP and TCP port (default 427)\n"
"  -l, --listen ADDR          bind address (default 0.0.0.0)\n"
"  -s, --scopes LIST          scopes served (default DEFAULT)\n"
"  -m, --mtu BYTES            largest UDP reply, IP header included\n"
"                             (default 1400); larger ones set OVERFLOW\n"
"  -a, --allow-register CIDRS who may register (default: loopback and\n"
"                             the networks of this host's interfaces)\n"
"  -i, --advert-interval S    seconds between DAAdverts (default 10800)\n"
"      --max-url BYTES        longest URL accepted (default 1024)\n"
"      --max-attrs BYTES      longest attribute list (default 8192)\n"
"      --max-per-source N     registrations per source address\n"
"                             (default 10000)\n"
"      --max-registrations N  in total (default 1000000)\n"
"      --no-multicast         do not join 239.255.255.253\n"
"  -v, --verbose              more logs (twice: every message)\n"
"      --config FILE       options from FILE, `option = value` lines\n"
"                          (default /etc/sipmob/sipmob-da.conf, if any)\n"
"  -h, --help                 this text\n"
"  -V, --version              print the version\n");
}

static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"port", required_argument, NULL, 'p'},
		{"listen", required_argument, NULL, 'l'},
		{"scopes", required_argument, NULL, 's'},
		{"mtu", required_argument, NULL, 'm'},
		{"allow-register", required_argument, NULL, 'a'},
		{"advert-interval", required_argument, NULL, 'i'},
		{"max-url", required_argument, NULL, 1},
		{"max-attrs", required_argument, NULL, 2},
		{"max-per-source", required_argument, NULL, 3},
		{"max-registrations", required_argument, NULL, 4},
		{"no-multicast", no_argument, NULL, 5},
		{"verbose", no_argument, NULL, 'v'},
		CLI_CONFIG_OPTION,
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct slp_da_conf conf;
	struct slp_da *da = NULL;
	long v;
	int c, err;

	memset(&conf, 0, sizeof(conf));
	if (cli_config("sipmob-da", opts, &argc, &argv))
		return 2;
	while ((c = getopt_long(argc, argv, "p:l:s:m:a:i:vhV", opts,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_long("sipmob-da", "--port", optarg, 1,
				     65535, &v))
				return 2;
			conf.port = (uint16_t)v;
			break;
		case 'l': conf.laddr = optarg; break;
		case 's': conf.scopes = optarg; break;
		case 'm':
			if (cli_long("sipmob-da", "--mtu", optarg, 576,
				     65535, &v))
				return 2;
			conf.mtu = (uint32_t)v;
			break;
		case 'a': conf.allow_register = optarg; break;
		case 'i':
			if (cli_long("sipmob-da", "--advert-interval", optarg, 1,
				     604800, &v))
				return 2;
			conf.advert_interval = (uint32_t)v;
			break;
		case 1:
			if (cli_long("sipmob-da", "--max-url", optarg, 1,
				     65535, &v))
				return 2;
			conf.max_url = v;
			break;
		case 2:
			if (cli_long("sipmob-da", "--max-attrs", optarg, 1,
				     65535, &v))
				return 2;
			conf.max_attrs = v;
			break;
		case 3:
			if (cli_long("sipmob-da", "--max-per-source", optarg, 1,
				     100000000, &v))
				return 2;
			conf.max_per_src = v;
			break;
		case 4:
			if (cli_long("sipmob-da", "--max-registrations", optarg, 1,
				     100000000, &v))
				return 2;
			conf.max_regs = v;
			break;
		case 5: conf.no_mcast = true; break;
		case 'v': conf.verbose++; break;
		case CLI_CONFIG: break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sipmob-da %s\n", SIPMOB_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc)
		goto bad_args;

	err = libre_init();
	if (err) {
		fprintf(stderr, "sipmob-da: libre_init: %s\n", strerror(err));
		return 1;
	}
	err = slp_da_alloc(&da, &conf);
	if (err) {
		fprintf(stderr, "sipmob-da: cannot start: %s\n",
			strerror(err));
		libre_close();
		return 1;
	}
	fprintf(stderr, "sipmob-da: ready, boot timestamp %u\n",
		slp_da_boot(da));
	(void)re_main(signal_handler);
	slp_da_goodbye(da);
	fprintf(stderr, "sipmob-da: stopping, %zu registration(s) dropped\n",
		slp_store_count(slp_da_store(da)));
	mem_deref(da);
	libre_close();
	return 0;

 bad_args:
	fprintf(stderr, "sipmob-da: unexpected argument: %s\n", argv[optind]);
	usage(stderr);
	return 2;
}
