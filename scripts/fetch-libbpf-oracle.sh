#!/usr/bin/env bash
# Build a newer libbpf from Debian's source, for tests only (btfstream
# itself links Debian 12's libbpf 1.1): libbpf 1.5 has btf__distill_base,
# which tests/integ/0017-distill.sh compares stages/distill with byte for
# byte, and its libbpf.so.1 is what tests/integ/0030-newer-libbpf.sh runs
# btfstream with (a newer distribution's library under the same binary).
#
#   scripts/fetch-libbpf-oracle.sh     prints the install prefix (with
#                                      include/, lib64/libbpf.a and
#                                      lib64/libbpf.so.1) on stdout
#
# The source package comes from Debian trixie through apt-get source, with a
# sources list and apt state of its own under the cache (the machine's apt
# configuration is not touched). The tarball's SHA-256 is checked when it is
# the 1.5.0 release this was written against. Takes ~10 s to build on 2 cores.
# BTFSTREAM_CACHE overrides the cache folder (default ~/.cache/btfstream).
set -euo pipefail

SUITE=trixie
KNOWN_TARBALL=libbpf_1.5.0.orig.tar.gz
KNOWN_SHA256=53492aff6dd47e4da04ef5e672d753b9743848bdb38e9d90eafbe190b7983c44

cache=${BTFSTREAM_CACHE:-$HOME/.cache/btfstream}
top=$cache/libbpf-oracle
prefix=$top/inst
if { [ -f "$prefix/lib64/libbpf.a" ] && [ -f "$prefix/lib64/libbpf.so.1" ]; } ||
   { [ -f "$prefix/lib/libbpf.a" ] && [ -f "$prefix/lib/libbpf.so.1" ]; }; then
	echo "$prefix"
	exit 0
fi
mkdir -p "$top/apt/lists/partial" "$top/apt/cache/archives/partial" "$top/src"
cat > "$top/apt/sources.list" <<EOS
deb-src http://deb.debian.org/debian $SUITE main
EOS
apt_opts=(-o "Dir::Etc::sourcelist=$top/apt/sources.list" -o Dir::Etc::sourceparts=-
	  -o "Dir::State::Lists=$top/apt/lists" -o "Dir::Cache=$top/apt/cache"
	  -o APT::Sandbox::User=root -q)
echo "fetch-libbpf-oracle: libbpf source from Debian $SUITE" >&2
apt-get "${apt_opts[@]}" update >/dev/null
cd "$top/src"
apt-get "${apt_opts[@]}" source --download-only libbpf >/dev/null
tarball=$(ls libbpf_*.orig.tar.* | head -n 1)
if [ "$tarball" = "$KNOWN_TARBALL" ] &&
   [ "$(sha256sum "$tarball" | cut -d' ' -f1)" != "$KNOWN_SHA256" ]; then
	echo "fetch-libbpf-oracle: $tarball: SHA-256 mismatch" >&2
	exit 1
fi
rm -rf build && mkdir build && tar -xf "$tarball" -C build --strip-components=1
rm -rf "$top/obj"
make -s -C build/src -j"$(nproc)" OBJDIR="$top/obj" DESTDIR="$top/destdir" PREFIX=/ install >/dev/null
rm -rf "$prefix" && mv "$top/destdir" "$prefix"
echo "$prefix"
