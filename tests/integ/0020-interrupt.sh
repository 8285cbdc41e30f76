#!/usr/bin/env bash
# SIGINT, SIGTERM and SIGHUP during a run (issue 15): btfstream exits with
# 128 + the signal, removes its temporary output (stages/common/interrupt.h)
# and leaves the old output as it was; outputs already finished stay whole
# (a signal that lands after the rename, while the process exits, as under
# ASan's leak check at exit, leaves the whole new output and exit 128 + sig).
# The signal is sent at several points of a vmlinux conversion, and, to hit
# the writing itself every time, at the moment the temporary file appears.
. "$(dirname "$0")/lib.sh"
[ -n "${BTFSTREAM_SKIP_KERNEL:-}" ] && skip_all "BTFSTREAM_SKIP_KERNEL is set: no vmlinux"
if ! mapfile -t paths < <(cd "$TOP" && scripts/fetch-kernel.sh --modules); then
	skip_all "cannot fetch the Debian kernel debug package"
fi
vmlinux=${paths[0]} moddir=${paths[1]}
echo "# $(basename "$0"): the vmlinux and modules (a minute or more)" >&2
"$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/ref.btf"; ok $? "the vmlinux converts (the reference)"
strays() { find "$TMP" -name '*.tmp??????' | head -3; }

# run_until_tmp SIG PATTERN CMD...: start CMD, send SIG as soon as a file
# matching PATTERN exists; prints CMD's exit status. A run that ends before
# the poll (every 5 ms) saw the file is tried again, up to 5 times.
run_until_tmp() {
	local sig=$1 pattern=$2 pid n sent try
	shift 2
	for try in 1 2 3 4 5; do
		eval "${RESET:-}"	# the caller's starting state, again for each try
		# with job control, as at a terminal: a script's background job would
		# start with SIGINT ignored, which btfstream keeps (see the nohup case)
		# (and with the signals' default disposition: a harness started in the
		# background may hand down SIGINT ignored, which btfstream would keep)
		set -m
		env --default-signal=INT,TERM,HUP "$@" 2> /dev/null &
		pid=$!
		set +m
		n=0 sent=0
		while kill -0 "$pid" 2> /dev/null && [ $n -lt 6000 ]; do
			compgen -G "$pattern" > /dev/null && { kill -"$sig" "$pid"; sent=1; break; }
			sleep 0.005; n=$((n + 1))
		done
		wait "$pid"; rc=$?
		[ $sent = 1 ] && break
	done
	echo $rc
}

# until_in_window WANT OUT NEW CMD...: run_until_tmp until the signal lands
# while the temporary file exists. The poll sees the file a few ms before
# the signal arrives; when the output was renamed into place in between
# (rc WANT or 0, OUT the whole new output NEW, no temporary file left: a
# correct end, the signal was just late), try again, up to 5 times. Prints
# the last exit status and how many tries were late.
until_in_window() {
	local want=$1 out=$2 new=$3 sig=$4 pattern=$5 try rc late=0
	shift 5
	for try in 1 2 3 4 5; do
		rc=$(run_until_tmp "$sig" "$pattern" "$@")
		if { [ "$rc" = "$want" ] || [ "$rc" = 0 ]; } && cmp -s "$out" "$new" && [ -z "$(strays)" ]; then
			late=$((late + 1))
			continue
		fi
		break
	done
	echo "$rc $late"
}

RESET='echo old > "$TMP/out.btf"'
read -r rc late < <(until_in_window 130 "$TMP/out.btf" "$TMP/ref.btf" INT "$TMP/out.btf.tmp*" \
	"$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/out.btf")
[ "$rc" = 130 ] && [ "$(head -c 4 "$TMP/out.btf")" = old ] && [ -z "$(strays)" ]
ok $? "SIGINT while the raw output is written: exit $rc (130), no temporary file, the old output intact ($late late tries)"

cp "$vmlinux" "$TMP/v.orig"
cp "$vmlinux" "$TMP/v.ref" && "$BTFSTREAM" -j2 -J "$TMP/v.ref"	# what a whole -J run leaves
RESET='cp "$TMP/v.orig" "$TMP/v.elf"'
read -r rc late < <(until_in_window 143 "$TMP/v.elf" "$TMP/v.ref" TERM "$TMP/v.elf.tmp*" \
	"$BTFSTREAM" -j2 -J "$TMP/v.elf")
