#!/usr/bin/env bash
# Installs what the build and the tests need, once; fast when all is there.
# Used by `make run` and `make test`: a fresh Debian 12 machine needs nothing
# else. Extra package names as arguments are installed too (suites that
# need more, e.g. real SIP clients, call `scripts/setup.sh <packages>`).
set -eu

# build and SIPp suites; fuzzers; package, docs, KEMI (Lua), kamcli tests
PKGS="kamailio kamailio-extra-modules sip-tester check libxml2-dev pkg-config dpkg-dev gcc make clang libclang-rt-14-dev bc
	debhelper fakeroot xsltproc docbook-xsl docbook-xml lynx mscgen kamailio-lua-modules kamcli curl
	baresip-core linphone-cli twinkle-console tcpdump python3 $*"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done

src_list=/etc/apt/sources.list.d/gcp-deb-src.sources
need_update=0
if [ ! -f "$src_list" ]; then
	# Debian's kamailio source package gives the exact headers of the installed
	# kamailio; deb-src is not enabled by default.
	$SUDO tee "$src_list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

if [ -n "$missing" ] || [ "$need_update" -eq 1 ]; then
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
fi
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	# policy-rc.d stops the package from starting its own kamailio service.
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The packaged kamailio service must not hold the SIP port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet kamailio 2>/dev/null; then
	$SUDO systemctl stop kamailio || true
fi
exit 0
