#!/usr/bin/env python3
"""Write docs/INTEROP.md from the results of tests/interop/run.sh.

gen-doc.py [results.tsv] [INTEROP.md]
  defaults: tests/out-interop/results.tsv, docs/INTEROP.md
Everything in the matrix comes from the results file; only the framing
text (how the tests work, how to reproduce) is written here, and the
hand-written section on desk phones' BLF keys comes from blf-phones.md
next to this script.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
RESULTS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "out-interop", "results.tsv")
DOC = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "INTEROP.md")
INFO = os.path.join(os.path.dirname(RESULTS), "run-info.txt")

CLIENTS = {
    "baresip": ("baresip", "baresip-core", "baresip, commands through its `cons` module (UDP)"),
    "linphone": ("Linphone (linphonec)", "linphone-cli", "linphonec, commands through a FIFO on its standard input"),
    "twinkle": ("Twinkle (twinkle-console)", "twinkle-console", "twinkle-console, commands through a FIFO on its standard input"),
}
MODES = ["inject", "replaces", "replaces-any", "auto", "auto-ua-any"]
MODE_TITLE = {
    "inject": "`inject` (default)",
    "replaces": "`replaces`",
    "replaces-any": "`replaces`, `require_replaces=0`",
    "auto": "`auto`",
    "auto-ua-any": "`auto`, `no_replaces_ua=\"\"`",
}
SEATS = [
    ("caller", "caller", "calls 1001 (a SIPp phone that rings); a SIPp picker dials 7001, its SIPp phone answers what it is given"),
    ("member", "member", "is 1001 and rings; a SIPp caller (with Replaces support) calls it, a SIPp picker dials 7001"),
    ("picker", "picker", "is 2001 and dials 7001 while a SIPp caller rings 1001; no auto-answer set on the client: if the picked-up call rings, the test answers it by hand"),
    ("picker-aa", "picker, client auto-answer on", "as above, with the client's own auto-answer setting on"),
    ("picker-refused", "picker, caller's UA refuses Replaces", "as above (auto-answer on), and the caller's UA answers the Replaces INVITE with 481"),
]

AUTO_ANSWER = {
    "baresip": "account parameter `answermode=auto` (in `accounts`)",
    "linphone": "`linphonec -a`, or the command `autoanswer enable`",
    "twinkle": "the command `auto_answer -a on` (the auto-answer service of the user profile)",
}


def short(row):
    """A cell of the matrix: works, or how it fails."""
    outcome = row["outcome"]
    if row["works"] == "yes":
        text = "works"
        if "answered-by-hand" in outcome:
            text = "works, answered by hand"
        elif outcome.startswith("fallback"):
            text = "works (falls back to inject)"
        elif row["seat"] in ("picker-aa",):
            text = "works (auto-answer setting)"
    else:
        parts = {
            "not-pickable": "not pickable (480)",
            "not-pickable-ua": "not pickable (480): User-Agent in `no_replaces_ua`",
            "rings": "Replaces INVITE rings as a 2nd call",
            "stalls": "Replaces INVITE: 100, then silence; it drops its own call (never cancels it)",
            "second-call": "answers Replaces as a 2nd call",
            "200-ignored": "200 of the fallback ignored",
            "not-connected": "not connected",
            "no-call": "call never reaches it",
            "none": "nothing conclusive",
        }
        bits = []
        for p in outcome.split("+"):
            if p.startswith("call-dropped"):
                bits.append("then gcp ends its call (%s)" % p.split("-")[-1])
            elif p.startswith("refused"):
                bits.append("refuses Replaces (%s)" % p.split("-")[-1])
            else:
                bits.append(parts.get(p, p))
        text = "fails: " + "; ".join(bits)
    if row["verdict"] != "PASS":
        text += " **(FAIL)**"
    return text


def read_info(path):
    info = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
    return info


def history(info):
    """Outcomes of every kept full run of the same gcp.so (the last 10):
    {(client, seat, mode): [outcome, ...]}, and the number of runs."""
    hdir = os.path.join(os.path.dirname(RESULTS), "history")
    runs = []
    if info.get("gcp.so") and os.path.isdir(hdir):
        for name in sorted(os.listdir(hdir)):
            if not name.endswith(".tsv"):
                continue
            hinfo = read_info(os.path.join(hdir, name[:-4] + ".info"))
            if hinfo.get("gcp.so") == info["gcp.so"]:
                runs.append(os.path.join(hdir, name))
    runs = runs[-10:]
    seen = {}
    for path in runs:
        with open(path, newline="") as f:
            for r in csv.DictReader(f, delimiter="\t"):
                seen.setdefault((r["client"], r["seat"], r["mode"]), []).append(r["outcome"])
    return seen, len(runs)


def md(s):
    return s.replace("|", "\\|")


def main():
    with open(RESULTS, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    info = read_info(INFO)
    seen, nruns = history(info)
    by = {(r["client"], r["seat"], r["mode"]): r for r in rows}

    def varies(key):
        """"" or how the outcome varied over the kept runs of this gcp.so"""
        outs = seen.get(key, [])
        if len(set(outs)) < 2:
            return ""
        counts = {}
        for o in outs:
            counts[o] = counts.get(o, 0) + 1
        return "varies over %d runs: %s" % (len(outs), ", ".join(
            "`%s` %d×" % (o, n) for o, n in sorted(counts.items(), key=lambda x: -x[1])))
    clients = [c for c in CLIENTS if any(r["client"] == c for r in rows)]
    modes = [m for m in MODES if any(r["mode"] == m for r in rows)]
    versions = {r["client"]: r["version"] for r in rows}
    npass = sum(r["verdict"] == "PASS" for r in rows)
    nfail = len(rows) - npass

    out = []
    w = out.append
    w("# Interoperability: real SIP clients and gcp")
    w("")
    w("<!-- generated by tests/interop/gen-doc.py from tests/out-interop/results.tsv: do not edit by hand -->")
    w("")
    w("Three softphones from Debian 12, driven headless on loopback, each in the")
    w("three seats of a group call pickup (the caller whose call is picked up, the")
    w("member whose phone rang, the picker who dials the group number), in every")
    w("pickup mode, through a real Kamailio running `cfg/kamailio.cfg` with this")
    w("module; SIPp plays the other parties. Every result below is what one test run")
    w("observed: on the wire (a capture of every SIP message and RTP packet) and in")
    w("the client's own output (its call states, where it sent its media, its call")
    w("history).")
    w("")
    w("Run: %s; Kamailio %s; %s; module at commit %s (gcp.so %s). %d tests: %d as expected, %d not."
      % (info.get("date", "?"), info.get("kamailio", "?").replace("kamailio ", "", 1), info.get("sipp", "SIPp ?"),
         info.get("module", "?"), info.get("gcp.so", "?"), len(rows), npass, nfail))
    if nruns > 1:
        flaky = [k for k in seen if varies(k)]
        w("The matrix is that run's; %d full runs of the same gcp.so were kept, and"
          % nruns)
        if flaky:
            w("%d cell(s) did not give the same outcome in all of them: they say so." % len(flaky))
        else:
            w("every cell gave the same outcome in all of them.")
    w("")
    w("## The clients")
    w("")
    w("| client | Debian package | version | driven by | `Supported: replaces` in its INVITE | auto-answer setting |")
    w("|---|---|---|---|---|---|")
    for c in clients:
        name, pkg, how = CLIENTS[c]
        caller = by.get((c, "caller", "replaces"))
        adv = "?"
        if caller:
            adv = "no" if caller["outcome"] == "not-pickable" else "yes"
        w("| %s | `%s` | %s | %s | %s | %s |" % (name, pkg, versions.get(c, "?"), how, adv, AUTO_ANSWER[c]))
    w("")
    w("## The matrix")
    w("")
    w("A cell says whether the pickup works for the client in that seat, or how it")
    w("fails. **(FAIL)** marks a result that is not what the suite expects (for")
    w("`auto`: every caller must end up talking to the picker); every other cell,")
    w("failures of a client included, is the expected, documented behaviour.")
    w("")
    w("| client | seat | " + " | ".join(MODE_TITLE[m] for m in modes) + " |")
    w("|---|---|" + "---|" * len(modes))
    for c in clients:
        for seat, title, _ in SEATS:
            cells = []
            any_row = False
            for m in modes:
                r = by.get((c, seat, m))
                if r:
                    any_row = True
                    cells.append(short(r) + (" (%s)" % varies((c, seat, m)) if varies((c, seat, m)) else ""))
                else:
                    cells.append("")
            if any_row:
                w("| %s | %s | %s |" % (CLIENTS[c][0], title, " | ".join(cells)))
    w("")
    w("Seats:")
    w("")
    for seat, title, desc in SEATS:
        if any(r["seat"] == seat for r in rows):
            w("- **%s**: the client %s." % (title, desc))
    w("")
    w("`replaces`, `require_replaces=0` was run for the caller's seat of the")
    w("clients whose calls cannot be picked up in `replaces` mode with the default")
    w("`require_replaces=1`: an INVITE that does not list `replaces`, or a")
    w("User-Agent that matches `no_replaces_ua` (default `Twinkle/`).")
    w("`auto`, `no_replaces_ua=\"\"` was run for the caller's seat of the client")
    w("that `no_replaces_ua` names by default, to show why it does.")
    w("")

    # auto-answer
    w("## Auto-answer of the picked-up call (inject)")
    w("")
    w("gcp sends the picked-up call to the picker's phone with the `inject_headers`")
    w("(default: `Call-Info: <sip:pickup.invalid>;answer-after=0`, `Alert-Info:")
    w("<http://pickup.invalid/autoanswer>;info=alert-autoanswer;delay=0`,")
    w("`Answer-Mode: Auto`). What each client did with them:")
    w("")
    w("| client | headers received | answered by itself? | to make it answer |")
    w("|---|---|---|---|")
    for c in clients:
        r = by.get((c, "picker", "inject"))
        if not r:
            continue
        hdrs = ""
        for part in r["wire"].split("; "):
            if part.startswith("the picked-up call reached the client with auto-answer headers:"):
                hdrs = part.split(":", 1)[1].strip()
        honoured = "yes" if r["outcome"].startswith("auto-answered") else "no: it rings"
        aa = by.get((c, "picker-aa", "inject"))
        how = AUTO_ANSWER[c]
        if aa:
            how += " (then: %s)" % ("answers" if aa["works"] == "yes" else "still fails")
        w("| %s | %s | %s | %s |" % (CLIENTS[c][0], hdrs or "?", honoured, how))
    w("")
    w("None of these three softphones honours an auto-answer header; their")
    w("auto-answer settings answer every incoming call, not only picked-up ones.")
    w("Desk phones (Polycom, Snom, Yealink, Grandstream, Cisco SPA, Fanvil,")
    w("Gigaset, Panasonic) honour one of the default headers (docs/DESIGN.md); the")
    w("softphones here need the picker to answer by hand, or a setting.")
    w("")

    # the member's phone
    w("## What the member's phone shows")
    w("")
    w("When a call is picked up, the member's phone gets a CANCEL with")
    w("`Reason: SIP;cause=200;text=\"Call completed elsewhere\"`. Whether it then")
    w("logs a missed call is up to the phone:")
    w("")
    w("| client | CANCEL with cause=200 received | its own record of the call |")
    w("|---|---|---|")
    for c in clients:
        r = by.get((c, "member", "inject"))
        if not r:
            continue
        got = "yes" if "cause=200" in r["wire"] else "no"
        hist = [v.strip()[len("history "):] for v in r["client_view"].split(";") if v.strip().startswith("history ")]
        if c == "linphone" and hist:
            rec = "call log status \"%s\": no missed call" % hist[-1]
        elif c == "twinkle" and hist:
            rec = "call history: `%s` (direction, answered?, release cause, code): recorded as an unanswered incoming call, Reason or not" % hist[-1]
        elif c == "baresip":
            rec = "no call history in baresip 1.0's console; it logs the session as closed"
        else:
            rec = "; ".join(hist) or "?"
        w("| %s | %s | %s |" % (CLIENTS[c][0], got, rec))
    w("")

    # recommendation
    w("## Which mode to use")
    w("")

    def seat_ok(mode, seat):
        rs = [r for r in rows if r["mode"] == mode and r["seat"] == seat]
        return rs, [r["client"] for r in rs if r["works"] == "yes"]

    for m in modes:
        parts = []
        for seat, title, _ in SEATS:
            rs, ok = seat_ok(m, seat)
            if rs:
                parts.append("%s seat %d/%d" % (title, len(ok), len(rs)))
        w("- %s works in: %s." % (MODE_TITLE[m], ", ".join(parts)))
    w("")
    inj_all = all(r["works"] == "yes" for r in rows if r["mode"] == "inject")
    rep_caller = seat_ok("replaces", "caller")[1]
    auto_caller = seat_ok("auto", "caller")
    w("From that evidence:")
    w("")
    if inj_all:
        w("- **Mixed or unknown phones (the usual case): `inject`.** It worked for")
        w("  every client in every seat: the caller's phone needs nothing (it gets an")
        w("  ordinary 200 on its own call), and the member's phone is told \"Call")
        w("  completed elsewhere\". The picker's phone must auto-answer the call it")
        w("  is given: desk phones do on the default headers; these softphones need")
        w("  their auto-answer setting, or the picker answers the ringing call.")
    else:
        w("- `inject` did not work everywhere in this run: see the failures below.")
    if rep_caller:
        w("- `replaces` connected the caller's seat only for: %s." % ", ".join(CLIENTS[c][0] for c in rep_caller))
    else:
        w("- **`replaces`: only where every caller's phone is known to replace its")
        w("  own early dialog (RFC 3891).** None of the clients tested here does, in")
        w("  the caller's seat: the pickup fails, or worse (see the matrix). From the")
        w("  picker's seat `replaces` worked with every client (the picker's phone")
        w("  just places a call), so it suits only deployments where the callers are")
        w("  known, e.g. behind a B2BUA or an SBC that implements Replaces.")
    rs, ok = auto_caller
    if rs:
        if len(ok) == len(rs):
            w("- **`auto`**: connected every caller here; use it where some callers'")
            w("  phones replace their early dialog and others do not, and the picker's")
            w("  phone can auto-answer.")
        else:
            bad = [CLIENTS[r["client"]][0] for r in rs if r["works"] != "yes"]
            w("- **`auto`: not yet.** In this run it did not connect the caller for: %s"
              % ", ".join(bad) + " (see below). Until it does, prefer `inject`.")
    for r in [r for r in rows if r["mode"] == "auto-ua-any" and r["works"] != "yes"]:
        name = CLIENTS[r["client"]][0]
        w("- `auto` connects %s only because its User-Agent matches the" % name)
        w("  `no_replaces_ua` modparam (default `Twinkle/`), so that it never gets a")
        w("  Replaces INVITE: with that check off (`no_replaces_ua=\"\"`) the pickup")
        w("  fails (%s). A caller's phone that lists `replaces` but cannot" % md(r["observed"]))
        w("  complete one belongs in `no_replaces_ua`; `kamcmd gcp.calls` shows")
        w("  `delivery: inject` for its ringing calls.")
    w("")

    # desk phones' BLF keys: a hand-written part, no test run behind it
    with open(os.path.join(HERE, "blf-phones.md"), encoding="utf-8") as f:
        for line in f.read().rstrip("\n").split("\n"):
            w(line)
    w("")

    fails = [r for r in rows if r["verdict"] != "PASS"]
    w("## Results not as expected in this run")
    w("")
    if not fails:
        w("None.")
    for r in fails:
        w("- **%s, %s seat, %s**: %s" % (CLIENTS[r["client"]][0], r["seat"], r["mode"], md(r["observed"])))
        w("  - wire: %s" % md(r["wire"]))
        w("  - client: %s" % md(r["client_view"] or "(nothing)"))
    w("")

    w("## Details of every test")
    w("")
    for c in clients:
        w("### %s %s" % (CLIENTS[c][0], versions.get(c, "")))
        w("")
        for m in modes:
            for seat, title, _ in SEATS:
                r = by.get((c, seat, m))
                if not r:
                    continue
                v = varies((c, seat, m))
                w("- **%s, %s** (%s, `%s`): %s%s" % (title, m, r["verdict"], r["outcome"], md(r["observed"]),
                                                    " (%s)" % v if v else ""))
                w("  - wire: %s" % md(r["wire"]))
                w("  - client: %s" % md(r["client_view"] or "(nothing)"))
        w("")

    w("## How the tests work, and how to reproduce them")
    w("")
    w("```sh")
    w("bash tests/interop/setup.sh      # apt-get install baresip-core linphone-cli twinkle-console tcpdump")
    w("make                             # modules/gcp/gcp.so")
    w("bash tests/interop/run.sh        # PASS/FAIL lines, then \"interop: N passed, N failed\"")
    w("python3 tests/interop/gen-doc.py # this file, from tests/out-interop/results.tsv")
    w("```")
    w("")
    w("`GCP_INTEROP_CLIENTS=\"twinkle\"` and `GCP_INTEROP_MODES=\"auto\"` narrow a run.")
    w("It needs root (or CAP_NET_RAW) for tcpdump, and takes about four minutes.")
    w("")
    w("- Kamailio runs `cfg/kamailio.cfg` on 127.0.0.1:5090 (a copy of")
    w("  `cfg/gcp.xml`: 1001 is in group 7001), once per mode; everything else")
    w("  listens on 127.0.0.1, ports 5700-5899 only. No sound card is needed:")
    w("  baresip plays a sine (`ausine`) to ALSA's `null` device, linphone runs")
    w("  without a sound card, Twinkle uses ALSA `null`.")
    w("- Each client gets a fresh configuration (its own directory and HOME) for")
    w("  each test: it registers when it is the member or the picker, and only")
    w("  then; it is told to call through its command channel after it is up.")
    w("- The SIPp parties are in `tests/scenarios/interop_*.xml`: a member's phone that")
    w("  rings until cancelled, a caller with Replaces support whose UA (a second")
    w("  SIPp) answers or refuses the Replaces INVITE, a picker that takes any")
    w("  reply, and a picker's phone that answers whatever it is given. Each")
    w("  answering party echoes RTP and hangs up after a few seconds.")
    w("- The test decodes the capture (`wire.py`) and derives the outcome from")
    w("  it: who answered whose INVITE, with which Contact; what the client")
    w("  replied to the Replaces INVITE or to the picked-up call; whether it")
    w("  cancelled its own call; the Reason of the CANCEL to the member; where")
    w("  RTP flowed. The client's own output gives its view: call states, the")
    w("  address it sent its media to, its call history.")
    w("- Everything of a test stays in `tests/out-interop/<mode>/<client>-<seat>/`:")
    w("  `wire.pcap` (open it in Wireshark), `wire.flow` (one line a message),")
    w("  `wire.sip` (the messages), the SIPp message logs and the client's output")
    w("  and logs.")
    w("")
    with open(DOC, "w") as f:
        f.write("\n".join(out))
    print("wrote %s (%d results)" % (DOC, len(rows)))


if __name__ == "__main__":
    main()
