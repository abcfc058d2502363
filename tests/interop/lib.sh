#!/usr/bin/env bash
# Helpers for the interop suite: real SIP clients (baresip, linphonec,
# twinkle-console) and SIPp parties around a real Kamailio running
# cfg/kamailio.cfg, with a capture of what crossed the wire.
#
# Everything listens on 127.0.0.1: Kamailio on $GCP_TEST_KPORT, the
# clients and SIPp parties on the interop ports of tests/lib/ports.sh only
# (SIP, RTP and SIPp's control ports), so that other test runs on the
# machine are not disturbed.

IDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$IDIR/../lib/ports.sh"
suite_env interop
# shellcheck source=../sipp/lib.sh
. "$IDIR/../sipp/lib.sh"

# ---- ports -------------------------------------------------------------
# SIPp parties: SIP port, RTP echo port (SIPp also takes +2), control port
P_MEMBER=5750 MP_MEMBER=5850 CP_MEMBER=5890
P_CALLER=5760 MP_CALLER=5854 CP_CALLER=5891
P_CALLERUA=5761 MP_CALLERUA=5858 CP_CALLERUA=5892
P_PICKER=5770 MP_PICKER=5862 CP_PICKER=5893
P_PHONE=5771 MP_PHONE=5866 CP_PHONE=5894
# the clients: SIP port and RTP ports
declare -A CL_PORT=([baresip]=5710 [linphone]=5720 [twinkle]=5730)
declare -A CL_RTP=([baresip]=5800 [linphone]=5810 [twinkle]=5830)
BARESIP_CONS=5714

CLIENTS="baresip linphone twinkle"

# ---- SIPp parties ------------------------------------------------------
PARTY_PIDS=()
PARTY_NAMES=()

# party <name> <scenario> <port> <rtp port> <ctrl port> [sipp options...]
# (a scenario of tests/scenarios: interop_*.xml)
# (a UAS; give "-s user" and the target for a UAC: see call_party)
party() {
	local name=$1 scen=$2 port=$3 mp=$4 cp=$5
	shift 5
	sipp -sf "$(scen_path "$scen")" -i 127.0.0.1 -p "$port" -mp "$mp" -cp "$cp" -rtp_echo \
		-m 1 -nostdin -timeout "${PARTY_TIMEOUT:-25}s" -timeout_error \
		-trace_msg -trace_err -message_file "$T_DIR/$name.msg" \
		-error_file "$T_DIR/$name.err" "$@" >"$T_DIR/$name.out" 2>&1 &
	PARTY_PIDS+=($!)
	PARTY_NAMES+=("$name")
}

# call_party <name> <scenario> <port> <rtp port> <ctrl port> <ruri user> [options]
call_party() {
	local name=$1 scen=$2 port=$3 mp=$4 cp=$5 user=$6
	shift 6
	party "$name" "$scen" "$port" "$mp" "$cp" -s "$user" "$@" "$KADDR"
}

# party_wait <name> <seconds>: wait until that party ended (its exit code in
# $T_DIR/<name>.rc); 1 when it still runs after that time
party_wait() {
	local name=$1 secs=$2 i pid=""
	for i in "${!PARTY_NAMES[@]}"; do
		[ "${PARTY_NAMES[$i]}" = "$name" ] && pid=${PARTY_PIDS[$i]}
	done
	[ -n "$pid" ] || return 0
	local end=$((SECONDS + secs))
	while kill -0 "$pid" 2>/dev/null; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	echo $? >"$T_DIR/$name.rc"
	return 0
}

# parties_end <seconds>: wait for every party, then end those still running
parties_end() {
	local secs=$1 i
	for i in "${!PARTY_NAMES[@]}"; do
		if ! party_wait "${PARTY_NAMES[$i]}" "$secs"; then
			kill "${PARTY_PIDS[$i]}" 2>/dev/null
			wait "${PARTY_PIDS[$i]}" 2>/dev/null
			echo killed >"$T_DIR/${PARTY_NAMES[$i]}.rc"
		fi
		secs=1
	done
	PARTY_PIDS=()
	PARTY_NAMES=()
}

# the first message a party received whose start line matches: pmsg <name> <re>
pmsg() { msg "$@"; }

# ---- the wire ----------------------------------------------------------
CAP_PID=

cap_start() {
	tcpdump -i lo -nn -U -s 0 -w "$T_DIR/wire.pcap" \
		"port $KPORT or portrange ${PARTY_PORTS[interop]}" 2>"$T_DIR/tcpdump.err" &
	CAP_PID=$!
	local i
	for i in $(seq 1 50); do
		grep -q 'listening on' "$T_DIR/tcpdump.err" 2>/dev/null && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "  tcpdump did not start:"
	sed 's/^/    /' "$T_DIR/tcpdump.err"
	return 1
}

