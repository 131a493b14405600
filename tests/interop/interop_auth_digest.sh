#!/usr/bin/env bash
# Basic phones answer a device's Digest challenge (RFC 3261 §22.2, RFC
# 8760): sipmob-device with --auth-config requires Digest for INVITE.
#  a. baresip 1.0.0 (libre 1.1.0's client, MD5 only) as user "oldphone",
#     whom the device offers MD5 only (algorithms=md5): it answers the
#     challenge, the call is established and carries audio both ways;
#  b. the same baresip as user "phone", offered SHA-256 first and then MD5
#     (the default, RFC 8760 §2.4): libre 1.1.0 gives up on the SHA-256
#     challenge instead of skipping to the MD5 one, so the call fails
#     and the device holds no session. This is why algorithms are set
#     per user; the check fails (and says so) the day baresip answers;
#  c. linphonec (liblinphone 5.1) as user "lin", offered SHA-256 then MD5:
#     it answers SHA-256, and the call carries audio both ways;
#  d. linphonec (user lin2) with a wrong password: refused, no session.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_auth_digest
peers_require baresip linphonec jq

DEV=5070
SPK=sip:speaker@127.0.0.1:$DEV
REALM=room123.example

cat >"$T/speaker.conf" <<CONF
realm $REALM
user oldphone use algorithms=md5
user phone use
user lin use
user lin2 use
CONF
cat >"$T/speaker.secrets" <<CONF
oldphone old-secret
phone phone-secret
lin lin-secret
lin2 lin2-secret
CONF
chmod 600 "$T/speaker.secrets"
start dev "$BIN/sipmob-device" --sip 127.0.0.1:$DEV --name speaker \
	--auth-config "$T/speaker.conf" --auth-secrets "$T/speaker.secrets" \
	--control "$T/dev.sock"
need "the device is up" wait_until 10 test -S "$T/dev.sock"
logged() { grep -Eq -- "$2" "$T/$1.log"; }

# ---- a. baresip, offered MD5 only
need "baresip starts as oldphone" baresip_start oldphone 25070 \
	"auth_user=oldphone;auth_pass=old-secret"
check "a: baresip dials the device" baresip_dial oldphone "$SPK"
check "a: the device has an established session" \
	wait_stat 10 "$T/dev.sock" '.sessions[0].state' eq established
check "a: baresip logs the call as established" baresip_wait_established oldphone 5 1
check "a: the device logged oldphone authenticated with MD5" \
	logged dev "INVITE from 127.0.0.1:25070: user 'oldphone' authenticated \(MD5\)"
check "a: the device plays 50 of baresip's packets" \
	grows 10 "$T/dev.sock" '.streams[0].played_packets' 50
check "a: the device sends (50 packets)" \
	grows 10 "$T/dev.sock" '.streams[0].tx_packets' 50
check "a: baresip hangs up" baresip_hangup oldphone
check "a: the device's session ends" wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
check "a: baresip printed the call's RTP stats" \
	_peer_wait oldphone 5 _baresip_count_ge oldphone '^packets:' 1
set -- $(baresip_rtp_stats oldphone)
check "a: baresip received the device's RTP (>= 50)" ge "${2:-0}" 50
stop oldphone

# ---- b. baresip, offered SHA-256 first
need "baresip starts as phone" baresip_start phone 25080 \
	"auth_user=phone;auth_pass=phone-secret"
check "b: baresip dials the device" baresip_dial phone "$SPK"
check "b: the device challenged it, offering SHA-256 and MD5" \
	wait_log dev "INVITE from 127.0.0.1:25080 \(sip:phone@127.0.0.1:25080\) without credentials: 401" 10
check "b: baresip gives up on the SHA-256 challenge: its session closes with ENOSYS (libre 1.1.0's sip_auth)" \
	_peer_wait phone 10 _peer_grep phone 'session closed: Function not implemented'
check "b: ... without answering it (no INVITE of phone's authenticated)" \
	bash -c "! grep -q \"user 'phone' authenticated\" '$T/dev.log'"
check "b: the device holds no session" eq "$(jstat "$T/dev.sock" '.sessions | length')" 0
stop phone

# ---- c. linphonec, SHA-256 offered first
mkdir -p "$T/conf"
cp -r "$PEERS_CONF/." "$T/conf/"
chmod -R u+w "$T/conf"
rc=$T/conf/dev.linphonerc
cp "$rc" "$T/conf/dev.linphonerc.orig"
printf '[auth_info_0]\nusername=lin\npasswd=lin-secret\nrealm=%s\n' "$REALM" >>"$rc"
PEERS_CONF=$T/conf
need "linphonec starts as lin" linphone_start lin 25090
linphone_cmd lin "call $SPK"
check "c: the device has an established session" \
	wait_stat 15 "$T/dev.sock" '.sessions[0].state' eq established
check "c: the device logged lin authenticated with SHA-256" \
	logged dev "INVITE from 127.0.0.1:25090: user 'lin' authenticated \(SHA-256\)"
check "c: linphonec says the call is connected" wait_log lin "connected" 10
check "c: the device plays 50 of linphonec's packets" \
	grows 10 "$T/dev.sock" '.streams[-1].played_packets' 50
check "c: the device sends (50 packets)" \
	grows 10 "$T/dev.sock" '.streams[-1].tx_packets' 50
linphone_cmd lin terminate
check "c: the device's session ends" wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
stop lin

# ---- d. linphonec with a wrong password
cp "$T/conf/dev.linphonerc.orig" "$rc"
printf '[auth_info_0]\nusername=lin2\npasswd=not-it\nrealm=%s\n' "$REALM" >>"$rc"
need "linphonec starts with a wrong password" linphone_start lin2 25100
linphone_cmd lin2 "call $SPK"
check "d: the device refuses it (wrong credentials)" \
	wait_log dev "INVITE from 127.0.0.1:25100 \(user 'lin2'\) unauthorized: wrong credentials: 401" 15
check "d: the device holds no session" \
	keeps "$T/dev.sock" '.sessions | length' 0 "$T/dev.sock" '.sessions | length' 0 2
stop lin2
check "the device is still running" alive dev
finish
