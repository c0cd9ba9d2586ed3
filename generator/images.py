"""Responsive images: photos used by pages become `<picture>`s with several widths and a modern format.

`prepare` finds the images the site's pages use (Markdown `![alt](photo.jpg "caption"){ credit=… licence=… }`
and front matter `image:`), encodes each once (in `.sitegen-cache/images/<content hash + options>/`, so a
build with nothing changed encodes nothing) and returns `Pictures`: what `rewrite` needs to turn each `<img>`
into a `<picture>`, and the files to write. Output bytes depend only on the input bytes and the options:
metadata is dropped (EXIF orientation applied first, GPS and the rest gone; an embedded colour profile other
than sRGB converted to sRGB first) and encoder settings are fixed. Once every picture is found without
error, `prune` removes the cached encodes no picture of the site uses any more.
"""

from __future__ import annotations

import atexit
import hashlib
import html
import io
import json
import math
import os
import posixpath
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.errors import Problems
from generator.model import Page, Site

WIDTHS = (480, 960, 1600)
OG_SIZE = (1200, 630)
RASTER = (".jpg", ".jpeg", ".png", ".webp")
OPTIONS = ("v2 icc to srgb perceptual; webp q80 m4; avif q55 s9; jpeg q82 progressive; png opt; "
           "og jpeg q82 1200x630; lanczos")
FOLDER = "images"

# ![alt](src "title"){ attrs } as written in Markdown (the image syntax sitegen processes)
IMAGE_REF = re.compile(r'!\[(?P<alt>[^\]\n]*)\]\(\s*<?(?P<src>[^)\s>]+)>?(?:\s+"(?P<title>[^"\n]*)")?\s*\)'
                       r'(?:\{(?P<attrs>[^}\n]*)\})?')
_ATTR = re.compile(r'([\w-]+)=(?:"([^"]*)"|\'([^\']*)\'|(\S+))')
_IMG = re.compile(r"<img\s[^<>]*>")
_P_IMG = re.compile(r"<p>\s*(<img\s[^<>]*>)\s*</p>")
_HTML_ATTR = re.compile(r'([\w-]+)="([^"]*)"')
_SVG_SCRIPT = re.compile(rb"<script|\son[a-z]+\s*=|javascript:|<foreignObject", re.I)


class ImageError(Exception):
    """An image that cannot be used: missing, unreadable, truncated, too large or unsafe."""


def _pil() -> Any:
    """Pillow, imported only by sites that have images (a cold build without images does not pay for it)."""
    from PIL import Image, ImageOps, features
    return Image, ImageOps, features


def formats() -> tuple[str, ...]:
    """The modern formats written, best first: AVIF when this Pillow can encode it, and WebP."""
    _, _, features = _pil()
    return tuple(f for f in ("avif", "webp") if features.check(f))


@dataclass(frozen=True)
class Variant:
    """One encoded file of a picture: its output path, size and format, and where its bytes are."""

    path: str  # relative to the output folder
    width: int
    height: int
    format: str  # "avif", "webp", "jpeg", "png"
    file: str  # the cached file


@dataclass(frozen=True)
class Picture:
    """An image in all its encoded forms."""

    source: str  # the original's output path
    width: int
    height: int
    variants: tuple[Variant, ...]
    og: Variant | None = None

    def of(self, fmt: str) -> list[Variant]:
        return [v for v in self.variants if v.format == fmt]

    @property
    def fallback(self) -> list[Variant]:
        return [v for v in self.variants if v.format in ("jpeg", "png")]

    def srcset(self, fmt: str, base: str) -> str:
        return ", ".join(f"{base}{v.path} {v.width}w" for v in self.of(fmt))

    def largest(self) -> Variant:
        return self.fallback[-1]


