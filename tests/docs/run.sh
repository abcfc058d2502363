#!/usr/bin/env bash
# The documentation: modules/gcp/README is what the DocBook sources in
# modules/gcp/doc/ generate (by content, regenerated into a temporary
# folder: checkouts reset mtimes), the DocBook is valid DocBook 4.4, it
# documents every parameter, function, KEMI export, statistic of gcp_mod.c
# and every RPC command of the contract and of gcp_rpc*.c, and the
# walkthrough's diagram is what its text source renders.
# Installs xsltproc, docbook-xsl, docbook-xml, lynx and mscgen when missing
# (scripts/setup-deb.sh). Ends "docs: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/tests/out-docs
rm -rf "$OUT"
mkdir -p "$OUT"
SUITE=docs
KSRC=${KAMAILIO_SRC:-$ROOT/build/kamailio-src}
ADMIN=modules/gcp/doc/gcp_admin.xml

. tests/lib/check.sh
CHECK_PREFIX="$SUITE "
CHECK_ALL=$OUT/checks.log

bash scripts/setup-deb.sh docs render >"$OUT/setup.log" 2>&1 || cat "$OUT/setup.log"
# Kamailio's doc/docbook comes with its source tree (make module fetches it)
[ -f "$KSRC/.gcp-configured" ] || bash scripts/kamailio-src.sh "$KSRC" >>"$OUT/setup.log" 2>&1

check "modules/gcp/README is generated from modules/gcp/doc (make docs)" \
	bash scripts/docs.sh "$KSRC" --check
check "the DocBook is valid (xmllint --postvalid, as Kamailio's make check)" \
	sh -c 'cd modules/gcp/doc && xmllint --xinclude --postvalid --noout gcp.xml'

# names between the braces of a C array: <array> <file>
c_names() {
	sed -n "/$1\[\] = {/,/^};/p" "$2" | sed -n 's/^[[:space:]]*{[[:space:]]*"\([a-z_]*\)".*/\1/p' | sort -u
}
# every <name> has an id="gcp.<kind>.<name>" section: documented <kind> <names...>
documented() {
	local kind=$1 n missing=""
	shift
	[ $# -gt 0 ] || { echo "no names found"; return 1; }
	for n in "$@"; do
		grep -q "id=\"gcp\.$kind\.$n\"" "$ADMIN" || missing="$missing $n"
	done
	[ -z "$missing" ] || { echo "not documented in $ADMIN:$missing"; return 1; }
}
check "every modparam of gcp_mod.c is documented" documented p $(c_names params modules/gcp/gcp_mod.c)
check "every cfg function of gcp_mod.c is documented" documented f $(c_names cmds modules/gcp/gcp_mod.c)
check "every statistic of gcp_mod.c is documented" documented stat $(c_names mod_stats modules/gcp/gcp_mod.c)
rpc_contract=$(sed -n 's/^| `\(gcp\.[a-z.]*\).*/\1/p' docs/INTERFACE.md; sed -n 's/.*` \/ `\(gcp\.[a-z.]*\) .*/\1/p' docs/INTERFACE.md)
rpc_code=$(grep -ho '"gcp\.[a-z._]*"' modules/gcp/gcp_rpc*.c | tr -d '"')
check "every RPC command of the contract and of gcp_rpc*.c is documented" \
	documented rpc $(printf '%s\n' $rpc_contract $rpc_code | sed 's/^gcp\.//' | sort -u)
kemi_missing() {
	local n missing=""
	for n in $(sed -n '/sr_kemi_gcp_exports/,/^};/p' modules/gcp/gcp_mod.c | sed -n 's/.*str_init("gcp"), str_init("\([a-z_]*\)").*/\1/p'); do
		grep -q "KSR\.gcp\.$n(" "$ADMIN" || missing="$missing KSR.gcp.$n"
	done
	[ -z "$missing" ] || { echo "KEMI exports not documented:$missing"; return 1; }
}
check "every KEMI export is documented" kemi_missing
check "event_route[gcp:picked] and every \$gcp(...) name are documented" sh -c "
	grep -q 'id=\"gcp.e.picked\"' $ADMIN &&
	for n in group callee caller picker callid; do grep -q \"<emphasis>\$n</emphasis>\" $ADMIN || exit 1; done"
check "docs/walkthrough.svg is what docs/walkthrough.msc renders (make render)" \
	bash scripts/render.sh --check

t_summary docs
