#!/usr/bin/env python3
"""The busy-lamp part of docs/PERFORMANCE.md (bench/publish.sh's
bench/results/publish.json), used by report.py:

  figures(pub)          the numbers the text uses (None without a run)
  targets(w, f)         the rows of "Where we stand"
  findings(w, f)        the bullet of "What the measurements show"
  section(w, pub, f)    the section "Busy lamps: what publishing costs"

Every figure is computed from the JSON; the fixed text states the method.
"""

import report_util
from report_util import fmt as _fmt, med as _med, status as _status

VARIANTS = ("off", "on", "watched")


def _timer_ir(c):
    """gcp's timer (every 50 ms, its walk of the ring once a second): a cost
    per second whatever the load, as in part 2 left out of the per-call
    figures"""
    return c["callgrind"]["gcp_entries"].get("gcp_timer", {}).get("ir", 0)


def _ir_net(c):
    """Ir per call of a callgrind run, gcp's timer left out"""
    if not c or not c.get("calls"):
        return None
    return (c["callgrind"]["total"] - _timer_ir(c)) / c["calls"]


def figures(pub):
    if not pub or not pub.get("paired"):
        return None
    f = {"by_rate": {}}
    for p in pub["paired"]:
        f["by_rate"].setdefault(p["rate"], []).append(p)
    top = max(f["by_rate"])
    runs = f["by_rate"][top]
    f["rate"] = top
    f["runs"] = runs
    us = {v: [r[v]["kamailio_cpu_us_per_call"] for r in runs] for v in VARIANTS}
    f["us"] = {v: _med(us[v]) for v in VARIANTS}
    # capacity ratio of publish on (nobody watching) to off, per run
    f["cap"] = [r["off"]["kamailio_cpu_us_per_call"] / r["on"]["kamailio_cpu_us_per_call"]
                for r in runs if r["on"]["kamailio_cpu_us_per_call"]]
    f["cap_med"] = _med(f["cap"])
    f["cost"] = [r["on"]["kamailio_cpu_us_per_call"] / r["off"]["kamailio_cpu_us_per_call"]
                 for r in runs if r["off"]["kamailio_cpu_us_per_call"]]
    f["cost_med"] = _med(f["cost"])
    f["on_extra"] = _med([r["on"]["kamailio_cpu_us_per_call"] - r["off"]["kamailio_cpu_us_per_call"]
                          for r in runs])
    f["w_extra"] = _med([r["watched"]["kamailio_cpu_us_per_call"] - r["off"]["kamailio_cpu_us_per_call"]
                         for r in runs])
    f["w_ratio"] = _med([r["watched"]["kamailio_cpu_us_per_call"] / r["off"]["kamailio_cpu_us_per_call"]
                         for r in runs if r["off"]["kamailio_cpu_us_per_call"]])
    allruns = pub["paired"]
    f["unwatched_pub"] = sum(r[v]["publishes"] for r in allruns for v in ("off", "on"))
    f["unwatched_notify"] = sum(r[v]["notifies"] for r in allruns for v in ("off", "on"))
    f["unwatched_calls"] = sum(r["on"]["calls"] for r in allruns)
    f["w_calls"] = sum(r["watched"]["calls"] for r in allruns)
    f["w_pub"] = sum(r["watched"]["publishes"] for r in allruns)
    f["w_notify"] = sum(r["watched"]["notifies"] for r in allruns)
    f["w_wnotify"] = sum(r["watched"]["watcher_notifies"] for r in allruns)
    f["pub_per_call"] = f["w_pub"] / f["w_calls"] if f["w_calls"] else None
    f["notify_per_call"] = f["w_notify"] / f["w_calls"] if f["w_calls"] else None
    f["msgs_per_call"] = (f["pub_per_call"] or 0) + (f["notify_per_call"] or 0)
    f["errors"] = {v: sum(r[v]["log_errors"] for r in allruns) for v in VARIANTS}
    f["all_ok"] = all(r[v]["ok"] == r[v]["calls"] for r in allruns for v in VARIANTS)
    cg = {c["variant"]: c for c in pub.get("callgrind", [])}
    f["cg"] = cg
    f["ir"] = {v: _ir_net(cg.get(v)) for v in VARIANTS}
    if f["ir"]["off"] and f["ir"]["on"]:
        f["ir_on_pct"] = 100 * (f["ir"]["on"] / f["ir"]["off"] - 1)
    else:
        f["ir_on_pct"] = None
    if "on" in cg and "off" in cg:
        # gcp's own functions, per call; its timer (every 50 ms, whatever
        # the load) is a cost per second, left out
        def gcp_ir(c):
            return (c["callgrind"]["gcp_entry_ir"] - _timer_ir(c)) / c["calls"]

        f["gcp_ir"] = {v: gcp_ir(cg[v]) for v in VARIANTS if v in cg}
        a = {k: x / cg["on"]["calls"] for k, x in cg["on"]["callgrind"].get("self_by_function", {}).items()}
        b = {k: x / cg["off"]["calls"] for k, x in cg["off"]["callgrind"].get("self_by_function", {}).items()}
        for x in (a, b):
            x.pop("gcp_ring_expire", None)  # the timer's walk
            x.pop("gcp_timer", None)
        f["on_fn_diff"] = sorted(((k, a.get(k, 0) - b.get(k, 0)) for k in set(a) | set(b)),
                                 key=lambda kv: -kv[1])
    if "watched" in cg and "off" in cg:
        W, O = cg["watched"], cg["off"]

        def per_obj(c):
            d = {k: x / c["calls"] for k, x in c["callgrind"].get("self_by_object", {}).items()}
            if "gcp.so" in d:
                d["gcp.so"] -= _timer_ir(c) / c["calls"]
            return d

        a, b = per_obj(W), per_obj(O)
        f["w_obj_diff"] = sorted(((k, a.get(k, 0) - b.get(k, 0)) for k in set(a) | set(b)),
                                 key=lambda kv: -kv[1])
        f["w_ir_extra"] = f["ir"]["watched"] - f["ir"]["off"]
    return f


