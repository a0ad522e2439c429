#!/bin/sh
# Install the Debian packages listed in scripts/system-packages.txt that are missing.
# Needs root (or sudo) and apt-get; elsewhere it says what to install and goes on.
set -eu
list="$(dirname "$0")/system-packages.txt"
missing=""
for pkg in $(grep -v '^#' "$list" | tr -s ' \n' ' '); do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "please install these system packages:$missing" >&2; exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
