#!/usr/bin/env python3
"""The cluster part of make bench (bench/cluster.sh): what a loopback
capture (tcpdump -w) of a gcp cluster says.

  cluster_pcap.py kdmq <file.pcap> <cluster>=<ip>,<ip>,... ...
      KDMQ between the nodes of each cluster (a request whose source and
      destination are both nodes of it): requests by dmq peer (the R-URI's
      user: gcp, usrloc, notification_peer) and, for gcp's, by message type
      (the body's "t": hb, add, del, ...), and their replies (CSeq KDMQ).
      Prints one JSON object, per cluster.

  cluster_pcap.py pickups <file.pcap> <caller-UA port> <kind>=<picker port> ...
      Every pickup: the picker's INVITE (its first, from 127.0.0.1:<picker
      port>) to the first 200 for it sent to that port (the latency the
      picker sees, less its own SIPp); to the first INVITE with its Call-ID
      sent to the caller UA's port (Kamailio's handling up to the pickup
      INVITE, as bench/pcap_latency.py measures it); and every SIP message
      with its Call-ID on the wire (each hop counted: picker - node, node -
      node, node - caller's UA), by method or status; and those of the
      picked call from the picker's INVITE on (the Call-ID the Replaces
      header of the pickup INVITE names: the member's branch cancelled, the
      caller's 487 and its ACK). KDMQ requests between
      the nodes in the time of each kind's pickups (from its first INVITE
      to its last pickup's ACK), by type. Prints one JSON object, per kind.
"""
import json
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_latency import packets, pct  # noqa: E402

CALLID = re.compile(rb"^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)", re.I | re.M)
REPLACES = re.compile(rb"^Replaces[ \t]*:[ \t]*([^;\s]+)", re.I | re.M)
CSEQ = re.compile(rb"^CSeq[ \t]*:[ \t]*\d+[ \t]+(\S+)", re.I | re.M)
TYPE = re.compile(rb'"t"[ \t]*:[ \t]*"([A-Za-z]+)"')
RURI_USER = re.compile(rb"^KDMQ sip:([^@ ]+)@")


def udp(linktype, data):
    """(src ip, sport, dst ip, dport, payload) of an IPv4 UDP packet"""
    if linktype == 1:
        if len(data) < 14 or data[12:14] != b"\x08\x00":
            return None
        ip = data[14:]
    elif linktype == 113:
        if len(data) < 16 or data[14:16] != b"\x08\x00":
            return None
        ip = data[16:]
    elif linktype in (0, 108):
        ip = data[4:]
    elif linktype == 101:
        ip = data
    else:
        return None
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    # a fragment other than the first carries no UDP header
    if struct.unpack(">H", ip[6:8])[0] & 0x1FFF:
        return None
    ihl = (ip[0] & 15) * 4
    u = ip[ihl:]
    if len(u) < 8:
        return None
    src = ".".join(str(b) for b in ip[12:16])
    dst = ".".join(str(b) for b in ip[16:20])
    sport, dport = struct.unpack(">HH", u[:4])
    return src, sport, dst, dport, u[8:]


def kdmq_kind(payload):
    """('req', peer, type) of a KDMQ request, ('rep', None, None) of a reply
    to one, None for anything else"""
    if payload.startswith(b"KDMQ "):
        m = RURI_USER.match(payload)
        peer = m.group(1).decode(errors="replace") if m else "?"
        t = None
        if peer == "gcp":
            body = payload.split(b"\r\n\r\n", 1)
            mt = TYPE.search(body[1]) if len(body) == 2 else None
            t = mt.group(1).decode() if mt else "?"
        return ("req", peer, t)
    if payload.startswith(b"SIP/2.0 "):
        m = CSEQ.search(payload)
        if m and m.group(1).upper() == b"KDMQ":
            return ("rep", None, None)
    return None


def kdmq_count(acc, payload):
    k = kdmq_kind(payload)
    if not k:
        return
    if k[0] == "rep":
        acc["replies"] = acc.get("replies", 0) + 1
        return
    acc["requests"] = acc.get("requests", 0) + 1
    peers = acc.setdefault("by_peer", {})
    peers[k[1]] = peers.get(k[1], 0) + 1
    if k[2]:
        types = acc.setdefault("gcp_by_type", {})
        types[k[2]] = types.get(k[2], 0) + 1


def cmd_kdmq(path, specs):
    clusters = {}
    for s in specs:
        name, ips = s.split("=", 1)
        clusters[name] = set(ips.split(","))
    res = {name: {"requests": 0, "replies": 0, "by_peer": {}, "gcp_by_type": {}} for name in clusters}
    t0 = t1 = None
    for ts, lt, data in packets(path):
        u = udp(lt, data)
        if not u:
            continue
        t0 = ts if t0 is None else t0
        t1 = ts
        src, _sp, dst, _dp, payload = u
        for name, ips in clusters.items():
            if src in ips and dst in ips:
                kdmq_count(res[name], payload)
    for r in res.values():
        r["capture_span_s"] = round(t1 - t0, 3) if t0 is not None else 0
    print(json.dumps(res))


