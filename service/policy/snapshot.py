"""The last policy directory that loaded cleanly, kept aside so that a process starting
after a bad file landed (a recycled or crashed worker) serves the last good set instead
of failing to boot.

Each load reads a private copy of the directory (so what is loaded and what is kept are
the same bytes, even if files change meanwhile); a copy that loads is kept under its
revision and `current` points at it, swapped atomically with a symlink rename.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

KEEP = 3


class Snapshots:
    def __init__(self, base: str | Path):
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)

    def stage(self, root: str | Path) -> Path:
        staged = self.base / f"stage-{uuid.uuid4().hex}"
        shutil.copytree(root, staged, ignore=shutil.ignore_patterns(".*", "__pycache__"))
        return staged

    def discard(self, staged: Path) -> None:
        shutil.rmtree(staged, ignore_errors=True)

    def keep(self, staged: Path, revision: str) -> Path:
        kept = self.base / f"good-{revision}"
        if kept.exists():
            self.discard(staged)
        else:
            os.replace(staged, kept)
        link = self.base / f"current-{uuid.uuid4().hex}"
        link.symlink_to(kept.name)
        os.replace(link, self.base / "current")
        self._prune(kept)
        return kept

    def current(self) -> Path | None:
        link = self.base / "current"
        return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None

    def _prune(self, newest: Path) -> None:
        kept = sorted(self.base.glob("good-*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP:]:
            if old != newest:
                self.discard(old)
