# Third-party SIP peers for interop scenarios: baresip, sipp, Kamailio,
# linphonec, plus packet capture, tshark checks and a malformed-SIP sender.
# Source it after scenario.sh and call everything after `scenario_init`:
#
#   . "$SIPMOB_SRC/tests/lib/scenario.sh"
#   . "$SIPMOB_SRC/tests/lib/peers.sh"
#   scenario_init my_test
#   peers_require baresip sipp              # exit 77 (skip) if one is missing
#
# Every peer runs inside the test's namespace $NS on 127.0.0.1, is started
# through `start`/`start_fed` (so the scenario's cleanup stops it by PID) and
# keeps its files in $T/NAME/ and its output in $T/NAME.log. Every wait is
# bounded. Configs come from tests/interop/peers/ (copies of the ones in
# ../shared/peers/, so the repository stands alone); sipp scenarios from
# tests/interop/sipp/. See docs/testing.md for the overview.
#
#   baresip_start NAME PORT [;k=v...]   baresip on 127.0.0.1:PORT, AOR NAME
#   baresip_cmd NAME JSON|WORD [SECS]   one ctrl_tcp command, prints the reply
#   baresip_dial NAME URI, baresip_hangup NAME, baresip_hangup_all NAME
#   baresip_wait_established NAME [SECS] [N], baresip_wait_closed NAME [SECS] [N]
#   baresip_established_count NAME
#   baresip_calls NAME                  number of active calls
#   baresip_rtp_peer NAME [PCAP]        ADDR:PORT baresip sends its RTP to
#   baresip_rtp_stats NAME [SECS]       "TX RX" RTP packets of the last call
#   sipp_uas NAME PORT SCENARIO [sipp args]
#   sipp_uac NAME PORT TARGET SCENARIO [sipp args]
#   sipp_wait NAME SECS                 sipp's exit status (0: all calls ok)
#   kamailio_start NAME PORT, kamailio_registered NAME USER, kamailio_ul NAME
#   kamailio_contacts NAME USER         bound contact URIs of USER
#   linphone_start NAME PORT, linphone_cmd NAME LINE
#                                       (LINPHONE_IP=ADDR: on ADDR, not
#                                       127.0.0.1)
#   capture_start NAME [FILTER], capture_stop NAME   ($T/NAME.pcap)
#   capture_wait NAME FILTER [SECS] [MIN] a packet matching FILTER was captured
#   tshark_check PCAP [tshark args], tshark_count PCAP FILTER [tshark args]
#   sip_garbage HOST PORT COUNT [--seed N] [--user U] [--wait S]
#   ns_listening udp|tcp PORT           something listens on PORT in $NS

PEERS_CONF=${PEERS_CONF:-$SIPMOB_SRC/tests/interop/peers}
PEERS_SIPP=${PEERS_SIPP:-$SIPMOB_SRC/tests/interop/sipp}
PEERS_TOOLS=${PEERS_TOOLS:-$SIPMOB_SRC/tests/tools}
if [ -x /usr/bin/python3 ]; then PEERS_PY=/usr/bin/python3; else PEERS_PY=python3; fi
# tshark decodes RTP by heuristics unless a test gives `-d udp.port==P,rtp`.
# Juniper's mirror protocol owns UDP port 30030, inside the RTP ranges the
# scenarios give devices: a peer's STUN keepalive to a device there would
# read as a malformed mirrored IPv6 packet.
TSHARK_OPTS=(-o rtp.heuristic_rtp:TRUE -o rtcp.heuristic_rtcp:TRUE
	--disable-protocol jmirror)
PEERS_N=0
declare -A PEER_DIR=() PEER_CTRL=() PEER_RTP=() PEER_PORT=()

