#!/usr/bin/env bash
# What `make install` adds beside the programs: systemd units, example
# configurations and manual pages. systemd-analyze verify accepts each
# unit (sipmob-device@.service as an instance, sipmob-device@wall), from
# copies whose ExecStart points at this build's programs and with the
# manual pages this build made on MANPATH (verify runs `man` for each
# Documentation= entry, and checks each ExecStart program exists and runs).
# The units this build configured name the install's bindir and have no
# placeholder left. `man -l` renders every page, at 80 columns, with no
# warning, and starts with its NAME line. Each example
# configuration is one its program reads (--config FILE --help: exit 0),
# and `make install` (cmake --install to a DESTDIR) puts units, examples
# and pages where the docs say.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require systemd-analyze man pandoc
scenario_init dist_units

units=(sipmob-da.service sipmob-device@.service sipmob-sa.service
	sipmob-transcoder.service)
progs=(sipmob sipmob-da sipmob-sa sipmob-slp sipmob-device sipmob-mn
	sipmob-transcoder sipmob-beacon)

# the pages, on a MANPATH of their own
mkdir -p "$T/man/man1" "$T/units"
for p in "${progs[@]}"; do
	check "$p.1 was made at build time" test -s "$BIN/man/$p.1"
	ln -sf "$BIN/man/$p.1" "$T/man/man1/$p.1"
done

for u in "${units[@]}"; do
	check "$u is configured" test -s "$BIN/systemd/$u"
	check "...with no placeholder left" eq "$(grep -c @BINDIR@ "$BIN/systemd/$u")" 0
	sed "s|@BINDIR@|$BIN|g" "$SIPMOB_SRC/dist/systemd/$u.in" >"$T/units/$u"
done
cp "$T/units/sipmob-device@.service" "$T/units/sipmob-device@wall.service"
check "sipmob-device@.service runs sipmob-device --config /etc/sipmob/device-%i.conf" \
	eq "$(grep -c '^ExecStart=.*/sipmob-device --config /etc/sipmob/device-%i.conf$' \
		"$BIN/systemd/sipmob-device@.service")" 1

for u in sipmob-da.service sipmob-device@wall.service sipmob-sa.service \
	sipmob-transcoder.service; do
	out=$(cd "$T/units" && MANPATH="$T/man" systemd-analyze verify "./$u" 2>&1)
	rc=$?
	[ -n "$out" ] && log "$u: $out"
	check "systemd-analyze verify accepts $u" eq "$rc" 0
	check "...without a word" eq "$out" ""
done
# a broken unit is refused (the check can fail)
sed 's|^ExecStart=.*|ExecStart=/nonexistent/sipmob-da|' \
	"$T/units/sipmob-da.service" >"$T/units/broken.service"
check "systemd-analyze verify refuses a unit whose program is missing" \
	test "$(cd "$T/units" && MANPATH="$T/man" systemd-analyze verify \
		./broken.service >/dev/null 2>&1; echo $?)" != 0

for p in "${progs[@]}"; do
	out=$(MANWIDTH=80 man --warnings -l "$BIN/man/$p.1" 2>"$T/$p.warn")
	rc=$?
	check "man -l renders $p.1" eq "$rc" 0
	check "...without warnings" eq "$(cat "$T/$p.warn")" ""
	check "...its NAME: $p - ..." eq "$(grep -c "^ *$p - " <<<"$out")" 1
done

for f in "$SIPMOB_SRC"/dist/etc/*.conf; do
	b=$(basename "$f" .conf)
	p=$b; [ "$b" = device-wall ] && p=sipmob-device
	check "example $b.conf is read by $p" "$BIN/$p" --config "$f" --help
done
for p in "${progs[@]}"; do
	[ "$p" = sipmob-device ] && continue
	check "...there is an example for $p" test -s "$SIPMOB_SRC/dist/etc/$p.conf"
done

# make install puts them in place
DESTDIR="$T/root" cmake --install "$BIN" >"$T/install.log" 2>&1
check "cmake --install succeeds" eq "$?" 0
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BIN/CMakeCache.txt")
for u in "${units[@]}"; do
	check "$u installed in $prefix/lib/systemd/system" \
		test -s "$T/root$prefix/lib/systemd/system/$u"
done
for p in "${progs[@]}"; do
	check "$p.1 installed in $prefix/share/man/man1" \
		test -s "$T/root$prefix/share/man/man1/$p.1"
done
check "the examples installed in $prefix/share/doc/sipmob/examples" \
	test -s "$T/root$prefix/share/doc/sipmob/examples/device-wall.conf"

finish
