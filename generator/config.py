"""The site configuration (`site.yaml`): one declarative schema that validates every key (reporting every bad
one at once), builds the frozen `Config` and documents itself (`python -m generator.config --markdown`)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from generator import urls
from generator.errors import Problems, SitegenError, error
from generator.yamlutil import YamlDoc, load_yaml

CONFIG_FILE = "site.yaml"
LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Language:
    """A site language: its code (URL prefix), the name shown in the switcher, and its Babel locale."""

    code: str
    name: str
    locale: str


@dataclass(frozen=True)
class MenuItem:
    """A menu entry: a title and either a content source (`page`) or a plain `url`."""

    title: str
    page: str | None
    url: str | None
    line: int


@dataclass(frozen=True)
class DeployTarget:
    """A `deploy:` entry: its name, where it goes (`s3://`, `ssh://` or `git:`) and that kind's options."""

    name: str
    url: str
    kind: str  # "s3", "ssh" or "git"
    endpoint: str | None = None  # s3: an S3-compatible service's URL (R2, GCS, MinIO); none for Amazon S3
    region: str | None = None
    profile: str | None = None  # s3: a profile of ~/.aws/config (credentials stay there or in the environment)
    website: bool = False  # s3: apply the bucket's website settings (else they are printed)
    branch: str = "gh-pages"  # git
    line: int = 0  # where the entry stands in site.yaml
    col: int = 0


@dataclass(frozen=True)
class BrochureEntry:
    """A page named in `brochure:`: its source path or translation key, and where it stands in site.yaml."""

    name: str
    line: int
    col: int


@dataclass(frozen=True)
class BrochureSpec:
    """One language's printable brochure: its title, PDF file name, pages in order and the pages linking it."""

    lang: str
    title: str
    file: str
    pages: tuple[BrochureEntry, ...]
    linked_from: tuple[BrochureEntry, ...]


@dataclass(frozen=True)
class Config:
    """The validated site configuration: where it was read, and one field per key of SCHEMA (its `attr`)."""

    root: Path
    source_file: str
    base_url: str
    languages: tuple[Language, ...]
    default_language: str
    title: dict[str, str]
    description: dict[str, str]
    notice: dict[str, str]
    theme: str
    menus: dict[str, tuple[MenuItem, ...]]
    pagination: int
    unsafe_html: bool
    params: dict[str, Any]
    search: bool
    precompress: bool
    feed_sections: tuple[str, ...]
    feed_limit: int
    organization_type: str
    figure_units: tuple[str, ...]
    deploy: tuple[DeployTarget, ...] = ()
    brochure: dict[str, BrochureSpec] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always ending in `/` (`/` for a site at the domain root)."""
        return urlsplit(self.base_url).path or "/"

    def language(self, code: str) -> Language:
        return next(lang for lang in self.languages if lang.code == code)

    @property
    def content_dir(self) -> Path:
        return self.root / "content"


# -- the schema ----------------------------------------------------------------------------------------------

class _Invalid(Exception):
    """A value of the wrong type or form: reported at its key, and the key's default used instead."""


class _Field:
    """A key being checked: its dotted name and place in site.yaml, and the languages read so far."""

    def __init__(self, name: str, where: tuple[Any, ...], reader: _Reader) -> None:
        self.name, self.where, self.reader = name, where, reader

    @property
    def codes(self) -> list[str]:
        return self.reader.codes

    def bad(self, message: str, *below: Any) -> None:
        """Report `message` at this key, or at the part of its value that `below` leads to."""
        self.reader.bad(message, *self.where, *below)


Parse = Callable[[Any, _Field], Any]


@dataclass(frozen=True)
class Derived:
    """A default computed from the rest of the configuration; `shown` is how the README says it."""

    shown: str
    value: Callable[[_Field], Any]


@dataclass(frozen=True)
class Key:
    """One site.yaml key: its type and default as the README shows them, one line of documentation, and
    `parse`, which checks a value (raising _Invalid, or reporting parts through the field) and returns what
    the Config field `attr` holds."""

    type: str
    doc: str
    parse: Parse
    default: Any = None
    required: bool = False
    attr: str = ""  # the Config field, when its name is not the key's


@dataclass(frozen=True)
class Group:
    """A key whose value is a mapping of keys of its own, such as `feeds: {sections: [news], limit: 20}`."""

    example: str
    keys: dict[str, Key]


def _url(value: Any, f: _Field) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Invalid(f"{f.name} must be an absolute http(s) URL such as https://example.org/")
    return str(value) if value.endswith("/") else value + "/"


