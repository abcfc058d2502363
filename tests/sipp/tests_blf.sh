# Busy-lamp field (issue 13): the presence stack of the sample cfg
# (presence + presence_dialoginfo + pua on db_sqlite) serves a desk
# phone's BLF subscription, and what gcp will publish reaches the phone.
#
# Sourcing this file gives the suite's Kamailio the presence stack: its
# database, created fresh in $OUT by scripts/presence-db.sh, and the
# environment variables that cfg/kamailio.cfg reads (GCP_PRESENCE_DB,
# GCP_PRESENCE_PROXY: pua's PUBLISHes go to this instance).

ALL_TESTS="$ALL_TESTS blf_member_publish"

BLF_DB=$OUT/presence.sqlite
rm -f "$BLF_DB"
if GCP_PRESENCE_DB=$(bash "$ROOT/scripts/presence-db.sh" "$BLF_DB"); then
	export GCP_PRESENCE_DB
	export GCP_PRESENCE_PROXY="sip:$KADDR"
else
	echo "tests_blf: no presence database (scripts/presence-db.sh failed)"
fi

# the builder's document (tests/sipp/tools/dialoginfo.c with
# modules/gcp/gcp_dialoginfo.c), built once per run into $OUT
blf_di() {
	local bin=$OUT/dialoginfo
	if [ ! -x "$bin" ] || [ "$ROOT/modules/gcp/gcp_dialoginfo.c" -nt "$bin" ]; then
		gcc -std=gnu11 -O1 -Wall -I"$ROOT/modules/gcp" -o "$bin" \
			"$ROOT/tests/sipp/tools/dialoginfo.c" "$ROOT/modules/gcp/gcp_dialoginfo.c" || return 1
	fi
	"$bin" "$@"
}

