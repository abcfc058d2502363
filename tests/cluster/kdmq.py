#!/usr/bin/env python3
"""Send one KDMQ request over UDP and print the status code of its final
reply, or "none" (the cluster suite's hostile peer, tests/cluster):

  kdmq.py <bind ip> <bind port> <to ip> <to port> <peer> <from URI|-> <body file|->

From "-": no From header at all. The body is sent as it is, with
Content-Type application/json (a file "-": an empty body). Retransmitted
after 0.5 and 1.5 s like a UDP transaction; gives up after 3 s.
"""
import random
import socket
import sys
import time


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    bip, bport, tip, tport, peer, from_uri, body_file = sys.argv[1:]
    body = b"" if body_file == "-" else open(body_file, "rb").read()
    branch = "z9hG4bK-kdmq-%08x" % random.getrandbits(32)
    callid = "kdmq-%08x@%s" % (random.getrandbits(32), bip)
    hdrs = [
        "KDMQ sip:%s@%s:%s SIP/2.0" % (peer, tip, tport),
        "Via: SIP/2.0/UDP %s:%s;branch=%s;rport" % (bip, bport, branch),
        "To: <sip:%s@%s:%s>" % (peer, tip, tport),
    ]
    if from_uri != "-":
        hdrs.append("From: <%s>;tag=kdmq%08x" % (from_uri, random.getrandbits(32)))
    hdrs += [
        "Call-ID: " + callid,
        "CSeq: 10 KDMQ",
        "Max-Forwards: 1",
        "Content-Type: application/json",
        "Content-Length: %d" % len(body),
    ]
    msg = ("\r\n".join(hdrs) + "\r\n\r\n").encode() + body
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bip, int(bport)))
    start = time.time()
    resend = [0.5, 1.5]
    s.sendto(msg, (tip, int(tport)))
    while time.time() - start < 3:
        s.settimeout(0.1)
        try:
            data = s.recv(65535)
        except socket.timeout:
            if resend and time.time() - start >= resend[0]:
                resend.pop(0)
                s.sendto(msg, (tip, int(tport)))
            continue
        line = data.split(b"\r\n", 1)[0].decode(errors="replace")
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "SIP/2.0" and parts[1].isdigit() and int(parts[1]) >= 200:
            if callid.encode() in data:
                print(parts[1])
                return
    print("none")


main()
