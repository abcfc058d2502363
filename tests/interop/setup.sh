#!/usr/bin/env bash
# Installs the real SIP clients of the interop suite from Debian's packages,
# and what the suite needs to read the wire (tcpdump, python3), once; fast
# when all is there. scripts/setup.sh should list the same packages.
set -eu
PKGS="baresip-core linphone-cli twinkle-console tcpdump python3"
# shellcheck disable=SC2086
exec bash "$(dirname "$0")/../../scripts/apt-install.sh" $PKGS
