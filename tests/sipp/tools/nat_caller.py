#!/usr/bin/env python3
"""A caller behind NAT, for the replaces-mode test of issue 11 (item 7).

Its INVITE names a private Contact and Via (10.255.0.9:5202, reachable by
nobody) but comes from 127.0.0.1:<port>, as through a NAT. It rings
<callee> at the proxy; every request that reaches its real address is kept
in <log>. A Replaces INVITE (the pickup) is refused with 481, so the
picker's attempt ends; then the caller cancels its call and exits 0 when a
Replaces INVITE reached it, 1 when none did within <wait> seconds.

usage: nat_caller.py <port> <proxy host:port> <callee> <log> <wait>
"""
import socket
import sys
import time
import uuid

port, proxy, callee, log_path, wait = sys.argv[1:6]
phost, pport = proxy.split(":")
dst = (phost, int(pport))
priv = "10.255.0.9:5202"
cid = "nat-%s@10.255.0.9" % uuid.uuid4().hex[:12]
branch = "z9hG4bK" + uuid.uuid4().hex[:16]
sdp = ("v=0\r\no=nat 1 1 IN IP4 10.255.0.9\r\ns=-\r\nc=IN IP4 10.255.0.9\r\n"
       "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
ruri = "sip:%s@%s" % (callee, proxy)
common = ("Via: SIP/2.0/UDP %s;branch=%s;rport\r\n"
          "From: <sip:3001@127.0.0.1>;tag=natcaller\r\n"
          "To: <%s>\r\nCall-ID: %s\r\n" % (priv, branch, ruri, cid))
invite = ("INVITE %s SIP/2.0\r\n%sCSeq: 1 INVITE\r\n"
          "Contact: <sip:3001@%s>\r\nSupported: replaces\r\nMax-Forwards: 70\r\n"
          "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
          % (ruri, common, priv, len(sdp), sdp))
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", int(port)))
sock.settimeout(0.2)
log = open(log_path, "w")


def hdr(msg, name):
    for line in msg.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def reply(req, code, text):
    lines = req.split("\r\n")
    vias = [l for l in lines if l.lower().startswith("via:")]
    out = ["SIP/2.0 %d %s" % (code, text)] + vias
    for name in ("From", "Call-ID", "CSeq"):
        out.append("%s: %s" % (name, hdr(req, name)))
    to = hdr(req, "To")
    out.append("To: %s%s" % (to, "" if ";tag=" in to else ";tag=natua"))
    out.append("Content-Length: 0")
    sock.sendto(("\r\n".join(out) + "\r\n\r\n").encode(), src)


sock.sendto(invite.encode(), dst)
sent = time.time()
got_replaces = False
to_hdr = ""
end = time.time() + float(wait)
while time.time() < end:
    try:
        data, src = sock.recvfrom(65535)
    except socket.timeout:
        if not to_hdr and time.time() - sent > 0.5:
            sock.sendto(invite.encode(), dst)
            sent = time.time()
        continue
    msg = data.decode(errors="replace")
    first = msg.split("\r\n", 1)[0]
    if first.startswith("SIP/2.0"):
        if hdr(msg, "Call-ID") == cid and " 18" in first[:11]:
            to_hdr = hdr(msg, "To")
        continue
    log.write(msg + "\n----\n")
    log.flush()
    if first.startswith("INVITE") and hdr(msg, "Replaces"):
        got_replaces = True
        reply(msg, 100, "Trying")
        reply(msg, 481, "Call/Transaction Does Not Exist")
        break
    if first.startswith("ACK"):
        continue
    reply(msg, 200, "OK")

# end the call: CANCEL the INVITE (a moment later: the 481 is not this
# UA's way of taking the pickup), ACK its 487
time.sleep(0.5)
cancel = ("CANCEL %s SIP/2.0\r\n%sCSeq: 1 CANCEL\r\nMax-Forwards: 70\r\n"
          "Content-Length: 0\r\n\r\n" % (ruri, common))
sock.sendto(cancel.encode(), dst)
stop = time.time() + 5
while time.time() < stop:
    try:
        data, src = sock.recvfrom(65535)
    except socket.timeout:
        continue
    msg = data.decode(errors="replace")
    if msg.startswith("SIP/2.0 487") and hdr(msg, "Call-ID") == cid:
        ack = ("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s;rport\r\n"
               "From: <sip:3001@127.0.0.1>;tag=natcaller\r\nTo: %s\r\n"
               "Call-ID: %s\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
               "Content-Length: 0\r\n\r\n" % (ruri, priv, branch, hdr(msg, "To"), cid))
        sock.sendto(ack.encode(), dst)
        break
    if not msg.startswith("SIP/2.0"):
        log.write(msg + "\n----\n")
        if not msg.startswith("ACK"):
            reply(msg, 200, "OK")
sys.exit(0 if got_replaces else 1)