# The NOTIFYs a party received, checked: every one is a SIP NOTIFY for
# Event: dialog whose body (if any) is a well-formed RFC 4235 document;
# prints for NOTIFY number <n> a line
#   <n> <Subscription-State> <entity> <number of dialogs>
# and one line per dialog
#   <n>: id=<> call-id=<> local-tag=<> remote-tag=<> direction=<> state=<> remote-target=<>
# blf_notifies <party> (exit 1 and a reason when one is not well-formed)
blf_notifies() {
	python3 - "$T_DIR/$1.msg" <<-'EOF'
		import re, sys
		import xml.etree.ElementTree as ET
		NS = "{urn:ietf:params:xml:ns:dialog-info}"
		text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
		# SIPp's trace: a "message received" line, the message, a line of dashes
		msgs = re.findall(r"message received[^\n]*\n(.*?)(?=\n-{10,}|\Z)", text, re.S)
		n = 0
		bad = 0
		for m in msgs:
		    m = m.lstrip("\r\n")
		    if not m.startswith("NOTIFY "):
		        continue
		    n += 1
		    head, _, body = m.replace("\r\n", "\n").partition("\n\n")
		    hdrs = {}
		    for line in head.split("\n")[1:]:
		        k, _, v = line.partition(":")
		        hdrs.setdefault(k.strip().lower(), v.strip())
		    ev = hdrs.get("event", hdrs.get("o", ""))
		    if not re.match(r"dialog\b", ev):
		        print("NOTIFY %d: Event %r" % (n, ev)); bad = 1
		    ss = hdrs.get("subscription-state", "-").split(";")[0]
		    body = body.strip()
		    if not body:
		        print("%d %s - 0" % (n, ss)); continue
		    ct = hdrs.get("content-type", hdrs.get("c", ""))
		    if ct.split(";")[0].strip().lower() != "application/dialog-info+xml":
		        print("NOTIFY %d: Content-Type %r" % (n, ct)); bad = 1
		    try:
		        root = ET.fromstring(body.encode("utf-8"))
		    except ET.ParseError as e:
		        print("NOTIFY %d: not well-formed: %s\n%s" % (n, e, body)); bad = 1; continue
		    if root.tag != NS + "dialog-info":
		        print("NOTIFY %d: root %s" % (n, root.tag)); bad = 1
		    for a in ("version", "state", "entity"):
		        if a not in root.attrib:
		            print("NOTIFY %d: no %s attribute" % (n, a)); bad = 1
		    if not root.attrib.get("version", "").isdigit():
		        print("NOTIFY %d: version %r" % (n, root.attrib.get("version"))); bad = 1
		    if root.attrib.get("state") not in ("full", "partial"):
		        print("NOTIFY %d: state %r" % (n, root.attrib.get("state"))); bad = 1
		    dialogs = root.findall(NS + "dialog")
		    if len(dialogs) != len(list(root)):
		        print("NOTIFY %d: other children than dialog" % n); bad = 1
		    out = ["%d %s %s %d" % (n, ss, root.attrib.get("entity"), len(dialogs))]
		    for d in dialogs:
		        if not d.attrib.get("id"):
		            print("NOTIFY %d: a dialog without id" % n); bad = 1
		        if d.attrib.get("direction", "recipient") not in ("initiator", "recipient"):
		            print("NOTIFY %d: direction %r" % (n, d.attrib["direction"])); bad = 1
		        kids = [c.tag[len(NS):] if c.tag.startswith(NS) else c.tag for c in d]
		        if not kids or kids[0] != "state":
		            print("NOTIFY %d: dialog children %s (state first)" % (n, kids)); bad = 1
		        order = ["state", "duration", "replaces", "referred-by", "route-set", "local", "remote"]
		        known = [k for k in kids if k in order]
		        if known != sorted(known, key=order.index) or len(set(known)) != len(known):
		            print("NOTIFY %d: dialog children out of order: %s" % (n, kids)); bad = 1
		        st = (d.findtext(NS + "state") or "").strip()
		        if st not in ("trying", "proceeding", "early", "confirmed", "terminated"):
		            print("NOTIFY %d: state %r" % (n, st)); bad = 1
		        rt = d.find(NS + "remote/" + NS + "target")
		        out.append("%d: id=%s call-id=%s local-tag=%s remote-tag=%s direction=%s state=%s remote-target=%s" % (
		            n, d.attrib.get("id"), d.attrib.get("call-id", "-"), d.attrib.get("local-tag", "-"),
		            d.attrib.get("remote-tag", "-"), d.attrib.get("direction", "-"), st,
		            rt.attrib.get("uri", "-") if rt is not None else "-"))
		    print("\n".join(out))
		sys.exit(bad)
	EOF
}

