#!/usr/bin/env bash
# Installs what packaging, the DocBook README, the diagram, the KEMI (Lua)
# configuration and kamcli need, once; fast when all is there. Used by
# `make deb|docs|render|test-deb` and the tests under tests/deb, tests/docs,
# tests/kemi, tests/prom.
#
#   scripts/setup-deb.sh [deb] [docs] [render] [kemi] [kamcli]   (none: all)
set -eu

declare -A GROUP=(
	[deb]="debhelper dpkg-dev fakeroot"
	[docs]="xsltproc docbook-xsl docbook-xml lynx"
	[render]="mscgen"
	[kemi]="kamailio-lua-modules"
	[kamcli]="kamcli curl"
)
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(deb docs render kemi kamcli)

PKGS=""
for g in "${groups[@]}"; do
	[ -n "${GROUP[$g]:-}" ] || { echo "setup-deb: unknown group '$g' (deb docs render kemi kamcli)" >&2; exit 2; }
	PKGS="$PKGS ${GROUP[$g]}"
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

export DEBIAN_FRONTEND=noninteractive
echo "setup-deb: installing$missing"
# a fresh machine may have no package lists yet; another apt may hold the lock
if ! $SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >/dev/null; then
	$SUDO apt-get update -qq -o DPkg::Lock::Timeout=300
	$SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >/dev/null
fi
# kamailio-lua-modules must not bring up the packaged service on the SIP port
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet kamailio 2>/dev/null; then
	$SUDO systemctl stop kamailio || true
fi
exit 0
