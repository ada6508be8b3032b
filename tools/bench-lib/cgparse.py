# SPDX-License-Identifier: GPL-2.0-or-later
"""Minimal reader of callgrind output files (standard library only).

self_costs(path) -> ({(object, function): self Ir}, {(object, function): Ir of
calls it makes into other objects}, total Ir)

Self cost is what a function's own instructions cost; the "calls out" cost
is the inclusive cost of the calls a function makes to functions in another
object.  The instructions spent in a shared object's dynamic extent are then
self + calls out, summed over the object's functions -- exact as long as no
callee outside calls back into the object (mailscope's do not).
"""

import re

_NAME = re.compile(r"^\((\d+)\)(?: (.*))?$")


def _resolve(table, text):
    m = _NAME.match(text)
    if not m:
        return text
    if m.group(2) is not None:
        table[m.group(1)] = m.group(2)
        return m.group(2)
    return table.get(m.group(1), text)


def self_costs(path, by_callee=None):
    """by_callee: a dict that receives {(caller object, callee): inclusive Ir}
    of every call into another object."""
    obs, fns, fls = {}, {}, {}
    self_c, out_c = {}, {}
    ob = fn = None
    cob = cfn = None
    in_call = False
    total = 0
    with open(path, errors="replace") as f:
        for line in f:
            if not line or line[0] == "\n":
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                if len(parts) < 2:
                    continue
                v = int(parts[1])
                key = (ob, fn)
                if in_call:
                    in_call = False
                    if (cob or ob) != ob:
                        out_c[key] = out_c.get(key, 0) + v
                        if by_callee is not None:
                            k = (ob, cfn)
                            by_callee[k] = by_callee.get(k, 0) + v
                    cob = None
                else:
                    self_c[key] = self_c.get(key, 0) + v
                continue
            if line.startswith("ob="):
                ob = _resolve(obs, line[3:].strip())
                cob = None
            elif line.startswith("fn="):
                fn = _resolve(fns, line[3:].strip())
                cob = None
            elif line.startswith("cob="):
                cob = _resolve(obs, line[4:].strip())
                cfn = None
            elif line.startswith("cfn=") or line.startswith("cfi=") or line.startswith("cfl="):
                if line.startswith("cfn="):
                    cfn = _resolve(fns, line[4:].strip())
                else:
                    _resolve(fls, line[4:].strip())
            elif line.startswith(("fl=", "fi=", "fe=")):
                _resolve(fls, line[3:].strip())
            elif line.startswith("calls="):
                in_call = True
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    return self_c, out_c, total


def object_extent(path, suffix):
    """(self Ir in the object, Ir of its calls out, {function: self Ir})."""
    self_c, out_c, total = self_costs(path)
    s = sum(v for (o, _), v in self_c.items() if o and o.endswith(suffix))
    o_ = sum(v for (o, _), v in out_c.items() if o and o.endswith(suffix))
    per = {}
    for (o, fn), v in self_c.items():
        if o and o.endswith(suffix):
            per[fn] = per.get(fn, 0) + v
    return s, o_, per, total


def calls_out(path, suffix):
    """{callee: inclusive Ir} of the calls the object's functions make into
    other objects (what the object's extent spends outside itself)."""
    by = {}
    self_costs(path, by)
    out = {}
    for (o, fn), v in by.items():
        if o and o.endswith(suffix):
            out[fn] = out.get(fn, 0) + v
    return out


if __name__ == "__main__":
    import sys
    if len(sys.argv) < 2:
        sys.exit("usage: cgparse.py CALLGRIND.OUT [OBJECT-SUFFIX [N]]")
    suffix = sys.argv[2] if len(sys.argv) > 2 else "mailscope.so"
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    s_, o_, per, total = object_extent(sys.argv[1], suffix)
    print("total %s; %s extent %s = self %s + calls out %s" % (
        "{:,}".format(total), suffix, "{:,}".format(s_ + o_), "{:,}".format(s_), "{:,}".format(o_)))
    print("self, by function:")
    for fn, v in sorted(per.items(), key=lambda x: -x[1])[:n]:
        print("  %14s  %s" % ("{:,}".format(v), fn))
    print("calls out, by callee (inclusive):")
    for fn, v in sorted(calls_out(sys.argv[1], suffix).items(), key=lambda x: -x[1])[:n]:
        print("  %14s  %s" % ("{:,}".format(v), fn))