# wait until a party received <n> NOTIFYs (at most 5 s): blf_wait <party> <n>
blf_wait() {
	local i
	for i in $(seq 1 50); do
		local got
		got=$(grep -c '^NOTIFY ' "$T_DIR/$1.msg" 2>/dev/null)
		[ "${got:-0}" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "  $1 got fewer than $2 NOTIFYs in 5 s"
	return 1
}

# A BLF key on member 1001: the watcher's SUBSCRIBE gets 200/202 and a
# NOTIFY with a well-formed dialog-info document and no live dialog
# (nothing is published yet); a PUBLISH of what gcp will publish for a
# call ringing at 1001 (gcp_dialoginfo_member()'s document) reaches the
# presence server, and the watcher gets a NOTIFY with that dialog:
# call-id, local-tag, remote-tag, direction, state early and the
# directed-pickup remote target as published. When the same dialog is
# published terminated (gcp_dialoginfo_member(), GCP_DI_TERMINATED), the
# watcher's NOTIFY has it terminated: the lamp goes dark.
t_blf_member_publish() {
	[ -n "${GCP_PRESENCE_DB:-}" ] || { echo "  no presence database"; return 1; }
	local callid="blfcall-$$-$RANDOM@127.0.0.1" ltag="membertag$RANDOM" rtag="callertag$RANDOM"
	local body id="gcp-$RANDOM"
	body=$(blf_di member 1001 127.0.0.1 '**' "$id" "$callid" "$ltag" "$rtag" \
		sip:3001@127.0.0.1 'Caller "3001" <&>' 1) || { echo "  the builder failed"; return 1; }
	printf '%s\n' "$body" >"$T_DIR/published.xml"
	blf_di terminated-member 1001 127.0.0.1 '**' "$id" "$callid" "$ltag" "$rtag" \
		sip:3001@127.0.0.1 'Caller "3001" <&>' 2 >"$T_DIR/published2.xml" || { echo "  the builder failed"; return 1; }
	python3 - "$SCEN/blf_publisher.xml" "$T_DIR/blf_publisher.xml" "$T_DIR/published.xml" "$T_DIR/published2.xml" <<-'EOF' || return 1
		import sys
		tpl = open(sys.argv[1]).read()
		for mark, f in (("@BODY@", sys.argv[3]), ("@BODY2@", sys.argv[4])):
		    body = open(f).read().strip("\n")
		    assert "]]>" not in body and "[" not in body, "body not fit for a SIPp CDATA section"
		    tpl = tpl.replace(mark, body)
		open(sys.argv[2], "w").write(tpl)
	EOF
	uac watcher blf_watcher.xml 5401 1001 -key from 2001
	blf_wait watcher 1 || { sipp_kill_all; return 1; }
	uac publisher "$T_DIR/blf_publisher.xml" 5402 1001
	sw || return 1
	local n
	n=$(blf_notifies watcher) || { echo "$n" | sed 's/^/  /'; return 1; }
	echo "$n" | sed 's/^/  notify: /'
	[ "$(grep -c '^[0-9]* ' <<<"$n")" -eq 4 ] || { echo "  expected 4 NOTIFYs"; return 1; }
	# (publications of earlier tests, in other modes, may still be there,
	# terminated: each test publishes a dialog of its own)
	local live='state=(trying|proceeding|early|confirmed)'
	# before our PUBLISH: no live dialog (with nothing published at all,
	# presence_dialoginfo's force_dummy_dialog placeholder, one
	# terminated dialog)
	expect "the first NOTIFY" "$(grep '^1 ' <<<"$n")" '^1 active sip:1001@127.0.0.1 [0-9]+$' || return 1
	expect_not "the first NOTIFY" "$(grep '^1:' <<<"$n")" "$live" || return 1
	# the published dialog, as published, and no other live one
	expect "the NOTIFY after the PUBLISH" "$(grep '^2 ' <<<"$n")" '^2 active sip:1001@127.0.0.1 [1-9]' || return 1
	expect "the NOTIFY after the PUBLISH" "$(grep '^2:' <<<"$n")" "^2: id=$id call-id=$callid local-tag=$ltag remote-tag=$rtag direction=recipient state=early remote-target=sip:\*\*1001@127.0.0.1\$" || return 1
	expect_not "the NOTIFY after the PUBLISH" "$(grep '^2:' <<<"$n" | grep -v "^2: id=$id ")" "$live" || return 1
	# the published display name came through escaped and intact
	expect "the NOTIFY after the PUBLISH" "$(awk '/^NOTIFY /{c++} c==2' "$T_DIR/watcher.msg")" 'display="Caller &quot;3001&quot; &lt;&amp;&gt;"' || return 1
	# the same dialog published terminated: the lamp goes dark
	expect "the NOTIFY after the terminated PUBLISH" "$(grep '^3:' <<<"$n")" "^3: id=$id call-id=$callid local-tag=$ltag remote-tag=$rtag direction=recipient state=terminated " || return 1
	expect_not "the NOTIFY after the terminated PUBLISH" "$(grep '^3:' <<<"$n")" "$live" || return 1
	expect "the last NOTIFY" "$(grep '^4 ' <<<"$n")" '^4 terminated ' || return 1
}

ALL_TESTS="$ALL_TESTS blf_subscribe_auth"
modes_blf_subscribe_auth() { echo auth; }

# WITH_AUTH: what a NOTIFY says is enough to pick a call up (call-id and
# tags), so a BLF SUBSCRIBE without credentials is challenged, from one of
# our users and from a stranger alike.
t_blf_subscribe_auth() {
	uac local blf_subscribe_refused.xml 5403 1001 -key from 2001@127.0.0.1
	uac stranger blf_subscribe_refused.xml 5404 1001 -key from 2001@stranger.example
	sw || return 1
	expect "the 407" "$(msg local '^SIP/2.0 407')" '^Proxy-Authenticate: Digest realm="127.0.0.1"' || return 1
	expect "the 407" "$(msg stranger '^SIP/2.0 407')" '^Proxy-Authenticate: Digest realm="127.0.0.1"' || return 1
}

# ---- gcp's own publishing (modparam publish=members,groups in the sample
# cfg with the presence stack). A BLF phone is blf_phone_watch.xml: it
# writes what its early dialog said to a file; the phone's pickup (another
# SIPp party) is started from that file, so every value it sends comes
# from the NOTIFY body. ----

# a BLF phone on <presentity>: blf_key <name> <port> <presentity> <user>;
# its log (what its key read) is $T_DIR/<name>.lamp
blf_key() {
	uac "$1" blf_phone_watch.xml "$2" "$3" -key from "$4" -trace_logs -log_file "$T_DIR/$1.lamp"
}

# wait (8 s at most) until the key of a BLF phone blinks, and read what it
# read: blf_lamp <name>; sets LAMP_CID LAMP_LTAG LAMP_RTAG LAMP_TARGET
blf_lamp() {
	local i line=
	for i in $(seq 1 80); do
		line=$(grep -m1 -E 'LAMP [^ ]+ [^ ]* [^ ]+ [^ ]+' "$T_DIR/$1.lamp" 2>/dev/null) && break
		sleep 0.1
	done
	[ -n "$line" ] || { echo "  the key of $1 never blinked (no early dialog notified in 8 s)"; return 1; }
	read -r LAMP_CID LAMP_LTAG LAMP_RTAG LAMP_TARGET <<<"${line#*LAMP }"
}

# no early dialog came back after the dark NOTIFY
blf_not_relit() {
	! grep -q RELIT "$T_DIR/$1.lamp" 2>/dev/null || fail "$1's key blinked again after it went dark"
}

# PUBLISHes this Kamailio received (its own, through pua: on the wire)
publishes() { kc stats.get_statistics all | sed -n 's/^core:rcv_requests_publish = //p'; }

# the NOTIFYs of a watcher: all well-formed; the one that made the key
# blink has exactly the dialog of the call (call-id, tags, recipient,
# remote target); a later one has that dialog terminated and none early.
# blf_lamp_checked <watcher> <Call-ID> <member To tag> <caller tag> <remote target>
blf_lamp_checked() {
	local n esc
	n=$(blf_notifies "$1") || { echo "$n" | sed 's/^/  /'; return 1; }
	echo "$n" | sed 's/^/  notify: /'
	esc=$(printf '%s' "$2" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
	expect "the blinking NOTIFY" "$n" "^[0-9]+: id=gcp-[0-9a-f]{16} call-id=$esc local-tag=$3 remote-tag=$4 direction=recipient state=early remote-target=$(printf '%s' "$5" | sed 's/[*.]/\\&/g')\$" || return 1
	local id
	id=$(grep -E "call-id=$esc .*state=early" <<<"$n" | head -n 1 | sed 's/.* id=\([^ ]*\) .*/\1/')
	expect "the dark NOTIFY" "$n" "^[0-9]+: id=$id call-id=$esc local-tag=$3 remote-tag=$4 direction=recipient state=terminated " || return 1
	# after the dark one, nothing early (the last NOTIFYs)
	local last
	last=$(grep -E "^[0-9]+: id=$id .*state=terminated" <<<"$n" | tail -n 1 | cut -d: -f1)
	expect_not "the NOTIFYs after the dark one" "$(awk -F: -v l="$last" '$1 ~ /^[0-9]+$/ && $1 + 0 >= l + 0' <<<"$n")" 'state=early' || return 1
}

ALL_TESTS="$ALL_TESTS blf_lamp_cancel"
modes_blf_lamp_cancel() { echo inject; }
# A key on member 1010 blinks while a call rings there, with exactly that
# call's dialog (as the caller and the member's phone saw it), and goes
# dark when the caller hangs up.
t_blf_lamp_cancel() {
	local before
	before=$(publishes)
	reg 1010 5106
	uas m member_cancelled.xml 5106
	blf_key w 5405 1010 2001
	blf_wait w 1 || { sipp_kill_all; return 1; }
	uac c caller_cancel.xml 5206 1010 -key from 3001 -key tag tagBlc -key contact_port 5206 -key supported replaces -recv_timeout 2000
	blf_lamp w || { sipp_kill_all; return 1; }
	# one lamp lit: the member's (nobody watches group 7001)
	[ "$(stat lamps)" = 1 ] || { fail "gcp:lamps is $(stat lamps) while 1010's key blinks"; sipp_kill_all; return 1; }
	sw || return 1
	[ "$(stat lamps)" = 0 ] || fail "gcp:lamps is $(stat lamps) once the key is dark and its publication removed" || return 1
	blf_not_relit w || return 1
	blf_lamp_checked w "$(call_id_of c)" "$(to_tag_of c)" tagBlc 'sip:**1010@127.0.0.1' || return 1
	expect "what the key read" "$LAMP_CID $LAMP_LTAG $LAMP_RTAG $LAMP_TARGET" "^$(call_id_of c | sed 's/[.]/\\./g') $(to_tag_of c) tagBlc sip:\*\*1010@127\.0\.0\.1\$" || return 1
	# on the wire: early, terminated, removal (the count blf_no_watchers
	# and blf_not_published rely on)
	[ "$(publishes)" -eq $((before + 3)) ] || fail "PUBLISHes: $before before, $(publishes) after (expected 3 more)" || return 1
	expect_no_calls
}

# A desk phone picks a call up from what its BLF key was notified, the way
# its vendor documents (README.md, "BLF keys on desk phones"; docs/INTEROP.md):
#   yealink  "Dialog Info Call Pickup": an INVITE to the monitored URI with
#            Replaces: <call-id>;to-tag=<local-tag>;from-tag=<remote-tag>
#            (the dialog as the monitored phone holds it);
#   polycom  one-touch directed pickup (call.directedCallPickupMethod
#            native): an INVITE to the dialog's remote target with
#            Replaces: <call-id>;to-tag=<remote-tag>;from-tag=<local-tag>;early-only
#            (RFC 3891's orientation, the caller's side);
#   snom     callpickup_dialoginfo: a call to the remote target (no Replaces);
#   group    a key on the group's number: calls the group doc's remote target.
# blf_phone_pickup <brand> <key presentity> <member> <caller tag> <expected remote target>
blf_phone_pickup() {
	local brand=$1 key=$2 member=$3 tag=$4 target=$5 picked
	reg "$member" 5106
	uas m member_picked.xml 5106
	blf_key w 5405 "$key" 2001
	blf_wait w 1 || { sipp_kill_all; return 1; }
	uac c caller_picked.xml 5206 "$member" -key from 3001 -key tag "$tag" -key contact_port 5206 -d 300
	blf_lamp w || { sipp_kill_all; return 1; }
	expect "the key's remote target" "$LAMP_TARGET" "^$(printf '%s' "$target" | sed 's/[*.]/\\&/g')\$" || { sipp_kill_all; return 1; }
	# the user part of a sip: URI
	local tuser=${LAMP_TARGET#sip:}
	tuser=${tuser%%@*}
	picked=$(stat picked)
	uas ph picker_phone.xml 5302
	case $brand in
	yealink)
		uac b picker_replaces_any.xml 5301 "$key" -key from 2002 \
			-key rhdr "$LAMP_CID;to-tag=$LAMP_LTAG;from-tag=$LAMP_RTAG" -key contact_port 5302 ;;
	polycom)
		uac b picker_replaces_any.xml 5301 "$tuser" -key from 2002 \
			-key rhdr "$LAMP_CID;to-tag=$LAMP_RTAG;from-tag=$LAMP_LTAG;early-only" -key contact_port 5302 ;;
	snom | group)
		uac b picker_inject.xml 5301 "$tuser" -key from 2002 -key contact_port 5302 ;;
	esac
	sw || return 1
	expect "the phone's pickup reply" "$(msg b '^SIP/2.0 [3-6]' | grep -m1 '^SIP/2.0')" '^SIP/2.0 487 ' || return 1
	expect "the call on the picker's phone" "$(msg ph '^INVITE ')" "^From: .*;tag=$tag" || return 1
	[ "$(stat picked)" -eq $((picked + 1)) ] || fail "gcp:picked did not count the pickup" || return 1
	blf_not_relit w || return 1
	blf_lamp_checked w "$(call_id_of c)" "$(to_tag_of c)" "$tag" "$target" || return 1
	expect_no_calls
}

