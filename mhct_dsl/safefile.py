"""Rewriting a file in place without ever leaving it half-written or following a link out.

`mhct fmt` rewrites rule files. A write that fails midway (disk full, permissions, a signal) must
leave the old file whole, so the new text goes to a temporary file in the same directory, is
flushed to disk, takes the old file's permissions, and is renamed over it (atomic on POSIX and
Windows). A symbolic link is never written through: it may point outside the rule set's tree.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path``'s content with ``text`` (UTF-8, newlines as given); raise `OSError` if it
    cannot be done, the old content then unchanged."""
    if path.is_symlink():
        raise OSError("a symbolic link; not rewritten (format the file it points to)")
    mode = stat.S_IMODE(path.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
