#!/usr/bin/env bash
# The far end re-INVITEs while a transcoder carries the audio (RFC 5631 §7
# with spec §6.1). The CN is sipp (uas_cn_reinvite.xml, PCMU); the audio
# has moved to a speakerphone that speaks only G.722, through
# sipmob-transcoder. sipp then re-INVITEs without an offer (the MN's offer
# must carry the line the CN has: the transcoder's B leg, checked by sipp)
# and then offers PCMA only: the MN passes the change to the transcoder's
# B leg, not to the device, and the CN's answer chooses PCMA on the same
# port (checked by sipp). The transcoder now converts G722 <-> PCMA, the
# speaker still receives G.722 and plays, and sipp's scenario succeeds.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require sipp jq
scenario_init interop_transcoder_cn_reinvite
ns_multicast

start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start tc "$BIN/sipmob-transcoder" --sip 127.0.0.1:5090 --slp-da 127.0.0.1 \
	--control "$T/tc.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--codecs G722 --room 123 --slp-da 127.0.0.1 --control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--slp-da 127.0.0.1 --safety-ms 200 --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/spk.sock" -a -S "$T/mn.sock" \
	-a -S "$T/tc.sock"
need "speaker registered" wait_log spk "registered in SLP" 10
need "transcoder up" wait_log tc "transcoder: ready" 10
need "sipp up" sipp_uas cn 5080 uas_cn_reinvite

ctl "$T/mn.sock" devices --room 123 >/dev/null
ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
r=$(ctl "$T/mn.sock" --json move --audio speaker)
log "move: $(jq -c .last_transfer <<<"$r")"
check "move ok, through the transcoder" eq \
	"$(jq -r '.last_transfer | "\(.ok) \(.codec_choice)"' <<<"$r")" "true transcoder"
check "the transcoder converts G722 <-> PCMU" wait_stat 5 "$T/tc.sock" \
	'.streams[0] | "\(.a.codec)/\(.b.codec)"' eq G722/PCMU
check "after sipp's PCMA offer: G722 <-> PCMA" wait_stat 10 "$T/tc.sock" \
	'.streams[0] | "\(.a.codec)/\(.b.codec)"' eq G722/PCMA
check "the MN updated the transcoder, not the device" \
	wait_log mn "updating sip:transcoder@127.0.0.1:5090" 5
check "the speaker still receives G722" eq \
	"$(jstat "$T/spk.sock" '.streams[-1].codec')" G722
check "the speaker still plays" grows 10 "$T/spk.sock" '.streams[-1].played_packets' 25
check "the transcoder sends PCMA to sipp" \
	grows 10 "$T/tc.sock" '.streams[0].b.tx_packets' 25
check "the audio is still at the speaker" eq \
	"$(jstat "$T/mn.sock" '.call.media[0].at')" sip:speaker@127.0.0.1:5071
ctl "$T/mn.sock" hangup >/dev/null
check "sipp's checks all passed (exit 0)" sipp_wait cn 15
check "the transcoder was hung up" wait_stat 10 "$T/tc.sock" .sessions eq 0
finish
