#!/usr/bin/env python3
"""A phone that is always busy: every INVITE that reaches <port> gets 100
and 486 Busy Here, whatever its Call-ID (a SIPp server takes a second
INVITE of a Call-ID it has seen for a retransmission); ACKs are taken
silently. Runs for <seconds>; prints how many INVITEs it refused.

usage: busy_phone.py <port> <seconds>
"""
import socket
import sys
import time

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", int(sys.argv[1])))
sock.settimeout(0.2)
end = time.time() + float(sys.argv[2])
seen = set()
while time.time() < end:
    try:
        data, src = sock.recvfrom(65535)
    except socket.timeout:
        continue
    msg = data.decode(errors="replace")
    if not msg.startswith("INVITE "):
        continue
    lines = msg.split("\r\n")
    keep = [l for l in lines if l.lower().startswith(("via:", "from:", "call-id:", "cseq:"))]
    to = next((l for l in lines if l.lower().startswith("to:")), "To: <sip:x@x>")
    via = next((l for l in lines if l.lower().startswith("via:")), "")
    seen.add(via)
    for code, text, tag in ((100, "Trying", ""), (486, "Busy Here", ";tag=busy")):
        out = ["SIP/2.0 %d %s" % (code, text)] + keep + [to + tag, "Content-Length: 0"]
        sock.sendto(("\r\n".join(out) + "\r\n\r\n").encode(), src)
print(len(seen))
