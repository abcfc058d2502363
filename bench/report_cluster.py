#!/usr/bin/env python3
"""The cluster part of docs/PERFORMANCE.md (bench/cluster.sh's
bench/results/cluster.json), used by report.py:

  figures(cl)           the numbers the text uses (None without a run)
  targets(w, f)         the rows of "Where we stand"
  findings(w, f)        the bullet of "What the measurements show"
  section(w, cl, f)     the section "A cluster on DMQ"

Every figure is computed from the JSON; the fixed text states the method.
"""

import report_util
from report_util import fmt as _fmt, med as _med, status as _status

PEERS = 2  # a node of three sends to two others


def _kdmq(cl, name):
    """KDMQ requests per call and per peer of the dmq=1 and dmq=0 clusters
    in a loaded window, the idle window's requests (same length)
    subtracted; and gcp's own messages by type"""
    load = cl["kdmq"].get(name)
    idle = cl["kdmq"]["idle"]["capture"]
    if not load:
        return None
    out = {"rate": load["rate"], "ring_ms": load.get("ring_ms", 0), "window_s": load["window_s"]}
    for c, v in load["variant"].items():
        cap = load["capture"][c]
        calls = load["calls"][c]
        net = cap["requests"] - idle[c]["requests"]
        types = cap.get("gcp_by_type", {})
        d = {
            "calls": calls,
            "requests": cap["requests"],
            "replies": cap["replies"],
            "idle_requests": idle[c]["requests"],
            "idle_hb": idle[c].get("gcp_by_type", {}).get("hb", 0),
            "net": net,
            "per_call_peer": net / calls / PEERS if calls else None,
            "hb": types.get("hb", 0),
            "by_type": types,
            "by_peer": cap.get("by_peer", {}),
            "calls_msgs": sum(n for t, n in types.items() if t != "hb"),
        }
        d["calls_per_call_peer"] = d["calls_msgs"] / calls / PEERS if calls else None
        out[v] = d
    return out


def figures(cl):
    if not cl or not cl.get("paired"):
        return None
    f = {"cl": cl}
    runs = []
    for r in cl["paired"]:
        by = {r[c]["variant"]: r[c] for c in ("a", "b")}
        runs.append({"layout": r["layout"], "dmq1": by["dmq1"], "dmq0": by["dmq0"],
                     "ratio": by["dmq1"]["kamailio_cpu_us_per_call"] / by["dmq0"]["kamailio_cpu_us_per_call"]})
    f["runs"] = runs
    f["ratios"] = [r["ratio"] for r in runs]
    f["ratio"] = _med(f["ratios"])
    f["us1"] = _med([r["dmq1"]["kamailio_cpu_us_per_call"] for r in runs])
    f["us0"] = _med([r["dmq0"]["kamailio_cpu_us_per_call"] for r in runs])
    f["load"] = _kdmq(cl, "load")
    f["sparse"] = _kdmq(cl, "sparse")
    pk = cl.get("pickups", {})
    cap = pk.get("capture", {})
    f["pk"] = pk
    f["loc"], f["crs"] = cap.get("local"), cap.get("cross")
    if f["loc"] and f["crs"]:
        lp50, cp50 = f["loc"]["to_200"]["p50_us"], f["crs"]["to_200"]["p50_us"]
        f["lat_ratio"] = cp50 / lp50 if lp50 else None
        f["lat_ratio_p95"] = (f["crs"]["to_200"]["p95_us"] / f["loc"]["to_200"]["p95_us"]
                              if f["loc"]["to_200"]["p95_us"] else None)
        lo, co = f["loc"]["to_pickup_invite"]["p50_us"], f["crs"]["to_pickup_invite"]["p50_us"]
        f["inv_ratio"] = co / lo if lo else None
        for k in ("loc", "crs"):
            kd = f[k]["kdmq"]
            n = f[k]["answered"]
            t = kd.get("gcp_by_type", {})
            f[k + "_kdmq_calls"] = sum(v for x, v in t.items() if x != "hb") / n if n else None
            f[k + "_kdmq_hb"] = t.get("hb", 0)
    else:
        f["lat_ratio"] = f["lat_ratio_p95"] = f["inv_ratio"] = None
    return f


