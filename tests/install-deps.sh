#!/usr/bin/env bash
# Installs the Debian packages given as arguments that are missing. As root it
# runs apt-get (once `apt-get update` if the lists are empty); otherwise it
# names what is missing and goes on, so a user without root still builds.
set -u
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "make: missing Debian packages (run make as root to install them): ${missing[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ] || [ -n "${CI:-}" ]; then
  apt-get update -q >/dev/null || { echo "make: apt-get update failed" >&2; exit 1; }
fi
echo "make: installing ${missing[*]}" >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
  { echo "make: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
