"""Capped capture of what learner code prints through `sys.stdout` and `sys.stderr`."""

from __future__ import annotations

import io


class CappedText(io.TextIOBase):
    """A text sink that keeps the first `cap` characters and counts the rest."""

    def __init__(self, cap: int):
        super().__init__()
        self._cap = cap
        self._parts: list[str] = []
        self._kept = 0
        self._dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = self._cap - self._kept
        if room > 0:
            piece = text[:room]
            self._parts.append(piece)
            self._kept += len(piece)
        self._dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def take(self) -> str:
        """Everything captured since the last call, with a note when some was dropped."""
        text = "".join(self._parts)
        if self._dropped:
            text += f"\n[... {self._dropped} more characters not shown]"
        self._parts, self._kept, self._dropped = [], 0, 0
        return text
