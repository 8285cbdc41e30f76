#!/bin/sh
# tests/kernel/init-carried.sh: /init of the second 6.12 build's initramfs
# (check-kernel.sh, carried_module): the out-of-tree module built against
# the first build. With its .BTF.base the kernel relocates its BTF and the
# BPF programs find the module's functions and fields by name; the same
# module without .BTF.base is refused by the kernel or, when its ids and
# string offsets still happen to be in range, loaded with BTF that names
# the wrong things, so the programs cannot attach. One console line
# "BTFTEST ok|not ok NAME[: detail]" per result.
export PATH=/bin
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev 2> /dev/null
echo "BTFTEST begin"
if insmod /mod/hello.ko 2> /tmp/e && [ -f /sys/kernel/btf/hello ]; then
	echo "BTFTEST ok carried_insmod: with .BTF.base it loads, its BTF relocated"
else
	echo "BTFTEST not ok carried_insmod: $(cat /tmp/e; dmesg | tail -2 | tr '\n' ' ')"
fi
/loader extmod
rmmod hello
if ! insmod /mod/hello-nobase.ko 2> /dev/null; then
	if dmesg | grep -q "failed to validate module \[hello\] BTF"; then
		echo "BTFTEST ok nobase_wrong: without .BTF.base the kernel refuses its BTF"
	else
		echo "BTFTEST not ok nobase_wrong: insmod failed for another reason: $(dmesg | tail -2 | tr '\n' ' ')"
	fi
elif /loader extmod > /tmp/l 2>&1; grep -q "BTFTEST ok extmod" /tmp/l; then
	echo "BTFTEST not ok nobase_wrong: without .BTF.base its BTF still worked"
else
	echo "BTFTEST ok nobase_wrong: without .BTF.base it loads with wrong BTF: $(grep BTFTEST /tmp/l | head -c 120)"
fi
echo "BTFTEST end"
reboot -f