def _boolean(value: Any, f: _Field) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"{f.name} must be true or false")
    return value


def _whole(value: Any, f: _Field) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _Invalid(f"{f.name} must be a whole number of at least 1")
    return value


def _mapping(value: Any, f: _Field) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"{f.name} must be a mapping")
    return value


def _theme(value: Any, f: _Field) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[\w-]+", value):
        raise _Invalid(f"{f.name} must be a theme's folder name such as 'default'")
    return value


def _folders(value: Any, f: _Field) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _Invalid(f"{f.name} must be a list of content folders such as [news]")
    return tuple(x.strip("/") for x in value)


def _units(value: Any, f: _Field) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        raise _Invalid(f"{f.name} must be a list of units such as [ha, km², USD]")
    return tuple(x.strip() for x in value)


def _schema_type(value: Any, f: _Field) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z][A-Za-z]+", value):
        raise _Invalid(f"{f.name} must be a schema.org type such as Organization or GovernmentOrganization")
    return value


def _default_language(value: Any, f: _Field) -> str:
    if f.codes and value not in f.codes:
        raise _Invalid(f"{f.name} {value!r} is not one of the languages ({', '.join(f.codes)})")
    return str(value)


def _languages(raw: Any, f: _Field) -> tuple[Language, ...]:
    if not isinstance(raw, list) or not raw:
        raise _Invalid(f"{f.name} must be a list of {{code, name, locale}}")
    out: list[Language] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            f.bad("each language must be a mapping with code, name and locale", i)
            continue
        for key in item:
            if key not in ("code", "name", "locale"):
                f.bad(f"unknown language key {key!r} (known: code, name, locale)", i, key)
        code, name, locale = item.get("code"), item.get("name"), item.get("locale")
        if not isinstance(code, str) or not LANG_CODE.match(code):
            f.bad("language code must be a code such as 'vi' or 'en' (quote it)", i, "code")
            continue
        if any(lang.code == code for lang in out):
            f.bad(f"language {code!r} is listed twice", i, "code")
            continue
        if not isinstance(name, str) or not name.strip():
            f.bad(f"language {code!r} needs a name to show in the switcher", i)
            name = code
        if not isinstance(locale, str):
            f.bad(f"language {code!r} needs a Babel locale such as vi_VN", i)
            continue
        try:
            Locale.parse(locale)
        except (UnknownLocaleError, ValueError):
            f.bad(f"unknown locale {locale!r} for language {code!r} (use one such as vi_VN, en_US, ja_JP)",
                  i, "locale")
            continue
        out.append(Language(code, name, locale))
    return tuple(out)


def _texts(every_language: bool = False) -> Parse:
    """Text per language: a mapping of language code to text, or one text for all languages."""

    def parse(raw: Any, f: _Field) -> dict[str, str]:
        if raw is None:  # an empty `notice:`
            raw = {}
        if isinstance(raw, str):
            return {code: raw for code in f.codes}
        if not isinstance(raw, dict):
            raise _Invalid(f"{f.name} must be text or a mapping of language code to text")
        out: dict[str, str] = {}
        for code, text in raw.items():
            if code not in f.codes:
                f.bad(f"{f.name} has language {code!r}, which is not in languages", code)
            elif not isinstance(text, str):
                f.bad(f"{f.name}.{code} must be text", code)
            else:
                out[code] = text
        for code in f.codes if every_language else ():
            if code not in out:
                f.bad(f"{f.name} is missing language {code!r}")
        return out

    return parse


def _menus(raw: Any, f: _Field) -> dict[str, tuple[MenuItem, ...]]:
    if not isinstance(raw, dict):
        raise _Invalid(f"{f.name} must map each language code to a list of items")
    out: dict[str, tuple[MenuItem, ...]] = {}
    for code, items in raw.items():
        if code not in f.codes:
            f.bad(f"menus has language {code!r}, which is not in languages", code)
            continue
        if not isinstance(items, list):
            f.bad(f"menus.{code} must be a list of items", code)
            continue
        menu = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("title"), str):
                f.bad("a menu item needs a title and either page (a content file) or url", code, i)
                continue
            for key in sorted(set(item) - {"title", "page", "url"}):
                f.bad(f"unknown menu key {key!r} (known: title, page, url)", code, i, key)
            page, url = item.get("page"), item.get("url")
            if (page is None) == (url is None) or not isinstance(page or url, str):
                f.bad("a menu item needs exactly one of page (a content file) or url", code, i)
                continue
            if url is not None and not urls.is_safe(url):
                f.bad("menu url must not be a javascript:, vbscript: or data: link", code, i, "url")
                continue
            menu.append(MenuItem(item["title"], page, url, f.reader.doc.where(*f.where, code, i)[0]))
        out[code] = tuple(menu)
    return out