@dataclass
class Pictures:
    """The site's processed images by URL, the files to write (each by one page) and a digest of it all."""

    base_path: str = "/"
    by_url: dict[str, Picture] = field(default_factory=dict)
    owner: dict[str, tuple[str, str]] = field(default_factory=dict)  # picture URL -> page that writes it
    page_images: dict[tuple[str, str], tuple[Picture, dict[str, str]]] = field(default_factory=dict)
    galleries: dict[tuple[str, str], list[tuple[Picture, dict[str, str]]]] = field(default_factory=dict)
    encoded: int = 0  # images encoded by this build (not found in the cache)
    entries: set[str] = field(default_factory=set)  # the cache entries (folders) this build's pictures use
    pruned: int = 0  # cache entries removed because no picture uses them any more

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(sorted((u, p.variants[0].path) for u, p in self.by_url.items()))
                              .encode()).hexdigest()[:16]

    def outputs(self, key: tuple[str, str]) -> Iterator[tuple[str, str]]:
        """(output path, cached file) of the pictures page `key` writes."""
        for url, page in self.owner.items():
            if page == key:
                picture = self.by_url[url]
                for v in picture.variants + ((picture.og,) if picture.og else ()):
                    yield v.path, v.file
                yield picture.source, picture.largest().file  # the original's URL: a copy without metadata

    def replaced(self) -> set[str]:
        """Output paths of originals that `outputs` writes instead of copying."""
        return {p.source for p in self.by_url.values()}

    def rewrite(self, body: str) -> str:
        """`body` (a page's HTML) with each `<img>` of a processed image as a `<picture>`: alone in its
        paragraph, in a `<figure>` with its caption, credit and licence."""
        if not self.by_url or "<img" not in body:
            return body
        first = [True]

        def one(tag: str, figure: bool) -> str | None:
            attrs = dict(_HTML_ATTR.findall(tag))
            picture = self.by_url.get(unquote(attrs.get("src", "")))
            if picture is None:
                return None
            eager = first[0] and body.find(tag) < 800
            first[0] = False
            return picture_html(picture, self.base_path, {k: html.unescape(v) for k, v in attrs.items()},
                                figure=figure, eager=eager)

        def paragraph(m: re.Match[str]) -> str:
            return one(m.group(1), True) or m.group(0)

        body = _P_IMG.sub(paragraph, body)
        return _IMG.sub(lambda m: one(m.group(0), False) or m.group(0), body)


def picture_html(picture: Picture, base: str, attrs: Mapping[str, str], figure: bool, eager: bool = False,
                 sizes: str | None = None) -> str:
    """The `<picture>` (in a `<figure>` with its caption, credit and licence when `figure`)."""
    esc = html.escape
    sizes = sizes or SIZES
    sources = "".join(f'<source type="image/{fmt}" srcset="{picture.srcset(fmt, base)}" sizes="{sizes}">'
                      for fmt in ("avif", "webp") if picture.of(fmt))
    fallback = picture.fallback
    main = fallback[min(1, len(fallback) - 1)]
    img = (f'<img src="{base}{main.path}" srcset="{picture.srcset(fallback[0].format, base)}" sizes="{sizes}" '
           f'width="{picture.width}" height="{picture.height}" alt="{esc(attrs.get("alt", ""))}" '
           f'loading="{"eager" if eager else "lazy"}" decoding="async"'
           + (' fetchpriority="high"' if eager else "") + ">")
    out = f"<picture>{sources}{img}</picture>"
    caption = caption_html(attrs.get("title", "") or attrs.get("caption", ""), attrs.get("credit", ""),
                           attrs.get("licence", "") or attrs.get("license", ""))
    if figure:
        return f'<figure class="photo">{out}' + (f"<figcaption>{caption}</figcaption>" if caption else "") + \
            "</figure>"
    return out + (f' <small class="photo-credit">{caption}</small>' if caption else "")


def caption_html(caption: str, credit: str, licence: str) -> str:
    """A caption, then "Photo: credit (licence)" in smaller type."""
    esc = html.escape
    credit_text = esc(credit) + (f" ({esc(licence)})" if licence else "") if credit else esc(licence)
    return " ".join(filter(None, [esc(caption), f'<small class="photo-credit">{credit_text}</small>'
                                  if credit_text else ""]))


