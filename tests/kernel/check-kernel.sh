#!/usr/bin/env bash
# tests/kernel/check-kernel.sh BTFSTREAM: `make check-kernel`.
#
# Builds real kernels with btfstream as their PAHOLE (through a link named
# pahole, as Kconfig-snippet says), boots each in QEMU (no KVM) from an
# initramfs, and checks there (tests/kernel/init.sh) that the kernel accepts
# the vmlinux and module BTF byte for byte, refuses a module whose BTF was
# broken on purpose (the negative control), and runs BPF CO-RE programs
# against that BTF (tests/kernel/progs: fentry/fexit reading arguments,
# task->pid, a module's own struct, a typed per-CPU __ksym, and where the
# BTF has __user type tags, a direct read the verifier must refuse). On the
# host it compares the kernel's .BTF with Debian's pahole -J on the same
# vmlinux. Prints TAP.
#
# Kernels (BTFSTREAM_KERNELS, space-separated; default all):
#   6.1-gcc      Debian's linux-source-6.1, GCC
#   6.1-clang    the same with LLVM=1 (clang, ld.lld)
#   6.1-thinlto  LLVM=1 and CONFIG_LTO_CLANG_THIN (cross-CU references)
#   6.12-gcc     linux-source-6.12 (bookworm-backports), built as
#                distributions build it, with KBUILD_BUILD_TIMESTAMP set,
#                and an out-of-tree module (tests/kernel/extmod, make M=)
# The unpacked sources and the build trees stay in the cache
# (BTFSTREAM_CACHE, default ~/.cache/btfstream/kernel); a build tree is
# reused, its vmlinux and modules relinked when btfstream changed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/tests/kernel
BTFSTREAM=$(realpath "${1:-$TOP/build/btfstream}")
CACHE=${BTFSTREAM_CACHE:-$HOME/.cache/btfstream}/kernel
KERNELS=${BTFSTREAM_KERNELS:-6.1-gcc 6.1-clang 6.1-thinlto 6.12-gcc}
JOBS=${BTFSTREAM_KERNEL_JOBS:-$(nproc)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/btfstream-kernel.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
_n=0 _failed=0

ok() {	# ok STATUS DESCRIPTION; returns STATUS, so "ok ... || diag" explains a failure
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
	return "$1"
}
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }
diag() { echo "# $*"; }
now() { date +%s; }
ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- what every kernel needs --------------------------------------------

"$TOP/scripts/install-deps.sh" kernel $(case " $KERNELS " in *" 6.12"*) echo 6.12 ;; esac) > "$WORK/deps.log" 2>&1 ||
	{ sed 's/^/# /' "$WORK/deps.log" | tail -5; echo "1..0 # SKIP cannot install the kernel build packages"; exit 0; }
command -v qemu-system-x86_64 > /dev/null || { echo "1..0 # SKIP qemu-system-x86_64 not installed"; exit 0; }

# kbuild calls $(PAHOLE); the link's name makes --version answer v1.31, and
# the log keeps every command line kbuild passed
mkdir -p "$WORK/bin"
cat > "$WORK/bin/pahole" <<EOF
#!/bin/bash
echo "pahole \$*" >> "$WORK/pahole.log"
exec -a pahole "$BTFSTREAM" "\$@"
EOF
chmod +x "$WORK/bin/pahole"
PAHOLE=$WORK/bin/pahole

# The unpacked source of linux-source-VERSION, in the cache.
source_tree() {
	local ver=$1 dir=$CACHE/linux-source-$1
	if [ ! -f "$dir/.btfstream-unpacked" ]; then
		rm -rf "$dir" && mkdir -p "$CACHE" &&
			tar -C "$CACHE" -xf "/usr/src/linux-source-$ver.tar.xz" && touch "$dir/.btfstream-unpacked" || return 1
	fi
	echo "$dir"
}

# make in build tree $O of source $S, with the variant's toolchain
kmake() { make -C "$S" O="$O" $MAKEVARS PAHOLE="$PAHOLE" "$@"; }