ALL_TESTS="$ALL_TESTS blf_yealink blf_polycom blf_snom blf_group_key"
modes_blf_yealink() { echo inject; }
modes_blf_polycom() { echo inject; }
modes_blf_snom() { echo inject; }
modes_blf_group_key() { echo inject; }
t_blf_yealink() {
	blf_phone_pickup yealink 1010 1010 tagBy 'sip:**1010@127.0.0.1' || return 1
	expect "the event" "$(grep 'picked up by' "$KLOG" | tail -n 1)" 'kind replaces'
}
t_blf_polycom() {
	blf_phone_pickup polycom 1010 1010 tagBp 'sip:**1010@127.0.0.1' || return 1
	expect "the event" "$(grep 'picked up by' "$KLOG" | tail -n 1)" 'kind replaces'
}
t_blf_snom() {
	blf_phone_pickup snom 1010 1010 tagBs 'sip:**1010@127.0.0.1' || return 1
	expect "the event" "$(grep 'picked up by' "$KLOG" | tail -n 1)" 'kind directed'
}
t_blf_group_key() {
	blf_phone_pickup group 7001 1010 tagBg 'sip:7001@127.0.0.1' || return 1
	expect "the event" "$(grep 'picked up by' "$KLOG" | tail -n 1)" 'kind group'
}

