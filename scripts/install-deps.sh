#!/usr/bin/env bash
# Install what btfstream needs to build and test, on Debian 12. Idempotent:
# does nothing when every package is present. Needs root (or sudo) otherwise.
set -euo pipefail

PKGS=(gcc clang make pkg-config libdw-dev libelf-dev libbpf-dev liburcu-dev zlib1g-dev
      dwarves bpftool binutils perl time xz-utils ca-certificates systemtap-sdt-dev lld)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