SIZES = "(min-width: 60rem) 48rem, 100vw"
THUMB_SIZES = "(min-width: 40rem) 15rem, 50vw"


# -- finding the images pages use ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Reference:
    """An image a page uses, where it is written."""

    page: Page
    line: int
    col: int
    src: str
    alt: str
    attrs: dict[str, str]
    front: bool = False  # the page's `image:`
    gallery: bool = False  # an entry of the page's `gallery:`


def references(page: Page) -> Iterator[Reference]:
    """The images `page` uses: its Markdown images and its front matter `image:`."""
    image = page.params.get("image")
    if isinstance(image, str):
        image = {"src": image}
    if isinstance(image, dict) and isinstance(image.get("src"), str):
        line = _front_line(page, "image:")
        yield Reference(page, line, 1, image["src"], str(image.get("alt") or ""),
                        {k: str(v) for k, v in image.items() if v is not None}, front=True)
    gallery = page.params.get("gallery")
    if isinstance(gallery, list) and gallery:
        line = _front_line(page, "gallery:")
        for item in gallery:
            if isinstance(item, dict) and isinstance(item.get("src"), str):
                yield Reference(page, line, 1, item["src"], str(item.get("alt") or ""),
                                {k: str(v) for k, v in item.items() if v is not None}, gallery=True)
    body = page.body
    if "![" not in body:
        return
    for m in IMAGE_REF.finditer(body):
        attrs = {a.group(1): a.group(2) or a.group(3) or a.group(4) or "" for a in _ATTR.finditer(m.group("attrs") or "")}
        if m.group("title"):
            attrs["title"] = m.group("title")
        start = m.start()
        line = page.body_line + body.count("\n", 0, start)
        col = start - (body.rfind("\n", 0, start) + 1) + 1
        yield Reference(page, line, col, m.group("src"), m.group("alt"), attrs)


def _front_line(page: Page, key: str) -> int:
    try:
        for number, text in enumerate(page.path.read_text(encoding="utf-8").splitlines(), start=1):
            if text.startswith(key):
                return number
    except OSError:
        pass
    return 1


def resolve(site: Site, ref: Reference, outputs: Mapping[Path, str]) -> tuple[Path, str] | None:
    """The source file and output path of a local image reference (None for another site's URL);
    `outputs` maps each asset's source file to its output path."""
    parts = urlsplit(ref.src)
    if parts.scheme or parts.netloc:
        return None
    config = site.config
    path = unquote(parts.path)
    if path.startswith("/"):
        rel = path[len(config.base_path):] if path.startswith(config.base_path) else path.lstrip("/")
        rel = posixpath.normpath(rel)
        for folder in [config.root / "static"] + [t / "static" for t in site.theme_dirs]:
            if (folder / rel).is_file():
                return folder / rel, rel
        return config.root / "static" / rel, rel
    here = ref.page.rel.rsplit("/", 1)[0] if "/" in ref.page.rel else ""
    source = config.content_dir / posixpath.normpath(posixpath.join(ref.page.lang, here, path))
    return source, outputs.get(source, "")


def audit(site: Site, problems: Problems) -> None:
    """For `sitegen check`: every image has alt text, a credit and a licence."""
    for page in site.pages.values():
        for ref in references(page):
            missing = [name for name, value in (("alt text", ref.alt), ("credit", ref.attrs.get("credit")),
                                                ("licence", ref.attrs.get("licence") or ref.attrs.get("license")))
                       if not (value or "").strip()]
            if missing:
                how = ("in its mapping under `image:` or `gallery:` (alt, credit, licence)"
                       if ref.front or ref.gallery else
                       '![alt text](photo.jpg "caption"){ credit="…" licence="…" }')
                problems.add(page.path, f"image {ref.src!r} has no {' and no '.join(missing)}: write {how}",
                             ref.line, ref.col)


