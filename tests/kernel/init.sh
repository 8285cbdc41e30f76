#!/bin/sh
# tests/kernel/init.sh: /init of the test initramfs (busybox). Checks what
# the booted kernel made of btfstream's BTF and runs the BPF programs; every
# result is one console line "BTFTEST ok|not ok NAME[: detail]", read by
# check-kernel.sh. /test.env says what this kernel has (GETPID_FUNC,
# TYPE_TAGS, EXTRA_MODULES, EXTMOD: the out-of-tree module is among them).
export PATH=/bin
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev 2> /dev/null
. /test.env
say() { echo "BTFTEST $*"; }
check() {	# check NAME COMMAND...: ok if the command succeeds
	name=$1; shift
	if "$@" > /tmp/out 2>&1; then say "ok $name"; else say "not ok $name: $(head -c 300 /tmp/out | tr '\n' ' ')"; fi
}

say "begin $(uname -r)"
check vmlinux_btf_bytes cmp /sys/kernel/btf/vmlinux /btf/vmlinux.btf
for m in configfs $EXTRA_MODULES; do
	check "insmod_$m" insmod /mod/$m.ko
	sysname=$(echo $m | tr - _)
	if [ -f /btf/$m.btf.base ]; then
		# a distilled base (.BTF.base): the kernel relocated the module's
		# BTF onto its vmlinux BTF in place: same size, other ids
		check "module_btf_relocated_$m" sh -c "[ \$(wc -c < /sys/kernel/btf/$sysname) = \$(wc -c < /btf/$m.btf) ] &&
			! cmp -s /sys/kernel/btf/$sysname /btf/$m.btf"
	else
		check "module_btf_bytes_$m" cmp /sys/kernel/btf/$sysname /btf/$m.btf
	fi
done
if dmesg | grep -Eiq "BPF:.*(invalid|error)|btf.*(failed|error)"; then
	say "not ok no_btf_errors: $(dmesg | grep -Ei 'BPF:|btf' | tail -3 | tr '\n' ' ')"
else
	say "ok no_btf_errors"
fi
/loader getpid "$GETPID_FUNC"
/loader read
/loader ksym "$GETPID_FUNC"
/loader configfs
/loader user "$TYPE_TAGS"
[ "$EXTMOD" = 1 ] && /loader extmod
# the negative control, last: configfs again, from a copy whose .BTF was
# made invalid (an out-of-range name offset): the kernel must refuse it
umount /cfg 2> /dev/null
if ! rmmod configfs; then
	say "not ok bad_module_refused: cannot unload configfs first"
elif insmod /mod/configfs-bad.ko 2> /tmp/insmod.err; then
	say "not ok bad_module_refused: the kernel loaded a module with invalid BTF"
else
	dmesg | grep -q "failed to validate module \[configfs\] BTF" &&
		say "ok bad_module_refused" || say "not ok bad_module_refused: $(dmesg | tail -3 | tr '\n' ' ')"
fi
say "end"
reboot -f