def _cpu_ok(f):
    return None if f is None or f["ratio"] is None else f["ratio"] <= 1.10


def _kdmq_ok(f):
    vals = [k["dmq1"]["per_call_peer"] for k in (f["load"], f["sparse"]) if k]
    return None if not vals else max(vals) <= 2


def _kdmq_status(f):
    """met, missed, or split: met under the load of the CPU runs and
    missed for calls that ring long"""
    lo = f["load"]["dmq1"]["per_call_peer"] <= 2 if f["load"] else None
    sp = f["sparse"]["dmq1"]["per_call_peer"] <= 2 if f["sparse"] else None
    if lo is None or sp is None or lo == sp:
        return _status(_kdmq_ok(f))
    return ("**met** under the load of the CPU runs, **missed** for calls that ring "
            f"{f['sparse']['ring_ms']:,} ms" if lo else
            "**missed** under the load of the CPU runs, **met** for calls that ring long")


MSG_ORDER = ("INVITE", "100", "180", "200", "ACK")


def _msgs(by):
    """"INVITE 2, 100 1, 200 2, ACK 2": the messages of a pickup, a reply
    named by its status (every reply here answers the INVITE)"""
    out = {}
    for m, v in by.items():
        out[m.split()[0]] = out.get(m.split()[0], 0) + v
    keys = sorted(out, key=lambda k: (MSG_ORDER.index(k) if k in MSG_ORDER else 99, k))
    return out, ", ".join(f"{k} {out[k]:g}" for k in keys)


def _lat_ok(f):
    return None if f["lat_ratio"] is None else f["lat_ratio"] <= 2


def targets(w, f):
    if f is None:
        return
    rs = ", ".join(_fmt(x, 3) for x in f["ratios"])
    cl = f["cl"]
    w(f"| cluster: Kamailio CPU per call with gcp's `dmq=1` ≤ 1.10 × `dmq=0` (three nodes each, dmq and"
      f" dmq_usrloc loaded and clustered in both) | {_fmt(f['ratio'], 3)} × (median of {len(f['ratios'])} runs"
      f" side by side at {cl['rate']:,} calls/s per cluster, a third through each node: {rs};"
      f" {_fmt(f['us1'])} vs {_fmt(f['us0'])} µs per call, the CPU of every process of a cluster's three"
      f" nodes summed) | {_status(_cpu_ok(f))} |")
    parts = []
    for k in (f["load"], f["sparse"]):
        if not k:
            continue
        d = k["dmq1"]
        parts.append(f"{_fmt(d['per_call_peer'], 3)} at {k['rate']:,} calls/s ringing "
                     + (f"{k['ring_ms']:,} ms" if k["ring_ms"] else "a few ms")
                     + f" ({d['requests']} KDMQ requests in {k['window_s']} s, {d['idle_requests']} idle;"
                     f" gcp's add/del alone: {_fmt(d['calls_per_call_peer'], 3)})")
    w("| cluster: KDMQ requests per call and per peer ≤ 2 (heartbeats apart: an idle window of the same"
      " length subtracted) | " + "; ".join(parts) + f" | {_kdmq_status(f)} |")
    if f["loc"] and f["crs"]:
        lo, cr = f["loc"]["to_200"], f["crs"]["to_200"]
        w(f"| cluster: cross-node pickup p50 latency ≤ 2 × local (picker's INVITE to its 200, on the wire) |"
          f" {_fmt(f['lat_ratio'], 2)} × ({_fmt(cr['p50_us'])} vs {_fmt(lo['p50_us'])} µs p50;"
          f" p95 {_fmt(cr['p95_us'])} vs {_fmt(lo['p95_us'])} µs; {cr['n']} and {lo['n']} pickups)"
          f" | {_status(_lat_ok(f))} |")
        pl, pc = f["loc"].get("picked_call_messages_per_pickup"), f["crs"].get("picked_call_messages_per_pickup")
        w(f"| cluster: the messages of a pickup stated | local: {_fmt(f['loc']['sip_messages_per_pickup'], 1)}"
          f" SIP messages of the picker's INVITE, cross-node: {_fmt(f['crs']['sip_messages_per_pickup'], 1)}"
          f" (each hop counted), and {_fmt(pl, 1)} and {_fmt(pc, 1)} of the picked call after it (its member's"
          " branch cancelled, 487 to its caller);"
          f" KDMQ requests besides heartbeats: {_fmt(f['loc_kdmq_calls'], 2)} and {_fmt(f['crs_kdmq_calls'], 2)}"
          " per pickup (the picked call's removal, to each peer)"
          + (", each answered" if all(f[k]["kdmq"]["requests"] == f[k]["kdmq"]["replies"] for k in ("loc", "crs"))
             else "") + " | stated |")


