#!/usr/bin/env python3
"""What SIPp parties received, from their message logs (-trace_msg), for
the cluster suite (tests/cluster):

  siplog.py finals <file>...      "<Call-ID> <code>": the first final
                                   reply to each INVITE a party sent
  siplog.py requests <METHOD> <file>...
                                   "<R-URI user> <Call-ID> <From tag>" of
                                   each <METHOD> request received (a
                                   retransmission once)
"""
import re
import sys

SEP = re.compile(r"^-{10,} .*$", re.M)


def received(path):
    """the messages a party received, as (start line, {header: value})"""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return
    for block in SEP.split(text):
        head, _, rest = block.lstrip("\r\n").partition("\n")
        if "message received" not in head:
            continue
        msg = rest.lstrip("\r\n").replace("\r\n", "\n")
        lines = msg.split("\n\n", 1)[0].split("\n")
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k = k.strip().lower()
            k = {"i": "call-id", "f": "from", "t": "to"}.get(k, k)
            hdrs.setdefault(k, v.strip())
        yield lines[0], hdrs


def finals(paths):
    seen = set()
    for p in paths:
        for start, h in received(p):
            m = re.match(r"SIP/2\.0 (\d{3})", start)
            if not m or int(m.group(1)) < 200:
                continue
            if not h.get("cseq", "").upper().endswith("INVITE"):
                continue
            cid = h.get("call-id", "-")
            if cid in seen:
                continue
            seen.add(cid)
            print(cid, m.group(1))


def requests(method, paths):
    seen = set()
    for p in paths:
        for start, h in received(p):
            parts = start.split()
            if len(parts) < 2 or parts[0] != method:
                continue
            user = re.sub(r"^sips?:", "", parts[1]).split("@")[0] if "@" in parts[1] else "-"
            tag = re.search(r";\s*tag=([^;>\s]+)", h.get("from", ""))
            key = (user, h.get("call-id", "-"), h.get("cseq", ""), tag.group(1) if tag else "-")
            if key in seen:
                continue
            seen.add(key)
            print(user, key[1], key[3])


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "finals":
        finals(sys.argv[2:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "requests":
        requests(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
