"""Find the site's files: content per language, theme, data and static files (I/O at the edge)."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from generator.errors import Problems
from generator.model import SourceFile

PACKAGE_DIR = Path(__file__).resolve().parent
_SKIP = (".", "_draft", "~", "#")


def skipped(name: str) -> bool:
    """Files and folders that are no input of the site: hidden ones, `_draft…` ones, editors' backups and
    lock files (`a.md~`, `#a.md#`, `.a.md.swp`). Building and watching both follow this rule."""
    return name.startswith(_SKIP) or name.endswith("~")


def walk(top: Path, root: Path, problems: Problems) -> list[tuple[str, Path]]:
    """List (NFC POSIX path relative to `top`, path) of files below `top`, sorted; skip hidden files.

    Symlinks that lead outside `root` are skipped with a warning; nothing outside is read.
    """
    found: list[tuple[str, Path]] = []
    if not top.is_dir():
        return found
    root_real = root.resolve()

    def scan(folder: str, prefix: str) -> None:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            name = entry.name
            if skipped(name):
                continue
            if _undecodable(name) or any(unicodedata.category(c) == "Cc" for c in name):
                shown = entry.path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                shown = "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in shown)  # one line
                problems.add(shown, f"the name {shown.rsplit('/', 1)[-1]!r} is not valid UTF-8 or holds control "
                                    "characters: rename it")
                continue
            try:
                is_dir = entry.is_dir()  # follows links: a link to a folder is reported, not followed
            except OSError:  # a link to itself: reported below
                is_dir = False
            if is_dir:
                if entry.is_symlink():
                    problems.add(entry.path, "symbolic link to a folder not followed; copy the folder instead",
                                 warning=True)
                else:
                    scan(entry.path, f"{prefix}{name}/")
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):  # dangling, or a loop
                    problems.add(path, "symbolic link leads nowhere (or to itself); skipped", warning=True)
                    continue
                if not target.is_relative_to(root_real) or not target.is_file():
                    problems.add(path, "symbolic link leads outside the site; skipped", warning=True)
                    continue
            elif not entry.is_file(follow_symlinks=False):  # reading a named pipe would wait forever
                problems.add(path, "not a regular file (a named pipe, socket or device); skipped", warning=True)
                continue
            found.append((unicodedata.normalize("NFC", prefix + name), path))

    scan(str(top), "")
    found.sort()
    return found


def _undecodable(name: str) -> bool:
    """Whether `name` holds bytes that were not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def content_files(content_dir: Path, lang: str, root: Path, problems: Problems) -> list[SourceFile]:
    """All files of one language, with collisions of NFC-equal names reported."""
    files = walk(content_dir / lang, root, problems)
    seen: dict[str, Path] = {}
    out = []
    for rel, path in files:
        if rel in seen:
            problems.add(path, f"two files have the same name once Unicode-normalised: {seen[rel]} and {path}")
            continue
        seen[rel] = path
        out.append(SourceFile(lang, rel, path))
    return out


def theme_dirs(root: Path, theme: str) -> tuple[Path, ...]:
    """Folders to look for a theme in: the site's own, then the one installed with sitegen."""
    candidates = [
        root / "themes" / theme,
        PACKAGE_DIR / "themes" / theme,  # installed from a wheel
        PACKAGE_DIR.parent / "themes" / theme,  # a source checkout (editable install)
    ]
    return tuple(dict.fromkeys(p for p in candidates if p.is_dir()))
