"""A bounded memo keyed by the identity of immutable rule objects (rule sets, clusters, criteria).

It holds the objects a key names while it remembers them, so no other object can take their id
and two rule sets (a national and a local one) never share an entry; it is cleared when full.
Safe across threads: a lost race computes the same value twice."""

from __future__ import annotations

from typing import Any, Callable, Hashable

__all__ = ["IdentityMemo"]


class IdentityMemo:
    """``get(key, alive, make)``: ``make()`` once per ``key`` (built from the ids of ``alive``)."""

    def __init__(self, limit: int = 65_536):
        self.limit = limit
        self.entries: dict[Hashable, tuple[tuple, Any]] = {}

    def get(self, key: Hashable, alive: tuple, make: Callable[[], Any]) -> Any:
        entry = self.entries.get(key)
        if entry is None:
            if len(self.entries) >= self.limit:
                self.entries.clear()
            entry = self.entries[key] = (alive, make())
        return entry[1]