def _target_ok(f):
    if f is None or f["cap_med"] is None:
        return None
    return f["cap_med"] >= 0.99


def targets(w, f):
    if f is None:
        return
    caps = ", ".join(_fmt(x, 3) for x in f["cap"])
    w(f"| busy lamps: the call path with `publish=members,groups` and nobody watching within 1 % of"
      f" `publish` off (presence stack loaded in both) | {_fmt(f['cap_med'], 3)} × by Kamailio CPU per call"
      f" (side by side at {f['rate']:,} calls/s each, median of {len(f['cap'])} runs: {caps}); "
      + (f"{f['ir_on_pct']:+.2f} % instructions per call (callgrind: {_fmt(f['ir']['off'])} → "
         f"{_fmt(f['ir']['on'])} Ir); " if f["ir_on_pct"] is not None else "")
      + f"{f['unwatched_pub']} PUBLISHes and {f['unwatched_notify']} NOTIFYs in"
      f" {f['unwatched_calls']:,} unwatched calls | {_status(_target_ok(f))} |")
    w(f"| busy lamps: the cost of a watched member's call stated | {_fmt(f['w_extra'])} µs of Kamailio CPU"
      f" more per call than `publish` off ({_fmt(f['w_ratio'], 2)} ×), for {_fmt(f['pub_per_call'], 2)}"
      f" PUBLISHes and {_fmt(f['notify_per_call'], 2)} NOTIFYs per call"
      + (f"; {_fmt(f['w_ir_extra'])} more instructions per call" if f.get("w_ir_extra") else "")
      + " | stated |")