configure() {
	local line opt val
	kmake tinyconfig > "$O/config.log" 2>&1 || return 1
	while read -r line; do
		case $line in ''|'#'*) continue ;; esac
		opt=${line%%=*} val=${line#*=}
		case $val in
		y) "$S/scripts/config" --file "$O/.config" --enable "$opt" ;;
		m) "$S/scripts/config" --file "$O/.config" --module "$opt" ;;
		*) "$S/scripts/config" --file "$O/.config" --set-val "$opt" "$val" ;;
		esac
	done < <(cat "$HERE/kernel.config"; [ -n "$EXTRA_CONFIG" ] && printf '%s\n' $EXTRA_CONFIG)
	kmake olddefconfig >> "$O/config.log" 2>&1
}

# Builds variant $1 into $CACHE/build-$1; sets S, O. Returns non-zero on failure.
build() {
	local v=$1 stamp
	O=$CACHE/build-$v
	mkdir -p "$O"
	stamp="$(cat "$HERE/kernel.config") $MAKEVARS $EXTRA_CONFIG $(make -v | head -1)"
	if [ ! -f "$O/.config" ] || [ "$(cat "$O/.btfstream-config" 2> /dev/null)" != "$stamp" ]; then
		configure || return 1
		echo "$stamp" > "$O/.btfstream-config"
	fi
	# kbuild cannot see that PAHOLE changed: relink what carries BTF
	if [ "$(cat "$O/.btfstream-id" 2> /dev/null)" != "$(sha256sum < "$BTFSTREAM")" ]; then
		rm -f "$O/vmlinux" "$O"/.tmp_vmlinux* "$O/arch/x86/boot/bzImage"
		find "$O" -name '*.ko' -delete
	fi
	: > "$WORK/pahole.log"
	kmake -j"$JOBS" bzImage modules > "$WORK/build-$v.log" 2>&1 || return 1
	sha256sum < "$BTFSTREAM" > "$O/.btfstream-id"
	# what kbuild passed the last time it ran pahole (a reused tree may not)
	grep -q -- "-J" "$WORK/pahole.log" && cp "$WORK/pahole.log" "$O/.btfstream-pahole.log"
	: > "$WORK/pahole-extmod.log"
	[ -z "$EXTMOD" ] && return 0
	# the out-of-tree module, built in a copy (kbuild writes beside the sources)
	: > "$WORK/pahole.log"
	rm -rf "$WORK/extmod" && cp -r "$HERE/extmod" "$WORK/extmod" &&
		kmake M="$WORK/extmod" modules >> "$WORK/build-$v.log" 2>&1 || return 1
	cp "$WORK/pahole.log" "$WORK/pahole-extmod.log"
}

# section .BTF of ELF $1 into file $2
dump_btf() { objcopy --dump-section .BTF="$2" "$1" "$WORK/scratch.o" 2> /dev/null; }

# A copy of module $1 whose .BTF has an out-of-range name offset in its first type.
break_btf() {
	cp "$1" "$2" && python3 - "$2" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
shoff, = struct.unpack_from('<Q', d, 0x28); shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
sh = lambda i: struct.unpack_from('<IIQQQQIIQQ', d, shoff + i * shentsize)
names = sh(shstrndx)[4]
for i in range(shnum):
	s = sh(i)
	if d[names + s[0]:d.index(0, names + s[0])] == b'.BTF':
		hdr_len, type_off = struct.unpack_from('<II', d, s[4] + 4)
		struct.pack_into('<I', d, s[4] + hdr_len + type_off, 0x7ffffff0)
		open(sys.argv[1], 'wb').write(d); sys.exit(0)
sys.exit(1)
PY
}