# -- processing ---------------------------------------------------------------------------------------------
def prepare(site: Site, cache_root: Path | None, problems: Problems) -> Pictures:
    """Encode (or find in the cache) every raster image the site's pages use; report bad ones, located."""
    pictures = Pictures(site.config.base_path)
    wanted: dict[Path, tuple[str, list[Reference]]] = {}
    outputs = {asset.source: asset.output for asset in site.assets}
    for key in sorted(site.pages):
        for ref in references(site.pages[key]):
            found = resolve(site, ref, outputs)
            if found is None:
                continue
            source, out = found
            if not source.is_file():
                problems.add(ref.page.path, f"image {ref.src!r} does not exist (looked for "
                                            f"{_shown(site, source)})", ref.line, ref.col)
            elif source.suffix.lower() == ".svg":
                _check_svg(source, ref, problems)
            elif source.suffix.lower() in RASTER:
                wanted.setdefault(source, (out, []))[1].append(ref)
    if cache_root is not None:
        folder = cache_root / ".sitegen-cache" / FOLDER
    elif not wanted:
        return pictures
    else:  # without the cache, encoded files live until this process ends (forked workers copy from them)
        folder = Path(tempfile.mkdtemp(prefix="sitegen-images-"))
        atexit.register(shutil.rmtree, folder, True)
    jobs = [(source, out, any(r.front for r in refs)) for source, (out, refs) in wanted.items()]
    with ThreadPoolExecutor(max_workers=max(1, len(os.sched_getaffinity(0)))) as pool:
        results = list(pool.map(lambda job: _one(folder, *job), jobs))
    for (source, (out, refs)), result in zip(wanted.items(), results, strict=True):
        if isinstance(result, ImageError):
            for ref in refs:
                problems.add(ref.page.path, f"image {ref.src!r} ({_shown(site, source)}) {result}", ref.line,
                             ref.col)
            continue
        picture, fresh = result
        pictures.encoded += fresh
        pictures.entries.add(Path(picture.variants[0].file).parent.name)
        url = site.config.base_path + out
        pictures.by_url[url] = picture
        pictures.owner[url] = refs[0].page.key
        for ref in refs:
            if ref.front:
                pictures.page_images[ref.page.key] = (picture, ref.attrs)
            if ref.gallery:
                pictures.galleries.setdefault(ref.page.key, []).append((picture, ref.attrs))
    if cache_root is not None and not problems.errors:  # (a failed build keeps them: its pages may be back)
        pictures.pruned = prune(folder, pictures.entries)
    return pictures


STALE_TEMP = 3600.0  # s: a half-written cache entry older than this was left by a build that died