ALL_TESTS="$ALL_TESTS blf_lamp_answer"
modes_blf_lamp_answer() { echo inject; }
# answered: the lamp goes dark (at the 200, before the call ends)
t_blf_lamp_answer() {
	reg 1010 5106
	uas m member_answer.xml 5106 -d 1500
	blf_key w 5405 1010 2001
	blf_wait w 1 || { sipp_kill_all; return 1; }
	uac c caller_picked.xml 5206 1010 -key from 3001 -key tag tagBa -key contact_port 5206 -d 2000
	blf_lamp w || { sipp_kill_all; return 1; }
	sw || return 1
	blf_not_relit w || return 1
	blf_lamp_checked w "$(call_id_of c)" "$(to_tag_of c)" tagBa 'sip:**1010@127.0.0.1' || return 1
	expect_no_calls
}

ALL_TESTS="$ALL_TESTS blf_lamp_expired"
modes_blf_lamp_expired() { echo inject; }
# max_ring_time: the call rings on, but is not pickable any more: the lamp
# goes dark while it still rings (within the timer's second)
t_blf_lamp_expired() {
	k_variant max-ring 'modparam("gcp", "max_ring_time", 2)' || return 1
	local r=0
	reg 1010 5106
	uas m member_cancelled.xml 5106
	blf_key w 5405 1010 2001
	blf_wait w 1 || r=1
	uac c caller_cancel.xml 5206 1010 -key from 3001 -key tag tagBe -key contact_port 5206 -key supported replaces -recv_timeout 6000
	blf_lamp w || r=1
	sleep 4.5
	# 4.5 s after the lamp lit: expired (2 s) and swept (1 s), still ringing
	expect_not "the member's phone before the caller hangs up" "$(grep -E '^CANCEL ' "$T_DIR/m.msg")" 'CANCEL' || r=1
	local dark
	dark=$(awk '/^NOTIFY /{n++} n && /<state>terminated<\/state>/ {print n}' "$T_DIR/w.msg" | tail -n 1)
	[ -n "$dark" ] && [ "$dark" -ge 3 ] || { echo "  no dark NOTIFY 4.5 s after the lamp lit (max_ring_time 2 s)"; r=1; }
	sw || r=1
	[ $r = 0 ] && blf_lamp_checked w "$(call_id_of c)" "$(to_tag_of c)" tagBe 'sip:**1010@127.0.0.1' || r=1
	k_back
	return $r
}