def findings(w, f):
    if f is None:
        return
    cl = f["cl"]
    s = (f"- **Cluster.** Three nodes sharing their calls through gcp's DMQ use cost"
         f" {_fmt(f['ratio'], 3)} × the CPU per call of the same three nodes with `dmq=0`"
         f" ({_fmt(f['us1'] - f['us0'])} µs per call more; runs {_fmt(min(f['ratios']), 3)}-"
         f"{_fmt(max(f['ratios']), 3)}, side by side at {cl['rate']:,} calls/s per cluster)")
    ic = cl.get("idle_cpu_ms_per_s") or {}
    if ic.get("dmq1") is not None and ic.get("dmq0") is not None:
        s += (f"; idle, the dmq=1 cluster takes {_fmt(ic['dmq1'] - ic['dmq0'], 1)} ms of CPU per s more"
              f" (gcp's heartbeats and timer), {_fmt((ic['dmq1'] - ic['dmq0']) * 1000 / cl['rate'])} µs"
              f" per call at {cl['rate']:,} calls/s")
    s += "; the target (≤ 1.10) is " + ("met." if _cpu_ok(f) else "missed.")
    if f["load"]:
        d = f["load"]["dmq1"]
        s += (f" Under that load the calls ring only a few ms, and most are removed before gcp's 50 ms"
              f" batch announces them: {d['by_type'].get('add', 0)} add and {d['by_type'].get('del', 0)} del"
              f" messages for {d['calls']:,} calls.")
    if f["sparse"]:
        d = f["sparse"]["dmq1"]
        bt = d["by_type"]
        s += (f" Calls that ring {f['sparse']['ring_ms']:,} ms, {f['sparse']['rate']} per s, cost"
              f" {_fmt(d['calls_per_call_peer'], 3)} gcp messages per call and per peer besides the heartbeats"
              f" ({_fmt(d['per_call_peer'], 3)} with the idle window subtracted): an add and a del each")
        if bt.get("sync"):
            s += (f", and {bt['sync']} sync request(s), each answered by the full list of the asked node's calls"
                  " (an add): a node asks for all of a peer's calls when two heartbeats in a row disagree with"
                  " the calls announced to it, and no call was lost or failed here. A likely cause, not"
                  " verified: gcp's timer sends a batch and, in the same tick, the heartbeat that counts it,"
                  " and dmq's two workers on the receiving node may handle the heartbeat first"
                  f" ({sum(f['cl'].get('sync_asks_in_logs', {}).values())} \"asking for all\" lines in the dmq=1"
                  " clusters' logs over the CPU and KDMQ runs)")
        s += "; the target (≤ 2) is " + {True: "met.", False: "missed."}.get(
            d["per_call_peer"] <= 2 if d["per_call_peer"] is not None else None, "not measured.")
    w(s)
    if f["loc"] and f["crs"]:
        lo, cr = f["loc"], f["crs"]
        ml, _ = _msgs(lo["sip_by_message"])
        mc, _ = _msgs(cr["sip_by_message"])
        more = [(k, mc.get(k, 0) - ml.get(k, 0)) for k in sorted(set(ml) | set(mc),
                key=lambda k: (MSG_ORDER.index(k) if k in MSG_ORDER else 99, k))]
        more = ", ".join(f"{d:+g} {k}" for k, d in more if d)
        s = (f"  A cross-node pickup takes {_fmt(f['lat_ratio'], 2)} × the local one's p50 from the picker's INVITE"
             f" to its 200 ({_fmt(cr['to_200']['p50_us'])} vs {_fmt(lo['to_200']['p50_us'])} µs; p95"
             f" {_fmt(cr['to_200']['p95_us'])} vs {_fmt(lo['to_200']['p95_us'])} µs), and"
             f" {_fmt(cr['sip_messages_per_pickup'], 1)} SIP messages on the wire instead of"
             f" {_fmt(lo['sip_messages_per_pickup'], 1)} ({more}: the hop node 2 → node 1 and back);"
             f" KDMQ besides heartbeats {_fmt(f['crs_kdmq_calls'], 2)} per pickup against"
             f" {_fmt(f['loc_kdmq_calls'], 2)} for a local one (the picked call's removal, a del to each peer)")
        s += ("; the target (≤ 2 ×) is " + ("met." if _lat_ok(f) else "missed."))
        w(s)


