#!/usr/bin/env bash
# Installs what the build and the tests need, once; fast when all is there.
# Used by `make run` and `make test`: a fresh Debian 12 machine needs nothing
# else. Extra package names as arguments are installed too (suites that
# need more, e.g. real SIP clients, call `scripts/setup.sh <packages>`).
set -eu

# build and SIPp suites (gdb: forced interleavings); fuzzers; package, docs, KEMI (Lua), kamcli tests;
# the presence stack of the sample cfg (BLF: presence, presence_dialoginfo, pua on
# db_sqlite, its schema created with sqlite3 by scripts/presence-db.sh); the
# groups in a database (db_url: db_sqlite for `make run ARGS='-A WITH_DB'`,
# db_postgres and a PostgreSQL server that the rpc suite starts itself)
PKGS="kamailio kamailio-extra-modules kamailio-presence-modules kamailio-sqlite-modules sqlite3
	kamailio-postgres-modules postgresql sip-tester check libxml2-dev pkg-config dpkg-dev gcc make clang libclang-rt-14-dev bc
	debhelper fakeroot xsltproc docbook-xsl docbook-xml lynx mscgen kamailio-lua-modules kamcli curl
	baresip-core linphone-cli twinkle-console tcpdump python3 gdb $*"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

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

if [ "$need_update" -eq 1 ]; then
	$SUDO apt-get update -qq -o DPkg::Lock::Timeout=300
fi
# shellcheck disable=SC2086
exec bash "$(dirname "$0")/apt-install.sh" $PKGS
