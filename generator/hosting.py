"""Hosting configs from one description: nginx, Apache .htaccess, Netlify _redirects and _headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.config import Config

NGINX_FILE = "nginx-site.conf"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Hosting:
    """What every host must do for the site, independent of the host's config syntax."""

    base: str  # the site's base path, "/" or "/prefix/"
    languages: tuple[str, ...]  # in order of preference when the browser gives none we serve
    default_language: str
    headers: tuple[tuple[str, str], ...]
    fingerprinted: tuple[str, ...]  # output paths of assets that may be cached for a year

    @property
    def asset_pattern(self) -> str:
        """A regex for the fingerprinted file names (`style.0123abcdef.css`)."""
        return r"\.[0-9a-f]{10}\.(?:css|js)$"


# The precompressed types (see generator/writer.py COMPRESSIBLE), as a regex alternation.
_EXTENSIONS = "html|css|js|mjs|json|xml|svg|txt|csv|webmanifest"


def content_security_policy(frame_hosts: Sequence[str] = ()) -> str:
    """The CSP; `frame_hosts` (the hosts of the site's remote films, generator/video.py) may be framed."""
    # Pagefind compiles WebAssembly, which needs 'wasm-unsafe-eval'; nothing needs 'unsafe-inline'.
    frames = f"frame-src {' '.join(frame_hosts)}; " if frame_hosts else ""
    return ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; " + frames + "object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'self'; upgrade-insecure-requests")


def describe(config: Config, fingerprinted: dict[str, str], frame_hosts: Sequence[str] = ()) -> Hosting:
    headers = (
        ("Content-Security-Policy", content_security_policy(frame_hosts)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ("X-Frame-Options", "SAMEORIGIN"),
    )
    return Hosting(config.base_path, config.codes, config.default_language, headers,
                   tuple(sorted(fingerprinted.values())))


def configs(config: Config, fingerprinted: dict[str, str], frame_hosts: Sequence[str] = ()) -> dict[str, bytes]:
    """Every hosting file, by output path."""
    h = describe(config, fingerprinted, frame_hosts)
    return {NGINX_FILE: nginx(h).encode(), ".htaccess": htaccess(h).encode(),
            "_redirects": netlify_redirects(h).encode(), "_headers": netlify_headers(h).encode()}


def nginx(h: Hosting) -> str:
    """A snippet for inside an nginx `server { }` block whose `root` is the output folder."""
    b = h.base
    headers = "".join(f'    add_header {name} "{value}" always;\n' for name, value in h.headers)
    lines = [
        "# sitegen: include this inside a server { } block whose root is the built output folder.",
        "# Generated; edit the site's config, not this file.",
        "charset utf-8;",
        "index index.html;",
        "absolute_redirect off;",
        "# Text files have a precompressed .gz beside them, written by the build: served as they are.",
        "# (Where nginx has the brotli module, nothing more is needed: the build writes no .br files.)",
        "gzip_static on;",
        "gzip_vary on;",
        f"location ~ /(\\.|{NGINX_FILE}$|_redirects$|_headers$) {{ return 404; }}",
        "",
        f"location = {b} {{",
        headers + "    add_header Cache-Control \"no-cache\" always;",
        "    add_header Vary \"Accept-Language\" always;",
        "    set $sitegen_lang \"\";",
        *[f"    if ($http_accept_language ~* \"^\\s*{code}(-|;|,|\\s|$)\") {{ set $sitegen_lang {code}; }}"
          for code in reversed(h.languages)],
        f"    if ($sitegen_lang != \"\") {{ return 302 {b}$sitegen_lang/; }}",
        "    try_files /index.html =404;",
        "}",
        "",
        f"location ~ \"{h.asset_pattern}\" {{",
        headers + f"    add_header Cache-Control \"{IMMUTABLE}\" always;",
        "    try_files $uri =404;",
        "}",
        "",
    ]
    for code in h.languages:
        lines += [
            f"location {b}{code}/ {{",
            headers + f"    add_header Cache-Control \"{REVALIDATE}\" always;",
            f"    error_page 404 {b}{code}/404.html;",
            "    try_files $uri $uri/ =404;",
            "}",
            "",
        ]
    lines += [
        f"location {b} {{",
        headers + f"    add_header Cache-Control \"{REVALIDATE}\" always;",
        f"    error_page 404 {b}{h.default_language}/404.html;",
        "    try_files $uri $uri/ =404;",
        "}",
        "",
    ]
    return "\n".join(lines) + "\n"


def htaccess(h: Hosting) -> str:
    """Apache (mod_rewrite, mod_headers, mod_expires-free) rules for the output folder's root."""
    b = h.base
    out = ["# sitegen: Apache rules for the built site. Generated; edit the site's config instead.",
           "Options -Indexes", "DirectoryIndex index.html", "AddDefaultCharset utf-8", "",
           "<IfModule mod_rewrite.c>", "  RewriteEngine On"]
    for code in h.languages:
        out += [f"  RewriteCond %{{HTTP:Accept-Language}} ^\\s*{code}(-|;|,|\\s|$) [NC]",
                f"  RewriteRule ^$ {b}{code}/ [R=302,L]"]
    out += ["  # Text files have a precompressed .gz beside them, written by the build.",
            "  RewriteCond %{HTTP:Accept-Encoding} gzip",
            "  RewriteCond %{REQUEST_FILENAME}.gz -f",
            "  RewriteRule ^(.*\\.(" + _EXTENSIONS + "))$ $1.gz [E=no-gzip:1,L]",
            "</IfModule>",
            "<IfModule mod_mime.c>",
            "  AddEncoding gzip .gz",
            "</IfModule>",
            "<IfModule mod_headers.c>",
            '  <FilesMatch "\\.gz$">',
            '    Header append Vary "Accept-Encoding"',
            "  </FilesMatch>",
            "</IfModule>", ""]
    for code in h.languages:
        out += [f'<If "%{{REQUEST_URI}} =~ m#^{b}{code}/#">', f"  ErrorDocument 404 {b}{code}/404.html", "</If>"]
    out += [f"ErrorDocument 404 {b}{h.default_language}/404.html", "", "<IfModule mod_headers.c>"]
    out += [f'  Header always set {name} "{value}"' for name, value in h.headers]
    out += [f'  Header set Cache-Control "{REVALIDATE}"', '  Header append Vary "Accept-Language" "expr=%{REQUEST_URI} == \'' + b + '\'"',
            '  <FilesMatch "' + h.asset_pattern.replace("(?:", "(") + '">',
            f'    Header set Cache-Control "{IMMUTABLE}"', "  </FilesMatch>", "</IfModule>", ""]
    return "\n".join(out)


def netlify_redirects(h: Hosting) -> str:
    b = h.base
    out = ["# sitegen: Netlify redirects. Generated."]
    out += [f"{b}  {b}{code}/  302  Language={code}" for code in h.languages]
    out += [f"{b}{code}/*  {b}{code}/404.html  404" for code in h.languages]
    out += [f"{b}*  {b}{h.default_language}/404.html  404"]
    return "\n".join(out) + "\n"


def netlify_headers(h: Hosting) -> str:
    b = h.base
    out = ["# sitegen: Netlify headers. Generated.",
           "# Netlify and Cloudflare Pages compress text files themselves; the .gz files are for other hosts.",
           f"{b}*"]
    out += [f"  {name}: {value}" for name, value in h.headers]
    out += [f"  Cache-Control: {REVALIDATE}"]
    for path in h.fingerprinted:
        out += [f"{b}{path}", f"  Cache-Control: {IMMUTABLE}"]
    return "\n".join(out) + "\n"
