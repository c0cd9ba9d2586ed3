"""The printable investor brochure: one PDF per language made from the site's own pages with WeasyPrint.

`Brochures` resolves the `brochure:` entries of site.yaml to pages (a bad entry is a located error),
assembles one HTML document per language from the pages' rendered Markdown and the theme's
`brochure.html` and `brochure.css` (with the statistics chart and the locator map where the pages show
them, as inline SVG: vectors in the PDF), and prints it. The PDF is kept in the build cache under a digest
of everything it is made of, so a build where none of that changed does not run WeasyPrint. The bytes
depend on the input alone: the creation date is the newest date of the pages, the identifier a digest.

Under `sitegen serve` (`Brochures.defer`), an edit does not wait for the print: the build shows the
language's last printed PDF, and the `PrintJob` that the draft makes is printed in another process
(`printer`, `print_apart`) and then written by `Builder.reprint`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import html
import mimetypes
import multiprocessing
import multiprocessing.connection
import os
import re
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from generator import geomap, urls
from generator.cache import FOLDER, code_version, fingerprint
from generator.config import BrochureEntry, BrochureSpec
from generator.context import Contexts, Reads, locator_map
from generator.errors import Problems, SitegenError, error
from generator.model import Page, PageKey, Site
from generator.parallel import can_fork, workers
from generator.templates import get_template, render

MAX_BYTES = 3_000_000  # "at most 3 MB", as the link shows sizes (1 MB = 1,000,000 bytes)
# Fonts that cover Vietnamese fully and whose licences allow embedding (SIL OFL; Bitstream Vera's licence).
FONT_SETS = (
    ("Noto Sans", Path("/usr/share/fonts/truetype/noto"), "NotoSans-{}.ttf",
     {"Regular": (400, "normal"), "Bold": (700, "normal"), "Italic": (400, "italic"),
      "BoldItalic": (700, "italic")}),
    ("DejaVu Sans", Path("/usr/share/fonts/truetype/dejavu"), "DejaVuSans{}.ttf",
     {"": (400, "normal"), "-Bold": (700, "normal"), "-Oblique": (400, "italic"),
      "-BoldOblique": (700, "italic")}),
)


# Languages written in Chinese characters or Hangul: their text falls back, through fontconfig, to Noto Sans
# CJK (Debian's fonts-noto-cjk, SIL OFL), in the form of each language's characters.
CJK_FILE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK = {"ja": "Noto Sans CJK JP", "ko": "Noto Sans CJK KR", "zh": "Noto Sans CJK SC", "zh-Hant": "Noto Sans CJK TC"}


def cjk_family(lang: str) -> str | None:
    """The CJK font a language needs, if it needs one."""
    return CJK.get(lang) or CJK.get(lang.split("-")[0])


def weasyprint_version() -> str | None:
    """WeasyPrint's version, or None when it (or the Pango it needs) cannot be loaded."""
    try:
        import weasyprint
    except (ImportError, OSError):
        return None
    return str(weasyprint.__version__)


def font_faces() -> str | None:
    """@font-face rules for the first installed font set (every face of it present), or None."""
    for family, folder, pattern, faces in FONT_SETS:
        files = {name: folder / pattern.format(name) for name in faces}
        if all(p.is_file() for p in files.values()):
            return "".join(
                f'@font-face {{ font-family: "Brochure"; src: url("{p.as_uri()}"); font-weight: {faces[n][0]}; '
                f"font-style: {faces[n][1]}; }} /* {family} */\n" for n, p in files.items())
    return None


@dataclass(frozen=True)
class Made:
    """A language's brochure: its URL, output file, date, the pages it shows (its chapters and the pages
    they list) and its PDF's bytes."""

    url: str
    output: str
    date: dt.date | None
    pages: frozenset[PageKey]
    pdf: bytes

    @property
    def size(self) -> str:
        """The size as shown next to the link, e.g. `1.2 MB` or `640 kB`."""
        kb = len(self.pdf) / 1000
        return f"{kb / 1000:.1f} MB" if kb >= 1000 else f"{max(1, round(kb))} kB"


