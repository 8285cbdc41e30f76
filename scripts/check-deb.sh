#!/usr/bin/env bash
# make check-deb: build the Debian package (make deb), check it with lintian,
# then install it into a clean Debian 12 (debootstrap --variant=minbase,
# cached under BTFSTREAM_CACHE), run it there (--version, the pahole link, a
# conversion checked with bpftool is not available there: the BTF's magic
# and size), and remove it again. Needs root (debootstrap, chroot). TAP.
#   scripts/check-deb.sh BUILD_DIR
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
O=${1:-$TOP/build}
cache=${BTFSTREAM_CACHE:-$HOME/.cache/btfstream}
base=$cache/chroot-bookworm-minbase.tar
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; return "$1"; }
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP check-deb needs root (debootstrap, chroot)"; exit 0; }
for p in debhelper lintian debootstrap; do
	dpkg-query -W -f='${Status}' $p 2> /dev/null | grep -q "ok installed" ||
		apt-get install -y -q --no-install-recommends debhelper lintian debootstrap > /dev/null 2>&1 || break
done
mkdir -p "$O"
make -C "$TOP" -s O="$O" deb > "$O/deb.log" 2>&1
ok $? "make deb builds the package" || { tail -20 "$O/deb.log" | sed 's/^/# /'; echo "1..$n"; exit 1; }
deb=$(ls "$O"/deb/btfstream_*_*.deb | grep -v dbgsym | head -1)
dpkg-deb -f "$deb" Depends | grep -q "libbpf1" && dpkg-deb -f "$deb" Depends | grep -q "libdw1"
ok $? "$(basename "$deb"): Depends from the shared libraries ($(dpkg-deb -f "$deb" Depends | cut -c1-80)...)"
lintian "$deb" > "$O/lintian.log" 2>&1
! grep -q "^E:" "$O/lintian.log"; ok $? "lintian: no errors ($(grep -c '^[EW]:' "$O/lintian.log") errors and warnings)" ||
	sed 's/^/# /' "$O/lintian.log" | head

# a clean Debian 12, made once and kept as a tarball
if [ ! -s "$base" ]; then
	rm -rf "$O/chroot" && mkdir -p "$O/chroot" "$cache" &&
		debootstrap --variant=minbase bookworm "$O/chroot" http://deb.debian.org/debian > "$O/debootstrap.log" 2>&1 &&
		tar -C "$O/chroot" -cf "$base.tmp" . && mv "$base.tmp" "$base"
	ok $? "debootstrap --variant=minbase bookworm" || { tail -5 "$O/debootstrap.log" | sed 's/^/# /'; echo "1..$n"; exit 1; }
fi
root=$O/chroot
trap 'umount "$root/proc" 2> /dev/null' EXIT
umount "$root/proc" 2> /dev/null
rm -rf "$root" && mkdir -p "$root" && tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/" && gcc -g -O0 -o "$root/tmp/sample" "$TOP/tests/fixtures/kinds.c" -w
mount -t proc proc "$root/proc" 2> /dev/null
inroot() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
inroot apt-get update -q > "$O/chroot-apt.log" 2>&1 &&
	inroot apt-get install -y -q "/tmp/$(basename "$deb")" >> "$O/chroot-apt.log" 2>&1
ok $? "apt-get install ./$(basename "$deb") in the clean chroot pulls in its dependencies" ||
	tail -5 "$O/chroot-apt.log" | sed 's/^/# /'
inroot btfstream --version > "$O/v.txt" 2>&1 && [ "$(inroot /usr/libexec/btfstream/pahole --version)" = v1.31 ]
ok $? "btfstream --version ($(cat "$O/v.txt")), the pahole link answers v1.31"
inroot btfstream /tmp/sample -o /tmp/sample.btf && [ "$(od -An -tx1 -N2 "$root/tmp/sample.btf" | tr -d ' ')" = 9feb ]
ok $? "a conversion in the chroot writes BTF ($(stat -c %s "$root/tmp/sample.btf" 2> /dev/null) bytes)"
[ -f "$root/usr/share/man/man1/btfstream.1.gz" ] && [ -f "$root/usr/share/bash-completion/completions/btfstream" ]
ok $? "the man page and the bash completion are installed"
inroot apt-get remove -y -q btfstream > /dev/null 2>&1 && [ ! -e "$root/usr/bin/btfstream" ] &&
	[ ! -e "$root/usr/libexec/btfstream" ] && [ ! -e "$root/usr/share/man/man1/btfstream.1.gz" ]
ok $? "apt-get remove leaves none of its files"
umount "$root/proc" 2> /dev/null
rm -rf "$root"
echo "1..$n"
[ $failed -eq 0 ]