# peers_require PROGRAM... : skip the scenario (exit 77) if one is missing.
peers_require() {
	local p miss=()
	for p in "$@"; do
		case $p in
		kamailio) command -v kamailio >/dev/null && command -v kamcmd >/dev/null || miss+=("$p") ;;
		linphone|linphonec) command -v linphonec >/dev/null || miss+=("$p") ;;
		*) command -v "$p" >/dev/null || miss+=("$p") ;;
		esac
	done
	if [ ${#miss[@]} -gt 0 ]; then
		log "skipped: missing ${miss[*]} (scripts/install-deps installs them)"
		exit 77
	fi
}

# peers_conf_drift: logs which in-repo peer configs differ from the shared
# originals in $SIPMOB_SRC/../shared/peers/ (when that folder exists). The
# tests always use the in-repo copies; this only tells a maintainer to sync.
peers_conf_drift() {
	local shared=$SIPMOB_SRC/../shared/peers f
	[ -d "$shared" ] || return 0
	for f in baresip/config:baresip/config baresip/accounts:baresip/accounts \
		kamailio.cfg:kamailio/kamailio.cfg dev.linphonerc:linphone/dev.linphonerc; do
		cmp -s "$PEERS_CONF/${f%%:*}" "$shared/${f#*:}" ||
			log "note: tests/interop/peers/${f%%:*} differs from ../shared/peers/${f#*:}"
	done
}

# ns_listening udp|tcp PORT: something in $NS has a socket bound to PORT.
ns_listening() {
	local flag=-uln
	[ "$1" = tcp ] && flag=-tln
	[ -n "$(in_ns ss -H $flag "sport = :$2" 2>/dev/null)" ]
}

# _peer_wait NAME SECS CMD...: like wait_until, but fails at once when NAME
# has exited (a peer that died will never become ready).
_peer_wait() {
	local name=$1 secs=$2; shift 2
	local end=$((SECONDS + secs))
	while ! "$@" >/dev/null 2>&1; do
		if ! alive "$name"; then
			log "$name exited before it was ready"
			return 1
		fi
		if [ $SECONDS -ge $end ]; then
			log "timeout (${secs}s) waiting for $name: $*"
			return 1
		fi
		sleep 0.05
	done
}

_peer_dead() { ! alive "$1"; }

# Log lines of peers that redraw a status line with \r (baresip).
_peer_log() { tr '\r' '\n' <"$T/$1.log"; }

_peer_grep() { local name=$1; shift; _peer_log "$name" | grep -Eq -- "$@"; }

# ---------------------------------------------------------------- baresip

# baresip_start NAME PORT [PARAMS]
#   baresip 1.0.0 listening on 127.0.0.1:PORT (UDP and TCP) with the account
#   <sip:NAME@127.0.0.1:PORT>;regint=0;answermode=auto;audio_codecs=PCMU,PCMA
#   (8000/1 each). PARAMS (";key=value;...") override or add account
#   parameters, e.g. ";audio_codecs=PCMA/8000/1" or ";answermode=manual".
#   BARESIP_IP=ADDR makes it listen (SIP and RTP) on ADDR (default 127.0.0.1).
#   BARESIP_AOR=sip:user@host:port replaces the AOR (with ;regint=N it then
#   registers there). baresip also binds TCP PORT and TLS PORT+1 (plus two
#   random UDP ports), so ctrl_tcp listens on PORT+2 (BARESIP_CTRL_PORT
#   overrides); RTP ports come from a range of 100 unique to this instance,
#   40000+100*n.. (BARESIP_RTP_PORTS=LO-HI overrides). rtp_stats is on, so the
#   log gets the RTP packet counts at the end of every call.
#   BARESIP_CONFIG_EXTRA: lines added to its config (e.g. sip_certificate).
#   Waits (10 s) for "baresip is ready." and the ctrl_tcp listener.
baresip_start() {
	local name=$1 port=$2 params=${3:-} ip=${BARESIP_IP:-127.0.0.1}
	local dir=$T/$name ctrl=${BARESIP_CTRL_PORT:-$(($2 + 2))}
	local rtp=${BARESIP_RTP_PORTS:-$((40000 + 100 * PEERS_N))-$((40099 + 100 * PEERS_N))}
	PEERS_N=$((PEERS_N + 1))
	mkdir -p "$dir"
	cp "$PEERS_CONF/baresip/config" "$PEERS_CONF/baresip/accounts" "$dir/"
	chmod u+w "$dir/config" "$dir/accounts"
	sed -i -E \
		-e "s/^sip_listen[[:space:]].*/sip_listen\t\t$ip:$port/" \
		-e "s/^net_interface[[:space:]].*/net_interface\t\t$ip/" \
		-e "s/^ctrl_tcp_listen[[:space:]].*/ctrl_tcp_listen\t\t127.0.0.1:$ctrl/" \
		-e "s/^rtp_ports[[:space:]].*/rtp_ports\t\t$rtp/" \
		-e "s/^rtp_stats[[:space:]].*/rtp_stats\t\tyes/" \
		"$dir/config"
	[ -z "${BARESIP_CONFIG_EXTRA:-}" ] ||
		printf '%s\n' "$BARESIP_CONFIG_EXTRA" >>"$dir/config"
	# account parameters: defaults, then PARAMS (a later key replaces)
	local -A kv=()
	local order=() p k
	local IFS=';'
	for p in regint=0 answermode=auto audio_codecs=PCMU/8000/1,PCMA/8000/1 $params; do
		[ -n "$p" ] || continue
		k=${p%%=*}
		[ -n "${kv[$k]+x}" ] || order+=("$k")
		kv[$k]=$p
	done
	unset IFS
	local line="<${BARESIP_AOR:-sip:$name@$ip:$port}>"
	for k in "${order[@]}"; do line+=";${kv[$k]}"; done
	printf '%s\n' "$line" >"$dir/accounts"
	PEER_DIR[$name]=$dir
	PEER_CTRL[$name]=$ctrl
	PEER_RTP[$name]=$rtp
	PEER_PORT[$name]=$port
	start "$name" baresip -4 -v -f "$dir"
	_peer_wait "$name" 10 _peer_grep "$name" '^baresip is ready' &&
		_peer_wait "$name" 5 ns_listening tcp "$ctrl" &&
		_peer_wait "$name" 5 ns_listening udp "$port"
}

# baresip_cmd NAME JSON|WORD [SECS]
#   Sends one command to NAME's ctrl_tcp (netstring-framed JSON, through
#   tests/tools/ctrl_tcp.py) and prints the reply as one JSON line:
#   {"response":true,"ok":BOOL,"data":"...","token":"..."}. A plain word
#   ("callstat", "listcalls", "hangup") is wrapped as {"command":WORD};
#   "dial sip:x" becomes {"command":"dial","params":"sip:x"}. Succeeds when
#   the reply says ok. Waits at most SECS (5) for the reply.
baresip_cmd() {
	local name=$1 cmd=$2 secs=${3:-5}
	in_ns "$PEERS_PY" "$PEERS_TOOLS/ctrl_tcp.py" "127.0.0.1:${PEER_CTRL[$name]}" \
		"$cmd" --timeout "$secs"
}

# baresip_dial NAME URI: places a call (returns when baresip took the command).
baresip_dial() {
	baresip_cmd "$1" "$(jq -cn --arg u "$2" '{command:"dial",params:$u}')" >/dev/null
}

# baresip_hangup NAME: hangs up the current call.
baresip_hangup() { baresip_cmd "$1" hangup >/dev/null; }

# baresip_hangup_all NAME [SECS]: hangs up until no call is left (5 s).
baresip_hangup_all() {
	local name=$1 secs=${2:-5}
	_peer_wait "$name" "$secs" _baresip_hangup_one "$name"
}

_baresip_hangup_one() {
	[ "$(baresip_calls "$1")" = 0 ] && return 0
	baresip_hangup "$1"
	[ "$(baresip_calls "$1")" = 0 ]
}

# baresip_wait_established NAME [SECS] [N]: waits (10 s) until the log shows
# N (1) "Call established" lines: baresip logs one per call, both directions.
baresip_wait_established() {
	local name=$1 secs=${2:-10} n=${3:-1}
	_peer_wait "$name" "$secs" _baresip_count_ge "$name" 'Call established' "$n"
}

# baresip_established_count NAME: prints how many "Call established" lines
# the log has so far (to wait for the next one: that number + 1).
baresip_established_count() { _peer_log "$1" | grep -c 'Call established'; }

# baresip_wait_closed NAME [SECS] [N]: waits until N (1) calls have ended
# ("... terminated (duration" or "session closed" lines).
baresip_wait_closed() {
	local name=$1 secs=${2:-10} n=${3:-1}
	_peer_wait "$name" "$secs" _baresip_count_ge "$name" 'terminated \(duration|session closed' "$n"
}

_baresip_count_ge() {
	local c
	c=$(_peer_log "$1" | grep -Ec -- "$2")
	[ "$c" -ge "$3" ]
}

# baresip_calls NAME: prints the number of active calls (ctrl_tcp listcalls).
baresip_calls() {
	baresip_cmd "$1" listcalls | jq -r '.data' |
		sed -nE 's/.*Active calls \(([0-9]+)\).*/\1/p' | head -1
}

# baresip_rtp_peer NAME [PCAP]
#   Prints ADDR:PORT that baresip sends its RTP to now. With PCAP (a capture
#   that is running or stopped): the destination of the last RTP packet sent
#   from NAME's RTP port range, the wire truth. Without: from the log, the
#   last "starting RTCP with remote ADDR:P" line that baresip prints whenever
#   an offer/answer sets the remote media, minus one (rtcp_mux is off and
#   baresip derives RTCP as RTP+1 when the SDP has no a=rtcp).
baresip_rtp_peer() {
	local name=$1 pcap=${2:-} lo hi
	if [ -n "$pcap" ]; then
		lo=${PEER_RTP[$name]%-*} hi=${PEER_RTP[$name]#*-}
		tshark -r "$pcap" "${TSHARK_OPTS[@]}" \
			-Y "rtp && !icmp && udp.srcport >= $lo && udp.srcport <= $hi" \
			-T fields -e ip.dst -e udp.dstport 2>/dev/null |
			tail -1 | awk 'NF == 2 { print $1 ":" $2 }'
		return
	fi
	_peer_log "$name" | sed -nE 's/.*starting RTCP with remote ([0-9.]+):([0-9]+).*/\1 \2/p' |
		tail -1 | awk 'NF == 2 { print $1 ":" ($2 - 1) }'
}

# baresip_rtp_stats NAME [SECS]
#   Prints "TX RX": RTP packets baresip sent and received in its last ended
#   call (the table rtp_stats prints when a call ends). Waits (5 s) for it;
#   call it after the hangup/BYE.
baresip_rtp_stats() {
	local name=$1 secs=${2:-5}
	_peer_wait "$name" "$secs" _peer_grep "$name" '^packets:' || return 1
	_peer_log "$name" | awk '$1 == "packets:" { tx = $2; rx = $3 } END { print tx, rx }'
}

# ---------------------------------------------------------------- sipp

# sipp_uas NAME PORT SCENARIO [ARGS...]
# sipp_uac NAME PORT TARGET SCENARIO [ARGS...]
#   sipp 3.6 in the foreground (through `start`) on 127.0.0.1:PORT (UDP).
#   SCENARIO is a file name in tests/interop/sipp/ (".xml" optional) or a
#   path. Media: -mi 127.0.0.1 -mp PORT+1000 (SIPP_MEDIA_PORT overrides) with
#   -rtp_echo, so RTP sent to [media_port] comes back to its sender; sipp also
#   binds media port+2. Defaults: -m 1 (one call, then exit), -nostdin, -aa,
#   -trace_err (to $T/NAME.errors.log), -timeout ${SIPP_TIMEOUT:-30}s with
#   -timeout_error, so sipp always ends. ARGS come last and may override
#   (e.g. -s USER, -set hold_ms 2000, -m 3). Working dir is $T/NAME.
#   sipp_uas waits (5 s) until PORT is bound; sipp_uac returns at once.
sipp_uas() {
	local name=$1 port=$2 scen=$3; shift 3
	_sipp_start "$name" "$port" "$scen" "$@" || return 1
	_peer_wait "$name" 5 ns_listening udp "$port"
}

sipp_uac() {
	local name=$1 port=$2 target=$3 scen=$4; shift 4
	_sipp_start "$name" "$port" "$scen" "$target" "$@"
}

_sipp_start() {
	local name=$1 port=$2 scen=$3; shift 3
	local mp=${SIPP_MEDIA_PORT:-$((port + 1000))}
	case $scen in
	*/*) ;;
	*) scen=$PEERS_SIPP/${scen%.xml}.xml ;;
	esac
	if [ ! -f "$scen" ]; then
		log "no sipp scenario $scen"
		return 1
	fi
	mkdir -p "$T/$name"
	PEER_PORT[$name]=$port
	start "$name" env -C "$T/$name" sipp -sf "$scen" \
		-i 127.0.0.1 -p "$port" -t u1 -mi 127.0.0.1 -mp "$mp" -rtp_echo \
		-m 1 -nostdin -aa -trace_err -error_file "$T/$name.errors.log" \
		-timeout "${SIPP_TIMEOUT:-30}s" -timeout_error "$@"
}

# sipp_wait NAME SECS
#   Waits (at most SECS) for sipp NAME to exit and returns its exit status:
#   0 all calls succeeded, 1 at least one failed, 99 no call processed,
#   255/254 fatal error. On timeout, stops it and returns 124.
sipp_wait() {
	local name=$1 secs=$2
	if ! wait_until "$secs" _peer_dead "$name"; then
		log "sipp $name still running after ${secs}s"
		stop "$name"
		return 124
	fi
	wait_exit "$name"
}

# ---------------------------------------------------------------- Kamailio

# kamailio_start NAME PORT
#   Kamailio 5.6 with tests/interop/peers/kamailio.cfg (registrar, in-memory
#   usrloc, record-routing proxy, no auth), UDP 127.0.0.1:PORT, run dir and
#   control socket in $T/NAME/. Address users as sip:USER@127.0.0.1:PORT.
#   Waits (10 s) until PORT is bound and the control socket answers.
kamailio_start() {
	local name=$1 port=$2 dir=$T/$1
	mkdir -p "$dir"
	cp "$PEERS_CONF/kamailio.cfg" "$dir/kamailio.cfg"
	PEER_DIR[$name]=$dir
	PEER_PORT[$name]=$port
	start "$name" kamailio -f "$dir/kamailio.cfg" -DD -E -Y "$dir" \
		-A "KAM_LISTEN=udp:127.0.0.1:$port" -A "KAM_CTL=\"unix:$dir/ctl\""
	_peer_wait "$name" 10 ns_listening udp "$port" &&
		_peer_wait "$name" 10 in_ns kamcmd -s "$dir/ctl" core.version
}

# kamailio_ul NAME: prints Kamailio's location table (kamcmd ul.dump).
kamailio_ul() { in_ns kamcmd -s "${PEER_DIR[$1]}/ctl" ul.dump; }

# kamailio_registered NAME USER: USER has a binding in the location table
# (an "AoR: USER" entry of ul.dump; usrloc keeps no domain here).
kamailio_registered() {
	kamailio_ul "$1" 2>/dev/null | grep -Eq "^[[:space:]]*AoR: $2(@[^[:space:]]*)?\$"
}

# kamailio_contacts NAME USER: prints USER's bound contact URIs, one a line.
kamailio_contacts() {
	kamailio_ul "$1" 2>/dev/null | awk -v aor="$2" '
		$1 == "AoR:" { on = ($2 == aor || index($2, aor "@") == 1) }
		on && $1 == "Address:" { print $2 }'
}

# ---------------------------------------------------------------- linphonec

# linphone_start NAME PORT
#   linphonec (liblinphone 5.1) with HOME=$T/NAME and a copy of
#   tests/interop/peers/dev.linphonerc: SIP 127.0.0.1:PORT (UDP), contact
#   sip:NAME@127.0.0.1, audio RTP PORT+2, video RTP PORT+12, stdin from the
#   fifo $T/NAME.in. Auto-answers (-a). Plays $T/NAME/tone.wav (440 Hz, 8 kHz
#   mono, written by python3) instead of a sound card. Waits (15 s) until
#   PORT is bound, then sends "soundcard use files" and "play ...".
linphone_start() {
	local name=$1 port=$2 dir=$T/$1 ip=${LINPHONE_IP:-127.0.0.1}
	mkdir -p "$dir/.local/share/linphone"
	cp "$PEERS_CONF/dev.linphonerc" "$dir/linphonerc"
	chmod u+w "$dir/linphonerc"
	sed -i -E \
		-e "s/^sip_port=.*/sip_port=$port/" \
		-e "s/^audio_rtp_port=.*/audio_rtp_port=$((port + 2))/" \
		-e "s/^video_rtp_port=.*/video_rtp_port=$((port + 12))/" \
		-e "s/^contact=.*/contact=\"$name\" <sip:$name@$ip>/" \
		-e "s/^bind_address=.*/bind_address=$ip/" \
		"$dir/linphonerc"
	"$PEERS_PY" - "$dir/tone.wav" <<-'EOF'
	import math, struct, sys, wave
	w = wave.open(sys.argv[1], "wb")
	w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
	w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
	                       for i in range(8000 * 10)))
	w.close()
	EOF
	PEER_DIR[$name]=$dir
	PEER_PORT[$name]=$port
	start_fed "$name" env HOME="$dir" linphonec -c "$dir/linphonerc" -a -d 0
	_peer_wait "$name" 15 ns_listening udp "$port" || return 1
	feed "$name" "soundcard use files"
	feed "$name" "play $dir/tone.wav"
}

