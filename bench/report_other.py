"""Part 4 of docs/PERFORMANCE.md, other-group pickup (issue 14), from
bench/results/other.json (bench/other.sh); used by bench/report.py."""

TARGET = 1.2


def _fmt(v, nd=0):
    if v is None:
        return "n/a"
    return f"{v:,.{nd}f}"


def verdict(og):
    """(ok or None, the ratio judged): instructions per pickup when
    measured (the load does not move them), else the CPU ratio"""
    r = og["ratios"]["walk"]
    v = r.get("ir_ratio") or r.get("cpu_ratio")
    cpu = r.get("cpu_ratio")
    if v is None:
        return None, None
    return v <= TARGET and (cpu is None or cpu <= TARGET), v


def target_row(w, og, status):
    if not og:
        return
    ok, _ = verdict(og)
    r = og["ratios"]["walk"]
    ra = og["ratios"].get("walk-age", {})
    rounds = ", ".join(_fmt(x, 3) for x in r.get("cpu_ratio_rounds", []))
    w(f"| a pickup that walks {og['empty_groups_walked']} empty groups before its call ≤ {TARGET} × a pickup "
      f"in the own group | {_fmt(r.get('ir_ratio'), 3)} × by instructions per pickup (callgrind: "
      f"{_fmt(r.get('ir_per_pickup_own'))} → {_fmt(r.get('ir_per_pickup'))} Ir); {_fmt(r.get('cpu_ratio'), 3)} × "
      f"by Kamailio CPU per pickup (the three side by side; median of the rounds: {rounds}); `age` order: "
      f"{_fmt(ra.get('ir_ratio'), 3)} × and {_fmt(ra.get('cpu_ratio'), 3)} × | {status(ok)} |")


def part4(w, og):
    if not og:
        return
    v = og["variants"]
    w("## 4. Other-group pickup")
    w("")
    w("What a pickup costs that walks empty groups before it finds a call (`bench/other.sh`).")
    w("Three instances of `kamailio-bench.cfg` in replaces mode, side by side (127.0.0.1:"
      + ", :".join(str(x["port"]) for x in v.values()) + "), on the same groups: the")
    w("1,000 benchmark groups and a range 71000-71099 without members, where group 71000 lists")
    w("71001 ... 71009 (empty) and then 70000, where the calls ring:")
    w("")
    w("- **own**: pickers dial 70000: one group looked at;")
    w("- **walk**: pickers dial 71000 (`other_group_order` priority): 71000 and the 9 listed groups")
    w(f"  before 70000 are empty, {og['empty_groups_walked']} empty groups walked before the call;")
    w("- **walk-age**: the same with `other_group_order` age: all 11 groups looked at for the")
    w("  oldest call, then its claim.")
    w("")
    w(f"{og['calls_ringing']} calls ring in group 70000 of every instance; the caller's UA refuses each pickup")
    w("(486), so the call rings again and every pickup runs the whole claim, rewrite, relay and")
    w(f"give-back path. The three at once, each at {og['rate_per_s']} pickups/s (at most {og['concurrent']} outstanding)")
    w(f"for {og['seconds']} s, {og['rounds']} rounds after one unmeasured"
      + (", every instance pinned to CPU 0 and the SIPp parties to CPU 1" if og.get("pinned") else "")
      + ": Kamailio's CPU per pickup (schedstat); then each variant alone under callgrind")
    w("(every Kamailio process, counters zeroed before the pickups and dumped after them). The")
    w("module's log line of every pickup says which kind it was: every walk pickup was an")
    w("other-group one, every own one a group one (counts below).")
    w("")
    w("| variant | dials | pickups | µs CPU per pickup | Ir per pickup (callgrind) | Ir in gcp per pickup | failed | logged group / other-group |")
    w("|---|---|---:|---:|---:|---:|---:|---|")
    for name, x in v.items():
        cg = x.get("callgrind") or {}
        ok = cg.get("ok") or 0
        w(f"| {name} | {x['dials']} | {_fmt(x['pickups'])} | {_fmt(x['kamailio_cpu_us_per_pickup'], 1)} | "
          f"{_fmt(cg['total_ir'] / ok) if ok else 'n/a'} | "
          f"{_fmt((cg.get('gcp_entry_ir') or 0) / ok) if ok else 'n/a'} | {x['failed']} | "
          f"{x['logged_group']:,} / {x['logged_other_group']:,} |")
    w("")
    w("Ratios to **own**, in this run:")
    w("")
    w("| | CPU per pickup (median of the per-round ratios) | rounds | Ir per pickup |")
    w("|---|---:|---|---:|")
    for name, r in og["ratios"].items():
        w(f"| {name} | {_fmt(r.get('cpu_ratio'), 3)} | "
          + ", ".join(_fmt(x, 3) for x in r.get("cpu_ratio_rounds", []))
          + f" | {_fmt(r.get('ir_ratio'), 3)} |")
    w("")
    w("An empty group costs a hash, a lock and a bucket walk; the figures above put that next to")
    w("the SIP work of a whole pickup (parse, transaction, Replaces rewrite, relay, give-back).")
    w("")
