"""A disk cache for what is built from the shipped sources at start-up (the FAQ index).

Building the FAQ index takes about a third of a second of CPU on every start; its inputs are the
files shipped with the package. The result is kept in the user's cache folder under a key made of
every source and data file of `dialogs` and `rules` and the library versions it depends on, so any
change to them builds anew. Data that fails to build is never stored; a missing, unreadable or
unwritable cache only means building as before.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_PACKAGES = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "rules")
# .mo: the message catalogue, whose texts the FAQ entries built from the measures are worded with.
_SUFFIXES = frozenset({".py", ".yaml", ".yml", ".json", ".txt", ".mo"})


def cache_dir() -> Path:
    """Return the folder for built artefacts: ETOWNBOT_CACHE_DIR, else the XDG cache folder."""
    explicit = os.environ.get("ETOWNBOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "etownbot"


def sources_key() -> str:
    """Return a digest of the Python version, the libraries' versions and every source and data file."""
    import opencc
    import rapidfuzz

    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{sys.version}|{getattr(opencc, '__version__', '')}|{rapidfuzz.__version__}".encode())
    for package in _PACKAGES:
        for path in sorted(package.rglob("*")):
            if path.suffix in _SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(package.parent)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cached(name: str, build: Callable[[], T]) -> T:
    """Return what `build` makes, from the cache when the sources are unchanged since it was stored."""
    folder = cache_dir()
    try:
        path = folder / f"{name}-{sources_key()}.pickle"
    except OSError:
        return build()
    try:
        with path.open("rb") as file:
            value: T = pickle.load(file)  # written only by `cached` below, in the user's own folder
        return value
    except Exception:  # missing, or written by an incompatible build: build anew
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
        for old in folder.glob(f"{name}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return value