# linphone_cmd NAME LINE: one line on linphonec's stdin ("call sip:...",
# "terminate", "status calls", ...). Output goes to $T/NAME.log.
linphone_cmd() { feed "$1" "$2"; }

# linphone_calls NAME: asks linphonec NAME for its calls (`calls`) and
# prints one line per call, "ID|DESTINATION|STATE"; fails if no table (nor
# "No active call.") comes back within 5 s
linphone_calls() {
	local name=$1 off
	off=$(stat -c %s "$T/$name.log")
	linphone_cmd "$name" calls
	wait_until 5 _linphone_calls_done "$name" "$off" || return 1
	tail -c +$((off + 1)) "$T/$name.log" | awk -F'|' '
		/^Call states/ { on = 1; next }
		on && /^linphonec>/ { exit }
		on && /^[0-9]+ +\|/ {
			for (i = 1; i <= 3; i++) gsub(/^ +| +$/, "", $i)
			print $1 "|" $2 "|" $3
		}'
}
_linphone_calls_done() {
	tail -c +$(($2 + 1)) "$T/$1.log" | awk '
		/No active call/ { d = 1 }
		/^Call states/ { s = 1; next }
		s && /^linphonec>/ { d = 1 }
		END { exit !d }'
}
# linphone_one_call NAME URI: linphonec NAME has exactly one call,
# running, with URI
linphone_one_call() {
	local rows
	rows=$(linphone_calls "$1") || return 1
	[ "$(grep -c . <<<"$rows")" = 1 ] && [[ "$rows" == *"<$2>|StreamsRunning" || "$rows" == *"|$2|StreamsRunning" ]]
}
linphone_no_call() { local rows; rows=$(linphone_calls "$1") && [ -z "$rows" ]; }

