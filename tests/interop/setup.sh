#!/usr/bin/env bash
# Installs the real SIP clients of the interop suite from Debian's packages,
# and what the suite needs to read the wire (tcpdump, python3), once; fast
# when all is there. scripts/setup.sh should list the same packages.
set -eu
PKGS="baresip-core linphone-cli twinkle-console tcpdump python3"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	echo "interop setup: installing$missing"
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null; }
fi
exit 0
