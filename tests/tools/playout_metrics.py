#!/usr/bin/python3
"""What a far end heard: lapse and disruption from a playout report.

A device's `sipmob -C SOCK --json playout SINCE_MS` lists the runs it
played (see include/sipmob/playout.h). Scenarios use this on our basic
device standing in for the far end, to measure the upstream side of a
move: the packets of the user's stream that the far end never played
(lapse) and the longest time it played nothing (disruption), across the
senders it heard one after the other.

usage: playout_metrics.py --type audio|video [--from MS] [--to MS] < report.json
prints {"lapse": N, "disruption_ms": M, "ssrcs": K, "packets": P}
"""
import argparse
import json
import sys


def runs_of(report, kind, t_from, t_to):
    """The runs of one medium inside the window, oldest first."""
    runs = [r for r in report.get("playout", [])
            if r.get("type", "audio") == kind
            and r["t1"] >= t_from and r["t0"] <= t_to]
    return sorted(runs, key=lambda r: r["t0"])


def lapse(runs):
    """Packets missing between runs of the same SSRC (wrap-safe)."""
    missing = 0
    last_end = {}
    for r in runs:
        ssrc = r["ssrc"]
        if ssrc in last_end:
            gap = (r["seq"] - last_end[ssrc]) % 65536
            if gap < 32768:          # a later run; older ones overlap
                missing += gap
        end = (r["seq"] + r["n"]) % 65536
        prev = last_end.get(ssrc)
        if prev is None or (end - prev) % 65536 < 32768:
            last_end[ssrc] = end
    return missing


def disruption(runs):
    """The longest time without a played packet, inside and between runs."""
    longest = 0
    t_last = None
    for r in runs:
        longest = max(longest, r.get("max_gap", 0))
        if t_last is not None and r["t0"] > t_last:
            longest = max(longest, r["t0"] - t_last)
        t_last = r["t1"] if t_last is None else max(t_last, r["t1"])
    return longest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--type", choices=("audio", "video"), default="audio")
    ap.add_argument("--from", dest="t_from", type=int, default=0)
    ap.add_argument("--to", dest="t_to", type=int, default=2**63)
    args = ap.parse_args()
    try:
        report = json.load(sys.stdin)
    except ValueError as e:
        print("playout_metrics: not a playout report: %s" % e,
              file=sys.stderr)
        return 2
    runs = runs_of(report, args.type, args.t_from, args.t_to)
    if not runs:
        print("playout_metrics: nothing played in the window",
              file=sys.stderr)
        return 1
    print(json.dumps({"lapse": lapse(runs),
                      "disruption_ms": disruption(runs),
                      "ssrcs": len({r["ssrc"] for r in runs}),
                      "packets": sum(r["n"] for r in runs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
