"""How many examples a property test explores: all of them under CI, a quarter locally."""

import os


def examples(full: int) -> int:
    """``full`` when ``CI`` is set (the ``ci`` profile of conftest.py), else ``full // 4``."""
    return full if os.environ.get("CI") else max(25, full // 4)