def prune(folder: Path, keep: set[str]) -> int:
    """Remove the entries of the image cache `folder` not in `keep` (the folder names of the pictures this
    build uses): encodes of pictures the site no longer uses, or of older encoder options. One listing of the
    folder, nothing read or hashed. The site model holds every page even when only some are rendered again,
    so `keep` is complete after any build that got this far. Returns how many entries went."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:  # no cache folder yet
        return 0
    for entry in entries:
        if entry.name in keep:
            continue
        if entry.name.startswith(".new-"):  # being written by a build running now, unless long left behind
            try:
                if time.time() - entry.stat(follow_symlinks=False).st_mtime < STALE_TEMP:
                    continue
            except OSError:
                continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            Path(entry.path).unlink(missing_ok=True)
        removed += 1
    return removed


def _shown(site: Site, path: Path) -> str:
    try:
        return path.relative_to(site.config.root).as_posix()
    except ValueError:
        return str(path)


def _check_svg(source: Path, ref: Reference, problems: Problems) -> None:
    try:
        data = source.read_bytes()
    except OSError as error:
        problems.add(ref.page.path, f"image {ref.src!r} cannot be read: {error.strerror}", ref.line, ref.col)
        return
    if _SVG_SCRIPT.search(data):
        problems.add(ref.page.path, f"image {ref.src!r} is an SVG with script (a <script>, an on… event "
                                    "attribute, a javascript: link or a foreignObject): remove it", ref.line, ref.col)


def _one(folder: Path, source: Path, out: str, og: bool) -> tuple[Picture, int] | ImageError:
    """The picture of one source file, from the cache or encoded into it; (picture, 1 if encoded)."""
    try:
        data = source.read_bytes()
    except OSError as error:
        return ImageError(f"cannot be read: {error.strerror}")
    key = hashlib.sha256(data + OPTIONS.encode() + repr(formats()).encode() + (b"og" if og else b"")).hexdigest()
    place = folder / key  # (one flat folder: `prune` lists it at once)
    meta = place / "meta.json"
    fresh = 0
    if not meta.is_file():
        try:
            files, info = encode(data, og)
        except ImageError as error:
            return error
        _store(place, files, info)
        fresh = 1
    try:
        info = json.loads(meta.read_text())
    except (OSError, ValueError):
        return ImageError("could not be kept in the image cache (.sitegen-cache/images)")
    stem = out.rsplit(".", 1)[0]
    variants = tuple(Variant(f"{stem}.{key[:8]}-{w}.{_EXT[fmt]}", w, h, fmt, str(place / name))
                     for name, fmt, w, h in info["variants"])
    og_variant = (Variant(f"{stem}.{key[:8]}-og.jpg", *OG_SIZE, "jpeg", str(place / "og.jpg"))
                  if info.get("og") else None)
    return Picture(out, info["width"], info["height"], variants, og_variant), fresh


_EXT = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}


def _store(place: Path, files: Mapping[str, bytes], info: Mapping[str, Any]) -> None:
    """Write an image's files to its cache folder at once (a folder appears whole, or not at all)."""
    place.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(dir=place.parent, prefix=".new-"))
    for name, data in files.items():
        (temp / name).write_bytes(data)
    (temp / "meta.json").write_text(json.dumps(info, sort_keys=True))
    try:
        temp.rename(place)
    except OSError:  # another build made it first
        shutil.rmtree(temp, ignore_errors=True)


def encode(data: bytes, og: bool = False) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Every variant of an image file's bytes: {file name: bytes}, and what they are. Pure."""
    Image, ImageOps, _ = _pil()
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > Image.MAX_IMAGE_PIXELS:
                raise ImageError(f"is {opened.width}×{opened.height} pixels, more than the "
                                 f"{Image.MAX_IMAGE_PIXELS} pixels allowed (a decompression bomb?)")
            fallback = "png" if opened.format == "PNG" else "jpeg"
            turned = opened.getexif().get(0x0112, 1) in (5, 6, 7, 8)  # EXIF orientation: a quarter turn
            width, height = (opened.height, opened.width) if turned else opened.size
            if opened.format == "JPEG" and width > WIDTHS[-1]:  # decode at the smallest scale that is enough
                scale = WIDTHS[-1] / width
                opened.draft("RGB", (math.ceil(opened.width * scale), math.ceil(opened.height * scale)))
            from PIL import ImageFile

            lenient = ImageFile.LOAD_TRUNCATED_IMAGES  # (WeasyPrint sets it for the whole process on import)
            ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated photo is an error here, not half a picture
            try:
                opened.load()
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = lenient
            icc = opened.info.get("icc_profile")
            image = ImageOps.exif_transpose(opened)
    except ImageError:
        raise
    except Image.DecompressionBombError as error:
        raise ImageError(f"is too large to open safely ({error})") from None
    except Image.UnidentifiedImageError:
        raise ImageError("is not an image Pillow can read (unknown format or corrupt)") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageError(f"is damaged or truncated ({error})") from None
    alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if icc:
        image = to_srgb(image, icc, alpha)
    image = image.convert("RGBA" if alpha else "RGB")
    if alpha and fallback == "jpeg":
        fallback = "png"
    image.info = {}  # nothing of the original's metadata goes on
    scaled = image.width
    files: dict[str, bytes] = {}
    variants: list[tuple[str, str, int, int]] = []
    current = image
    for w in sorted({min(w, width, scaled) for w in WIDTHS}, reverse=True):
        h = max(1, round(height * w / width))
        if (w, h) != current.size:
            current = current.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
        for fmt in formats() + (fallback,):
            name = f"{w}.{_EXT[fmt]}"
            files[name] = _save(current, fmt)
            variants.append((name, fmt, w, h))
    variants.sort(key=lambda v: (v[1], v[2]))
    info: dict[str, Any] = {"width": width, "height": height, "variants": variants, "og": og}
    if og:
        files["og.jpg"] = _save(ImageOps.fit(image.convert("RGB"), OG_SIZE, Image.Resampling.LANCZOS), "jpeg")
    return files, info