ALL_TESTS="$ALL_TESTS blf_not_published"
modes_blf_not_published() { echo inject; }
# Calls that may not be picked up are never published, watched or not: a
# call from 1002's personal contact, a call to 1001's private line (1901)
t_blf_not_published() {
	local before after
	reg 1002 5102
	reg 1001 5101
	before=$(publishes)
	uac q1 blf_watch_quiet.xml 5406 1002 -key from 2001 -d 4000
	uac q2 blf_watch_quiet.xml 5407 1001 -key from 2001 -d 4000
	sleep 0.5
	uas m1 member_cancelled.xml 5102
	uas m2 member_cancelled.xml 5101
	uac c1 caller_cancel.xml 5202 1002 -key from +15550100 -key tag tagNp1 -key contact_port 5202 -key supported replaces -recv_timeout 2000
	uac c2 caller_cancel.xml 5201 1901 -key from 3001 -key tag tagNp2 -key contact_port 5201 -key supported replaces -recv_timeout 2000
	sw || return 1
	after=$(publishes)
	[ "$before" = "$after" ] || fail "PUBLISHes for calls that may not be picked up: $before before, $after after" || return 1
	expect_no_calls
}

ALL_TESTS="$ALL_TESTS blf_no_watchers"
modes_blf_no_watchers() { echo inject; }
# nobody watches: calls ring, one is picked up, one is cancelled, and not
# one PUBLISH crosses the wire (Kamailio receives its own)
t_blf_no_watchers() {
	local before after
	before=$(publishes)
	reg 1010 5106
	uas m member_picked.xml 5106
	ring_picked c 1010 3001 tagBn 5206
	sleep 0.5
	pick p 7001 2001 5301 5302
	sw || return 1
	picked_from p tagBn || return 1
	after=$(publishes)
	[ -n "$before" ] && [ "$before" = "$after" ] || fail "PUBLISHes with no watcher: $before before, $after after" || return 1
	expect_no_calls
}

