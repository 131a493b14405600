#!/usr/bin/env bash
# REGISTER with Digest as client (issue 2): a sipp registrar answers the
# first REGISTER with a 401 Digest challenge and accepts the second only if
# it carries an Authorization for that realm and nonce, from the configured
# user, with a response. sipmob-mn (its password from SIPMOB_PASSWORD) and
# sipmob-device (from --password-file) both get through.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_register_digest
peers_require sipp

sipp_uas reg1 5098 uas_register_digest.xml
# the password from the environment (SIPMOB_PASSWORD), not argv
start mn env SIPMOB_PASSWORD=secret "$BIN/sipmob-mn" --sip 127.0.0.1:5060 \
	--user alice --registrar sip:127.0.0.1:5098 --control "$T/mn.sock"
check "the registrar took the MN's Digest answer" sipp_wait reg1 15
check "the MN says it is registered" wait_log mn "registered sip:alice@" 10

sipp_uas reg2 5099 uas_register_digest.xml
# the password from a file (--password-file)
printf 'secret\n' >"$T/password"
chmod 600 "$T/password"
start dev "$BIN/sipmob-device" --sip 127.0.0.1:5070 --name speaker \
	--registrar sip:127.0.0.1:5099 --auth-user alice \
	--password-file "$T/password" --control "$T/dev.sock"
check "the registrar took the device's Digest answer" sipp_wait reg2 15
check "the device says it is registered" wait_log dev "registered sip:speaker@" 10
finish