cap_stop() {
	if [ -n "$CAP_PID" ]; then
		sleep 0.2
		kill -INT "$CAP_PID" 2>/dev/null
		wait "$CAP_PID" 2>/dev/null
		CAP_PID=
	fi
	python3 "$IDIR/wire.py" "$T_DIR/wire.pcap" "$T_DIR/wire"
}

# wmsg <src port|any> <dst port|any> <start line regexp> [nth, default 1]
# [body regexp]: the nth SIP message on the wire from src to dst whose start
# line matches (and whose text matches body regexp), printed whole
wmsg() {
	awk -v src="$1" -v dst="$2" -v re="$3" -v nth="${4:-1}" -v body="${5:-}" '
		function flush() {
			if (cur && (body == "" || buf ~ body)) {
				n++
				if (n == nth) { printf "%s", buf; found = 1; exit }
			}
		}
		/^=== / {
			flush()
			cur = 0; buf = ""; first = 1
			if ((src == "any" || $3 == src) && (dst == "any" || $5 == dst)) cur = 1
			next
		}
		{
			if (first) { if ($0 !~ re) cur = 0; first = 0 }
			if (cur) buf = buf $0 "\n"
		}
		END { if (!found) flush() }
	' "$T_DIR/wire.sip"
}

# hdr <header name> (stdin: one message): its first value, without CR
hdr() {
	sed -n "s/^$1: *//Ip" | head -n 1 | tr -d '\r'
}

# rtp <src port lo> <src port hi> <dst port>: packets that flowed
rtp() {
	awk -v lo="$1" -v hi="$2" -v dst="$3" \
		'$1 >= lo && $1 <= hi && $3 == dst { n += $4 } END { print n + 0 }' "$T_DIR/wire.rtp"
}

# ---- the clients -------------------------------------------------------
# cl_start <client> <user> <register 0|1> <auto-answer 0|1>
# cl_dial <client> <uri>, cl_hangup <client>, cl_stop <client>
# $T_DIR/<client>/out.txt is what the client printed (its own view).
declare -A CL_PID=()
declare -A CL_FD=()

cl_dir() { echo "$T_DIR/$1"; }

cl_start() {
	local c=$1 user=$2 reg=$3 aa=$4 d
	d=$(cl_dir "$c")
	rm -rf "$d"
	mkdir -p "$d"
	"${c}_start" "$d" "$user" "$reg" "$aa" || return 1
	# ready: its SIP port is open, and it is registered when it should be
	local i
	for i in $(seq 1 100); do
		if ss -Hlun "sport = :${CL_PORT[$c]}" 2>/dev/null | grep -q . &&
			{ [ "$c" != baresip ] || grep -q 'baresip is ready' "$d/out.txt"; }; then
			if [ "$reg" = 0 ] || kc ul.lookup location "s:$user" 2>/dev/null | grep -q "${CL_PORT[$c]}"; then
				return 0
			fi
		fi
		if ! kill -0 "${CL_PID[$c]}" 2>/dev/null; then
			echo "  $c exited at start:"
			tail -n 20 "$d/out.txt" | sed 's/^/    /'
			return 1
		fi
		sleep 0.1
	done
	echo "  $c did not become ready (registered: $reg):"
	tail -n 20 "$d/out.txt" | sed 's/^/    /'
	return 1
}

cl_cmd() { # <client> <command line>
	local c=$1
	shift
	case $c in
	baresip) printf '%s\n' "$*" >"/dev/udp/127.0.0.1/$BARESIP_CONS" ;;
	*) printf '%s\n' "$*" >&"${CL_FD[$c]}" ;;
	esac
}

cl_dial() {
	case $1 in
	baresip) cl_cmd baresip "/dial $2" ;;
	linphone) cl_cmd linphone "call $2" ;;
	twinkle) cl_cmd twinkle "call $2" ;;
	esac
}

# hang up every call the client has (ringing, early or established)
cl_hangup() {
	local i
	case $1 in
	baresip) for i in 1 2 3; do cl_cmd baresip "/hangup"; sleep 0.1; done ;;
	linphone) cl_cmd linphone "terminate all" ;;
	twinkle) for i in 1 2; do cl_cmd twinkle "line $i"; cl_cmd twinkle "bye"; sleep 0.1; done ;;
	esac
}

# answer the ringing call by hand, as a user would
cl_answer() {
	case $1 in
	baresip) cl_cmd baresip "/accept" ;;
	linphone) cl_cmd linphone "answer" ;;
	twinkle) cl_cmd twinkle "answer" ;;
	esac
}

