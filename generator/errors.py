"""Errors that carry a source location, reported as `path:line:col: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in a source file; line and column count from 1 (0 means unknown)."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path


@dataclass(frozen=True)
class Problem:
    """One error or warning found while loading or checking the site."""

    location: Location
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.location}: {kind}{self.message}"


class SitegenError(Exception):
    """A user-facing error: bad content, config or environment. Never a bug."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[SitegenError], tuple[list[Problem]]]:
        # (an error raised in a worker process comes back pickled: rebuilt from its problems, not its text)
        return (SitegenError, (self.problems,))


def error(path: str | Path, message: str, line: int = 0, col: int = 0) -> SitegenError:
    """Return a SitegenError for one located problem."""
    return SitegenError(Problem(Location(display_path(path), line, col), message))


def display_path(path: str | Path) -> str:
    """Show a path relative to the working directory when it lies below it."""
    p = Path(path)
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


class Problems:
    """Collects problems so that all of them are reported at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: str | Path, message: str, line: int = 0, col: int = 0, warning: bool = False) -> None:
        self.items.append(Problem(Location(display_path(path), line, col), message, warning))

    def extend(self, err: SitegenError) -> None:
        self.items.extend(err.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.warning]

    def raise_if_errors(self, strict: bool = False) -> None:
        """Raise all errors (and, when strict, warnings) found so far."""
        bad = self.items if strict else self.errors
        if bad:
            raise SitegenError(sorted(bad, key=_problem_key))


def _problem_key(p: Problem) -> tuple[str, int, int, str]:
    return (p.location.path, p.location.line, p.location.col, p.message)
