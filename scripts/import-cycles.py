#!/usr/bin/env python3
"""Import cycles between modules of src/, and the layer rules of docs/architecture.md.

    python3 scripts/import-cycles.py [--doc docs/architecture.md] [--src src] [--edges]

Reads every `use crate::…`/`super::…`/`self::…` statement and every inline `crate::x::y` path
of the library (test-only modules excluded: tests may reach any layer), and builds, for each
module with children, the graph between its children: `a -> b` when code under `a` names
something under `b`. The crate root's graph is the top-level one (`http -> app`); inside
`mcp/` it is `tools -> authorize`, inside `mcp/tools/` it is `help -> info`, and so on.
A parent's own file (mod.rs) is its children's shared base, not a sibling: edges to it don't
count. Every cycle is printed with one source line per edge; the exit status is 1 on any.

With --doc, the module map table of the document (section "Module map": a row per layer,
top to bottom, modules in backticks) must list every top-level module, and every top-level
edge must point to the same layer or one below. A cycle the document explains in its
section "Cycles still allowed" (a bullet per cycle: the parent module, then its members,
each in backticks, then the reason) is reported but not counted; a listed cycle that is
gone is a problem (the list must shrink with the code).
"""

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
import rustsrc  # noqa: E402

USE = re.compile(r"\buse\s+([^;]+);")
INLINE = re.compile(r"\b(crate|super|self)((?:\s*::\s*[A-Za-z_][A-Za-z0-9_]*)+)")


def expand(tree):
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"] (aliases and globs dropped)."""
    tree = re.sub(r"\s+", "", tree)
    if "{" not in tree:
        return [re.sub(r"(::\*|as\w+)$", "", tree)]
    head, rest = tree.split("{", 1)
    inner = rest[: rest.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    return [head + p2 for p in parts if p for p2 in expand(p)]


def resolve(here, path):
    segs = [s for s in path.split("::") if s]
    if not segs or segs[0] not in ("crate", "super", "self"):
        return None
    base = list(here)
    if segs[0] == "crate":
        base, segs = [], segs[1:]
    while segs and segs[0] in ("super", "self"):
        if segs.pop(0) == "super":
            base = base[:-1]
    return tuple(base + segs)


def collect(src):
    mods = rustsrc.walk(src)
    known = {m[0] for m in mods}
    refs = []  # (from module, to module, file, line)
    for path, file, text, offset, test in mods:
        if test:
            continue
        for m in USE.finditer(text):
            for p in expand(m.group(1)):
                refs.append((path, p, file, offset + text.count("\n", 0, m.start()) + 1))
        rest = USE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        for m in INLINE.finditer(rest):
            p = m.group(1) + re.sub(r"\s+", "", m.group(2))
            refs.append((path, p, file, offset + rest.count("\n", 0, m.start()) + 1))
    edges = {}
    for here, p, file, line in refs:
        full = resolve(here, p)
        if full is None:
            continue
        target = max((full[:k] for k in range(len(full) + 1) if full[:k] in known), key=len)
        k = 0
        while k < min(len(here), len(target)) and here[k] == target[k]:
            k += 1
        if k == len(here) or k == len(target):
            continue  # one is the other's ancestor (or itself): not a sibling edge
        key = (here[:k], here[k], target[k])
        edges.setdefault(key, (file, line))
    return known, edges


def cycles(edges):
    """Strongly connected components with more than one member, per parent module."""
    graphs = {}
    for (parent, a, b), where in edges.items():
        graphs.setdefault(parent, {}).setdefault(a, {})[b] = where
    found = []
    for parent, g in sorted(graphs.items()):
        for comp in _sccs(g):
            if len(comp) > 1:
                found.append((parent, sorted(comp), g))
    return found


def _sccs(g):
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            out.append(comp)

    for v in list(g):
        if v not in index:
            visit(v)
    return out


def name(parent, child):
    return "::".join(parent + (child,)) or "crate"


def doc_layers(doc):
    text = Path(doc).read_text()
    sect = re.search(r"^## Module map\n(.*?)(?=^## )", text, re.S | re.M)
    if not sect:
        sys.exit(f"{doc}: no '## Module map' section")
    layers = {}
    rows = [r for r in sect.group(1).splitlines() if r.startswith("|")][2:]
    for i, row in enumerate(rows):
        cells = row.split("|")
        if len(cells) < 4:
            continue
        mods = re.sub(r"\([^)]*\)", "", cells[2])
        for tok in re.findall(r"`([^`]+)`", mods):
            layers[re.sub(r"(/|\.rs)$", "", tok)] = (i, cells[1].strip())
    return layers


def doc_allowed(doc):
    """{(parent, frozenset(members))} from the bullets of "## Cycles still allowed"."""
    text = Path(doc).read_text()
    sect = re.search(r"^## Cycles still allowed\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    allowed = set()
    for line in (sect.group(1).splitlines() if sect else []):
        if line.startswith("- "):
            names = re.findall(r"`([^`]+)`", line.split(" — ")[0])
            if len(names) >= 3:
                parent = () if names[0] == "crate" else tuple(names[0].split("::"))
                allowed.add((parent, frozenset(names[1:])))
    return allowed


def check_doc(doc, known, edges):
    layers = doc_layers(doc)
    problems = []
    for top in sorted(p[0] for p in known if len(p) == 1):
        if top not in layers:
            problems.append(f"{doc}: module map does not list top-level module `{top}`")
    for (parent, a, b), (file, line) in sorted(edges.items()):
        if parent or a not in layers or b not in layers:
            continue
        if layers[a][0] > layers[b][0]:
            problems.append(
                f"{a} ({layers[a][1]}) imports {b} ({layers[b][1]}), a layer above it"
                f"  [{file}:{line}]"
            )
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default="src")
    ap.add_argument("--doc", help="also check this document's module map")
    ap.add_argument("--edges", action="store_true", help="print every sibling edge")
    args = ap.parse_args()
    known, edges = collect(args.src)
    if args.edges:
        for (parent, a, b), (file, line) in sorted(edges.items()):
            print(f"{name(parent, a)} -> {name(parent, b)}  [{file}:{line}]")
    problems = []
    allowed = doc_allowed(args.doc) if args.doc else set()
    seen = set()
    for parent, comp, g in cycles(edges):
        key = (parent, frozenset(comp))
        seen.add(key)
        lines = [f"cycle in {'::'.join(parent) or 'crate'}: {' <-> '.join(comp)}"]
        for a in comp:
            for b, (file, line) in sorted(g.get(a, {}).items()):
                if b in comp:
                    lines.append(f"    {a} -> {b}  [{file}:{line}]")
        if key in allowed:
            print(lines[0] + f"  (allowed by {args.doc})")
        else:
            problems.append("\n".join(lines))
    for parent, members in sorted(allowed - seen, key=str):
        where = "::".join(parent) or "crate"
        problems.append(f"{args.doc} allows a cycle in {where} ({', '.join(sorted(members))}) that is gone: drop it")
    if args.doc:
        problems += check_doc(args.doc, known, edges)
    for p in problems:
        print(p)
    print(f"import-cycles: {len(known)} modules, {len(edges)} sibling edges, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
