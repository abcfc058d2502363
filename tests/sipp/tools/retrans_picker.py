#!/usr/bin/env python3
"""A BLF key's pickup INVITE that is retransmitted, for the test of issue
13 (replaces_retransmit): the same INVITE (same Via branch, Call-ID, tags,
CSeq) is sent twice at once, before any reply can come, and once more
after its final reply, as a phone does whose first copy or whose reply was
lost. (A SIPp scenario cannot: it takes a retransmitted final reply for a
lost message of its own and sends again.) Then it ends the attempt: an ACK
for a failure; for a 200 (the caller's UA took the Replaces INVITE) an ACK
and, after a moment, a BYE along the Record-Route.

Every reply it gets is written to <log>, one line each: "<code> <CSeq
method> <Call-ID> <Via branch>" (a 200 retransmitted by the caller's UA
too, and the reply to the BYE).

usage: retrans_picker.py <port> <proxy host:port> <R-URI user> <from user>
                         <contact port> <Replaces value> <log>
Exit 0 when the attempt got a final reply, 1 otherwise.
"""
import socket
import sys
import time
import uuid

port, proxy, ruser, fuser, cport, replaces, log_path = sys.argv[1:8]
phost, pport = proxy.split(":")
dst = (phost, int(pport))
me = "127.0.0.1:%s" % port
cid = "rtx-%s@127.0.0.1" % uuid.uuid4().hex[:12]
branch = "z9hG4bK-rtx-" + uuid.uuid4().hex[:12]
ftag = "rtx" + uuid.uuid4().hex[:8]
ruri = "sip:%s@%s" % (ruser, proxy)
sdp = ("v=0\r\no=blf 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
       "t=0 0\r\nm=audio 42000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
invite = ("INVITE %s SIP/2.0\r\n"
          "Via: SIP/2.0/UDP %s;branch=%s\r\n"
          "From: <sip:%s@127.0.0.1>;tag=%s\r\n"
          "To: <%s>\r\n"
          "Call-ID: %s\r\n"
          "CSeq: 1 INVITE\r\n"
          "Contact: <sip:%s@127.0.0.1:%s>\r\n"
          "Replaces: %s\r\n"
          "Max-Forwards: 70\r\n"
          "Content-Type: application/sdp\r\n"
          "Content-Length: %d\r\n\r\n%s"
          % (ruri, me, branch, fuser, ftag, ruri, cid, fuser, cport, replaces, len(sdp), sdp)).encode()

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", int(port)))
log = open(log_path, "w")


def headers(msg):
    out = {}
    for line in msg.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out.setdefault(k.strip().lower(), []).append(v.strip())
    return out


def receive(seconds):
    """replies for a while: [(code, headers)], each also logged"""
    got = []
    end = time.time() + seconds
    while time.time() < end:
        sock.settimeout(max(0.01, end - time.time()))
        try:
            data = sock.recv(65535)
        except socket.timeout:
            break
        msg = data.decode(errors="replace")
        if not msg.startswith("SIP/2.0 "):
            continue
        code = int(msg.split()[1])
        h = headers(msg)
        via = (h.get("via") or [""])[0]
        b = via.split("branch=", 1)[1].split(";")[0] if "branch=" in via else "-"
        cseq = (h.get("cseq") or ["0 -"])[0].split()
        log.write("%d %s %s %s\n" % (code, cseq[-1], (h.get("call-id") or ["-"])[0], b))
        log.flush()
        got.append((code, h))
    return got


def until_final(seconds):
    end = time.time() + seconds
    got = []
    while time.time() < end:
        got += receive(min(0.2, end - time.time()))
        if any(c >= 200 for c, _ in got):
            break
    return got


# twice at once: the second copy reaches the proxy before any reply
sock.sendto(invite, dst)
sock.sendto(invite, dst)
got = until_final(10)
finals = [(c, h) for c, h in got if c >= 200]
if not finals:
    sys.exit(1)
# and once more after the final reply, before the ACK
sock.sendto(invite, dst)
got += receive(1.0)
code, h = finals[0]
to = h["to"][0]
if code >= 300:
    ack = ("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\n"
           "From: <sip:%s@127.0.0.1>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\n"
           "CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
           % (ruri, me, branch, fuser, ftag, to, cid)).encode()
    sock.sendto(ack, dst)
    sys.exit(0)
# a 200: the dialog's route set is the Record-Route, reversed
rr = []
for v in h.get("record-route", []):
    rr += [x.strip() for x in v.split(",")]
routes = "".join("Route: %s\r\n" % r for r in reversed(rr))
target = h["contact"][0].split("<", 1)[-1].split(">", 1)[0]


def in_dialog(method, cseq):
    return ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s\r\n%s"
            "From: <sip:%s@127.0.0.1>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\n"
            "CSeq: %d %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            % (method, target, me, uuid.uuid4().hex[:12], routes, fuser, ftag, to, cid,
               cseq, method)).encode()


sock.sendto(in_dialog("ACK", 1), dst)
time.sleep(0.3)
sock.sendto(in_dialog("BYE", 2), dst)
receive(1.0)
sys.exit(0)