# ---------------------------------------------------------------- capture

# capture_start NAME [FILTER...]
#   tcpdump on lo in $NS writing $T/NAME.pcap (--immediate-mode -U, so
#   nothing is lost at the end; -Z root, so it can write into $T). Waits
#   (5 s) for "listening on lo".
capture_start() {
	local name=$1; shift
	start "$name" tcpdump -i lo --immediate-mode -U -Z root -s 0 \
		-w "$T/$name.pcap" "$@"
	_peer_wait "$name" 5 grep -q 'listening on' "$T/$name.log"
}

# capture_stop NAME: stops tcpdump (SIGTERM, it flushes) and waits for it.
capture_stop() {
	sleep 0.2 # packets already sent are in the kernel; let tcpdump read them
	stop "$1"
	[ -s "$T/$1.pcap" ]
}

# capture_wait NAME FILTER [SECS] [MIN]: waits (5 s) until the running
# capture NAME holds at least MIN (1) packets matching the display FILTER,
# e.g. capture_wait cap 'sip.Status-Code == 488'. Re-reads the pcap (~0.1 s
# per try), so use it for events no peer logs.
capture_wait() {
	local name=$1 filter=$2 secs=${3:-5} min=${4:-1}
	wait_until "$secs" _capture_has "$T/$name.pcap" "$filter" "$min" || {
		log "timeout (${secs}s) waiting for $min x '$filter' in $name.pcap"
		return 1
	}
}

