"""The last policy directory that loaded cleanly, kept aside so that a process starting
after a bad file landed (a recycled or crashed worker) serves the last good set instead
of failing to boot.

Each load reads a private copy of the directory (so what is loaded and what is kept are
the same bytes, even if files change meanwhile); a copy that loads is kept under its
revision and `current` points at it, swapped atomically with a symlink rename.

Any number of processes share one snapshot directory (the workers of a server start
together). Keeping, pointing `current` and pruning happen under an exclusive lock on
`.lock`; an old snapshot is renamed aside before it is deleted, so no process ever sees
a half-deleted one, and the one `current` points at is never pruned. Copies left behind
by killed processes are deleted once they are STALE_SECONDS old.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time
import uuid
from pathlib import Path

from .errors import PolicyInvalid, Problem
from .yaml_io import read_capped, walk_policy_tree

KEEP = 3
STALE_SECONDS = 600  # a copy is made in well under a second; older leftovers are debris
_LEFTOVERS = ("stage-*", "trash-*", "current-*")


class Snapshots:
    def __init__(self, base: str | Path):
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)

    def stage(self, root: str | Path) -> Path:
        """A private copy of the policy directory: its directories and regular files only.
        PolicyInvalid, naming the entry, for anything else (a FIFO, a device, a link loop,
        a link out of the directory, a file over the size cap): nothing is copied then."""
        tree = walk_policy_tree(root)
        if tree.problems:
            raise PolicyInvalid([Problem(rel, "", message) for rel, message in tree.problems])
        staged = self.base / f"stage-{uuid.uuid4().hex}"
        rel = "."
        try:
            self.base.mkdir(parents=True, exist_ok=True)
            staged.mkdir()
            for rel in tree.dirs:
                (staged / rel).mkdir(parents=True, exist_ok=True)
            for rel in tree.files:
                (staged / rel).write_bytes(read_capped(Path(root) / rel))
        except OSError as exc:  # UnsafeFile too: a file changed after the walk
            self.discard(staged)
            raise PolicyInvalid([Problem(rel, "", f"Cannot copy: {exc}")]) from None
        return staged

    def discard(self, staged: Path) -> None:
        shutil.rmtree(staged, ignore_errors=True)

    def keep(self, staged: Path, revision: str) -> Path:
        """Keep a staged copy that loaded as `revision` and point `current` at it. When
        another process kept the same revision first, its copy is used and ours dropped."""
        kept = self.base / f"good-{revision}"
        with self._locked():
            ours = _rename_unless_there(staged, kept)
            link = self.base / f"current-{uuid.uuid4().hex}"
            link.symlink_to(kept.name)
            os.replace(link, self.base / "current")
            doomed = self._set_aside(kept)
        if not ours:
            self.discard(staged)
        for path in doomed:
            self.discard(path)
        return kept

    def current(self) -> Path | None:
        try:
            target = self.base / os.readlink(self.base / "current")
            return target.resolve() if target.is_dir() else None
        except OSError:
            return None

    @contextlib.contextmanager
    def _locked(self):
        fd = os.open(self.base / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _set_aside(self, newest: Path) -> list[Path]:
        """Rename what is to be deleted to trash-*, under the lock: good-* beyond the KEEP
        newest (never `newest`, never the one `current` points at) and stale leftovers."""
        try:
            spared = {newest.name, os.readlink(self.base / "current")}
        except OSError:
            spared = {newest.name}
        goods = [(age, path) for path in self.base.glob("good-*")
                 if path.name not in spared and (age := _age(path)) is not None]
        goods.sort(key=lambda pair: pair[0])
        doomed = [path for _, path in goods[max(KEEP - len(spared), 0):]]
        for pattern in _LEFTOVERS:
            doomed += [path for path in self.base.glob(pattern)
                       if (_age(path) or 0) > STALE_SECONDS]
        trash = []
        for path in doomed:
            aside = self.base / f"trash-{uuid.uuid4().hex}"
            try:
                if path.is_symlink():
                    path.unlink()
                else:
                    os.rename(path, aside)
                    trash.append(aside)
            except FileNotFoundError:  # deleted by a process that does not lock
                continue
        return trash


def _rename_unless_there(staged: Path, kept: Path) -> bool:
    """Move `staged` to `kept`; False when `kept` exists already (then it is touched, so
    that pruning by age counts it as new)."""
    for _ in range(3):
        try:
            os.rename(staged, kept)
            return True
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        try:
            os.utime(kept)
            return False
        except FileNotFoundError:  # pruned meanwhile by a process that does not lock
            continue
    raise OSError(errno.EBUSY, f"Cannot keep {kept.name}")


def _age(path: Path) -> float | None:
    """Seconds since the entry's content last changed, or None if it is gone."""
    try:
        return time.time() - path.lstat().st_mtime
    except FileNotFoundError:
        return None