# the colour spaces of an embedded profile this converts, and the pixel mode each needs
_PROFILE_MODES = {"RGB": ("RGB", {"RGB", "RGBA", "P", "PA"}), "GRAY": ("L", {"L", "LA"}),
                  "CMYK": ("CMYK", {"CMYK"})}


def to_srgb(image: Any, icc: bytes, alpha: bool) -> Any:
    """`image` (a Pillow image) converted from its embedded colour profile `icc` to sRGB, as RGB or RGBA (the
    alpha channel kept as it is). Unchanged when the profile says it is sRGB, or, as browsers do, when it
    cannot be read or does not fit the pixels (an RGB profile on a CMYK image, a Lab or device-link profile):
    then the pixels are taken as sRGB. The output carries no profile; browsers take untagged pixels as sRGB."""
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = profile.profile.xcolor_space.strip()
        described = profile.profile.profile_description or ""
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        return image
    mode, accepted = _PROFILE_MODES.get(space, ("", set()))
    if "srgb" in described.lower() or image.mode not in accepted:
        return image
    matte = image.convert("RGBA").getchannel("A") if alpha else None
    try:
        out = ImageCms.profileToProfile(image.convert(mode), profile, ImageCms.createProfile("sRGB"),
                                        renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB")
    except (OSError, ValueError, ImageCms.PyCMSError):
        return image
    if out is None:  # (only with inPlace=True)
        return image
    if matte is not None:
        out.putalpha(matte)
    return out


def _save(image: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "webp":
        image.save(buffer, "WEBP", quality=80, method=4, exact=False)
    elif fmt == "avif":
        image.save(buffer, "AVIF", quality=55, speed=9)
    elif fmt == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def page_image(pictures: Pictures, page: Page) -> dict[str, Any] | None:
    """For templates: the page's `image:` as a picture's HTML and its Open Graph image URL."""
    found = pictures.page_images.get(page.key)
    if found is None:
        return None
    picture, attrs = found
    return {"html": picture_html(picture, pictures.base_path, attrs, figure=True, eager=True),
            "og": pictures.base_path + picture.og.path if picture.og else None,
            "width": picture.width, "height": picture.height, "alt": attrs.get("alt", "")}


def gallery(pictures: Pictures, page: Page) -> list[dict[str, Any]]:
    """For templates: the page's `gallery:` as thumbnails (the smallest width) linking to the largest size."""
    base, out = pictures.base_path, []
    for picture, attrs in sorted(pictures.galleries.get(page.key, []), key=lambda item: _order(page, item[1])):
        html_ = picture_html(picture, base, {"alt": attrs.get("alt", "")}, figure=False, sizes=THUMB_SIZES)
        out.append({"html": html_, "href": base + picture.largest().path,
                    "caption": caption_html(attrs.get("caption", ""), attrs.get("credit", ""),
                                            attrs.get("licence", "") or attrs.get("license", ""))})
    return out


def _order(page: Page, attrs: Mapping[str, str]) -> int:
    """An entry's place in the page's `gallery:` list (the order the editor gave)."""
    items = page.params.get("gallery") or []
    return next((i for i, item in enumerate(items) if isinstance(item, dict) and item.get("src") == attrs.get("src")), 0)