[ "$rc" = 143 ] && cmp -s "$TMP/v.elf" "$TMP/v.orig" && [ -z "$(strays)" ]
ok $? "SIGTERM while -J copies the ELF file: exit $rc (143), no temporary file, the file unchanged ($late late tries)"

t0=$(date +%s%N); "$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/timed.btf"; t1=$(date +%s%N)
run_ms=$(((t1 - t0) / 1000000))
interrupted=0 finished=0 late=0 bad=
for pct in 2 20 50 80 95 99 105; do
	for sig in INT TERM HUP; do
		echo old > "$TMP/out.btf"
		d=$(awk -v ms="$run_ms" -v p="$pct" 'BEGIN { printf "%.3f", ms * p / 100000 }')
		timeout --preserve-status -s $sig "$d" env --default-signal=INT,TERM,HUP "$BTFSTREAM" -j2 "$vmlinux" \
			-o "$TMP/out.btf" 2> /dev/null
		rc=$?
		case $sig in INT) want=130 ;; TERM) want=143 ;; HUP) want=129 ;; esac
		if [ $rc = "$want" ] && [ "$(head -c 4 "$TMP/out.btf")" = old ]; then
			interrupted=$((interrupted + 1))
		elif [ $rc = "$want" ] && cmp -s "$TMP/out.btf" "$TMP/ref.btf"; then
			late=$((late + 1))	# the signal came after the output was in place, as it exited
		elif [ $rc = 0 ] && cmp -s "$TMP/out.btf" "$TMP/ref.btf"; then
			finished=$((finished + 1))
		else
			bad="$bad $sig@${pct}%:rc=$rc"
		fi
		[ -n "$(strays)" ] && bad="$bad $sig@${pct}%:stray"
	done
done
[ -z "$bad" ] && [ $interrupted -gt 0 ]
ok $? "signals at 2..105% of a ${run_ms} ms run: $interrupted interrupted (old output intact), $finished finished (the whole new output), $late stopped after the new output was whole, none else" ||
	diag "bad:$bad"

# a signal the caller ignores (nohup, "cmd &" in a script) stays ignored
( trap '' HUP; exec "$BTFSTREAM" -j2 "$vmlinux" -o "$TMP/nohup.btf" ) &
pid=$!
sleep 0.3; kill -HUP $pid 2> /dev/null; wait $pid; rc=$?
[ $rc = 0 ] && cmp -s "$TMP/nohup.btf" "$TMP/ref.btf"
ok $? "SIGHUP while HUP is ignored (nohup): the run goes on and finishes (exit $rc)"

# batch mode: killed part way, every output written is whole
mkdir -p "$TMP/mods" && for m in fs/xfs/xfs.ko fs/btrfs/btrfs.ko drivers/net/veth.ko drivers/net/dummy.ko \
	drivers/block/loop.ko drivers/net/tun.ko net/netfilter/nf_tables.ko; do ln -sf "$moddir/kernel/$m" "$TMP/mods/"; done
"$BTFSTREAM" -j1 --base "$TMP/ref.btf" -o "$TMP/all" --modules "$TMP/mods" 2> /dev/null
# the signal as soon as the first output is finished: the other workers are
# then converting or writing (a temporary file lives a few ms: too short to
# aim at reliably here)
RESET='rm -rf "$TMP/part"'
rc=$(run_until_tmp INT "$TMP/part/*.btf" "$BTFSTREAM" -j2 --base "$TMP/ref.btf" -o "$TMP/part" --modules "$TMP/mods")
whole=0 broken=
for f in "$TMP"/part/*; do
	[ -e "$f" ] || continue
	cmp -s "$f" "$TMP/all/$(basename "$f")" && whole=$((whole + 1)) || broken="$broken $(basename "$f")"
done
sleep 0.5	# an orphaned worker would still be writing now
[ "$rc" = 130 ] && [ -z "$broken" ] && [ -z "$(strays)" ] && ! pgrep -f -- "-o $TMP/part" > /dev/null
ok $? "batch mode, SIGINT to the parent after the first output: exit $rc, passed on to the workers (none left running), $whole of 7 outputs written, each whole, no temporary file" ||
	diag "not whole:$broken"
done_testing
