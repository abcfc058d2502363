#!/usr/bin/env bash
# `make docs`: modules/gcp/README from the DocBook sources in
# modules/gcp/doc/ (gcp.xml, gcp_admin.xml), the way Kamailio generates its
# module READMEs: its doc/docbook build (readme.xsl through xsltproc with
# Debian's docbook-xsl, then lynx -dump), from the Kamailio source tree the
# module is built against.
#
#   scripts/docs.sh <KAMAILIO_SRC>            regenerate modules/gcp/README
#   scripts/docs.sh <KAMAILIO_SRC> --check    regenerate into a temporary
#       folder and compare by content: exit 1 when README is stale
set -eu
cd "$(dirname "$0")/.."
root=$PWD
ksrc=$(cd "$1" && pwd)
mode=${2:-}
docbook=$ksrc/doc/docbook
[ -f "$docbook/Makefile.module" ] || { echo "docs: no $docbook/Makefile.module (make module fetches Kamailio's source)" >&2; exit 1; }
bash scripts/setup-deb.sh docs
# the same text whatever the caller's locale and terminal
export LC_ALL=C.UTF-8 TERM=dumb
unset COLUMNS

gen() { # <doc folder>: writes <doc folder>/../README
	make -s -B -C "$1" README docbook_dir="$docbook" >/dev/null
}

if [ "$mode" = --check ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir "$tmp/doc"
	cp modules/gcp/doc/Makefile modules/gcp/doc/*.xml "$tmp/doc/"
	gen "$tmp/doc"
	if ! diff -u modules/gcp/README "$tmp/README" >"$tmp/diff"; then
		echo "docs: modules/gcp/README is not what modules/gcp/doc/*.xml generate; run 'make docs':" >&2
		head -n 30 "$tmp/diff" >&2
		exit 1
	fi
	exit 0
fi
gen modules/gcp/doc
rm -f modules/gcp/doc/*.d
echo "docs: modules/gcp/README generated from modules/gcp/doc/gcp.xml"
