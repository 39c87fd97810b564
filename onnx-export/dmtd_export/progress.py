"""Progress lines on stderr for long steps (loading, exporting, writing weights)."""

import sys
import time


class Progress:
    """Prints `label i/n` lines at most every `interval` seconds, and always the last one."""

    def __init__(self, label, total, interval=1.0, stream=None, quiet=False):
        self.label = label
        self.total = total
        self.interval = interval
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.start = time.monotonic()
        self.last = 0.0
        self.done = 0

    def advance(self, n=1, detail=""):
        self.done += n
        now = time.monotonic()
        if self.quiet:
            return
        if self.done >= self.total or now - self.last >= self.interval:
            self.last = now
            pct = 100.0 * self.done / self.total if self.total else 100.0
            extra = f" {detail}" if detail else ""
            self.stream.write(f"[{self.label}] {self.done}/{self.total} ({pct:.0f}%, "
                              f"{now - self.start:.1f}s){extra}\n")
            self.stream.flush()
