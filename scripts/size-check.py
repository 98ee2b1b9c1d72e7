#!/usr/bin/env python3
"""Size limits of the house style: no file in src/ over 400 lines, no function over 80.

    python3 scripts/size-check.py [--src src] [--max-file 400] [--max-fn 80] [--doc FILE]

A function's length runs from its `fn` line to its closing brace (comments, strings and
char literals are blanked first, so braces inside them don't count). Prints every breach and
exits 1 on any. With --doc, a breach the document explains in its section "Still over the
size limits" (a bullet: the file, then the function if any, each in backticks, then the
reason) is reported but not counted; a listed breach that is gone is a problem.
"""

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
import rustsrc  # noqa: E402

FN = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")


def functions(text):
    """(name, first line, line count) of every function with a body."""
    for m in FN.finditer(text):
        i, depth = m.end(), 0
        # The body starts at the first `{` outside parentheses/brackets; a `;` first means
        # a declaration without a body (trait method, extern fn).
        while i < len(text):
            c = text[i]
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif depth == 0 and c in "{;":
                break
            i += 1
        if i >= len(text) or text[i] == ";":
            continue
        close = rustsrc._matching(text, i)
        first = text.count("\n", 0, m.start()) + 1
        last = text.count("\n", 0, close) + 1
        yield m.group(1), first, last - first + 1


def doc_allowed(doc):
    """{(file, fn or None)} from the bullets of "## Still over the size limits"."""
    text = Path(doc).read_text()
    sect = re.search(r"^## Still over the size limits\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    allowed = set()
    for line in sect.group(1).splitlines() if sect else []:
        names = re.findall(r"`([^`]+)`", line.split(" — ")[0]) if line.startswith("- ") else []
        if names:
            allowed.add((names[0], names[1] if len(names) > 1 else None))
    return allowed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default="src")
    ap.add_argument("--max-file", type=int, default=400)
    ap.add_argument("--max-fn", type=int, default=80)
    ap.add_argument("--doc", help="accept the breaches this document explains")
    args = ap.parse_args()
    allowed = doc_allowed(args.doc) if args.doc else set()
    breaches, files = [], sorted(Path(args.src).rglob("*.rs"))
    for f in files:
        raw = f.read_text()
        lines = raw.count("\n") + (not raw.endswith("\n") and bool(raw))
        if lines > args.max_file:
            breaches.append(((str(f), None), f"{f}: {lines} lines (max {args.max_file})"))
        for name, first, n in functions(rustsrc.strip(raw)):
            if n > args.max_fn:
                text = f"{f}:{first}: fn {name} is {n} lines (max {args.max_fn})"
                breaches.append(((str(f), name), text))
    problems = []
    for key, text in breaches:
        if key in allowed:
            print(f"{text}  (allowed by {args.doc})")
        else:
            problems.append(text)
    for f, name in sorted(allowed - {k for k, _ in breaches}, key=str):
        problems.append(f"{args.doc} allows {f} {name or ''} over the limits, and it is not: drop it")
    for p in problems:
        print(p)
    n_allowed = len(breaches) - sum(1 for k, _ in breaches if k not in allowed)
    print(f"size-check: {len(files)} files, {len(problems)} problems ({n_allowed} allowed)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
