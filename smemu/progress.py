"""A small progress bar for long work on the command line (stderr, only on a terminal unless forced)."""

from __future__ import annotations

import sys
import time

MIN_BYTES = 32 << 20   # less than this reads too fast for a bar to help


class Progress:
    """``with Progress(total_bytes, "reading") as bar: bar.update(n)``.

    Draws ``reading  42% |#########           | 37.8/90.0 MB 51.2 MB/s`` on stderr at most ten
    times a second when stderr is a terminal (or ``enabled=True``); silent otherwise.
    """

    def __init__(self, total: float | None, label: str = "", unit: str = "B",
                 enabled: bool | None = None, stream=None):
        self.total = total
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0.0
        self.start = time.perf_counter()
        self._last = 0.0

    @classmethod
    def for_bytes(cls, total: float, label: str, forced: bool | None = None) -> "Progress":
        """A bar for reading ``total`` bytes: drawn on a terminal when there are at least
        MIN_BYTES, or always when ``forced``."""
        return cls(total, label, enabled=forced if forced else (None if total >= MIN_BYTES
                                                                 else False))

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _fmt(self, n: float) -> str:
        if self.unit == "B":
            return f"{n / 1e6:.1f}"
        return f"{n:,.0f}"

    def update(self, n: float) -> None:
        self.done += n
        now = time.perf_counter()
        if self.enabled and now - self._last >= 0.1:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.done / max(now - self.start, 1e-9)
        unit = "MB" if self.unit == "B" else self.unit
        if self.total:
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(frac * 24)
            text = (f"\r{self.label} {frac * 100:3.0f}% |{bar:<24}| "
                    f"{self._fmt(self.done)}/{self._fmt(self.total)} {unit} {self._fmt(rate)} {unit}/s")
        else:
            text = f"\r{self.label} {self._fmt(self.done)} {unit} {self._fmt(rate)} {unit}/s"
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()
