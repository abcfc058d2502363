#!/usr/bin/env bash
# Kamailio refuses a module whose version or compile flags differ from its
# own; say so at build time, not at the first start.
set -eu
so=$1
core_flags=$(kamailio -V 2>/dev/null | sed -n 's/^flags: //p' | sed 's/[[:space:]]*$//')
core_ver=$(kamailio -V 2>/dev/null | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p')
if ! strings "$so" | grep -qxF "$core_flags"; then
	echo "check-module: $so was built with other compile flags than 'kamailio -V' reports:" >&2
	echo "  kamailio: $core_flags" >&2
	echo "  module:   $(strings "$so" | grep -m1 'USE_TCP' || echo '?')" >&2
	exit 1
fi
if ! strings "$so" | grep -q "^kamailio $core_ver "; then
	echo "check-module: $so is not built for kamailio $core_ver" >&2
	exit 1
fi
