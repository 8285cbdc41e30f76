#!/usr/bin/env bash
# Fetch Debian's kernel debug package and extract the vmlinux (and, with
# --modules, the modules the tests use; with --all-modules, all of them)
# into a cache folder outside the repo.
#
#   scripts/fetch-kernel.sh [--modules | --all-modules] [--flavour cloud-amd64|amd64]
#   prints the path of the vmlinux on stdout (with a modules option, the
#   modules folder on a second line); progress goes to stderr.
#
# BTFSTREAM_CACHE overrides the cache folder (default ~/.cache/btfstream).
# The pinned ABI is 6.1.0-56; Debian drops superseded ABIs from its archive, so
# when it is gone we take whatever linux-image-<flavour>-dbg depends on.
set -euo pipefail

PINNED_ABI=6.1.0-56
flavour=cloud-amd64
modules=0
# the modules tests/integ/0011-modules.sh converts
TEST_MODULES="fs/xfs/xfs.ko fs/btrfs/btrfs.ko drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko
drivers/net/veth.ko drivers/net/dummy.ko drivers/block/loop.ko drivers/net/tun.ko net/netfilter/nf_tables.ko"
while [ $# -gt 0 ]; do
	case "$1" in
	--modules) modules=1 ;;
	--all-modules) modules=2 ;;
	--flavour) flavour=$2; shift ;;
	*) echo "fetch-kernel: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

cache=${BTFSTREAM_CACHE:-$HOME/.cache/btfstream}
mkdir -p "$cache"
cd "$cache"

have_pkg() { apt-cache show "$1" >/dev/null 2>&1; }

pkg=linux-image-$PINNED_ABI-$flavour-dbg
if ! ls "$pkg"_*.deb >/dev/null 2>&1; then
	if ! have_pkg "$pkg"; then
		[ "$(id -u)" -eq 0 ] && apt-get update -q >&2 || true
	fi
	if ! have_pkg "$pkg"; then
		meta=linux-image-$flavour-dbg
		dep=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-.*-dbg/ {print $2; exit}')
		if [ -z "$dep" ]; then
			echo "fetch-kernel: neither $pkg nor $meta is in the apt lists" >&2
			exit 1
		fi
		echo "fetch-kernel: $pkg is gone from the archive; using $dep (what $meta depends on)" >&2
		pkg=$dep
	fi
	if ! ls "$pkg"_*.deb >/dev/null 2>&1; then
		size=$(apt-cache show "$pkg" 2> /dev/null | awk '/^Size:/ { printf "%d MB", $2 / 1e6; exit }')
		echo "fetch-kernel: downloading $pkg (${size:-size unknown}) into $cache" >&2
		apt-get download "$pkg" >&2 2>/dev/null || apt-get download "$pkg" >&2
	fi
fi
deb=$(ls -t "$pkg"_*.deb | head -n 1)
abi=${pkg#linux-image-}
abi=${abi%-dbg}
vmlinux=$cache/usr/lib/debug/boot/vmlinux-$abi
if [ ! -s "$vmlinux" ]; then
	echo "fetch-kernel: extracting vmlinux-$abi from $deb" >&2
	rm -f "$vmlinux"
	dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards "./usr/lib/debug/boot/vmlinux-$abi"
fi
moddir=$cache/usr/lib/debug/lib/modules/$abi
if [ "$modules" = 1 ] && [ ! -e "$cache/.modules-$abi" ] && [ ! -e "$cache/.all-modules-$abi" ]; then
	echo "fetch-kernel: extracting the test modules from $deb" >&2
	paths=()
	for m in $TEST_MODULES; do paths+=("./usr/lib/debug/lib/modules/$abi/kernel/$m"); done
	dpkg-deb --fsys-tarfile "$deb" | tar -x "${paths[@]}"
	touch "$cache/.modules-$abi"
fi
if [ "$modules" = 2 ] && [ ! -e "$cache/.all-modules-$abi" ]; then
	echo "fetch-kernel: extracting every module from $deb" >&2
	dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards "./usr/lib/debug/lib/modules/$abi/*"
	touch "$cache/.all-modules-$abi"
fi
echo "$vmlinux"
[ "$modules" = 0 ] || echo "$moddir"
