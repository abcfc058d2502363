#!/usr/bin/env python3
"""Pickup INVITE latency from a loopback capture (tcpdump -w).

For every Call-ID: the first INVITE that reaches a Kamailio's port from its
picker's port, and the first INVITE that leaves that Kamailio's port toward
the caller UA's port (gcp and the htable script keep the picker's Call-ID on
the relayed INVITE). The latency is the difference of the kernel's capture
timestamps: Kamailio's whole handling of the pickup INVITE, from the socket
in to the socket out, without the SIPp parties' own delays.

  pcap_latency.py <file.pcap> <caller-UA port> <kamailio port>:<picker port>...

Prints one JSON object, per Kamailio port: n, p50/p90/p99/max/mean in
microseconds, unmatched (picker INVITEs without a pickup INVITE out).
"""
import json
import re
import struct
import sys

CALLID = re.compile(rb"^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)", re.I | re.M)


def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        else:
            endian = ">"
            magic = struct.unpack(">I", hdr[:4])[0]
        nano = magic == 0xA1B23C4D
        linktype = struct.unpack(endian + "I", hdr[20:24])[0]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _orig = struct.unpack(endian + "IIII", rec)
            data = f.read(incl)
            ts = sec + frac / (1e9 if nano else 1e6)
            yield ts, linktype, data


def udp_payload(linktype, data):
    if linktype == 1:  # Ethernet (Linux loopback)
        if len(data) < 14 or data[12:14] != b"\x08\x00":
            return None
        ip = data[14:]
    elif linktype == 113:  # Linux cooked
        if len(data) < 16 or data[14:16] != b"\x08\x00":
            return None
        ip = data[16:]
    elif linktype in (0, 108):  # BSD loopback / null
        ip = data[4:]
    elif linktype == 101:  # raw IP
        ip = data
    else:
        return None
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    ihl = (ip[0] & 15) * 4
    udp = ip[ihl:]
    if len(udp) < 8:
        return None
    sport, dport = struct.unpack(">HH", udp[:4])
    return sport, dport, udp[8:]


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = (len(sorted_vals) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def summary(lat, n_in):
    lat.sort()
    res = {
        "n": len(lat),
        "unmatched": n_in - len(lat),
        "p50_us": pct(lat, 50),
        "p90_us": pct(lat, 90),
        "p99_us": pct(lat, 99),
        "max_us": lat[-1] if lat else None,
        "mean_us": sum(lat) / len(lat) if lat else None,
    }
    for k, v in res.items():
        if isinstance(v, float):
            res[k] = round(v, 1)
    return res


def main():
    path, cport = sys.argv[1], int(sys.argv[2])
    pairs = {}
    for a in sys.argv[3:]:
        k, p = a.split(":")
        pairs[(int(k), int(p))] = int(k)
    kports = set(pairs.values())
    t_in = {k: {} for k in kports}
    t_out = {k: {} for k in kports}
    for ts, lt, data in packets(path):
        u = udp_payload(lt, data)
        if not u:
            continue
        sport, dport, payload = u
        if not payload.startswith(b"INVITE "):
            continue
        m = CALLID.search(payload)
        if not m:
            continue
        cid = m.group(1)
        if (dport, sport) in pairs:
            t_in[dport].setdefault(cid, ts)
        elif dport == cport and sport in kports:
            t_out[sport].setdefault(cid, ts)
    res = {}
    for k in sorted(kports):
        lat = [(t_out[k][c] - t_in[k][c]) * 1e6 for c in t_in[k] if c in t_out[k] and t_out[k][c] >= t_in[k][c]]
        res[str(k)] = summary(lat, len(t_in[k]))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
