#!/usr/bin/env python3
"""Turn a tcpdump capture (pcap, loopback) into text the interop tests can grep.

wire.py <capture.pcap> <out-prefix>
  <out-prefix>.sip   every SIP message, whole, each after a line
                     "=== <seconds> <src port> -> <dst port> <transport>"
  <out-prefix>.flow  one line per SIP message:
                     "<seconds> <src port> -> <dst port> <start line> | <Call-ID> | <CSeq>"
                     ("<seconds> MARK <text>" for the test's own markers:
                     UDP datagrams "MARK <text>" sent to port 5899)
  <out-prefix>.rtp   one line per media flow (UDP that is not SIP):
                     "<src port> -> <dst port> <packets>"
All addresses are 127.0.0.1 in these tests, so ports name the parties.
"""
import struct
import sys

SIP_START = (b"SIP/2.0 ", b"INVITE ", b"ACK ", b"BYE ", b"CANCEL ", b"OPTIONS ",
             b"REGISTER ", b"PRACK ", b"UPDATE ", b"INFO ", b"REFER ", b"NOTIFY ",
             b"SUBSCRIBE ", b"MESSAGE ", b"PUBLISH ")


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit("%s: not a pcap file" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    t0 = None
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + incl]
        off += incl
        t = sec + frac / (1e9 if nano else 1e6)
        if t0 is None:
            t0 = t
        ip = link_payload(linktype, frame)
        if ip is None:
            continue
        seg = ip_payload(ip)
        if seg is None:
            continue
        yield (t - t0,) + seg


def link_payload(linktype, frame):
    if linktype == 1:  # Ethernet
        if len(frame) < 14:
            return None
        etype = struct.unpack(">H", frame[12:14])[0]
        body = frame[14:]
        while etype == 0x8100 and len(body) >= 4:
            etype = struct.unpack(">H", body[2:4])[0]
            body = body[4:]
        return body if etype in (0x0800, 0x86DD) else None
    if linktype == 113:  # Linux cooked
        return frame[16:]
    if linktype == 276:  # Linux cooked v2
        return frame[20:]
    if linktype == 0:  # BSD loopback
        return frame[4:]
    if linktype in (12, 101):  # raw IP
        return frame
    return None


def ip_payload(ip):
    if not ip:
        return None
    version = ip[0] >> 4
    if version == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        proto = ip[9]
        body = ip[ihl:total] if total else ip[ihl:]
    elif version == 6:
        proto = ip[6]
        body = ip[40:]
    else:
        return None
    if proto == 17 and len(body) >= 8:
        sport, dport = struct.unpack(">HH", body[0:4])
        return ("udp", sport, dport, body[8:])
    if proto == 6 and len(body) >= 20:
        sport, dport = struct.unpack(">HH", body[0:4])
        doff = (body[12] >> 4) * 4
        return ("tcp", sport, dport, body[doff:])
    return None


def header(msg, names):
    for line in msg.split("\r\n")[1:]:
        if not line:
            break
        name, _, value = line.partition(":")
        if name.strip().lower() in names:
            return value.strip()
    return ""


def main():
    cap, prefix = sys.argv[1], sys.argv[2]
    rtp = {}
    with open(prefix + ".sip", "w") as sip, open(prefix + ".flow", "w") as flow:
        for t, proto, sport, dport, payload in packets(cap):
            if not payload:
                continue
            if payload.startswith(b"MARK "):
                flow.write("%.3f MARK %s\n" % (t, payload[5:].decode("ascii", "replace").strip()))
                sip.write("=== %.3f MARK\n%s\n" % (t, payload.decode("ascii", "replace").strip()))
            elif payload.startswith(SIP_START):
                text = payload.decode("utf-8", "replace")
                first = text.split("\r\n", 1)[0]
                sip.write("=== %.3f %d -> %d %s\n%s\n" % (t, sport, dport, proto, text.rstrip("\r\n")))
                flow.write("%.3f %d -> %d %s | %s | %s\n" % (
                    t, sport, dport, first,
                    header(text, ("call-id", "i")), header(text, ("cseq",))))
            elif proto == "udp" and len(payload) >= 12 and payload[0] >> 6 == 2:
                rtp[(sport, dport)] = rtp.get((sport, dport), 0) + 1
    with open(prefix + ".rtp", "w") as f:
        for (sport, dport), n in sorted(rtp.items()):
            f.write("%d -> %d %d\n" % (sport, dport, n))


if __name__ == "__main__":
    main()
