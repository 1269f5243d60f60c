"""Copies of the shipped policies that a test may change, and the changes it makes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import POLICIES

XIAN = Path("cities") / "xian" / "2024.1.yaml"


def policy_copy(root: Path) -> Path:
    shutil.copytree(POLICIES, root)
    return root


def set_xian_threshold(root: Path, points: int) -> None:
    path = root / XIAN
    text = path.read_text()
    found = re.search(r"^threshold:\n  kind: fixed\n  points: \d+\n", text, re.M)
    if found is None:
        raise AssertionError(f"{path}: no fixed threshold to set")
    path.write_text(text[:found.start()] + f"threshold:\n  kind: fixed\n  points: {points}\n"
                    + text[found.end():])


def break_xian(root: Path) -> None:
    """A negative cap: the loader refuses it, naming the file and the field."""
    path = root / XIAN
    path.write_text(path.read_text().replace("points: 5\n", "points: 5\n    cap: -1\n", 1))
