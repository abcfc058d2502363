#!/usr/bin/env bash
# `make deb`: builds build/deb/kamailio-gcp-module_<version>_<arch>.deb with
# debhelper (debian/), from a copy of the working tree, so that the build's
# `debian/rules clean` never touches modules/gcp/gcp.so of the tree (other
# builds and tests use it). gcp.so is compiled as `make module` does,
# against $1 (KAMAILIO_SRC). The version is debian/changelog's.
# Prints the path of the .deb on its last line.
set -eu
cd "$(dirname "$0")/.."
root=$PWD
ksrc=$(cd "$1" && pwd)
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
upstream=${version%-*}
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
name=kamailio-gcp-module
out=$root/build/deb
src=$out/src/$name-$upstream
deb=${name}_${version}_${arch}.deb

rm -rf "$out/src"
mkdir -p "$src"
# the sources as they are in the tree, without build output or test runs
tar -C "$root" --exclude=./.git --exclude=./build --exclude='./tests/out*' \
	--exclude='*.o' --exclude='*.d' --exclude='*.so' --exclude='*.lst' \
	--exclude='*.deb' -cf - . | tar -C "$src" -xf -

echo "deb: building $deb against kamailio $(dpkg-query -W -f='${Version}' kamailio) ($ksrc)"
log=$out/build.log
if ! (cd "$src" && KAMAILIO_SRC="$ksrc" DEB_BUILD_OPTIONS="parallel=1 nocheck ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -b -us -uc) >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "deb: dpkg-buildpackage failed; the whole log is $log" >&2
	exit 1
fi
mv -f "$out/src/$deb" "$out/$deb"
# the debug symbols package and the build records, next to it
for f in "$out/src/${name}-dbgsym_${version}_${arch}.deb" "$out/src/${name}_${version}_${arch}.buildinfo" \
	"$out/src/${name}_${version}_${arch}.changes"; do
	[ -f "$f" ] && mv -f "$f" "$out/"
done
rm -rf "$out/src"
echo "$out/$deb"