# The initramfs for the kernel in $O.
initramfs() {
	local r=$WORK/root m
	rm -rf "$r" && mkdir -p "$r"/{bin,proc,sys,dev,tmp,mod,btf,extra}
	cp /bin/busybox "$r/bin/" && (cd "$r/bin" && for a in sh mount cmp insmod rmmod dmesg grep head tail tr uname wc \
		reboot mkdir cat echo umount; do ln -s busybox $a; done)
	cp "$HERE/init.sh" "$r/init" && cp "$WORK/loader" "$r/loader" || return 1
	dump_btf "$O/vmlinux" "$r/btf/vmlinux.btf" || return 1
	for m in $MODULES; do
		cp "$(modfile "$m")" "$r/mod/$m.ko" && dump_btf "$r/mod/$m.ko" "$r/btf/$m.btf" || return 1
		! readelf -SW "$r/mod/$m.ko" | grep -q ' \.BTF\.base ' ||
			objcopy --dump-section .BTF.base="$r/btf/$m.btf.base" "$r/mod/$m.ko" "$WORK/scratch.o" || return 1
	done
	break_btf "$r/mod/configfs.ko" "$r/mod/configfs-bad.ko" || return 1
	printf 'GETPID_FUNC=%s\nTYPE_TAGS=%s\nEXTRA_MODULES="%s"\nEXTMOD=%s\n' "$GETPID_FUNC" "$TYPE_TAGS" \
		"${MODULES#configfs}" "${EXTMOD:-0}" > "$r/test.env"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.gz"
}

modpath() { case $1 in configfs) echo fs/configfs/configfs.ko ;; crc-itu-t) echo lib/crc-itu-t.ko ;; esac; }
modfile() { [ "$1" = hello ] && echo "$WORK/extmod/hello.ko" || echo "$O/$(modpath "$1")"; }

# The BPF programs and their loader, against this kernel's BTF.
bpf_programs() {
	bpftool btf dump file "$O/vmlinux" format c > "$WORK/vmlinux.h" &&
		clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I"$WORK" -I"$HERE/progs" -c "$HERE/progs/probes.bpf.c" \
			-o "$WORK/probes.bpf.o" &&
		bpftool gen skeleton "$WORK/probes.bpf.o" name probes > "$WORK/probes.skel.h" &&
		gcc -O2 -static -I"$WORK" -I"$HERE/progs" "$HERE/progs/loader.c" -o "$WORK/loader" -lbpf -lelf -lz
}

boot() {
	timeout 900 qemu-system-x86_64 -nodefaults -display none -no-reboot -m 1024 -smp 2 -cpu max \
		-kernel "$O/arch/x86/boot/bzImage" -initrd "$WORK/initrd.gz" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=4" -serial "file:$WORK/console.log" > /dev/null 2>&1
}

# The per-CPU variables of BTF file $1: "offset size (VAR 'name')" lines.
secinfo() {
	bpftool btf dump file "$1" format raw | sed -n "/DATASEC '.data..percpu'/,/^\[/p" | grep "(VAR '" |
		sed 's/type_id=[0-9]* //'
}