ALL_TESTS="$ALL_TESTS blf_group_oldest"
modes_blf_group_oldest() { echo inject; }
# a group key shows the group's oldest pickable call; when that one is
# picked up it shows the next; dark when none is left
t_blf_group_oldest() {
	reg 1010 5106
	reg 1001 5101
	uas m1 member_picked.xml 5106
	uas m2 member_cancelled.xml 5101
	blf_key w 5405 7001 2001
	blf_wait w 1 || { sipp_kill_all; return 1; }
	uac c1 caller_picked.xml 5206 1010 -key from 3001 -key tag tagGo1 -key contact_port 5206 -d 300
	sleep 0.3
	uac c2 caller_cancel.xml 5201 1001 -key from 3002 -key tag tagGo2 -key contact_port 5201 -key supported replaces -recv_timeout 3000
	blf_lamp w || { sipp_kill_all; return 1; }
	expect "the first call the key shows" "$LAMP_RTAG" '^tagGo1$' || { sipp_kill_all; return 1; }
	sleep 0.5
	pick p 7001 2002 5301 5302
	sw || return 1
	picked_from p tagGo1 || return 1
	local n
	n=$(blf_notifies w) || { echo "$n" | sed 's/^/  /'; return 1; }
	echo "$n" | sed 's/^/  notify: /'
	# in order: call 1 early, call 2 early (call 1 no more), call 2 terminated
	local seq
	seq=$(grep -E '^[0-9]+: ' <<<"$n" | sed -n 's/.* remote-tag=\([^ ]*\) .* state=\([a-z]*\) .*/\1:\2/p' | uniq | tr '\n' ' ')
	expect "what the group key showed" "$seq" '^(-:terminated )*(tagGo1:early )+(tagGo2:early )+(tagGo2:terminated )+(-:terminated )*$' || return 1
	expect "the group's dialog" "$n" "remote-target=sip:7001@127\.0\.0\.1\$" || return 1
	blf_not_relit w || return 1
	expect_no_calls
}

