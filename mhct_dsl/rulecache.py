"""A cache of checked rule sets, so a command starts without parsing and checking its rules.

The entry is a pickle, so it is only ever read from a place only this user can write: a directory
``mhct-dsl`` under ``$XDG_CACHE_HOME`` (default ``~/.cache``), created with mode 0700. It is
ignored (and rebuilt) unless the directory and file belong to this user and nobody else may write
them. Never a shared temporary directory.

The entry is named by a key over everything the checked rule set depends on: the rule files
(path within the set and text), this package's version and source files, the
grammar and the Python version. The file holds the key and the SHA-256 of the payload; a file
whose key or hash does not match is rebuilt, never unpickled. ``MHCT_NO_CACHE=1`` turns the cache
off. Any problem with the cache only costs a rebuild: loading never fails because of it. The
`KEEP` most recent entries of each kind are kept. `remembered` keeps small JSON values derived
from files (the editions' dates) the same way.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from .model import RuleSet

__all__ = ["cached", "peek", "remembered", "cache_dir"]

_MAGIC = b"mhct-dsl rule cache 1\n"
KEEP = 16  # entries kept; older ones (other rule sets or other versions of mhct) are removed


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mhct-dsl"


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else."""
    info = path.lstat()
    return (info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            and not stat.S_ISLNK(info.st_mode))


@functools.cache
def _code_digest() -> bytes:
    """The Python version, this package's sources and the grammar (read once a process)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    digest.update(f"{sys.version_info[:3]}\0".encode())
    for file in sorted(package.rglob("*.py")) + sorted(package.parent.glob("grammar/*.lark")) + \
            sorted(package.glob("_data/grammar/*.lark")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.digest()


def _key(sources) -> str:
    digest = hashlib.sha256(_code_digest())
    for source in sources:
        digest.update("\0".join((source.within, source.text)).encode() + b"\0")
    return digest.hexdigest()


def _payload(path: Path, key: str) -> bytes | None:
    """The payload of the entry at ``path`` if it is private and carries ``key`` and the hash
    of its payload, else None."""
    try:
        if not (_private(path.parent) and _private(path)):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    header, _, payload = data.partition(b"\n\n")
    expected = _MAGIC + f"{key}\n{hashlib.sha256(payload).hexdigest()}".encode()
    return payload if header == expected else None


def _read(path: Path, key: str) -> RuleSet | None:
    payload = _payload(path, key)
    if payload is None:
        return None
    try:
        ruleset = pickle.loads(payload)
    except Exception:  # a damaged entry is rebuilt
        return None
    return ruleset if isinstance(ruleset, RuleSet) else None


def _store(path: Path, key: str, payload: bytes) -> None:
    """Write an entry atomically, and keep the `KEEP` newest entries of its kind."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path.parent):
            return
        header = _MAGIC + f"{key}\n{hashlib.sha256(payload).hexdigest()}".encode()
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(header + b"\n\n" + payload)
        os.replace(temporary, path)
        kind = path.name.split("-", 1)[0]
        entries = sorted(path.parent.glob(f"{kind}-*{path.suffix}"),
                         key=lambda p: p.stat().st_mtime)
        for stale in entries[:-KEEP]:
            stale.unlink()
    except OSError:
        return


def _write(path: Path, key: str, ruleset: RuleSet) -> None:
    try:
        payload = pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, RecursionError):
        return
    _store(path, key, payload)


def remembered(kind: str, parts, build: Callable[[], Any]) -> Any:
    """A small JSON value that ``build()`` derives from files whose contents are ``parts``
    (bytes; e.g. the editions' header files and their dates): from the cache when an entry's
    key (over ``parts`` and this package's code) matches, else built and remembered. Stored as
    JSON, never a pickle, with the same checks as the rule sets' entries."""
    if os.environ.get("MHCT_NO_CACHE"):
        return build()
    digest = hashlib.sha256(_code_digest())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    key = digest.hexdigest()
    path = cache_dir() / f"{kind}-{key[:32]}.json"
    payload = _payload(path, key)
    if payload is not None:
        try:
            return json.loads(payload)
        except ValueError:  # a damaged entry is rebuilt
            pass
    value = build()
    _store(path, key, json.dumps(value).encode())
    return value


def peek(sources, national=()) -> RuleSet | None:
    """The cached rule set of ``sources`` (see `cached`), or None; never builds."""
    if os.environ.get("MHCT_NO_CACHE"):
        return None
    key = _key([*sources, *national])
    return _read(cache_dir() / f"rules-{key[:32]}.pickle", key)


def cached(sources, build: Callable[[], RuleSet], national=()) -> RuleSet:
    """The checked rule set of ``sources`` (`loader.SourceFile`s) from the cache, or ``build()``
    (and remember it). ``national``: the bundled national rules' sources, part of the key, so a
    local set extending them is cached too; a set with any other base is not (its key would not
    cover the base's files). A rule set with errors raises from ``build`` and is never cached."""
    if os.environ.get("MHCT_NO_CACHE"):
        return build()
    key = _key([*sources, *national])
    path = cache_dir() / f"rules-{key[:32]}.pickle"
    ruleset = _read(path, key)
    if ruleset is None:
        ruleset = build()
        base = ruleset.base
        if base is None or (national and base.base is None
                            and base.fingerprint == _fingerprint(national)):
            _write(path, key, ruleset)
    return ruleset


def _fingerprint(sources) -> str:
    from .loader import fingerprint

    return fingerprint(list(sources), None)
