#!/usr/bin/env python3
"""Instruction counts (Ir) from callgrind output files.

  callgrind_sum.py calls FILE CALLER          per callee of CALLER: calls and
                                               inclusive Ir (JSON)
  callgrind_sum.py total FILE...              total Ir of all files, the
                                               inclusive Ir of every call into
                                               a gcp function from outside the
                                               module, and the self Ir by
                                               object (ELF file) and by
                                               function (those over 1/20,000
                                               of the total) (JSON)

Reads callgrind's own format (name compression, calls= lines followed by
the call's inclusive cost), so no callgrind_annotate is needed.
"""
import json
import re
import sys
from collections import defaultdict

NAME = re.compile(r"^\((\d+)\)(?:\s+(.*))?$")


class Parser:
    """callgrind's name compression: "(id) name" defines, "(id)" refers
    back. Functions (fn=, cfn=), files (fl=, fi=, fe=, cfi=, cfl=) and
    objects (ob=, cob=) are numbered apart: one id may name a function and
    a file"""

    def __init__(self):
        self.names = {"fn": {}, "fl": {}, "ob": {}}

    def resolve(self, s, kind="fn"):
        s = s.strip()
        m = NAME.match(s)
        if not m:
            return s
        names = self.names[kind]
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
            return m.group(2)
        return names.get(m.group(1), s)


def parse(path):
    p = Parser()
    fn = cfn = None
    pending_calls = None
    incl = defaultdict(int)
    ncalls = defaultdict(int)
    self_fn = defaultdict(int)
    self_ob = defaultdict(int)
    ob = None
    fn_ob = {}
    total = 0
    self_sum = 0
    with open(path, errors="replace") as f:
        for line in f:
            if not line or line == "\n":
                continue
            c = line[0]
            if line.startswith("fn="):
                fn = p.resolve(line[3:])
                fn_ob[fn] = ob
            elif line.startswith("cfn="):
                cfn = p.resolve(line[4:])
            elif line.startswith("calls="):
                pending_calls = int(line[6:].split()[0])
            elif c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if pending_calls is not None:
                    incl[(fn, cfn)] += cost
                    ncalls[(fn, cfn)] += pending_calls
                    pending_calls = None
                else:
                    self_sum += cost
                    self_fn[fn] += cost
                    self_ob[fn_ob.get(fn)] += cost
            elif line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
            elif line.startswith(("cfi=", "cfl=")):
                p.resolve(line[4:], "fl")
            elif line.startswith(("fl=", "fi=", "fe=")):
                # a new source file for the same function: recorded in the
                # files' own numbering
                p.resolve(line[3:], "fl")
            elif line.startswith("ob="):
                ob = p.resolve(line[3:], "ob").rsplit("/", 1)[-1]
            elif line.startswith("cob="):
                p.resolve(line[4:], "ob")
    return incl, ncalls, total or self_sum, self_fn, self_ob


def is_gcp(name):
    return bool(name) and (name.startswith("gcp_") or name.startswith("w_gcp_"))


def main():
    mode = sys.argv[1]
    if mode == "calls":
        incl, ncalls, total, _, _ = parse(sys.argv[2])
        caller = sys.argv[3]
        out = {}
        for (fn, cfn), cost in incl.items():
            if fn == caller:
                out[cfn] = {"calls": ncalls[(fn, cfn)], "ir": cost}
        print(json.dumps({"total": total, "callees": out}))
    elif mode == "total":
        total = 0
        gcp = 0
        gcp_calls = defaultdict(int)
        gcp_ir = defaultdict(int)
        self_fn = defaultdict(int)
        self_ob = defaultdict(int)
        for path in sys.argv[2:]:
            incl, ncalls, t, sf, so = parse(path)
            total += t
            for k, v in sf.items():
                self_fn[k] += v
            for k, v in so.items():
                self_ob[str(k)] += v
            for (fn, cfn), cost in incl.items():
                if is_gcp(cfn) and not is_gcp(fn):
                    gcp += cost
                    gcp_calls[cfn] += ncalls[(fn, cfn)]
                    gcp_ir[cfn] += cost
        print(json.dumps({
            "total": total,
            "gcp_entry_ir": gcp,
            "gcp_entries": {k: {"calls": gcp_calls[k], "ir": gcp_ir[k]} for k in sorted(gcp_ir)},
            "self_by_object": dict(sorted(self_ob.items(), key=lambda kv: -kv[1])),
            "self_by_function": {k: v for k, v in sorted(self_fn.items(), key=lambda kv: -kv[1])
                                 if v * 20000 >= total},
        }))


if __name__ == "__main__":
    main()