# The BTF kbuild made against Debian's pahole 1.24 on the same vmlinux:
# every kind the same but functions (each difference a named rule) and the
# one deliberate per-CPU variable difference (docs/btf-rules.md).
compare_pahole() {
	local v=$1 t0 t1
	dump_btf "$O/vmlinux" "$WORK/kernel.btf"
	t0=$(ms)
	"$BTFSTREAM" -J -j --btf_gen_floats --lang_exclude=rust --skip_encoding_btf_inconsistent_proto --btf_gen_optimized \
		--btf_encode_detached="$WORK/ours.btf" --funcs-report "$WORK/funcs.rep" "$O/vmlinux"
	t1=$(ms)
	"$BTFSTREAM" diff -q "$WORK/kernel.btf" "$WORK/ours.btf"
	ok $? "$v: btfstream on the final vmlinux gives the types of the .BTF kbuild linked in"
	if ! pahole -J --btf_gen_floats --lang_exclude=rust --btf_encode_detached="$WORK/p124.btf" "$O/vmlinux" > /dev/null 2>&1; then
		skip "$v: Debian's pahole cannot encode this vmlinux"
		return
	fi
	diag "$v: BTF of the vmlinux (-j, wall): btfstream $((t1 - t0)) ms, pahole 1.24 $(($(ms) - t1)) ms"
	# DECL_TAGs: pahole 1.24 has no decl_tag_kfuncs; the rest must be equal
	"$BTFSTREAM" diff --ignore-kinds FUNC,FUNC_PROTO,VAR,DATASEC,DECL_TAG --show 5 "$WORK/p124.btf" "$WORK/kernel.btf" \
		> "$WORK/p.diff"
	ok $? "$v: the same types as pahole 1.24 but FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG" ||
		sed 's/^/# /' "$WORK/p.diff" | tail -8
	! bpftool btf dump file "$WORK/kernel.btf" format raw | grep "^\[[0-9]*\] DECL_TAG" |
		grep -v "DECL_TAG 'bpf_\(kfunc\|fastcall\)' type_id=[0-9]* component_idx=-1$" | grep -q .
	ok $? "$v: its DECL_TAGs ($(bpftool btf dump file "$WORK/kernel.btf" format raw | grep -c '] DECL_TAG ')) are kfunc tags (decl_tag_kfuncs)"
	secinfo "$WORK/p124.btf" > "$WORK/p124.sec"
	secinfo "$WORK/kernel.btf" > "$WORK/kernel.sec"
	! diff "$WORK/p124.sec" "$WORK/kernel.sec" | grep '^[<>]' | grep -v "(VAR 'fixed_percpu_data')$" | grep -q .
	ok $? "$v: the per-CPU variables ($(wc -l < "$WORK/kernel.sec")) are pahole 1.24's but fixed_percpu_data" ||
		diff "$WORK/p124.sec" "$WORK/kernel.sec" | head -8 | sed 's/^/# /'
	BTFSTREAM=$BTFSTREAM bash "$TOP/tests/integ/attribute-funcs.sh" "$WORK/p124.btf" "$WORK/ours.btf" "$WORK/funcs.rep" \
		> "$WORK/attr.txt"
	ok $? "$v: every FUNC difference from pahole 1.24 has a rule"
	sed "s/^/# $v: /" "$WORK/attr.txt" | grep -v "^# $v: # unexplained: 0"
}

