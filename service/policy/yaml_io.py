"""Policy files read safely and strictly.

Safely: a policy directory is walked without ever opening anything but a regular file
inside it (no FIFO, device, symbolic link loop or link out of the directory), and a
file is read only up to a size cap. Strictly: duplicate keys are errors, dates stay
strings, and anchors, aliases and deep nesting are refused before anything expands.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field

import yaml

MAX_FILE_BYTES = 1024 * 1024  # a policy file is a few kilobytes
MAX_NESTING = 32  # collections inside collections; policies use fewer than 10
MAX_TREE_DEPTH = 8  # directories inside the policy directory
MAX_TREE_ENTRIES = 10_000


class StrictYAMLError(ValueError):
    """A YAML document that is malformed, repeats a key, uses an anchor or an alias,
    or nests too deeply."""


class UnsafeFile(OSError):
    """A file that must not be read as a policy file: the message says why."""


class _StrictLoader(yaml.SafeLoader):
    """Refuses anchors, aliases and deep nesting as the composer meets them, so an
    alias bomb never expands and deep nesting never reaches Python's recursion limit."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise StrictYAMLError(f"alias *{event.anchor} at line {line}: anchors and "
                                  "aliases are not allowed in policy files")
        if event.anchor is not None:
            raise StrictYAMLError(f"anchor &{event.anchor} at line {line}: anchors and "
                                  "aliases are not allowed in policy files")
        nests = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if nests and self._depth >= MAX_NESTING:
            raise StrictYAMLError(f"nesting deeper than {MAX_NESTING} levels at line {line}")
        self._depth += nests
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= nests

    # The scanner reads up to 1,024 characters ahead of the composer, at a cost that grows
    # with the nesting it meets: it refuses deep nesting itself, as soon as it sees it.
    def fetch_flow_collection_start(self, token_class):
        if self.flow_level >= MAX_NESTING:
            self._too_deep()
        super().fetch_flow_collection_start(token_class)

    def add_indent(self, column):
        if self.indent < column and len(self.indents) >= MAX_NESTING:
            self._too_deep()
        return super().add_indent(column)

    def _too_deep(self):
        line = self.get_mark().line + 1
        raise StrictYAMLError(f"nesting deeper than {MAX_NESTING} levels at line {line}")


# Dates are parsed on purpose by the schema, never guessed by YAML; and only
# true/false are booleans (YAML 1.2), so a key `on:` or a value `no` stays a string.
_GUESSED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _GUESSED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    result = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            line = key_node.start_mark.line + 1
            raise StrictYAMLError(f"duplicate key {key!r} at line {line}")
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str):
    """Parse one YAML document strictly; raises StrictYAMLError with the line."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - SafeLoader subclass
    except StrictYAMLError:
        raise
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        # ValueError: e.g. an integer of more digits than Python converts.
        raise StrictYAMLError(str(exc).replace("\n", " ")) from exc


# ---- the policy directory, walked and read safely --------------------------------

_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


def _examine(root_real: str, path: str) -> tuple[os.stat_result | None, str | None]:
    """(stat of what `path` names, None) for a regular file or directory inside the
    policy directory (symbolic links are followed within it), else (None, why not)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "Symbolic link loop."
        if isinstance(exc, FileNotFoundError):
            return None, ("Symbolic link to nothing." if os.path.islink(path)
                          else "Vanished while the directory was read.")
        return None, f"Cannot be examined: {exc.strerror}."
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "a special file")
        return None, f"Not a regular file ({kind})."
    real = os.path.realpath(path)
    if real != root_real and not real.startswith(root_real.rstrip(os.sep) + os.sep):
        return None, "Symbolic link pointing outside the policy directory."
    if stat.S_ISREG(st.st_mode) and st.st_size > MAX_FILE_BYTES:
        return None, f"Larger than {MAX_FILE_BYTES} bytes."
    return st, None


@dataclass
class PolicyTree:
    """What a policy directory holds, as paths relative to it ("cities/xian/2024.1.yaml"):
    its directories (parents first), its regular files, and every entry refused."""

    dirs: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def walk_policy_tree(root: str | os.PathLike) -> PolicyTree:
    """Every entry under `root` except hidden ones and __pycache__, examined with stat
    only: nothing is opened, so a FIFO cannot block and a device is never read. Bounded
    in depth and in entries; a directory reached twice (through a link) is refused."""
    root = os.fspath(root)
    root_real = os.path.realpath(root)
    tree = PolicyTree()
    seen: set[tuple[int, int]] = set()
    pending = [("", root)]
    count = 0
    while pending:
        rel_dir, full = pending.pop()
        try:
            st = os.stat(full)
            names = sorted(os.listdir(full))
        except OSError as exc:
            tree.problems.append((rel_dir or ".", f"Cannot be listed: {exc.strerror}."))
            continue
        if (st.st_dev, st.st_ino) in seen:
            tree.problems.append((rel_dir, "A directory reached twice, through a symbolic "
                                           "link."))
            continue
        seen.add((st.st_dev, st.st_ino))
        for name in names:
            if name.startswith(".") or name == "__pycache__":
                continue
            count += 1
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if count > MAX_TREE_ENTRIES:
                tree.problems.append((rel, f"More than {MAX_TREE_ENTRIES} entries."))
                return tree
            path = os.path.join(full, name)
            found, problem = _examine(root_real, path)
            if problem is not None:
                tree.problems.append((rel, problem))
            elif not stat.S_ISDIR(found.st_mode):
                tree.files.append(rel)
            elif rel.count("/") >= MAX_TREE_DEPTH:
                tree.problems.append((rel, f"Nested deeper than {MAX_TREE_DEPTH} "
                                           "directories."))
            else:
                tree.dirs.append(rel)
                pending.append((rel, path))
    tree.files.sort()
    return tree


def read_capped(path: str | os.PathLike, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; UnsafeFile otherwise.

    Opened without blocking and checked once open, so a file swapped for a FIFO or a
    device after it was examined is refused too; at most limit + 1 bytes are read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeFile("Not a regular file.")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UnsafeFile(f"Larger than {limit} bytes.")
        return b"".join(chunks)
    finally:
        os.close(fd)
