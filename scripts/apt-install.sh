#!/usr/bin/env bash
# Installs the Debian packages given as arguments that are not installed
# yet; fast when all are there. Shared by scripts/setup.sh,
# scripts/setup-deb.sh and tests/interop/setup.sh.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

export DEBIAN_FRONTEND=noninteractive
echo "setup: installing$missing"
# a fresh machine may have no package lists yet; another apt may hold the lock
if ! $SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >/dev/null; then
	$SUDO apt-get update -qq -o DPkg::Lock::Timeout=300
	$SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >/dev/null
fi
# The packaged kamailio service must not hold the SIP port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet kamailio 2>/dev/null; then
	$SUDO systemctl stop kamailio || true
fi
exit 0
