"""A progress bar on standard error for the commands that stream a file (`allocate --format csv`,
`audit`): bytes read of the file's size, records in / ok / failed, rate and time left. It is drawn
only on a terminal, never when piped, so redirected output and logs stay clean."""

from __future__ import annotations

import time
from typing import IO

__all__ = ["Progress"]


class Progress:
    """A one-line progress bar on ``stream`` when it is a terminal; silent otherwise."""

    WIDTH = 24
    EVERY = 0.1  # seconds between redraws

    def __init__(self, stream: IO[str], label: str):
        self.stream, self.label = stream, label
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.binary, self.total, self.began, self.drawn = None, None, time.monotonic(), 0.0

    def start(self, binary: IO[bytes] | None, total: int | None) -> None:
        self.binary, self.total, self.began = binary, total, time.monotonic()

    def update(self, records: int, ok: int, failed: int, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.drawn < self.EVERY):
            return
        self.drawn = now
        elapsed = max(now - self.began, 1e-9)
        counts = (f"{records:,} in · {ok:,} ok · {failed:,} failed · "
                  f"{records / elapsed:,.0f} records/s")
        done = None
        if self.total and self.binary is not None and not self.binary.closed:
            done = min(1.0, self.binary.tell() / self.total)
        if final:
            done = 1.0 if self.total else done
        if done is None:
            line = f"{self.label} {counts} · {elapsed:.1f}s"
        else:
            filled = int(done * self.WIDTH)
            left = elapsed * (1 - done) / done if done > 0 else 0.0
            line = (f"{self.label} [{'█' * filled}{'░' * (self.WIDTH - filled)}] "
                    f"{done:4.0%} {counts} · {'done' if final else f'{left:.0f}s left'}")
        self.stream.write("\r\x1b[2K" + line + ("\n" if final else ""))
        self.stream.flush()