def findings(w, f):
    if f is None:
        return
    msgs = f["msgs_per_call"]
    s = (f"- **Busy lamps.** With the presence stack loaded and nobody watching, `publish=members,groups`"
         f" costs {_fmt(f['on_extra'], 1)} µs of CPU per call over `publish` off ({_fmt(f['us']['off'])} µs;"
         f" medians at {f['rate']:,} calls/s each), a capacity ratio of {_fmt(f['cap_med'], 3)}")
    if f["ir_on_pct"] is not None:
        gi = f.get("gcp_ir", {})
        s += (f"; in instructions {f['ir_on_pct']:+.2f} %"
              f" ({_fmt(f['ir']['on'] - f['ir']['off'])} Ir per call, gcp's functions"
              f" {_fmt(gi.get('off'))} → {_fmt(gi.get('on'))})")
    s += (f", and not one PUBLISH or NOTIFY crossed the wire ({f['unwatched_pub']} PUBLISHes,"
          f" {f['unwatched_notify']} NOTIFYs in {f['unwatched_calls']:,} calls: gcp decides only for presentities"
          " that a SUBSCRIBE named, and asks presence whether they have a watcher before it publishes).")
    ok = _target_ok(f)
    if ok is False:
        s += (f" The target (≥ 0.99) is missed by CPU: the runs range {_fmt(min(f['cap']), 3)}-"
              f"{_fmt(max(f['cap']), 3)}")
        s += (", while the instructions differ by less than 1 %: the gap is within what the runs spread."
              if f["ir_on_pct"] is not None and f["ir_on_pct"] < 1 else ".")
    w(s)
    s = (f"  With one watcher per member every call costs {_fmt(f['pub_per_call'], 2)} PUBLISHes (early at the"
         f" 180, terminated at the CANCEL, the publication's removal) and {_fmt(f['notify_per_call'], 2)}"
         f" NOTIFYs; together {_fmt(f['w_extra'])} µs of CPU more per call, {_fmt(f['w_ratio'], 2)} × the"
         f" call without publishing, about {_fmt(f['w_extra'] / msgs if msgs else None)} µs per PUBLISH or"
         " NOTIFY")
    if f.get("w_ir_extra"):
        objs = [(k, v) for k, v in f["w_obj_diff"] if v >= 1000][:5]
        s += (f"; {_fmt(f['w_ir_extra'])} instructions more per call, most of them in "
              + ", ".join(f"{k} {v:+,.0f}" for k, v in objs))
    s += "."
    w(s)
    w("")


