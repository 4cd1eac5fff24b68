"""The house keeps its shape (src/README.md is the map).

1. Every src/*.c is named in src/README.md.
2. No file depends on another that depends on it again: the objects of
   the static build, linked symbol by symbol (what each leaves undefined
   and which one defines it), form no cycle.
3. A header declaring more than 12 functions says why in its opening
   comment ("wider than 12 functions because ...").
Check each.
"""
import pathlib
import re
import subprocess

from conftest import ROOT

SRC = ROOT / "src"


def test_map_names_every_source_file():
    text = (SRC / "README.md").read_text()
    missing = [c.name for c in sorted(SRC.glob("*.c"))
               if "`%s`" % c.name not in text]
    assert missing == [], "src/README.md does not name %s" % missing


def symbols(obj):
    out = subprocess.run(["nm", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    defined, undefined = set(), set()
    for l in out.splitlines():
        f = l.split()
        if len(f) == 3 and f[1] in "TDBRC":
            defined.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            undefined.add(f[1])
    return defined, undefined


def cycles(graph):
    """Strongly connected components of more than one node."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_file_depends_on_itself_through_others():
    obj = ROOT / "build" / "static" / "obj"
    objs = [obj / (c.stem + ".o") for c in sorted(SRC.glob("*.c"))]
    assert all(o.exists() for o in objs), "build first"
    syms = {o.stem: symbols(o) for o in objs}
    owner = {s: name for name, (d, _) in syms.items() for s in d}
    graph = {name: {owner[s] for s in u if s in owner and owner[s] != name}
             for name, (_, u) in syms.items()}
    assert cycles(graph) == []


PROTO = re.compile(r"^[a-z].*\b[a-z][a-z0-9_]*\(", re.M)


def test_wide_headers_say_why():
    wide = []
    for h in sorted(SRC.glob("*.h")):
        text = h.read_text()
        n = len([m for m in PROTO.findall(text)
                 if not m.startswith("typedef")])
        top = text[:text.find("*/")]
        if n > 12 and "wider than 12 functions because" not in \
                " ".join(top.replace("*", " ").split()).lower():
            wide.append((h.name, n))
    assert wide == []
