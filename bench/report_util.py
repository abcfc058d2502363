"""What the parts of docs/PERFORMANCE.md share (bench/report.py and its
report_*.py): number formatting, medians, a target's status, and a part's
report alone (python3 bench/report_<part>.py bench/results/<part>.json)."""

import json
import statistics
import sys


def fmt(v, nd=0):
    if v is None:
        return "n/a"
    if isinstance(v, (int, float)):
        if nd == 0:
            return f"{v:,.0f}"
        return f"{v:,.{nd}f}"
    return str(v)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def status(ok):
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**missed**"


def run_alone(part):
    """part: a report module with figures, targets, findings and section"""
    with open(sys.argv[1]) as fh:
        p = json.load(fh)
    out = []
    fig = part.figures(p)
    part.targets(out.append, fig)
    part.findings(out.append, fig)
    part.section(out.append, p, fig)
    print("\n".join(out))
