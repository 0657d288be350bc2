"""Find the line of a TOML value from its key path, so that errors in course and answer files can name it.

`tomllib` keeps no positions; this scans table headers and `key =` lines, which covers the
layouts our files use (tables, arrays of tables, inline tables on one line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[|\[)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def _header(line: str) -> tuple[str, str] | None:
    m = _HEADER.match(line)
    if not m:
        return None
    return m.group(1), ".".join(part.strip().strip('"') for part in m.group(2).split("."))


def _key_line(lines: list[str], start: int, end: int, key: str) -> int | None:
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*(=|\.)')
    for n in range(start, end):
        if _header(lines[n]):
            return None
        if pattern.match(lines[n]):
            return n
    return None


def _region_end(lines: list[str], start: int, end: int, name: str) -> int:
    for n in range(start, end):
        h = _header(lines[n])
        if h and not h[1].startswith(name + "."):
            return n
    return end


def find_line(text: str, loc: Sequence[str | int]) -> int | None:
    """1-based line where the value at `loc` (as pydantic reports it) is written, or the nearest enclosing one."""
    lines = text.splitlines()
    path: list[str] = []
    start, end = 0, len(lines)
    found: int | None = None
    i = 0
    while i < len(loc):
        key = loc[i]
        if not isinstance(key, str):
            break
        name = ".".join([*path, key])
        index = loc[i + 1] if i + 1 < len(loc) and isinstance(loc[i + 1], int) else None
        kind = "[[" if index is not None else "["
        headers = [n for n in range(start, end) if _header(lines[n]) == (kind, name)]
        if index is not None and index < len(headers):
            at = headers[index]
            i += 2
        elif index is None and headers:
            at = headers[0]
            i += 1
        else:
            line = _key_line(lines, start, end, key)
            return (line + 1) if line is not None else found
        path.append(key)
        found = at + 1
        start, end = at + 1, _region_end(lines, at + 1, end, name)
    return found
