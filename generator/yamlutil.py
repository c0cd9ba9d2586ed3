"""Safe YAML loading that remembers where each key stood and refuses aliases.

Only `true`/`false` are booleans (YAML 1.2): `lang: no` stays the string "no".
Aliases are refused outright, so an alias bomb cannot expand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.resolver import BaseResolver, Resolver

from generator.errors import error

try:  # the C parser is several times faster; fall back where libyaml is missing
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

Position = tuple[int, int]  # 1-based line and column
KeyPath = tuple[Any, ...]


class _Resolver(BaseResolver):
    """The default resolver, but only true/false are booleans."""


for _first, _resolvers in Resolver.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        if _tag != "tag:yaml.org,2002:bool":
            _Resolver.add_implicit_resolver(_tag, _regexp, [_first])
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _Loader(_Parser, yaml.constructor.SafeConstructor, _Resolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)


@dataclass(frozen=True)
class YamlDoc:
    """A loaded YAML document and the position of every key path in its source file."""

    data: Any
    positions: dict[KeyPath, Position]

    def where(self, *path: Any) -> Position:
        """Return the position of the longest known prefix of `path`."""
        for end in range(len(path), -1, -1):
            pos = self.positions.get(tuple(path[:end]))
            if pos:
                return pos
        return (1, 1)


def load_yaml(text: str, path: str, first_line: int = 1) -> YamlDoc:
    """Parse `text` (which starts at line `first_line` of `path`) safely, or raise a located error."""
    loader = _Loader(text)
    node: yaml.Node | None = None
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(None, {(): (first_line, 1)})
        positions: dict[KeyPath, Position] = {}
        _walk(node, (), positions, set(), path, first_line)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else first_line
        col = (mark.column + 1) if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in str(exc):
            problem = f"unsupported YAML tag {exc.problem.split('tag ')[-1] if exc.problem else ''}".strip()
            problem += " (only plain values, lists and mappings are allowed)"
        raise error(path, f"YAML error: {problem}", line, col) from None
    except yaml.YAMLError as exc:
        raise error(path, f"YAML error: {exc}", first_line, 1) from None
    except ValueError as exc:  # a date the YAML resolver accepts but the calendar does not, e.g. 2019-13-45
        line, col = (_bad_date(node, first_line) if node else None) or (first_line, 1)
        raise error(path, f"YAML error: not a date ({exc}): write it as YYYY-MM-DD, e.g. 2019-03-08",
                    line, col) from None
    finally:
        loader.dispose()
    return YamlDoc(data, positions)


def _bad_date(node: yaml.Node, first_line: int) -> Position | None:
    """The position of the first timestamp scalar below `node` that is not a real date."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.constructor.SafeConstructor().construct_yaml_timestamp(node)
            except ValueError:
                return (node.start_mark.line + first_line, node.start_mark.column + 1)
        return None
    children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
    for child in children:
        found = _bad_date(child, first_line)
        if found:
            return found
    return None


def _walk(node: yaml.Node, key: KeyPath, out: dict[KeyPath, Position], seen: set[int], path: str,
          first_line: int) -> None:
    """Record positions; refuse aliases (a node reached twice) and tags that are not plain."""
    pos = (node.start_mark.line + first_line, node.start_mark.column + 1)
    if id(node) in seen:
        raise error(path, "YAML anchors and aliases (&name, *name) are not allowed; write the value out", *pos)
    seen.add(id(node))
    out.setdefault(key, pos)
    if node.tag.startswith("tag:yaml.org,2002:python/") or node.tag.startswith("!"):
        raise error(path, f"unsupported YAML tag {node.tag} (only plain values, lists and mappings)", *pos)
    if isinstance(node, yaml.MappingNode):
        names: set[str] = set()
        for k, v in node.value:
            if k.tag == "tag:yaml.org,2002:merge":
                raise error(path, "YAML merge keys (<<) are not allowed; write the values out",
                            k.start_mark.line + first_line, k.start_mark.column + 1)
            name = k.value if isinstance(k, yaml.ScalarNode) else repr(k.value)
            if name in names:
                raise error(path, f"duplicate key {name!r}", k.start_mark.line + first_line,
                            k.start_mark.column + 1)
            names.add(name)
            out[key + (name,)] = (k.start_mark.line + first_line, k.start_mark.column + 1)
            _walk(v, key + (name,), out, seen, path, first_line)
            out[key + (name,)] = (k.start_mark.line + first_line, k.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, key + (i,), out, seen, path, first_line)