@dataclass(frozen=True)
class _Draft:
    document: str
    css: str
    key: str  # SHA-256 of everything the PDF is made of (but sitegen's code)
    date: dt.date | None
    reads: frozenset[PageKey]
    kept: Path | None  # where the cache keeps its PDF

    def cached(self) -> bytes | None:
        try:
            return self.kept.read_bytes() if self.kept is not None else None
        except OSError:
            return None


@dataclass(frozen=True)
class PrintJob:
    """A brochure ready to print, with all that printing reads, as plain values: another process prints it."""

    lang: str
    document: str
    css: str
    key: str  # the draft's digest (the PDF's identifier)
    base_url: str
    base_path: str
    assets: Mapping[str, Path]  # the site's files, by output path
    config_file: str  # where a failure points

    def print(self) -> bytes:
        """The PDF: A4 as the CSS says, fonts embedded, tagged where WeasyPrint can."""
        import weasyprint

        def fetch(url: str) -> Any:
            """Only local files: the installed fonts and the site's own files (never the network)."""
            if url.startswith("file://") and any(url.startswith(Path(f[1]).as_uri()) for f in FONT_SETS):
                return weasyprint.default_url_fetcher(url)
            source = site_file(url, self.base_url, self.base_path, self.assets)
            if source is None:
                raise ValueError(f"the brochure only shows the site's own files, not {url}")
            kind = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
            try:
                from weasyprint.urls import URLFetcherResponse
            except ImportError:  # an older WeasyPrint takes a dict
                return {"string": source.read_bytes(), "mime_type": kind, "filename": source.name}
            return URLFetcherResponse(url, body=source.read_bytes(), headers={"Content-Type": kind})

        fetcher: Any = fetch
        try:  # WeasyPrint >= 66 wants a URLFetcher (it reads its options when a fetch fails)
            from weasyprint.urls import URLFetcher

            class _Local(URLFetcher):  # type: ignore[misc]
                def fetch(self, url: str, headers: Any = None) -> Any:
                    return fetch(url)

            fetcher = _Local()
        except ImportError:
            pass
        doc = weasyprint.HTML(string=self.document, base_url=self.base_url, url_fetcher=fetcher)
        options: dict[str, Any] = {"pdf_identifier": bytes.fromhex(self.key[:32]), "pdf_variant": "pdf/ua-1",
                                   "uncompressed_pdf": False}
        if "pdf/ua-1" not in _variants():  # an older WeasyPrint without PDF/UA: an untagged PDF
            options.pop("pdf_variant")
        try:
            css = weasyprint.CSS(string=self.css, url_fetcher=fetch)
            return bytes(doc.write_pdf(stylesheets=[css], **options))
        except Exception as exc:  # WeasyPrint's own errors have no common base: report, never a traceback
            raise error(self.config_file, f"the brochure could not be printed: {exc}") from None


@dataclass(frozen=True)
class Printed:
    """What printing a `PrintJob` apart gave: the PDF, or the message of the error (a SitegenError does not
    travel between processes whole)."""

    lang: str
    key: str
    pdf: bytes | str


def print_apart(job: PrintJob) -> Printed:
    """In a printing process: print `job`."""
    try:
        return Printed(job.lang, job.key, job.print())
    except SitegenError as exc:
        return Printed(job.lang, job.key, exc.problems[0].message)


