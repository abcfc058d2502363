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

# shellcheck disable=SC2086
exec bash "$(dirname "$0")/apt-install.sh" $PKGS
