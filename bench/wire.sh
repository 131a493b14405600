#!/usr/bin/env bash
# The WAN emulator's round trips (`make bench`, or `bash bench/wire.sh` with
# SIPMOB_BUILD and SIPMOB_SRC set): a python3 UDP echo across tests/tools/wire
# at 0, 20 and 100 ms one way, 20 probes each; min / avg / max in ms. The
# delay's floor is a test (integration/wire_selftest); how close to it the
# round trips stay is this figure.
# the source tree is where this script is, unless said otherwise
export SIPMOB_SRC=${SIPMOB_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
scenario_init bench_wire
wan_init
cat >"$T/udp.py" <<'PY'
import socket, sys, time
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if mode == 'echo':
    s.bind((host, port)); print('echo: listening', flush=True)
    while True:
        d, a = s.recvfrom(2048); s.sendto(d, a)
s.settimeout(2.0)
for i in range(3):                      # warm-up: resolves ARP both ways
    s.sendto(b'warm', (host, port))
    try:
        s.recvfrom(2048); break
    except socket.timeout:
        pass
rtts = []
for i in range(int(sys.argv[4])):
    msg = b'probe %d' % i
    t = time.monotonic(); s.sendto(msg, (host, port))
    try:
        while s.recvfrom(2048)[0] != msg:
            pass
        rtts.append((time.monotonic() - t) * 1000.0)
    except socket.timeout:
        pass
    time.sleep(0.05)
if rtts:
    print('%d/%s %.1f %.1f %.1f' % (len(rtts), sys.argv[4], min(rtts),
          sum(rtts) / len(rtts), max(rtts)))
else:
    print('0/%s - - -' % sys.argv[4])
PY
printf '| one way ms | answered | min RTT | avg RTT | max RTT |\n|---:|---:|---:|---:|---:|\n'
for d in 0 20 100; do
	wan_up "$d" || { log "no wire"; exit 1; }
	if [ "$d" = 0 ]; then
		start_far echo python3 "$T/udp.py" echo "$FAR_IP" 7000
		wait_log echo '^echo: listening' 10 || exit 1
	fi
	read -r n mn av mx < <(in_ns python3 "$T/udp.py" rtt "$FAR_IP" 7000 20)
	printf '| %s | %s | %s | %s | %s |\n' "$d" "$n" "$mn" "$av" "$mx"
done