ALL_TESTS="$ALL_TESTS blf_watch_restored"
modes_blf_watch_restored() { echo inject; }
# gcp decides lamps only for presentities that a SUBSCRIBE named or whose
# subscription presence restored at start (the watch filter: a call
# nobody watches costs one bit test). A key subscribed before Kamailio
# restarts keeps its subscription (presence writes it to its database and
# restores it): the next call lights it, without a new SUBSCRIBE.
t_blf_watch_restored() {
	local r=0 seeded
	blf_key w 5405 1010 2001
	blf_wait w 1 || { sipp_kill_all; return 1; }
	k_back
	seeded=$(sed -n 's/.*lamps: presentities watched at start: \([0-9]*\) .*/\1/p' "$KLOG" | tail -n 1)
	[ "${seeded:-0}" -ge 1 ] || { fail "after the restart gcp seeded ${seeded:-no} watched presentities (the key on 1010 is subscribed)"; r=1; }
	reg 1010 5106
	uas m member_cancelled.xml 5106
	uac c caller_cancel.xml 5206 1010 -key from 3001 -key tag tagBw -key contact_port 5206 -key supported replaces -recv_timeout 2000
	blf_lamp w || r=1
	sw || r=1
	[ $r = 0 ] && blf_lamp_checked w "$(call_id_of c)" "$(to_tag_of c)" tagBw 'sip:**1010@127.0.0.1' || r=1
	[ $r = 0 ] && expect_no_calls || r=1
	return $r
}

ALL_TESTS="$ALL_TESTS blf_watch_seed_pages"
modes_blf_watch_seed_pages() { echo inject; }
# The watch filter's seed read in pages: presence on PostgreSQL (a server
# of the test's own, tests/lib/pg.sh; db_postgres fetches rows in pages)
# with 2,500 dialog subscriptions and 10 of another event in its
# active_watchers: at start gcp marks exactly the 2,500 (3 pages of 1,000).
t_blf_watch_seed_pages() {
	local r=0 seeded
	PG_DIR=$T_DIR/pg
	. "$ROOT/tests/lib/pg.sh"
	pg_init >"$T_DIR/pg-init.log" 2>&1 || { cat "$T_DIR/pg-init.log"; fail "PostgreSQL did not start"; return 1; }
	# (pg_init made gcp's tables and Kamailio's version table)
	"$PG_BIN/psql" -X -q -U kamailio -d gcp -v ON_ERROR_STOP=1 -f /usr/share/kamailio/postgres/presence-create.sql >/dev/null &&
		psql_gcp "INSERT INTO active_watchers (presentity_uri, watcher_username, watcher_domain, to_user, to_domain,
				event, callid, to_tag, from_tag, local_cseq, remote_cseq, contact, record_route, expires, status,
				reason, version, socket_info, local_contact, from_user, from_domain, updated, updated_winfo)
			SELECT 'sip:u' || g || '@127.0.0.1', 'w', '127.0.0.1', 'u' || g, '127.0.0.1',
				CASE WHEN g <= 2500 THEN 'dialog' ELSE 'presence' END, 'seed' || g, 't' || g, 'f' || g, 1, 1,
				'sip:w@127.0.0.1:5999', '', extract(epoch from now())::int + 3000, 1, '', 1,
				'udp:$KADDR', 'sip:$KADDR', 'w', '127.0.0.1', 0, 0
			FROM generate_series(1, 2510) g" ||
		{ pg_halt; fail "presence's tables not created on PostgreSQL"; return 1; }
	GCP_PRESENCE_DB=$PG_URL k_start "$MODE" -A WITH_DB -A 'GCP_DB_MODULE="db_postgres.so"' -A "GCP_DB_URL=\"$PG_URL\"" >/dev/null ||
		{ pg_halt; fail "Kamailio did not start with presence on PostgreSQL"; k_back; return 1; }
	seeded=$(sed -n 's/.*lamps: presentities watched at start: \([0-9]*\) .*/\1/p' "$KLOG" | tail -n 1)
	[ "$seeded" = 2500 ] || { fail "gcp seeded ${seeded:-no} watched presentities from presence's table, not 2500"; r=1; }
	k_back
	pg_halt
	return $r
}
