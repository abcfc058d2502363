#!/usr/bin/env bash
# Unpacks Debian's source package of the installed kamailio into $1 and
# configures it (make cfg), so the module compiles against the very headers
# and flags of the kamailio binary on this machine.
set -eu
dest=$1
want=$(dpkg-query -W -f='${Version}' kamailio)
if [ -f "$dest/.gcp-configured" ] && [ "$(cat "$dest/.gcp-configured")" = "$want" ]; then
	exit 0
fi
mkdir -p "$(dirname "$dest")"
work=$(mktemp -d "$(dirname "$dest")/.kamailio-src.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "kamailio-src: fetching Debian's source of kamailio $want"
(cd "$work" && apt-get source -qq --download-only "kamailio=$want" >/dev/null 2>&1) || {
	echo "kamailio-src: 'apt-get source kamailio=$want' failed: is the deb-src entry there? (make setup adds it)" >&2
	exit 1
}
(cd "$work" && dpkg-source -x --skip-patches kamailio_*.dsc src >/dev/null 2>&1 || dpkg-source -x kamailio_*.dsc src >/dev/null)
# Debian's own patches change the build; apply them as the package did.
if [ -f "$work/src/debian/patches/series" ] && [ ! -d "$work/src/.pc" ]; then
	(cd "$work/src" && while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		patch -s -p1 < "debian/patches/$p"
	done < debian/patches/series)
fi
# Same configuration as debian/rules (prefix, cfg dir, flavour).
make -s -C "$work/src" cfg prefix=/usr cfg_target=/etc/kamailio/ FLAVOUR=kamailio \
	CC_EXTRA_OPTS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS) -DVERSION_NODATE" \
	LD_EXTRA_OPTS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
rm -rf "$dest"
mv "$work/src" "$dest"
echo "$want" > "$dest/.gcp-configured"
echo "kamailio-src: ready in $dest"
