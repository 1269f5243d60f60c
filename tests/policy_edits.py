"""Copies of the shipped policies that a test may change, and the changes it makes."""

from __future__ import annotations

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
    start = text.index("threshold: {kind: fixed, points: ")
    end = text.index("}", start)
    path.write_text(text[:start] + f"threshold: {{kind: fixed, points: {points}" + text[end:])


def break_xian(root: Path) -> None:
    """A negative cap: the loader refuses it, naming the file and the field."""
    path = root / XIAN
    path.write_text(path.read_text().replace("points: 5\n", "points: 5\n    cap: -1\n", 1))
