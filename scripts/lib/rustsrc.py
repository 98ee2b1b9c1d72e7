"""Just enough Rust lexing for the architecture checks (scripts/import-cycles.py,
scripts/size-check.py): blank out comments and literals, walk the module tree from lib.rs.

A real parser (syn) would need a Rust helper crate; these checks only need module
declarations, `use`/`crate::`/`super::` paths and brace depth, which survive this lexing.
"""

import re
from pathlib import Path


def strip(text):
    """The source with comments, strings and char literals replaced by spaces (newlines kept),
    so braces and paths inside them are not counted."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(_blank(text[i:j]))
            i = j
        elif m := re.compile(r'b?r(#*)"').match(text, i):
            if i and (text[i - 1].isalnum() or text[i - 1] == "_"):
                out.append(c)
                i += 1
                continue
            end = '"' + m.group(1)
            j = text.find(end, m.end())
            j = n if j < 0 else j + len(end)
            out.append(_blank(text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(_blank(text[i : j + 1]))
            i = j + 1
        elif c == "'" and (m := re.compile(r"'(\\.[^']*|[^\\'])'").match(text, i)):
            out.append(_blank(m.group(0)))
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _blank(s):
    return re.sub(r"[^\n]", " ", s)


MOD_DECL = re.compile(
    r"((?:#\[[^\]]*\]\s*)*)(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*([;{])"
)
PATH_ATTR = re.compile(r'#\[path\s*=\s*"([^"]+)"\]')
CFG_TEST = re.compile(r"#\[cfg\((?:all\()?test\b")


class Module:
    """One module: its path from the crate root, the file it lives in and the line range
    (inline modules share their file with the parent), and whether it is test-only."""

    def __init__(self, path, file, test):
        self.path, self.file, self.test = path, file, test
        self.children = {}


def walk(src_dir):
    """Every module reachable from lib.rs as (path tuple, file, stripped text of its own body,
    line offset, is_test), inline modules cut out of their parent's body."""
    src = Path(src_dir)
    return list(_walk_file(src / "lib.rs", (), src, False, root=True))


def _walk_file(file, path, src, test, root=False):
    raw = file.read_text()
    text = strip(raw)
    # PATH_ATTR needs the raw text: the attribute's string was blanked in `text`.
    yield from _walk_body(file, path, text, raw, 0, src, test, root)


def _walk_body(file, path, text, raw, offset, src, test, root):
    own = list(text)
    pos = 0
    while m := MOD_DECL.search(text, pos):
        attrs = raw[m.start() : m.start() + len(m.group(1))]
        name, kind = m.group(2), m.group(3)
        child = path + (name,)
        child_test = test or bool(CFG_TEST.search(attrs))
        if kind == ";":
            target = _child_file(file, name, PATH_ATTR.search(attrs), src, root)
            if target is not None:
                yield from _walk_file(target, child, src, child_test)
            pos = m.end()
            continue
        close = _matching(text, m.end() - 1)
        body_start = m.end()
        line = offset + text.count("\n", 0, body_start)
        yield from _walk_body(
            file, child, text[body_start:close], raw[body_start:close], line, src, child_test, False
        )
        for k in range(body_start, close):
            if own[k] != "\n":
                own[k] = " "
        pos = close + 1
    yield path, file, "".join(own), offset, test


def _child_file(file, name, path_attr, src, root):
    base = file.parent if (root or file.name == "mod.rs") else file.with_suffix("")
    if path_attr:
        # `#[path]` is relative to the declaring file's directory for non-mod.rs files.
        return file.parent / path_attr.group(1)
    for cand in (base / f"{name}.rs", base / name / "mod.rs"):
        if cand.exists():
            return cand
    return None


def _matching(text, open_idx):
    depth = 0
    for i in range(open_idx, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text)