# what the client itself reports, one event a line:
#   ringing [<uri>] | incoming <uri> | answering <uri> | established <uri>
#   | closed <uri>: <why> | media-to <port> (where it sends its RTP)
#   | replaced-own-call | history <what>
cl_view() {
	local c=$1 d
	d=$(cl_dir "$c")
	case $c in
	baresip)
		sed -n -e 's/\x1b\[[0-9;]*m//g' \
			-e 's/.*Incoming call from: *\([^ ]*\).*/incoming \1/p' \
			-e 's/^call: SIP Progress: 18[03] .*/ringing/p' \
			-e 's/.*answering call on line [0-9]* from \([^ ]*\).*/answering \1/p' \
			-e 's/.*Call established: *\([^ ]*\).*/established \1/p' \
			-e 's/^\([^ ]*\): session closed: \(.*\)/closed \1: \2/p' \
			-e 's/.*starting RTCP with remote 127.0.0.1:\([0-9]*\).*/rtcp-to \1/p' \
			"$d/out.txt" | tr -d '\r' |
			awk '$1 == "rtcp-to" { print "media-to " $2 - 1; next } { print }'
		;;
	linphone)
		{
			sed -n -e 's/.*Receiving new incoming call from \([^,]*\),.*/incoming \1/p' \
				-e 's/.*Call [0-9]* to \([^ ]*\) ringing\..*/ringing \1/p' \
				-e 's/.*Call [0-9]* with \([^ ]*\) connected\..*/established \1/p' \
				-e 's/.*Call [0-9]* with \([^ ]*\) ended (\(.*\))\..*/closed \1: \2/p' \
				-e 's/.*Call [0-9]* with \([^ ]*\) error\..*/closed \1: error/p' \
				-e 's/.*Call [0-9]* to \([^ ]*\) error\..*/closed \1: error/p' \
				-e 's/^Status: \(.*\)/history \1/p' "$d/out.txt"
			sed -n 's/.*RtpSession.*sending to rtp .*:\([0-9][0-9]*\) rtcp.*/media-to \1/p' "$d/debug.log"
		} | tr -d '\r'
		;;
	twinkle)
		{
			awk '/Line [0-9]*: incoming call/ { inc = 1; next }
				inc && /^From:/ { print "incoming " $2; inc = 0; next }
				/Line [0-9]*: received 18[03] / { print "ringing" }
				/far end answered call/ { print "established (far end answered)" }
				/Line [0-9]*: far end ended call/ { print "closed: far end ended call" }
				/Line [0-9]*: far end cancelled call/ { print "closed: far end cancelled call" }
				/Line [0-9]*: call failed/ { print "closed: call failed" }
				/Line [0-9]*: call established/ { print "established" }
				' "$d/out.txt"
			sed -n -e 's/^Send RTP to: 127.0.0.1:\([0-9]*\).*/media-to \1/p' \
				-e 's/^End call due to Replaces header.*/replaced-own-call/p' \
				"$d/home/.twinkle/twinkle.log"
			[ -f "$d/home/.twinkle/twinkle.ch" ] && awk -F'|' '!/^#/ {
				print "history " $4 " " ($2 == 0 ? "unanswered" : "answered") " " $16 " " $17 }' \
				"$d/home/.twinkle/twinkle.ch"
		} | tr -d '\r'
		;;
	esac
}

# a marker in the capture: mark <text>
mark() {
	printf 'MARK %s' "$*" >/dev/udp/127.0.0.1/5899 2>/dev/null
	sleep 0.05
}

cl_stop() {
	local c=$1 pid=${CL_PID[$1]:-} i
	[ -n "$pid" ] || return 0
	case $c in
	baresip) cl_cmd baresip "/quit" ;;
	*) cl_cmd "$c" "quit" ;;
	esac
	for i in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	sleep 0.1
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -n "${CL_FD[$c]:-}" ]; then
		exec {CL_FD[$c]}>&-
		unset "CL_FD[$c]"
	fi
	unset "CL_PID[$c]"
}

cl_version() {
	case $1 in
	baresip) dpkg-query -W -f='${Version}' baresip-core ;;
	linphone) dpkg-query -W -f='${Version}' linphone-cli ;;
	twinkle) dpkg-query -W -f='${Version}' twinkle-console ;;
	esac
}