_capture_has() { [ "$(tshark_count "$1" "$2")" -ge "$3" ]; }

# tshark_count PCAP FILTER [TSHARK ARGS...]: prints how many packets match.
tshark_count() {
	local pcap=$1 filter=$2; shift 2
	tshark -r "$pcap" "${TSHARK_OPTS[@]}" "$@" -Y "$filter" -T fields \
		-e frame.number 2>/dev/null | wc -l
}

# tshark_check PCAP [TSHARK ARGS...]
#   The wire judge: fails if tshark cannot read PCAP or finds any malformed
#   packet (_ws.malformed; those are printed). Prints one line with the
#   counts of SIP messages, RTP and RTCP packets (ICMP-quoted copies are not
#   counted) and malformed packets, and sets TSHARK_SIP / TSHARK_RTP.
#   RTP is found by heuristics; add `-d udp.port==P,rtp` for odd cases.
tshark_check() {
	local pcap=$1; shift
	if ! tshark -r "$pcap" "${TSHARK_OPTS[@]}" "$@" -c 1 >/dev/null 2>&1; then
		log "tshark cannot read $pcap"
		return 1
	fi
	local bad
	TSHARK_SIP=$(tshark_count "$pcap" 'sip && !icmp' "$@")
	TSHARK_RTP=$(tshark_count "$pcap" 'rtp && !icmp' "$@")
	TSHARK_RTCP=$(tshark_count "$pcap" 'rtcp && !icmp' "$@")
	bad=$(tshark_count "$pcap" '_ws.malformed' "$@")
	log "tshark $(basename "$pcap"): $TSHARK_SIP SIP, $TSHARK_RTP RTP, $TSHARK_RTCP RTCP, $bad malformed"
	if [ "$bad" -ne 0 ]; then
		tshark -r "$pcap" "${TSHARK_OPTS[@]}" "$@" -Y _ws.malformed 2>/dev/null | head -20
		return 1
	fi
}

# ---------------------------------------------------------------- bad input

# sip_garbage HOST PORT COUNT [--seed N] [--wait SECS] [--user USER]
#   Sends COUNT malformed SIP datagrams (UDP, from inside $NS) to HOST:PORT,
#   cycling through truncated headers, bad CSeq, bad Via, missing Call-ID,
#   huge/negative Content-Length, binary junk, over-long lines, an INVITE with
#   broken SDP and more (tests/tools/sip_garbage.py; loopback only). Prints
#   "sent N, replies M: 400 xK ..." and succeeds when everything was sent.
sip_garbage() {
	local host=$1 port=$2 count=$3; shift 3
	in_ns "$PEERS_PY" "$PEERS_TOOLS/sip_garbage.py" "$host" "$port" "$count" "$@"
}
