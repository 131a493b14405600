#!/usr/bin/env bash
# Session Handoff to a device that shares no codec with the CN (spec §6.1,
# last paragraph): the CN is an ordinary phone that speaks only PCMU; the
# speakerphone only G.722. On the MN's REFER the speakerphone asks the CN's
# codecs with OPTIONS, finds sipmob-transcoder in SLP, invites it without
# an offer, INVITEs the CN (Replaces, Referred-By) with the transcoder's B
# line and answers the transcoder in its ACK. Both ends play each other;
# the nested-REFER retrieval brings the call back to the MN, and the
# transcoder is hung up.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init sh_transcoder
ns_multicast

MN=sip:alice@127.0.0.1:5060
SPK=sip:speaker@127.0.0.1:5071

start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start tc "$BIN/sipmob-transcoder" --sip 127.0.0.1:5090 --slp-da 127.0.0.1 \
	--rtp-ports 40000-40999 --control "$T/tc.sock"
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--codecs PCMU --control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--codecs G722 --owner "$MN" --room 123 --slp-da 127.0.0.1 \
	--control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--slp-da 127.0.0.1 --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/mn.sock" -a -S "$T/tc.sock"
need "transcoder up" wait_log tc "transcoder: ready" 10
need "speaker registered" wait_log spk "registered in SLP" 10

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN plays the CN" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20

r=$(ctl "$T/mn.sock" --json move --to "$SPK" --mode handoff)
log "handoff: $(jq -c '.last_transfer // .' <<<"$r")"
check "handoff ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "the speaker asked the CN's codecs and chose the transcoder" \
	wait_log spk "codecs: no codec in common" 5
check "the speaker's session is up" \
	wait_stat 10 "$T/spk.sock" '[.sessions[] | select(.state == "established")] | length' eq 1
check "the speaker receives G722" \
	wait_stat 10 "$T/spk.sock" '.streams[-1].codec' eq G722
check "the speaker plays the CN" grows 10 "$T/spk.sock" '.streams[-1].played_packets' 25
check "the CN plays the speaker" grows 10 "$T/cn.sock" '.streams[0].played_packets' 25
check "the CN has one session" eq "$(jstat "$T/cn.sock" '.sessions | length')" 1
check "the transcoder relays G722 <-> PCMU" \
	eq "$(jstat "$T/tc.sock" '.streams[0] | "\(.a.codec)/\(.b.codec)"')" G722/PCMU
check "the transcoder carries both ways" \
	wait_stat 10 "$T/tc.sock" '[.streams[0].a.tx_packets, .streams[0].b.tx_packets] | min' ge 50
check "the MN's dialog with the CN is over" \
	wait_stat 10 "$T/mn.sock" .call.state eq idle

r=$(ctl "$T/mn.sock" --json retrieve)
log "retrieve: $(jq -c '.last_transfer // .' <<<"$r")"
check "retrieval ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "the MN has the call again" wait_stat 10 "$T/mn.sock" .call.state eq established
check "the MN plays the CN" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 25
check "the CN plays the MN" grows 10 "$T/cn.sock" '.streams[0].played_packets' 25
check "the speaker's session ended" \
	wait_stat 10 "$T/spk.sock" '[.sessions[] | select(.state == "established")] | length' eq 0
check "the transcoder was hung up" wait_stat 10 "$T/tc.sock" .sessions eq 0

ctl "$T/mn.sock" hangup >/dev/null
finish