# Reads the console: one TAP line per expected result.
results() {
	local v=$1 name line
	grep -q "^BTFTEST begin" "$WORK/console.log"; ok $? "$v: the kernel booted and ran the tests"
	for name in vmlinux_btf_bytes bad_module_refused $(for m in $MODULES; do echo insmod_$m \
		"module_btf_$([ "$m" = hello ] && [ -n "$EXTMOD" ] && echo relocated || echo bytes)_$m"; done) \
		no_btf_errors getpid read ksym configfs user $([ -n "$EXTMOD" ] && echo extmod); do
		line=$(grep -a "^BTFTEST \(not \)\?ok $name\b" "$WORK/console.log" | head -1)
		[ -n "$line" ] && [ "${line#BTFTEST ok}" != "$line" ]
		ok $? "$v: $([ -n "$line" ] && echo "${line#BTFTEST*ok }" || echo "$name: no result")"
	done
	grep -q "^BTFTEST end" "$WORK/console.log"; ok $? "$v: the tests ran to the end"
}

# ---- a module carried to another build (distilled base) ----------------------

# The 6.12 out-of-tree module, built against the tree in $O, loaded into a
# second build of the same source with one more config option (IKCONFIG,
# /proc/config.gz: new functions and strings, so other string offsets and
# ids in the vmlinux BTF), as a kernel update gives: the tree is copied and
# rebuilt incrementally. The kernel (6.11+) must relocate the module's BTF
# through its .BTF.base (BPF programs then attach to its functions by
# name); without .BTF.base the same module's BTF is refused or wrong
# (tests/kernel/init-carried.sh).
carried_module() {
	local v=$1 OB=$CACHE/build-$1-ikconfig
	carried_module_run "$v" "$OB"
	rm -rf "$OB"	# 0.6 GB; copied again next time, on every way out
}

carried_module_run() {
	local v=$1 OB=$2 r=$WORK/root-b hello=$WORK/extmod/hello.ko t0 name line
	readelf -SW "$hello" | grep -q ' \.BTF\.base ' &&
		objcopy --dump-section .BTF.base="$WORK/hello.base" "$hello" "$WORK/scratch.o" 2> /dev/null
	ok $? "$v: kbuild's out-of-tree module has a .BTF.base ($(stat -c %s "$WORK/hello.base" 2> /dev/null) bytes)" || return
	cp "$hello" "$WORK/hello-nobase.ko" && "$BTFSTREAM" -J --btf_base "$O/vmlinux" "$WORK/hello-nobase.ko" &&
		! readelf -SW "$WORK/hello-nobase.ko" | grep -q ' \.BTF\.base ' &&
		"$BTFSTREAM" diff --base "$O/vmlinux" "$hello" "$WORK/hello-nobase.ko" > "$WORK/hello.diff" 2>&1
	ok $? "$v: relocated onto the vmlinux, its BTF equals the module's BTF without distillation (btfstream diff)" ||
		tail -12 "$WORK/hello.diff" | sed 's/^/# /'
	t0=$(now)
	rm -rf "$OB" && cp -a "$O" "$OB" && "$S/scripts/config" --file "$OB/.config" --enable IKCONFIG --enable IKCONFIG_PROC &&
		make -C "$S" O="$OB" $MAKEVARS PAHOLE="$PAHOLE" olddefconfig > "$WORK/build-b.log" 2>&1 &&
		make -C "$S" O="$OB" $MAKEVARS PAHOLE="$PAHOLE" -j"$JOBS" bzImage >> "$WORK/build-b.log" 2>&1 &&
		grep -q "^CONFIG_IKCONFIG_PROC=y" "$OB/.config"
	ok $? "$v: a second build with CONFIG_IKCONFIG_PROC=y, rebuilt incrementally ($(($(now) - t0)) s)" ||
		{ tail -20 "$WORK/build-b.log" | sed 's/^/# /'; return; }
	dump_btf "$O/vmlinux" "$WORK/a.btf" && dump_btf "$OB/vmlinux" "$WORK/b.btf" && ! cmp -s "$WORK/a.btf" "$WORK/b.btf"
	ok $? "$v: ... whose vmlinux BTF differs ($(stat -c %s "$WORK/a.btf") vs $(stat -c %s "$WORK/b.btf") bytes)" ||
		return
	rm -rf "$r" && mkdir -p "$r"/{bin,proc,sys,dev,tmp,mod} && cp /bin/busybox "$r/bin/" &&
		(cd "$r/bin" && for a in sh mount insmod rmmod dmesg grep head tail tr reboot cat echo; do ln -s busybox $a; done) &&
		cp "$hello" "$r/mod/hello.ko" && cp "$WORK/hello-nobase.ko" "$r/mod/hello-nobase.ko" &&
		cp "$WORK/loader" "$r/loader" && cp "$HERE/init-carried.sh" "$r/init" &&
		(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd-b.gz"
	ok $? "$v: the second initramfs is made" || return
	t0=$(now)
	timeout 900 qemu-system-x86_64 -nodefaults -display none -no-reboot -m 1024 -smp 2 -cpu max \
		-kernel "$OB/arch/x86/boot/bzImage" -initrd "$WORK/initrd-b.gz" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=4" -serial "file:$WORK/console-b.log" > /dev/null 2>&1
	diag "$v: the second build booted and ran in $(($(now) - t0)) s"
	for name in carried_insmod extmod nobase_wrong; do
		line=$(grep -a "^BTFTEST \(not \)\?ok $name\b" "$WORK/console-b.log" | head -1)
		[ -n "$line" ] && [ "${line#BTFTEST ok}" != "$line" ]
		ok $? "$v, second build, the first build's module: $([ -n "$line" ] && echo "${line#BTFTEST*ok }" || echo "$name: no result")"
	done
}

# ---- each kernel ---------------------------------------------------------

for v in $KERNELS; do
	MAKEVARS= EXTRA_CONFIG= MODULES="configfs crc-itu-t" EXTMOD=
	unset KBUILD_BUILD_TIMESTAMP
	case $v in
	6.1-gcc) ver=6.1 ;;
	6.1-clang) ver=6.1 MAKEVARS="LLVM=1" ;;
	6.1-thinlto) ver=6.1 MAKEVARS="LLVM=1" EXTRA_CONFIG="LTO_CLANG_THIN=y" ;;
	6.12-gcc) ver=6.12 EXTMOD=1 MODULES="configfs crc-itu-t hello"
		export KBUILD_BUILD_TIMESTAMP="Mon Nov 30 00:00:00 UTC 2026" ;;
	*) skip "$v: unknown kernel variant"; continue ;;
	esac
	if ! S=$(source_tree "$ver"); then
		skip "$v: no linux-source-$ver to build"
		continue
	fi
	t0=$(now)
	build "$v"; rc=$?
	ok $rc "$v: kbuild builds bzImage and modules with btfstream as PAHOLE ($(($(now) - t0)) s)" ||
		{ grep -B2 -A8 -i "error\|pahole\|btfstream" "$WORK/build-$v.log" | tail -30 | sed 's/^/# /'; continue; }
	grep -q "^CONFIG_DEBUG_INFO_BTF=y" "$O/.config" && grep -q "^CONFIG_PAHOLE_VERSION=131" "$O/.config"
	ok $? "$v: Kconfig took btfstream as pahole v1.31 and kept DEBUG_INFO_BTF"
	sed "s|$O|\$O|g; s/ [^ ]*\.ko$/ MODULE.ko/; s/^/# $v: kbuild ran: /" "$O/.btfstream-pahole.log" | sort -u
	sed "s/ [^ ]*\.ko$/ MODULE.ko/; s/^/# $v: kbuild ran for the out-of-tree module: /" "$WORK/pahole-extmod.log" |
		grep -- -J | sort -u
	grep -q -- "--btf_base" "$O/.btfstream-pahole.log"; ok $? "$v: kbuild ran it for the vmlinux and for modules (--btf_base)"
	[ -n "$MAKEVARS" ] && ! grep -q "clang" "$O/include/generated/compile.h" 2> /dev/null &&
		diag "$v: warning: the compiler is not clang"
	GETPID_FUNC=$(bpftool btf dump file "$O/vmlinux" format raw | grep -q "FUNC '__do_sys_getpid'" &&
		echo __do_sys_getpid || echo __task_pid_nr_ns)
	TYPE_TAGS=$(bpftool btf dump file "$O/vmlinux" format raw | grep -q "TYPE_TAG 'user'" && echo 1 || echo 0)
	diag "$v: fentry on $GETPID_FUNC; __user type tags: $TYPE_TAGS"
	compare_pahole "$v"
	bpf_programs > "$WORK/bpf.log" 2>&1; ok $? "$v: the BPF programs build against its BTF" ||
		{ sed 's/^/# /' "$WORK/bpf.log" | tail -10; continue; }
	initramfs > "$WORK/initramfs.log" 2>&1; ok $? "$v: the initramfs is made" ||
		{ sed 's/^/# /' "$WORK/initramfs.log" | tail -5; continue; }
	t0=$(now)
	boot
	diag "$v: QEMU booted it and ran the tests in $(($(now) - t0)) s"
	results "$v"
	grep -a "^BTFTEST not ok\|Kernel panic\|BUG:" "$WORK/console.log" | head -5 | sed 's/^/# /'
	[ -n "$EXTMOD" ] && carried_module "$v"
done
echo "1..$_n"
[ "$_failed" -eq 0 ]