def section(w, pub, f):
    if f is None:
        return
    w("## 6. Busy lamps: what publishing costs")
    w("")
    w("`bench/publish.sh`: the load of part 2 (INVITE → 100/180 → CANCEL → 200/487 → ACK, calls spread over")
    w(f"the {pub.get('members', 1000):,} registered members, one SIPp for all their phones) through"
      " `kamailio-bench.cfg` with the")
    w("presence stack of the sample cfg in every variant (each instance its own fresh SQLite file,")
    w("`scripts/presence-db.sh`; pua publishes to the instance itself):")
    w("")
    w("- **off**: `-A GCP_NO_PUBLISH`: presence, presence_dialoginfo and pua loaded, gcp does not publish;")
    w("- **on**: `publish=members,groups` (the cfg as it is), nobody watches;")
    w("- **watched**: `publish=members,groups` and one BLF key per member (`tests/scenarios/bench_blf_watcher.xml`,")
    w("  one subscription to each member, every NOTIFY answered 200), subscribed before the calls.")
    w("")
    cfgl = pub.get("presence_cfg")
    if cfgl:
        w(f"The presence stack's settings, as the cfg has them (its `{pub.get('cfg_debug', 'debug=?')}`):")
        w("")
        w("```")
        for line in cfgl:
            w(line)
        w("```")
        w("")
    w("Counted on each instance over its calls: the PUBLISHes it received (kex's `core:rcv_requests_publish`:")
    w("pua's own, on the wire), its local transactions (`tm.stats` `total_local`: pua's PUBLISHes and")
    w("presence's NOTIFYs, so NOTIFYs = local − PUBLISHes) and, as a check, the NOTIFYs the watchers")
    w("received (their SIPp's `-trace_counts`). The script fails unless **on** and **off** count no")
    w(f"PUBLISH and no NOTIFY, and **watched** exactly {pub.get('expected_publishes_per_watched_call', 3)}"
      " PUBLISHes and as many NOTIFYs per call (a member's key:")
    w("early at the 180, terminated at the CANCEL, then the publication removed, `Expires: 0`, once the")
    w("terminated one is answered; nobody watches the groups, so nothing is published for them).")
    w("")
    ports = pub.get("ports", [])
    w("Side by side: the three variants at the same time, each its own Kamailio ("
      + ", ".join(f"127.0.0.1:{p}" for p in ports)
      + ("; all pinned to CPU 0, the SIPp parties to CPU 1" if pub.get("pinned") else "")
      + ", the variants rotating over the instances run by run) and its own caller at "
      + " and ".join(f"{r:,}" for r in pub["rates"])
      + f" calls/s for {pub['seconds']} s, {pub.get('reps', len(f['runs']))} runs. Kamailio's CPU is the")
    w("sum of `/proc/<pid>/task/*/schedstat` over the main process and its children, from the first")
    w("INVITE to the caller's last ACK.")
    w("")
    w("| calls/s each | run | off: µs CPU per call | on: µs | on / off | watched: µs | watched − off | PUBLISHes per call (off, on, watched) | NOTIFYs per call (off, on, watched; the watchers counted) | ERROR lines (off, on, watched) | all calls ok |")
    w("|---:|---:|---:|---:|---:|---:|---:|---|---|---|:-:|")
    for rt, runs in sorted(f["by_rate"].items()):
        for i, r in enumerate(runs, 1):
            o, n, wa = r["off"], r["on"], r["watched"]
            okc = "yes" if all(r[v]["ok"] == r[v]["calls"] for v in VARIANTS) else ", ".join(
                f"{r[v]['ok']}/{r[v]['calls']}" for v in VARIANTS)
            w(f"| {rt:,} | {i} | {_fmt(o['kamailio_cpu_us_per_call'])} | {_fmt(n['kamailio_cpu_us_per_call'])} | "
              f"{_fmt(n['kamailio_cpu_us_per_call'] / o['kamailio_cpu_us_per_call'], 3)} | "
              f"{_fmt(wa['kamailio_cpu_us_per_call'])} | "
              f"{_fmt(wa['kamailio_cpu_us_per_call'] - o['kamailio_cpu_us_per_call'])} | "
              f"{o['publishes_per_call']:.0f}, {n['publishes_per_call']:.0f}, {wa['publishes_per_call']:.3f} | "
              f"{o['notifies_per_call']:.0f}, {n['notifies_per_call']:.0f}, {wa['notifies_per_call']:.3f} "
              f"({wa['watcher_notifies'] / wa['calls']:.3f}) | "
              f"{o['log_errors']}, {n['log_errors']}, {wa['log_errors']} | {okc} |")
    w(f"| {f['rate']:,} | median | {_fmt(f['us']['off'])} | {_fmt(f['us']['on'])} | "
      f"**{_fmt(f['cost_med'], 3)}** | {_fmt(f['us']['watched'])} | "
      f"**{_fmt(f['w_extra'])}** | | | | |")
    w("")
    w(f"In all: {f['unwatched_pub']} PUBLISHes and {f['unwatched_notify']} NOTIFYs in"
      f" {f['unwatched_calls'] * 2:,} calls of **off** and **on**; {f['w_pub']:,} PUBLISHes,"
      f" {f['w_notify']:,} NOTIFYs sent and {f['w_wnotify']:,} received by the watchers in"
      f" {f['w_calls']:,} calls of **watched**.")
    w("")
    cg = f["cg"]
    if cg:
        c0 = next(iter(cg.values()))
        w(f"Instructions (callgrind, every Kamailio process, each variant alone, {c0['calls']:,} calls at"
          f" {pub.get('cg_rate', 'n/a')} calls/s, slow enough that no PUBLISH is retransmitted under valgrind;")
        w("the counters zeroed before the calls and dumped after them, divided by the calls. gcp's timer, a")
        w("cost per second whatever the load, is left out, as in part 2; the other timers of Kamailio and")
        w("the presence stack are in):")
        w("")
        w("| variant | Ir per call | vs off | of which in gcp's functions | gcp's timer, Ir per s (left out) | PUBLISHes, NOTIFYs |")
        w("|---|---:|---:|---:|---:|---|")
        gi = f.get("gcp_ir", {})
        for v in VARIANTS:
            c = cg.get(v)
            if not c:
                continue
            ir = f["ir"][v]
            vs = "" if v == "off" or not f["ir"]["off"] else f"{100 * (ir / f['ir']['off'] - 1):+.2f} %"
            w(f"| {v} | {_fmt(ir)} | {vs} | {_fmt(gi.get(v))} | "
              f"{_fmt(_timer_ir(c) / c['seconds'] if c.get('seconds') else None)} | "
              f"{c['publishes']}, {c['notifies']} |")
        w("")
        fns = [(k, v) for k, v in f.get("on_fn_diff", []) if v >= 100][:8]
        if fns:
            w("The functions whose instructions grew most with `publish` on and nobody watching (self Ir per"
              " call, on − off): " + ", ".join(f"`{k}` {v:+,.0f}" for k, v in fns) + ".")
            w("")
        if f.get("w_obj_diff"):
            objs = [(k, v) for k, v in f["w_obj_diff"] if abs(v) >= 500]
            w("Where a watched call's extra instructions run (self Ir per call, watched − off, by object): "
              + ", ".join(f"{k} {v:+,.0f}" for k, v in objs[:8]) + ".")
            w("")


if __name__ == "__main__":
    import sys

    report_util.run_alone(sys.modules[__name__])