def summary(vals):
    vals = sorted(vals)
    out = {"n": len(vals)}
    for p in (50, 95, 99):
        v = pct(vals, p)
        out[f"p{p}_us"] = round(v, 1) if v is not None else None
    out["max_us"] = round(vals[-1], 1) if vals else None
    out["mean_us"] = round(sum(vals) / len(vals), 1) if vals else None
    return out


def cmd_pickups(path, cport, specs):
    kinds = {}
    for s in specs:
        k, p = s.split("=", 1)
        kinds[int(p)] = k
    calls = {}  # Call-ID -> dict
    rings = {}  # Call-ID of a ringing call -> [(ts, label)]
    kdmq = []  # (ts, payload) of KDMQ between nodes
    for ts, lt, data in packets(path):
        u = udp(lt, data)
        if not u:
            continue
        src, sport, dst, dport, payload = u
        if src != "127.0.0.1" and dst != "127.0.0.1":
            if payload.startswith(b"KDMQ ") or b"KDMQ" in payload[:2048]:
                if kdmq_kind(payload):
                    kdmq.append((ts, payload))
                    continue
        m = CALLID.search(payload)
        if not m:
            continue
        cid = m.group(1)
        first = payload.split(b"\r\n", 1)[0]
        is_req = not first.startswith(b"SIP/2.0 ")
        if is_req and first.startswith(b"INVITE ") and src == "127.0.0.1" and sport in kinds and cid not in calls:
            calls[cid] = {"kind": kinds[sport], "port": sport, "t_inv": ts, "t_200": None, "t_out": None,
                          "t_last": ts, "msgs": {}, "hops": {}}
        if is_req:
            label = first.split(b" ", 1)[0].decode(errors="replace")
        else:
            cs = CSEQ.search(payload)
            label = first.split(b" ")[1].decode(errors="replace") + " " + (
                cs.group(1).decode(errors="replace") if cs else "?")
        c = calls.get(cid)
        if c is None:
            rings.setdefault(cid, []).append((ts, label))
            continue
        c["t_last"] = ts
        c["msgs"][label] = c["msgs"].get(label, 0) + 1
        if src == "127.0.0.1" or dst == "127.0.0.1":
            other = dport if src != "127.0.0.1" else sport
            hop = "picker-node" if other == c["port"] else ("node-caller_ua" if other == cport else "node-other")
        else:
            hop = "node-node"
        c["hops"][hop] = c["hops"].get(hop, 0) + 1
        if label == "INVITE" and dport == cport and c["t_out"] is None:
            c["t_out"] = ts
            r = REPLACES.search(payload)
            c["replaces"] = r.group(1) if r else None
        if label == "200 INVITE" and dst == "127.0.0.1" and dport == c["port"] and c["t_200"] is None:
            c["t_200"] = ts
    res = {}
    for k in sorted(set(kinds.values())):
        cs = [c for c in calls.values() if c["kind"] == k]
        ok = [c for c in cs if c["t_200"] is not None and c["t_200"] >= c["t_inv"]]
        lat = [(c["t_200"] - c["t_inv"]) * 1e6 for c in ok]
        lat_out = [(c["t_out"] - c["t_inv"]) * 1e6 for c in cs if c["t_out"] is not None]
        msgs, hops, picked = {}, {}, {}
        for c in ok:
            for t, a in rings.get(c.get("replaces"), []):
                if t >= c["t_inv"]:
                    picked[a] = picked.get(a, 0) + 1
            for a, n in c["msgs"].items():
                msgs[a] = msgs.get(a, 0) + n
            for a, n in c["hops"].items():
                hops[a] = hops.get(a, 0) + n
        # the time of this kind's pickups: a window per picker SIPp run
        # (a run's pickups are close together; the gaps between runs,
        # the fills of new calls, are left out)
        wins = []
        for c in sorted(cs, key=lambda c: c["t_inv"]):
            if wins and c["t_inv"] - wins[-1][1] < 1.0:
                wins[-1][1] = max(wins[-1][1], c["t_last"])
            else:
                wins.append([c["t_inv"], c["t_last"]])
        acc = {"requests": 0, "replies": 0, "by_peer": {}, "gcp_by_type": {}}
        for ts, payload in kdmq:
            if any(a <= ts <= b + 0.3 for a, b in wins):
                kdmq_count(acc, payload)
        acc["window_s"] = round(sum(b + 0.3 - a for a, b in wins), 3)
        n = len(ok)
        res[k] = {
            "pickups": len(cs),
            "answered": n,
            "to_200": summary(lat),
            "to_pickup_invite": summary(lat_out),
            "sip_messages": sum(msgs.values()),
            "sip_messages_per_pickup": round(sum(msgs.values()) / n, 3) if n else None,
            "sip_by_message": {a: round(v / n, 3) for a, v in sorted(msgs.items())} if n else {},
            "sip_by_hop": {a: round(v / n, 3) for a, v in sorted(hops.items())} if n else {},
            "picked_call_messages_per_pickup": round(sum(picked.values()) / n, 3) if n else None,
            "picked_call_by_message": {a: round(v / n, 3) for a, v in sorted(picked.items())} if n else {},
            "kdmq": acc,
        }
    print(json.dumps(res))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "kdmq":
        cmd_kdmq(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "pickups":
        cmd_pickups(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