def section(w, cl, f):
    if f is None:
        return
    w("## 8. A cluster on DMQ")
    w("")
    w("`bench/cluster.sh`: two clusters of three nodes each of `cfg/kamailio.cfg` with `-A WITH_DMQ`")
    w("(started as `make run-cluster` and the cluster suite start them, `tests/lib/cluster.sh`; the busy")
    w("lamps off), both running at the same time, one on 127.0.0.2-4, the other on 127.0.0.5-7, every node")
    w(f"on port {cl['port']}, with {cl.get('kamailio_children', 'n/a')} UDP children as the cfg has:")
    w("")
    w("- **dmq=1**: the cfg as it is: gcp shares its pickable calls and configuration through DMQ, a")
    w(f"  heartbeat to every other node every {cl.get('dmq_heartbeat_ms', 1000):,} ms (`dmq_heartbeat`);")
    w("- **dmq=0**: the same cfg without gcp's `modparam(\"gcp\", \"dmq\", 1)` (`-A BENCH_GCP_DMQ0`); dmq and")
    w(f"  dmq_usrloc loaded and clustered as in **dmq=1** (dmq's own pings every {cl.get('dmq_ping_interval_s')} s,")
    w("  the registrations shared).")
    w("")
    w(f"The {cl['members']:,} members of part 2 register once, on node 1 of each cluster (dmq_usrloc gives them")
    w("to the other two; the script waits until every node holds them all); one SIPp answers for all their")
    w("phones. The calls are those of part 2 (INVITE → 100/180 → CANCEL → 200/487 → ACK), one caller")
    w(f"per node, each at a third of {cl['rate']:,} calls/s per cluster, for {cl['seconds']} s"
      + ("; every Kamailio process of both clusters pinned to CPU 0, the SIPp parties to CPU 1." if cl.get("pinned")
         else "."))
    w("Kamailio's CPU of a cluster is the sum of `/proc/<pid>/task/*/schedstat` over the main process and")
    w("the children of its three nodes, from its callers' start to the exit of the last; it includes what")
    w("the nodes spend whatever the load (timers, heartbeats, dmq's pings) during the run. The variants")
    w("swap addresses after half the runs (layout 0: **dmq=1** on 127.0.0.2-4; layout 1: on 127.0.0.5-7).")
    w("")
    w("| run | layout | dmq=0: µs CPU per call | dmq=1: µs | dmq=1 / dmq=0 | calls each | calls/s reached (dmq=0, dmq=1) | retransmissions (dmq=0, dmq=1) |")
    w("|---:|---:|---:|---:|---:|---:|---|---|")
    for i, r in enumerate(f["runs"], 1):
        a, b = r["dmq0"], r["dmq1"]
        w(f"| {i} | {r['layout']} | {_fmt(a['kamailio_cpu_us_per_call'])} | {_fmt(b['kamailio_cpu_us_per_call'])} | "
          f"{_fmt(r['ratio'], 3)} | {a['ok']:,} | {_fmt(a['reached_cps'])}, {_fmt(b['reached_cps'])} | "
          f"{a['retransmissions']}, {b['retransmissions']} |")
    w(f"| median | | {_fmt(f['us0'])} | {_fmt(f['us1'])} | **{_fmt(f['ratio'], 3)}** | | | |")
    ic = cl.get("idle_cpu_ms_per_s")
    if ic:
        w("")
        w(f"Idle (no calls, layout 0), a cluster's three nodes take {_fmt(ic.get('dmq0'), 1)} ms of CPU per s with"
          f" `dmq=0` and {_fmt(ic.get('dmq1'), 1)} ms with `dmq=1` (timers, heartbeats, dmq's pings); at"
          f" {cl['rate']:,} calls/s that is {_fmt(ic.get('dmq0', 0) * 1000 / cl['rate'])} and"
          f" {_fmt(ic.get('dmq1', 0) * 1000 / cl['rate'])} µs of the CPU per call above.")
    w("")
    w("**KDMQ on the wire.** A capture of the loopback (tcpdump, the packets between nodes only) in three")
    w(f"windows of {cl['kdmq']['idle']['window_s']} s each, layout 0: both clusters idle; under the load above; then"
      f" {cl.get('sparse_rate')} calls/s per cluster that ring")
    w(f"{cl.get('sparse_ring_ms', 0):,} ms before the CANCEL (`bench_uac_cancel_ring.xml`), so that each call is"
      " announced and removed on its own")
    w("(gcp sends what changed at most every 50 ms: a call that rings less is often gone before it is")
    w("announced). A KDMQ request is counted where its source and destination are both nodes of the cluster,")
    caps = [k[v] for k in (f["load"], f["sparse"]) if k for v in ("dmq0", "dmq1")]
    answered = all(d["replies"] == d["requests"] for d in caps)
    w("by dmq peer (the R-URI's user) and, for gcp's, by the body's type; "
      + ("every request got its reply." if answered else
         "requests and replies: " + ", ".join(f"{d['requests']}/{d['replies']}" for d in caps) + "."))
    w("Per call and per peer = (requests in the window − requests in the idle window) / calls / 2.")
    w("")
    w("| window | variant | calls | KDMQ requests (idle window) | by peer | gcp's by type | per call and per peer, idle subtracted | gcp's add + del per call and per peer |")
    w("|---|---|---:|---:|---|---|---:|---:|")
    for name, k in (("load", f["load"]), ("sparse", f["sparse"])):
        if not k:
            continue
        label = f"{k['rate']:,} calls/s, ringing " + (f"{k['ring_ms']:,} ms" if k["ring_ms"] else "a few ms")
        for v in ("dmq0", "dmq1"):
            d = k[v]
            bp = ", ".join(f"{p} {n}" for p, n in sorted(d["by_peer"].items())) or "-"
            bt = ", ".join(f"{t} {n}" for t, n in sorted(d["by_type"].items())) or "-"
            w(f"| {label} | {v} | {d['calls']:,} | {d['requests']} ({d['idle_requests']}) | {bp} | {bt} | "
              f"{_fmt(d['per_call_peer'], 3)} | {_fmt(d['calls_per_call_peer'], 3)} |")
    w("")
    pk = f["pk"]
    if f["loc"] and f["crs"]:
        w("**Pickups across nodes.** The **dmq=1** cluster alone, restarted with `-A GCP_REPLACES` (replaces mode:")
        w("the picker's own INVITE is answered 200 by the caller's UA, so its INVITE → 200 is the pickup as the")
        w("picker sees it; in the cfg's inject mode the picker gets a final reply at once and the call comes")
        w(f"as a new INVITE to its phone). {pk['batches']} rounds, local and cross-node in turn: {pk['batch']} calls ring"
          " through node 1, one per group")
        w("(`bench_uac_ring_picked.xml`), and once node 2 lists them all, a picker dials their groups, "
          f"{pk['rate_per_s']} per s, through")
        w("node 1 (**local**) or through node 2 (**cross-node**: node 2's `gcp_pickup()` returns 3, its cfg relays")
        w("the INVITE to node 1, which picks the call up); the callers' UA answers the Replaces INVITE 200")
        w("(`bench_uas_caller_answer.xml`) and the picker ACKs along the Record-Route set; the picked call")
        w("ends, its member's branch cancelled and its caller's INVITE answered 487 (which the caller ACKs).")
        w("The script fails unless every pickup got its 200, every picked call ended so, node 2 relayed")
        w("exactly the cross-node pickups (`gcp:pickup_relayed`)")
        w(f"and node 1 picked every one (`gcp:picked`): {pk['local']} local and {pk['cross']} cross-node pickups,"
          f" {pk['picked_on_owner']} picked on node 1, relayed by node 1/2/3:"
          f" {pk['relayed']['node1']}/{pk['relayed']['node2']}/{pk['relayed']['node3']};"
          f" {pk.get('gcp_log_errors', 0)} gcp ERROR lines in the nodes' logs.")
        w("The latencies are those of the capture's timestamps (tcpdump on loopback of the whole phase): from the")
        w("picker's INVITE reaching its node to the 200 leaving toward the picker (the caller's UA's answer")
        w("included), and to the INVITE leaving toward the caller's UA (Kamailio's part, as in part 3). The")
        w("messages: every SIP message on the wire with the picker's Call-ID (each hop counted once), and")
        w("those of the picked call (the Call-ID its Replaces header names) from the picker's INVITE on.")
        w("")
        w("| pickup | n | INVITE → 200: p50 µs | p95 µs | mean µs | INVITE → pickup INVITE out: p50 µs | p95 µs | SIP messages of the picker's INVITE | by message | by hop | the picked call's messages after it | KDMQ requests in the pickups' time (heartbeats apart) |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|")
        for label, k, kk in (("local (node 1)", f["loc"], "loc"), ("cross-node (node 2 → node 1)", f["crs"], "crs")):
            t, o = k["to_200"], k["to_pickup_invite"]
            _, bm = _msgs(k["sip_by_message"])
            bh = ", ".join(f"{m} {v:g}" for m, v in k["sip_by_hop"].items())
            kd = k["kdmq"]
            bt = ", ".join(f"{x} {n}" for x, n in sorted(kd.get("gcp_by_type", {}).items()))
            pm = k.get("picked_call_by_message", {})
            order = ("CANCEL", "200 CANCEL", "487 INVITE", "ACK")
            pm = ", ".join(f"{m.replace(' INVITE', '').replace(' CANCEL', ' (CANCEL)')} {pm[m]:g}"
                           for m in sorted(pm, key=lambda m: (order.index(m) if m in order else 99, m)))
            w(f"| {label} | {t['n']} | {_fmt(t['p50_us'])} | {_fmt(t['p95_us'])} | {_fmt(t['mean_us'])} | "
              f"{_fmt(o['p50_us'])} | {_fmt(o['p95_us'])} | {_fmt(k['sip_messages_per_pickup'], 1)} | {bm} | {bh} | "
              f"{_fmt(k.get('picked_call_messages_per_pickup'), 1)} ({pm}) | "
              f"{_fmt(f[kk + '_kdmq_calls'], 2)} per pickup ({bt}, in {kd.get('window_s')} s) |")
        w(f"| cross / local | | **{_fmt(f['lat_ratio'], 2)}** | {_fmt(f['lat_ratio_p95'], 2)} | | "
          f"{_fmt(f['inv_ratio'], 2)} | | | | | | |")
        w("")


if __name__ == "__main__":
    import sys

    report_util.run_alone(sys.modules[__name__])