DEPLOY_KEYS = {"s3": ("name", "url", "endpoint", "region", "profile", "website"), "ssh": ("name", "url"),
               "git": ("name", "url", "branch")}
SECRET_KEY = re.compile(r"secret|password|passwd|token|access_key|key_id|credential|private", re.I)


def _deploy(raw: Any, f: _Field) -> tuple[DeployTarget, ...]:
    if not isinstance(raw, list):
        raise _Invalid(f"{f.name} must be a list of targets such as [{{name: prod, url: 's3://bucket'}}]")
    out: list[DeployTarget] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            f.bad("a deploy target must be a mapping with name and url", i)
            continue
        secrets = [key for key in item if isinstance(key, str) and SECRET_KEY.search(key)]
        for key in secrets:
            f.bad(f"deploy: {key!r} is a secret, which must not be written in site.yaml; credentials come "
                  "only from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or an AWS profile "
                  "(profile: name)", i, key)
        name, url = item.get("name"), item.get("url")
        if not isinstance(name, str) or not re.fullmatch(r"[\w.-]+", name):
            f.bad("a deploy target needs a name such as 'prod' (letters, digits, '-', '_', '.')", i)
            continue
        if any(t.name == name for t in out):
            f.bad(f"deploy target {name!r} is listed twice", i, "name")
            continue
        if not isinstance(url, str):
            f.bad(f"deploy target {name!r} needs a url such as s3://bucket/prefix, ssh://user@host/path or "
                  "git:../site-pages.git", i)
            continue
        parts = urlsplit(url)
        kind = "git" if url.startswith("git:") else parts.scheme
        if kind not in DEPLOY_KEYS or (kind != "git" and (not parts.netloc or not parts.hostname)):
            f.bad(f"deploy target {name!r} needs a url such as s3://bucket/prefix, ssh://user@host/path or "
                  "git:../site-pages.git", i, "url")
            continue
        try:
            parts.port  # noqa: B018  (raises ValueError for a port that is not a number in range)
        except ValueError:
            f.bad(f"deploy target {name!r}: the port in the url is not a number from 1 to 65535", i, "url")
            continue
        if kind != "git" and parts.password is not None:
            f.bad(f"deploy target {name!r}: a password in the url must not be written in site.yaml; "
                  "credentials come only from the environment or an AWS profile or SSH key", i, "url")
            continue
        if kind == "ssh" and not parts.path.strip("/"):
            f.bad(f"deploy target {name!r} needs the server's folder in its url: ssh://user@host/var/www/site",
                  i, "url")
            continue
        if kind == "git" and not url[4:].strip():
            f.bad(f"deploy target {name!r} needs a repository after git:, such as git:../site-pages.git",
                  i, "url")
            continue
        for key in sorted(set(item) - set(DEPLOY_KEYS[kind]) - set(secrets), key=str):
            f.bad(f"unknown {kind} deploy option {key!r} (known: {', '.join(DEPLOY_KEYS[kind])})", i, key)
        opts: dict[str, Any] = {}
        for key in ("endpoint", "region", "profile", "branch"):
            if key in item:
                if not isinstance(item[key], str) or not item[key].strip():
                    f.bad(f"deploy option {key} must be text", i, key)
                    continue
                opts[key] = item[key].strip()
        if "endpoint" in opts and urlsplit(opts["endpoint"]).scheme not in ("http", "https"):
            f.bad("deploy option endpoint must be an http(s) URL such as https://<account>.r2.cloudflarestorage.com",
                  i, "endpoint")
            opts.pop("endpoint")
        if "website" in item:
            if isinstance(item["website"], bool):
                opts["website"] = item["website"]
            else:
                f.bad("deploy option website must be true or false", i, "website")
        line, col = f.reader.doc.where(*f.where, i)
        out.append(DeployTarget(name, url, kind, line=line, col=col, **opts))
    return tuple(out)


BROCHURE_KEYS = ("title", "file", "pages", "linked_from")


