#!/usr/bin/env bash
# The WAN emulator (tests/tools/wire, tests/lib/wan.sh) does what scenarios
# rely on: at 0 ms it passes UDP both ways; at 100 ms one way a UDP echo
# never comes back in less than 200 ms (195: clock grain); with --loss 0.5 about
# half of 200 datagrams arrive and the wire's own counters agree; jitter
# never reorders; the wire exits 0 with counters on SIGTERM and by itself
# after --duration-s. (No ping in the image: a small python3 UDP probe.)
# Upper bounds of time are no test's business (a loaded machine is slow, not
# wrong): bench/wire.sh prints the round trips.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
scenario_init wire_selftest
wan_init

cat >"$T/udp.py" <<'EOF'
import socket, sys, time

def sock(host):
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    return socket.socket(fam, socket.SOCK_DGRAM)

mode = sys.argv[1]
if mode == 'echo':                      # echo HOST PORT
    s = sock(sys.argv[2]); s.bind((sys.argv[2], int(sys.argv[3])))
    print('echo: listening', flush=True)
    while True:
        d, a = s.recvfrom(2048); s.sendto(d, a)
elif mode == 'rtt':                     # rtt HOST PORT COUNT INTERVAL_S
    host, port, n, gap = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    s = sock(host); s.settimeout(2.0)
    for i in range(3):                  # warm-up: resolves ARP on both sides
        s.sendto(b'warm', (host, port))
        try:
            s.recvfrom(2048); break
        except socket.timeout:
            pass
    rtts = []
    for i in range(n):
        msg = b'probe %d' % i
        t = time.monotonic(); s.sendto(msg, (host, port))
        try:
            while True:
                d, _ = s.recvfrom(2048)
                if d == msg:
                    rtts.append((time.monotonic() - t) * 1000.0); break
        except socket.timeout:
            pass
        time.sleep(gap)
    if not rtts:
        rtts = [-1]
    print('rtt: sent=%d recv=%d min=%d avg=%d max=%d' % (n, len(rtts) if rtts[0] >= 0 else 0,
          min(rtts), sum(rtts) / len(rtts), max(rtts)), flush=True)
elif mode == 'sink':                    # sink HOST PORT IDLE_S
    s = sock(sys.argv[2]); s.bind((sys.argv[2], int(sys.argv[3])))
    print('sink: listening', flush=True)
    s.settimeout(20.0)                  # bound: nothing at all in 20 s
    got, last, inorder = 0, -1, 1
    try:
        while True:
            d, _ = s.recvfrom(2048)
            seq = int(d.split()[1])
            if seq <= last:
                inorder = 0
            last = seq; got += 1
            s.settimeout(float(sys.argv[4]))
    except socket.timeout:
        pass
    print('sink: received=%d inorder=%d' % (got, inorder), flush=True)
elif mode == 'blast':                   # blast HOST PORT COUNT GAP_MS
    host, port, n, gap = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    s = sock(host)
    for i in range(n):
        s.sendto(b'seq %d' % i, (host, port)); time.sleep(gap / 1000.0)
    print('blast: sent=%d' % n, flush=True)
EOF
py() { python3 "$T/udp.py" "$@"; }
field() { grep -o " $2=-\?[0-9]*" <<<"$1" | cut -d= -f2; }

# --- 0 ms: traffic both ways ---------------------------------------------
need "wire up at 0 ms" wan_up 0
log "near $NEAR_IP, far $FAR_IP"
start_far echo_far python3 "$T/udp.py" echo "$FAR_IP" 7000
start echo_near python3 "$T/udp.py" echo "$NEAR_IP" 7000
need "far echo listening" wait_log echo_far '^echo: listening' 10
need "near echo listening" wait_log echo_near '^echo: listening' 10
r=$(in_ns python3 "$T/udp.py" rtt "$FAR_IP" 7000 5 0.05)
log "near -> far at 0 ms: $r"
check "0 ms: near reaches far and back (5/5)" eq "$(field "$r" recv)" 5
r=$(in_far python3 "$T/udp.py" rtt "$NEAR_IP" 7000 5 0.05)
log "far -> near at 0 ms: $r"
check "0 ms: far reaches near and back (5/5)" eq "$(field "$r" recv)" 5

# --- 100 ms one way --------------------------------------------------------
need "wire up at 100 ms" wan_up 100
r=$(in_ns python3 "$T/udp.py" rtt "$FAR_IP" 7000 5 0.2)
log "near -> far at 100 ms: $r"
check "100 ms: all 5 probes answered" eq "$(field "$r" recv)" 5
check "100 ms: min RTT >= 195 ms ($(field "$r" min))" ge "$(field "$r" min)" 195
c=$(wan_counters)
log "counters: $c"
check "100 ms: counters show frames both ways" \
	ge "$(wan_counter "$c" 'b->a' frames_out)" 6

# --- loss 0.5 (with 20 ms delay) -------------------------------------------
need "wire up with loss 0.5" wan_up 20 0.5 --seed 42
start_far sink python3 "$T/udp.py" sink "$FAR_IP" 7001 1.0
need "sink listening" wait_log sink '^sink: listening' 10
in_ns python3 "$T/udp.py" blast "$FAR_IP" 7001 200 2 >/dev/null
need "sink done" wait_log sink '^sink: received=' 30
got=$(field "$(grep '^sink: ' "$T/sink.log" | tail -1)" received)
c=$(wan_counters)
lost=$(wan_counter "$c" 'a->b' lost)
log "loss 0.5: $got of 200 arrived; wire lost $lost"
check "loss 0.5: 60..140 of 200 datagrams arrive ($got)" \
	eval "ge '$got' 60 && le '$got' 140"
check "loss 0.5: the wire counted the losses ($lost >= $((200 - got)))" \
	ge "$lost" $((200 - got))
stop sink

# --- jitter keeps order ------------------------------------------------------
need "wire up with 30 +- 20 ms" wan_up 30 0 --jitter-ms 20 --seed 7
start_far sink2 python3 "$T/udp.py" sink "$FAR_IP" 7002 1.0
need "sink2 listening" wait_log sink2 '^sink: listening' 10
# Resolve ARP first: while a neighbour is unresolved the kernel queues the
# first datagrams, and a send racing the queue's flush overtakes them. That
# reordering is the kernel's, not the wire's.
in_ns python3 "$T/udp.py" rtt "$FAR_IP" 7000 1 0.1 >/dev/null
in_ns python3 "$T/udp.py" blast "$FAR_IP" 7002 100 1 >/dev/null
need "sink2 done" wait_log sink2 '^sink: received=' 30
s=$(grep '^sink: ' "$T/sink2.log" | tail -1)
log "jitter: $s"
check "jitter: all 100 arrive" eq "$(field "$s" received)" 100
check "jitter: in order" eq "$(field "$s" inorder)" 1
stop sink2

# --- exits: SIGTERM prints counters, --duration-s ends by itself -----------
kill -TERM "$(pid_of wire)"
check "SIGTERM: exit status 0" wait_exit wire
check "SIGTERM: final counters printed" grep -q '^wire: final b->a ' "$T/wire.log"
start wire2 "$BIN/wire" --ns-a "$NS" --ns-b "$NS_FAR" --duration-s 1 \
	--name wan1 --addr-a 10.99.1.1/24 --addr-b 10.99.1.2/24
check "--duration-s: ready" wait_log wire2 '^wire: ready ' 10
check "--duration-s: ends by itself" wait_log wire2 '^wire: final b->a ' 10
check "--duration-s: exit status 0" wait_exit wire2
finish
