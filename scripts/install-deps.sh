#!/usr/bin/env bash
# Install what btfstream needs to build and test, on Debian 12. Idempotent:
# does nothing when every package is present. Needs root (or sudo) otherwise.
#   install-deps.sh          to build and run make check
#   install-deps.sh kernel [6.12]   also what make check-kernel needs: kernel
#                            sources, their build tools, LLVM, QEMU, busybox;
#                            with 6.12, linux-source-6.12 from bookworm-backports
#                            (the suite is added to apt's sources if missing)
set -euo pipefail

PKGS=(gcc clang make pkg-config libdw-dev libelf-dev libbpf-dev liburcu-dev zlib1g-dev
      dwarves bpftool binutils perl time xz-utils ca-certificates systemtap-sdt-dev lld libzstd-dev
      libclang-rt-14-dev)
if [ "${1:-}" = kernel ]; then
	PKGS+=(linux-source-6.1 bc bison flex libssl-dev cpio qemu-system-x86 busybox-static llvm python3 gzip
	       kmod)
fi
BACKPORTS=()
if [ "${2:-}" = 6.12 ]; then
	BACKPORTS=(linux-source-6.12)
fi

missing=()
for p in "${PKGS[@]}" "${BACKPORTS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

log=$(mktemp "${TMPDIR:-/tmp}/btfstream-install-deps.XXXXXX.log")
echo "install-deps: installing ${#missing[@]} packages with apt-get (log: $log): ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
if [ ${#BACKPORTS[@]} -gt 0 ] && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d; then
	printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
		$SUDO tee /etc/apt/sources.list.d/btfstream-backports.sources > /dev/null
fi
# apt's lists from the last hour are fresh enough (CI has just updated them)
if [ ${#BACKPORTS[@]} -gt 0 ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Release' -mmin -60 2> /dev/null | head -1)" ]; then
	$SUDO apt-get update -q > "$log" 2>&1 || { tail -20 "$log"; exit 1; }
fi
regular=() bp=()
for p in "${missing[@]}"; do
	case " ${BACKPORTS[*]} " in *" $p "*) bp+=("$p") ;; *) regular+=("$p") ;; esac
done
install() {
	$SUDO apt-get install -y -q --no-install-recommends "$@" >> "$log" 2>&1 ||
		{ echo "install-deps: apt-get install failed; the end of $log:"; tail -20 "$log"; exit 1; }
}
[ ${#regular[@]} -eq 0 ] || install "${regular[@]}"
[ ${#bp[@]} -eq 0 ] || install -t bookworm-backports "${bp[@]}"
echo "install-deps: done"