def _brochure(raw: Any, f: _Field) -> dict[str, BrochureSpec]:
    if not isinstance(raw, dict):
        raise _Invalid(f"{f.name} must map each language code to {{title, pages}}")
    out: dict[str, BrochureSpec] = {}
    for code, item in raw.items():
        if code not in f.codes:
            f.bad(f"brochure has language {code!r}, which is not in languages", code)
            continue
        if not isinstance(item, dict):
            f.bad(f"brochure.{code} must be a mapping with title and pages", code)
            continue
        for key in sorted(set(item) - set(BROCHURE_KEYS), key=str):
            f.bad(f"unknown brochure option {key!r} (known: {', '.join(BROCHURE_KEYS)})", code, key)
        title, file = item.get("title"), item.get("file", "brochure.pdf")
        if not isinstance(title, str) or not title.strip():
            f.bad(f"brochure.{code} needs a title", code)
            continue
        if not isinstance(file, str) or not re.fullmatch(r"[\w.-]+\.pdf", file):
            f.bad(f"brochure.{code}.file must be a file name ending in .pdf, such as investor-brochure.pdf",
                  code, "file")
            continue
        lists = []
        for key, default in (("pages", None), ("linked_from", ["_index.md"])):
            names = item.get(key, default)
            if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
                f.bad(f"brochure.{code}.{key} must be a list of pages (source paths such as "
                      "why-invest/_index.md, or translation keys)", code, key)
                break
            lists.append(tuple(BrochureEntry(n, *f.reader.doc.where(*f.where, code, key, i))
                               for i, n in enumerate(names)))
        else:
            out[code] = BrochureSpec(code, title.strip(), file, lists[0], lists[1])
    for code in f.codes if out else ():
        if code not in raw:
            f.bad(f"brochure is missing language {code!r} (give every language a title and pages)")
    return out


# Units after a number that make it a figure, which `sitegen check` wants sourced (as it does a percentage):
# SI and common international ones; a site adds the words of its own languages (e.g. Vietnamese `tỷ`, `người`).
NEUTRAL_FIGURE_UNITS = ("ha", "km²", "km2", "km", "m²", "MW", "GW", "kWh", "MWh", "USD", "EUR", "US$",
                        "$", "€", "£", "billion", "million", "bn", "tonnes", "tons", "kg", "people")

SCHEMA: dict[str, Key | Group] = {
    "base_url": Key("URL", "the absolute URL the site is served at, e.g. `https://example.org/` (a path prefix "
                    "works too)", _url, "https://example.org/", required=True),
    "languages": Key("list", "the languages in order: `code`, `name` (shown in the switcher), `locale` (Babel, "
                     "e.g. `vi_VN`)", _languages, (), required=True),
    "default_language": Key("language code", "the language of `x-default` links", _default_language,
                            Derived("the first language", lambda f: f.codes[0] if f.codes else "")),
    "title": Key("text per language", "the site's title", _texts(every_language=True), {}, required=True),
    "description": Key("text per language", "the site's description (search engines, JSON-LD)", _texts(), {}),
    "notice": Key("text per language", "a notice shown on every page", _texts(), {}),
    "theme": Key("name", "a folder in `themes/`, or `default` (shipped with sitegen)", _theme, "default"),
    "menus": Key("list per language", "the primary menu: items `{title, page}` (a content file) or "
                 "`{title, url}`", _menus, {}),
    "pagination": Key("integer", "list pages per page in sections and tags", _whole, 10),
    "markdown": Group("{unsafe_html: false}", {
        "unsafe_html": Key("boolean", "let raw HTML in Markdown through (`javascript:` links never pass)",
                           _boolean, False, attr="unsafe_html"),
    }),
    "params": Key("mapping", "free values that templates read as `site.params`", _mapping, {}),
    "search": Key("boolean", "build a search index per language (Pagefind)", _boolean, True),
    "precompress": Key("boolean", "write a gzip (`.gz`) and a Brotli (`.br`) copy beside every text file, which "
                       "nginx's `gzip_static` and `brotli_static` send as they are", _boolean, True),
    "feeds": Group("{sections: [news], limit: 20}", {
        "sections": Key("list", "the content folders whose pages the Atom feed of each language lists",
                        _folders, ("news",), attr="feed_sections"),
        "limit": Key("integer", "the most entries in a feed", _whole, 20, attr="feed_limit"),
    }),
    "organization": Group("{type: Organization}", {
        "type": Key("schema.org type", "what the site's JSON-LD says its publisher is, e.g. "
                    "`GovernmentOrganization`", _schema_type, "Organization", attr="organization_type"),
    }),
    "figure_units": Key("list", "units that make a number a figure, which `sitegen check` wants sourced "
                        "(as it does a percentage)", _units, NEUTRAL_FIGURE_UNITS),
    "deploy": Key("list", "where `sitegen deploy` publishes `output/`: targets `{name, url}` with url "
                  "`s3://bucket/prefix` (options `endpoint`, `region`, `profile`, `website`), `ssh://user@host/path` "
                  "or `git:<repository>` (option `branch`, default `gh-pages`); no secrets here", _deploy, ()),
    "brochure": Key("mapping per language", "a printable PDF made from the site's pages: per language `title`, "
                    "`pages` (source paths or translation keys, in order), `file` (default `brochure.pdf`), "
                    "`linked_from` (pages that link it, default the home page)", _brochure, {}),
}


