#!/usr/bin/env bash
# The Debian package as an operator uses it: `make deb` builds it, apt-get
# installs it, Kamailio starts with the packaged sample cfg and
# `loadmodule "gcp.so"` (by name, from Kamailio's module directory), a call
# is picked up (the SIPp basic pickup), the same with the packaged KEMI
# sample, and apt-get removes the package again, so the machine is as
# before. Ends "deb: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
. tests/suite.sh deb
PKG=kamailio-gcp-module
MODDIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/kamailio/modules
DOC=/usr/share/doc/$PKG
APT=(apt-get -y -qq -o DPkg::Lock::Timeout=300)
export DEBIAN_FRONTEND=noninteractive

installed_before=$(dpkg-query -W -f='${Status} ${Version}' $PKG 2>/dev/null | sed -n 's/^install ok installed //p')
cleanup() {
	k_stop_cfg
	if [ -z "$installed_before" ] && dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q 'ok installed'; then
		"${APT[@]}" purge $PKG >/dev/null 2>&1
	fi
}
trap cleanup EXIT

# 1. the package builds
deb=$(make -s deb 2>"$OUT/make-deb.err" | tee "$OUT/make-deb.out" | tail -n 1)
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
check "make deb builds ${PKG}_${version}_amd64.deb" \
	test -f "$deb" -a "$(basename "$deb")" = "${PKG}_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).deb"
[ -f "$deb" ] || { tail -n 30 "$OUT/make-deb.err"; t_summary deb; exit 1; }

# 2. what it says and holds
kver=$(dpkg-query -W -f='${Version}' kamailio)
check "it depends on exactly kamailio (= $kver)" \
	sh -c "dpkg-deb -f '$deb' Depends | tr ',' '\n' | grep -qxF ' kamailio (= $kver)' || dpkg-deb -f '$deb' Depends | tr ',' '\n' | grep -qxF 'kamailio (= $kver)'"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$OUT/contents.txt"
check "gcp.so in $MODDIR, README and the sample cfg in $DOC" \
	sh -c "grep -qx '$MODDIR/gcp.so' '$OUT/contents.txt' &&
		grep -Eqx '$DOC/README(.gz)?' '$OUT/contents.txt' &&
		grep -qx '$DOC/examples/kamailio.cfg' '$OUT/contents.txt' &&
		grep -qx '$DOC/examples/gcp.xml' '$OUT/contents.txt' &&
		grep -qx '$DOC/examples/routing-cases.cfg' '$OUT/contents.txt'"
check "the schema for db_url in /usr/share/kamailio/{db_sqlite,postgres,mysql}/gcp-create.sql" \
	sh -c "for e in db_sqlite postgres mysql; do grep -qx /usr/share/kamailio/\$e/gcp-create.sql '$OUT/contents.txt' || exit 1; done"

# 3. apt-get installs it
if [ -n "$installed_before" ]; then
	echo "  note: $PKG $installed_before was installed before this test: it stays installed"
fi
check "apt-get install ./$(basename "$deb")" "${APT[@]}" install "$deb"

# 4. Kamailio loads it by name, with the packaged sample configuration
cp "$DOC/examples/gcp.xml" "$OUT/gcp.xml"
k_started=0
if k_start_cfg "$OUT" "$DOC/examples/kamailio.cfg" -A 'GCP_MODULE="gcp.so"' >"$OUT/start.log" 2>&1; then
	k_started=1
fi
check "kamailio starts with loadmodule \"gcp.so\" from $MODDIR" \
	sh -c "[ $k_started = 1 ] && grep -q ' $MODDIR/gcp.so\$' /proc/$KPID/maps"
[ $k_started = 1 ] || cat "$OUT/start.log"

# 5. a call is picked up (tests/sipp/tests_basic.sh, inject mode)
if [ $k_started = 1 ]; then
	load_basic_pickup
	run_one basic_pickup t_basic_pickup_59 inject
else
	t_fail "deb basic_pickup (kamailio did not start)"
fi
k_stop_cfg
cp "$KLOG" "$OUT/kamailio-deb.log" 2>/dev/null

# 5b. the groups in an SQLite database made with the packaged schema
# (README.Debian's steps): it starts on it and imports the sample groups
rm -f "$OUT/gcp.sqlite"
if cat /usr/share/kamailio/db_sqlite/standard-create.sql /usr/share/kamailio/db_sqlite/gcp-create.sql |
	sqlite3 -bail "$OUT/gcp.sqlite" &&
	k_start_cfg "$OUT" "$DOC/examples/kamailio.cfg" -A 'GCP_MODULE="gcp.so"' -A WITH_DB \
		-A "GCP_DB_URL=\"sqlite://$OUT/gcp.sqlite\"" >"$OUT/start-db.log" 2>&1; then
	check "with the packaged schema: kamailio starts on SQLite and gcp.import takes the sample groups" \
		sh -c "n=\$(grep -c '<member ' '$DOC/examples/gcp.xml') &&
			kamcmd -s '$CTL' gcp.import '$DOC/examples/gcp.xml' | grep -q \"members: \$n\" &&
			[ \"\$(sqlite3 '$OUT/gcp.sqlite' 'SELECT count(*) FROM gcp_member')\" = \$n ]"
else
	t_fail "deb kamailio starts on SQLite with the packaged schema"
	tail -n 20 "$OUT/start-db.log"
fi
k_stop_cfg

# 6. the packaged KEMI sample (Lua) does the same
if [ $k_started = 1 ] && bash scripts/setup-deb.sh kemi >"$OUT/setup-kemi.log" 2>&1 &&
	k_start_cfg "$OUT" "$DOC/examples/kamailio-kemi.cfg" -A 'GCP_MODULE="gcp.so"' \
		-A "GCP_LUA=\"$DOC/examples/kamailio-lua.lua\"" >"$OUT/start-kemi.log" 2>&1; then
	run_one basic_pickup_kemi t_basic_pickup_59 inject
else
	t_fail "deb basic_pickup_kemi (kamailio did not start with the KEMI sample)"
	cat "$OUT/setup-kemi.log" "$OUT/start-kemi.log" 2>/dev/null | tail -n 20
fi
k_stop_cfg
cp "$KLOG" "$OUT/kamailio-deb-kemi.log" 2>/dev/null

# 7. and goes away again
if [ -z "$installed_before" ]; then
	check "apt-get purge removes it, no trace left" sh -c "${APT[*]} purge $PKG >/dev/null &&
		! dpkg-query -W -f='\${Status}' $PKG 2>/dev/null | grep -q 'ok installed' &&
		[ ! -e '$MODDIR/gcp.so' ] && [ ! -e '$DOC' ]"
fi

t_summary deb