def printer() -> ProcessPoolExecutor:
    """A process that prints brochures one at a time (`print_apart`); started by a fork server, which is safe
    while threads run, as under `sitegen serve` (forking there is not: see `parallel.can_fork`)."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=_end_with_parent)


def _end_with_parent() -> None:
    """In the printing process: end when the process that started it ends, also when that one was killed
    (a pool's worker would wait for work for ever)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        sentinel = parent.sentinel

        def watch() -> None:
            multiprocessing.connection.wait([sentinel])
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()


class Prints:
    """The brochures that rebuilds under serve left to print (the newest edit's job of each language), and
    those printed apart, until `Builder.reprint` writes them."""

    def __init__(self) -> None:
        self.jobs: dict[str, PrintJob] = {}
        self.printed: list[Printed] = []

    def note(self, brochures: Brochures, langs: Iterable[str]) -> None:
        """After an edit of pages of the brochures of `langs`: the jobs of those not printed yet (a job
        queued before for one of them is stale now)."""
        langs = list(langs)
        for lang in langs:
            self.jobs.pop(lang, None)
        self.jobs.update((job.lang, job) for job in brochures.unprinted(langs))

    def take(self) -> list[PrintJob]:
        """The jobs to print now (each language's newest), no longer queued."""
        taken, self.jobs = list(self.jobs.values()), {}
        return taken

    def take_printed(self) -> list[Printed]:
        """The brochures printed apart since the last call."""
        taken, self.printed = self.printed, []
        return taken


class Brochures:
    """The brochures of a site: resolved on creation, printed on first use and kept for this build.

    With `defer` (a rebuild under serve), a brochure whose inputs changed is not printed: `made` gives the
    language's last printed PDF (when the cache has one), and `unprinted` the jobs to print apart."""

    def __init__(self, site: Site, contexts: Contexts, envs: Mapping[str, jinja2.Environment],
                 cache_root: Path | None) -> None:
        self.site, self.contexts, self.envs, self.cache_root = site, contexts, envs, cache_root
        self.specs: dict[str, BrochureSpec] = site.config.brochure
        self.pages = {lang: resolve(site, spec, spec.pages) for lang, spec in self.specs.items()}
        self.linked_from = {lang: set(p.key for p in resolve(site, spec, spec.linked_from))
                            for lang, spec in self.specs.items()}
        self.version = weasyprint_version() if self.specs else None
        self.fonts = font_faces() if self.specs else None
        self.defer = False
        self.printed: dict[str, bytes] = {}  # PDFs printed elsewhere (`prepare`, `print_apart`), by digest
        self._made: dict[str, Made] = {}
        self._drafts: dict[str, _Draft] = {}
        self._assets: dict[str, Path] | None = None

    @property
    def available(self) -> bool:
        return self.version is not None and self.fonts is not None

    def languages(self) -> list[str]:
        """The languages whose brochure this build makes (one that needs a CJK font only where it is)."""
        if not self.available:
            return []
        return [lang for lang in self.site.config.codes if lang in self.specs
                and (cjk_family(lang) is None or CJK_FILE.is_file())]

    def warn(self, problems: Problems) -> None:
        """A warning for each brochure that site.yaml asks for and that cannot be made here."""
        if self.specs and not self.available:
            why = ("WeasyPrint cannot be loaded (pip install weasyprint; it needs Debian's libpango-1.0-0)"
                   if self.version is None else
                   "no font covering Vietnamese is installed (apt install fonts-noto-core)")
            problems.add(self.site.config.source_file, f"the brochure is left out: {why}", warning=True)
            return
        for lang in sorted(set(self.specs) - set(self.languages())):
            problems.add(self.site.config.source_file, f"the {lang} brochure is left out: it needs a font for its "
                         "characters (apt install fonts-noto-cjk)", warning=True)

    def prepare(self) -> None:
        """Make every brochure now, before workers fork: from the cache when its inputs are unchanged, the
        others printed side by side in forked processes when there are several and forking is safe."""
        drafts = {lang: self._draft(lang) for lang in self.languages()}
        todo = [self._job(lang, d) for lang, d in drafts.items() if d.cached() is None]
        if len(todo) > 1 and workers() > 1 and can_fork():
            with ProcessPoolExecutor(max_workers=min(len(todo), workers()),
                                     mp_context=multiprocessing.get_context("fork")) as pool:
                for done in pool.map(print_apart, todo):
                    if isinstance(done.pdf, bytes):  # (an error: printing it again here reports it)
                        self.printed[done.key] = done.pdf
        for lang, draft in drafts.items():
            self.made(lang, draft)
        self.contexts.bodies.flush()  # (the pages' Markdown converted here, for the next build)

    def link(self, page: Page, reads: Reads) -> Made | None:
        """The brochure that `page` links (its pages then count as read), or None."""
        if page.key not in self.linked_from.get(page.lang, ()) or page.lang not in self.languages():
            return None
        made = self.made(page.lang)
        reads.update(made.pages)
        return made

    def made(self, lang: str, draft: _Draft | None = None) -> Made:
        """The language's brochure, printed or taken from the cache (with `defer`, a new one not printed:
        the last one printed, when the cache has one)."""
        found = self._made.get(lang)
        if found is not None:
            return found
        draft = draft or self._draft(lang)
        pdf = self.printed.pop(draft.key, None) or draft.cached()
        if pdf is None and self.defer and draft.kept is not None:
            pdf = _last(draft.kept)
            if pdf is not None:
                draft = dataclasses.replace(draft, kept=None)  # (the cache is not to keep it under this key)
        if pdf is None:
            pdf = self._job(lang, draft).print()
        if draft.kept is not None and not draft.kept.is_file():
            _keep(draft.kept, pdf)
        spec = self.specs[lang]
        if len(pdf) > MAX_BYTES:
            raise _too_big(self.site, spec, len(pdf))
        url = urls.language_root(self.site.config.base_path, lang) + spec.file
        found = self._made[lang] = Made(url, urls.output_file(self.site.config.base_path, url), draft.date,
                                        draft.reads, pdf)
        return found

    def key(self, lang: str) -> str:
        """The digest of all that the language's brochure is made of (a PDF's key in the cache)."""
        return self._draft(lang).key

    def accept(self, printed: Iterable[Printed]) -> list[str]:
        """The languages of those `printed` apart that are still current (a newer edit makes one stale), the
        PDFs kept for `made`; a print that failed is raised as the located error."""
        langs = []
        for done in printed:
            if done.lang in self.languages() and done.key == self.key(done.lang):
                if isinstance(done.pdf, str):
                    raise error(self.site.config.source_file, done.pdf)
                self.printed[done.key] = done.pdf
                langs.append(done.lang)
        return langs

    def unprinted(self, langs: Iterable[str]) -> list[PrintJob]:
        """The print jobs of those of `langs` whose brochure is neither printed nor in the cache."""
        return [self._job(lang, draft) for lang in langs if lang in self.languages()
                and (draft := self._draft(lang)).key not in self.printed and draft.cached() is None]

    def _job(self, lang: str, draft: _Draft) -> PrintJob:
        config = self.site.config
        return PrintJob(lang, draft.document, draft.css, draft.key, config.base_url, config.base_path,
                        self._files(), config.source_file)

    def _draft(self, lang: str) -> _Draft:
        """The language's brochure before printing: its HTML and CSS, and the digest of all it is made of."""
        found = self._drafts.get(lang)
        if found is not None:
            return found
        spec, pages = self.specs[lang], self.pages[lang]
        self.contexts.bodies.prefetch([p.key for p in pages])
        date = brochure_date(pages)
        reads: Reads = {p.key for p in pages}
        document = self.html(spec, pages, date, reads)
        family = cjk_family(lang)
        css = (self.fonts or "") + self._theme_file("brochure.css") + (
            f':root, :root * {{ font-family: "Brochure", "{family}"; }}\n' if family else "")
        pictures = [hashlib.sha256(path.read_bytes()).hexdigest() for src in re.findall(r'\bsrc="([^"]+)"', document)
                    if (path := self.asset(html.unescape(src))) is not None]
        # The PDF's identifier is a digest of its input; the cache's key adds sitegen's code.
        made_of = "\0".join((self.version or "", css, document, *pictures))
        key = hashlib.sha256(made_of.encode("utf-8")).hexdigest()
        kept = (self.cache_root / FOLDER / "brochures" / f"{lang}.{fingerprint([code_version(), key])[:40]}.pdf"
                if self.cache_root else None)
        found = self._drafts[lang] = _Draft(document, css, key, date, frozenset(reads), kept)
        return found

    def html(self, spec: BrochureSpec, pages: list[Page], date: dt.date | None, reads: Reads) -> str:
        """The brochure as one HTML document, from the theme's brochure.html; the pages listed in it go
        into `reads`."""
        lang = spec.lang
        ids = {p.url: f"c{i}" for i, p in enumerate(pages, start=1)}
        chapters = []
        for i, page in enumerate(pages, start=1):
            body = self.contexts.bodies.get(page.key)
            children = [] if page.kind == "home" else self.contexts.pages(self.site.children.get(page.key, ()), reads)
            chapters.append({"page": page, "id": f"c{i}", "number": i, "children": children,
                             "content": Markup(localize(body.html, f"c{i}", ids, self.site)) if body else ""})
        ctx = {"site": self.contexts.site_context[lang], "lang": lang, "locale": self.site.config.language(lang).locale,
               "brochure": {"title": spec.title, "date": date, "url": self.site.config.base_url},
               "chapters": chapters, "anchors": ids, "page": self.site.home(lang),
               "pages_in": lambda rel: self.contexts.pages(self.site.children.get((lang, rel), ()), reads),
               "locator_map": lambda page, parks=(), kinds=None, title="": self.chapter_map(page, parks, kinds, title)}
        template = get_template(self.envs[lang], ["brochure.html"])
        document = render(template, ctx, self.site.config.source_file)
        svg_css = html.escape(self._theme_file("brochure-svg.css"), quote=False)
        family = cjk_family(lang)
        # (no space after the comma: WeasyPrint 70's SVG text strips the quotes of a family name only where the
        # name follows the comma at once, so "Brochure", "Noto Sans CJK KR" fell back to Noto Sans CJK JP)
        svg_css += f'text {{ font-family: "Brochure","{family}"; }}\n' if svg_css and family else ""
        return _SVG.sub(lambda m: f"{m.group(0)}<style>{svg_css}</style>", document) if svg_css else document

    def chapter_map(self, page: Page, parks: list[Page], kinds: list[str] | None, title: str) -> dict[str, Any] | None:
        """The locator map of a chapter (as the page shows it: `locator_map` of generator/context.py), of the
        parks that have a position: the list beside the map then numbers its places as the markers do."""
        placed = [p for p in parks if geomap.park_place(p.title, p.url, p.params) is not None]
        return locator_map(self.site, page, placed, kinds, title)

    def asset(self, url: str) -> Path | None:
        """The site's file that a URL of the site (absolute, or a path from the domain) serves, or None."""
        return site_file(url, self.site.config.base_url, self.site.config.base_path, self._files())

    def _files(self) -> dict[str, Path]:
        """The site's files by output path, the encoded pictures of its pages too."""
        if self._assets is None:
            self._assets = {a.output: a.source for a in self.site.assets}
            pictures = self.contexts.bodies.pictures  # (images of pages: their encoded files, from the cache)
            for picture in pictures.by_url.values():
                for variant in picture.variants + ((picture.og,) if picture.og else ()):
                    self._assets[variant.path] = Path(variant.file)
                self._assets[picture.source] = Path(picture.largest().file)
        return self._assets

    def _theme_file(self, name: str) -> str:
        """A file of the theme's templates/ folder (the site's templates/ first)."""
        for folder in (self.site.config.root / "templates", self.site.theme_dirs[0] / "templates"):
            if (folder / name).is_file():
                return (folder / name).read_text(encoding="utf-8")
        return ""


def site_file(url: str, base_url: str, base: str, files: Mapping[str, Path]) -> Path | None:
    """The file of `files` (by output path) that a URL of the site (absolute, or a path from the domain)
    serves, or None."""
    path = url[len(base_url) - len(base):] if url.startswith(base_url) else url
    if not path.startswith(base):
        return None
    return files.get(path[len(base):].split("?")[0].split("#")[0])


def brochure_date(pages: list[Page]) -> dt.date | None:
    """The date a brochure shows and its PDF carries: SOURCE_DATE_EPOCH when set, else the newest date of
    its pages (or, for pages without one, of their sources): from the input, never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    found = [d for p in pages for d in (p.updated, p.date) if d]
    if not found:
        for page in pages:
            for src in page.sources:
                value = src.get("date")
                with contextlib.suppress(ValueError):
                    found.append(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
    return max(found, default=None)


def _variants() -> set[str]:
    try:
        from weasyprint.pdf import VARIANTS
    except ImportError:
        return set()
    return set(VARIANTS)


def resolve(site: Site, spec: BrochureSpec, entries: tuple[BrochureEntry, ...]) -> list[Page]:
    """The pages that `entries` name (a source path, or a translation key), or a located error for each
    that names none."""
    problems = Problems()
    out = []
    for entry in entries:
        key = (spec.lang, entry.name) if (spec.lang, entry.name) in site.pages else \
            site.translations.get(entry.name, {}).get(spec.lang)
        if key is None:
            problems.add(site.config.source_file, f"brochure.{spec.lang}: no page {entry.name!r} in "
                         f"content/{spec.lang}/ (give a source path such as why-invest/_index.md, or a "
                         "translation key)", entry.line, entry.col)
        else:
            out.append(site.pages[key])
    problems.raise_if_errors()
    return out


_SVG = re.compile(r"<svg\b[^>]*>")
_ID = re.compile(r'\b(id|href)="(#?)([^"]*)"')


def localize(body: str, prefix: str, chapters: Mapping[str, str], site: Site) -> str:
    """A page's HTML made to stand in the brochure: its ids prefixed (pages' footnotes and headings would
    clash), links to pages in the brochure made internal and other site links absolute."""
    base_url = site.config.base_url

    def fix(m: re.Match[str]) -> str:
        attr, hash_, value = m.group(1), m.group(2), html.unescape(m.group(3))
        if attr == "id":
            return f'id="{prefix}-{html.escape(value)}"'
        if hash_:
            return f'href="#{prefix}-{html.escape(value)}"'
        path, _, fragment = value.partition("#")
        if path in chapters:
            return f'href="#{chapters[path]}-{html.escape(fragment)}"' if fragment else f'href="#{chapters[path]}"'
        if value.startswith("/"):
            return f'href="{html.escape(urls.absolute(base_url, value))}"'
        return m.group(0)

    return _ID.sub(fix, body)


def _keep(path: Path, pdf: bytes) -> None:
    """Put a PDF in the cache in place of the language's older ones (a cache that cannot be written is none)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(path.name.split(".")[0] + ".*.pdf"):
            old.unlink()
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pdf)
        tmp.replace(path)
    except OSError:
        pass


def _last(kept: Path) -> bytes | None:
    """The language's PDF that the cache keeps (`_keep` keeps one a language), whatever it was made of."""
    for path in kept.parent.glob(kept.name.split(".")[0] + ".*.pdf"):
        with contextlib.suppress(OSError):
            return path.read_bytes()
    return None


def _too_big(site: Site, spec: BrochureSpec, size: int) -> SitegenError:
    return error(site.config.source_file, f"the {spec.lang} brochure is {size / 1e6:.1f} MB, more than 3 MB: "
                 "leave out pages or large pictures", *(spec.pages[0].line, spec.pages[0].col))

