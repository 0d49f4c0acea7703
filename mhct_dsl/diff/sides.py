"""One side of a diff: a rule-set directory or file, or ``REV:PATH`` read from git.

A revision is read with ``git archive`` (argument list, no shell; the revision is verified as a
commit first and may not start with ``-``) into a temporary directory that is removed once the
rule set is loaded. The archive is unpacked member by member: only plain files and directories,
no absolute paths, no ``..``.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import attrs

from ..diagnostics import Diagnostic, RuleError
from ..loader import load_ruleset
from ..model import RuleSet


@attrs.frozen
class Side:
    """What the user named (``label``) and its rule set."""

    label: str
    ruleset: RuleSet


def load_side(spec: str) -> Side:
    """Load ``spec``: an existing path, else ``REV:PATH`` from the git repository here."""
    path = Path(spec)
    if path.exists():
        return Side(spec, load_ruleset(path))
    revision, colon, inner = spec.partition(":")
    if not colon or not revision or revision.startswith("-"):
        raise ValueError(f"{spec}: no such rule set directory or file (a git revision is "
                         "written REV:PATH, e.g. main:rules)")
    with tempfile.TemporaryDirectory(prefix="mhct-diff-") as tmp:
        target = Path(tmp) / "tree"
        _unpack(_archive(revision, inner or "."), target)
        return Side(spec, load_ruleset(target / (inner or ".")))


def _git(*args: str, unsaid: str | None = None) -> bytes:
    """git's output; ``ValueError`` with git's last word, or ``unsaid`` when it says nothing
    (by default that the git command failed)."""
    try:
        done = subprocess.run(["git", *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise ValueError("git is not installed; name the rule sets by directory") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError(f"git {args[0]}: {message[-1] if message else 'failed'}"
                         if message or unsaid is None else unsaid)
    return done.stdout


def _archive(revision: str, inner: str) -> bytes:
    unsaid = f"{revision}: not a commit (branch, tag or hash) of the git repository here"
    commit = _git("rev-parse", "--verify", "--quiet", "--end-of-options",
                  f"{revision}^{{commit}}", unsaid=unsaid).decode().strip()
    if not _git("ls-tree", commit, "--", inner).strip():
        raise ValueError(f"{revision}:{inner}: {inner} is not in revision {revision}")
    return _git("archive", "--format=tar", commit, "--", inner)


def _unpack(data: bytes, target: Path) -> None:
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            name = PurePosixPath(member.name)
            if name.is_absolute() or ".." in name.parts:
                raise RuleError([Diagnostic("unreadable", f"unsafe path in archive: {name}",
                                            None)])
            destination = target.joinpath(*name.parts)
            if member.isdir():
                destination.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                destination.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                destination.write_bytes(source.read() if source else b"")
