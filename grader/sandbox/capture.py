"""Capped capture of what learner code prints: through `sys.stdout`/`sys.stderr`, and straight to fds 1 and 2."""

from __future__ import annotations

import io
import os


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


class FdOutput:
    """What reached file descriptors 1 and 2 (os.write, C extensions, subprocesses), read back from the child's log.

    Each `take()` returns what was written since the last one, at most `cap` bytes of it; the log
    itself is bounded by the file-size limit.
    """

    def __init__(self, fd: int, cap: int = 64 * 1024):
        self.fd = fd
        self.cap = cap
        self._offset = 0

    def take(self) -> str:
        try:
            size = os.fstat(self.fd).st_size
        except OSError:
            return ""
        if size <= self._offset:
            return ""
        data = os.pread(self.fd, min(size - self._offset, self.cap), self._offset)
        dropped = size - self._offset - len(data)
        self._offset = size
        text = data.decode("utf-8", errors="replace")
        if dropped:
            text += f"\n[... {dropped} more bytes not shown]"
        return text