# baresip: config and accounts in its own directory; commands through the
# cons module (UDP); SIP trace (-s) and verbose output in out.txt
baresip_start() {
	local d=$1 user=$2 reg=$3 aa=$4 regint=0 mode=manual
	[ "$reg" = 1 ] && regint=3600
	[ "$aa" = 1 ] && mode=auto
	cat >"$d/config" <<-EOF
		poll_method epoll
		sip_listen 127.0.0.1:${CL_PORT[baresip]}
		net_interface 127.0.0.1
		call_local_timeout 120
		call_max_calls 4
		audio_player alsa,null
		audio_alert alsa,null
		audio_source ausine,440
		ausrc_srate 48000
		ausrc_channels 2
		rtp_ports ${CL_RTP[baresip]}-$((CL_RTP[baresip] + 9))
		module_path /usr/lib/baresip/modules
		module g711.so
		module ausine.so
		module alsa.so
		module cons.so
		cons_listen 127.0.0.1:$BARESIP_CONS
		module_tmp account.so
		module_app menu.so
	EOF
	echo "<sip:$user@127.0.0.1>;outbound=\"sip:127.0.0.1:$KPORT\";regint=$regint;audio_codecs=pcmu;answermode=$mode" >"$d/accounts"
	stdbuf -oL -eL baresip -f "$d" -v -s </dev/null >"$d/out.txt" 2>&1 &
	CL_PID[baresip]=$!
}

# linphonec: its own HOME and rc file; commands through a FIFO on stdin
linphone_start() {
	local d=$1 user=$2 reg=$3 aa=$4 opt=()
	mkdir -p "$d/home/.local/share/linphone"
	cat >"$d/rc" <<-EOF
		[sip]
		sip_port=${CL_PORT[linphone]}
		sip_tcp_port=0
		sip_tls_port=0
		ipv6_enabled=0
		bind_address=127.0.0.1
		default_proxy=0
		register_only_when_network_is_up=0
		inc_timeout=60
		[rtp]
		audio_rtp_port=${CL_RTP[linphone]}-$((CL_RTP[linphone] + 9))
		video_rtp_port=$((CL_RTP[linphone] + 10))-$((CL_RTP[linphone] + 19))
		[video]
		enabled=0
		capture=0
		display=0
		[proxy_0]
		reg_proxy=<sip:127.0.0.1:$KPORT>
		reg_route=<sip:127.0.0.1:$KPORT;lr>
		reg_identity=sip:$user@127.0.0.1
		reg_expires=3600
		reg_sendregister=$reg
		publish=0
	EOF
	mkfifo "$d/cmd"
	[ "$aa" = 1 ] && opt=(-a)
	(cd "$d" && HOME=$d/home exec stdbuf -oL -eL linphonec -c "$d/rc" -d 6 -l "$d/debug.log" "${opt[@]}" \
		<"$d/cmd" >"$d/out.txt" 2>&1) &
	CL_PID[linphone]=$!
	exec {CL_FD[linphone]}>"$d/cmd"
}

# twinkle-console: its own HOME (~/.twinkle: system settings, one user
# profile); commands through a FIFO on stdin; the SIP log in twinkle.log
twinkle_start() {
	local d=$1 user=$2 reg=$3 aa=$4 atstart=no
	[ "$reg" = 1 ] && atstart=yes
	mkdir -p "$d/home/.twinkle"
	cat >"$d/home/.twinkle/twinkle.sys" <<-EOF
		dev_ringtone=alsa:null
		dev_speaker=alsa:null
		dev_mic=alsa:null
		validate_audio_dev=no
		log_max_size=20
		log_show_sip=yes
		log_show_stun=no
		log_show_memory=no
		log_show_debug=no
		sip_port=${CL_PORT[twinkle]}
		rtp_port=${CL_RTP[twinkle]}
		play_ringtone=no
		play_ringback=no
		call_waiting=yes
	EOF
	cat >"$d/home/.twinkle/u$user.cfg" <<-EOF
		user_name=$user
		user_domain=127.0.0.1
		outbound_proxy=127.0.0.1:$KPORT
		all_requests_to_proxy=yes
		registrar=127.0.0.1:$KPORT
		registration_time=3600
		register_at_startup=$atstart
		codecs=g711u,g711a
		sip_transport=udp
		ext_replaces=yes
		timer_noanswer=60
		pres_publish_startup=no
	EOF
	mkfifo "$d/cmd"
	(cd "$d" && HOME=$d/home exec stdbuf -oL -eL twinkle-console "$d/home/.twinkle/u$user.cfg" \
		<"$d/cmd" >"$d/out.txt" 2>&1) &
	CL_PID[twinkle]=$!
	exec {CL_FD[twinkle]}>"$d/cmd"
	if [ "$aa" = 1 ]; then
		sleep 0.3
		cl_cmd twinkle "auto_answer -a on"
	fi
}

# end what an earlier, interrupted run of this suite left behind (only
# processes whose command line names this suite's output directory)
cleanup_leftovers() {
	pkill -f -- "-message_file $OUT/" 2>/dev/null
	pkill -f -- "-f $OUT/" 2>/dev/null
	pkill -f -- "-c $OUT/" 2>/dev/null
	pkill -f -- "-w $OUT/" 2>/dev/null
	pkill -f -- "twinkle-console $OUT/" 2>/dev/null
	return 0
}