class _Reader:
    """Applies SCHEMA to one parsed site.yaml, collecting every problem."""

    def __init__(self, path: Path, doc: YamlDoc) -> None:
        self.path, self.doc = path, doc
        self.problems = Problems()
        self.codes: list[str] = []

    def bad(self, message: str, *where: Any) -> None:
        self.problems.add(self.path, message, *self.doc.where(*where))

    def read(self, data: dict[Any, Any]) -> dict[str, Any]:
        """The Config fields from `data` (defaults where a key is missing or bad)."""
        values: dict[str, Any] = {}
        self._unknown(data, SCHEMA, (), "key {key!r} (known keys: {known})")
        for name, entry in SCHEMA.items():
            if name not in data and isinstance(entry, Key) and entry.required:
                self.bad(f"missing required key {name!r}")
            if isinstance(entry, Key):
                values[entry.attr or name] = self._value(name, entry, data, (name,))
                if name == "languages":  # the keys after it are checked against these codes
                    self.codes = [lang.code for lang in values["languages"]]
                continue
            raw = data.get(name, {})
            if not isinstance(raw, dict):
                self.bad(f"{name} must be a mapping such as {entry.example}", name)
                raw = {}
            self._unknown(raw, entry.keys, (name,), name + " option {key!r} (known: {known})")
            for sub, key in entry.keys.items():
                values[key.attr or f"{name}_{sub}"] = self._value(f"{name}.{sub}", key, raw, (name, sub))
        return values

    def _unknown(self, data: dict[Any, Any], known: dict[str, Any], where: tuple[Any, ...], message: str) -> None:
        for key in data:
            if key not in known:
                self.bad("unknown " + message.format(key=key, known=", ".join(known)), *where, key)

    def _value(self, name: str, key: Key, data: dict[Any, Any], where: tuple[Any, ...]) -> Any:
        f = _Field(name, where, self)
        if where[-1] in data:
            try:
                return key.parse(data[where[-1]], f)
            except _Invalid as exc:
                self.bad(str(exc), *where)
        if isinstance(key.default, Derived):
            return key.default.value(f)
        return dict(key.default) if isinstance(key.default, dict) else key.default  # (no dict shared by two)


def load_config(root: Path) -> Config:
    """Read and validate `<root>/site.yaml`, reporting every problem at once."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(path, f"no {CONFIG_FILE} here; is --site the site's folder?") from None
    except UnicodeDecodeError as exc:
        raise error(path, f"not valid UTF-8 at byte {exc.start}") from None
    doc = load_yaml(text.replace("\r\n", "\n"), str(path))
    if not isinstance(doc.data, dict):
        raise error(path, "site.yaml must be a mapping of keys to values", 1, 1)
    reader = _Reader(path, doc)
    values = reader.read(doc.data)
    reader.problems.raise_if_errors()
    return Config(root=root, source_file=str(path), **values)


# -- documentation --------------------------------------------------------------------------------------------

def schema_keys() -> list[tuple[str, Key]]:
    """Every key of SCHEMA by its dotted name (`feeds.limit`), in order."""
    out: list[tuple[str, Key]] = []
    for name, entry in SCHEMA.items():
        if isinstance(entry, Group):
            out.extend((f"{name}.{sub}", key) for sub, key in entry.keys.items())
        else:
            out.append((name, entry))
    return out


def markdown_table() -> str:
    """The README's table of site.yaml keys: key, type, default, what it is."""
    rows = ["| key | type | default | what it is |", "|---|---|---|---|"]
    for name, key in schema_keys():
        rows.append(f"| `{name}` | {key.type} | {_shown(key)} | {key.doc} |")
    return "\n".join(rows) + "\n"


def _shown(key: Key) -> str:
    if key.required:
        return "required"
    value = key.default
    if isinstance(value, Derived):
        return value.shown
    if value is None or value == {}:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(value) + "]`"
    return f"`{value}`"


__all__ = ["BrochureEntry", "BrochureSpec", "Config", "DeployTarget", "Derived", "Group", "Key", "Language", "MenuItem", "SCHEMA", "SitegenError", "load_config",
           "markdown_table", "schema_keys"]

if __name__ == "__main__":
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m generator.config --markdown")
    sys.stdout.write(markdown_table())
