"""Hosting configs from one description: nginx, Apache .htaccess, Netlify _redirects and _headers; and a
local nginx serving a built site with them, as in production (for the tests and the Lighthouse benchmark)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.config import Config

NGINX_FILE = "nginx-site.conf"
# `brotli_static on;` alone: an nginx without the brotli module refuses to start on it, so it is a file of
# its own, included only where the module is loaded (Debian: apt install libnginx-mod-http-brotli-static).
NGINX_BROTLI_FILE = "nginx-brotli.conf"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")  # where Debian installs it
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


# The precompressed types (generator/compress.py COMPRESSIBLE), as a regex alternation.
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
    return {NGINX_FILE: nginx(h).encode(), NGINX_BROTLI_FILE: nginx_brotli().encode(), ".htaccess": htaccess(h).encode(),
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
        "# Text files have a precompressed .gz and .br beside them, written by the build: served as they are.",
        f"# Where nginx has the brotli module, also include {NGINX_BROTLI_FILE} (beside this file) next to this",
        "# file, so that browsers that take br get the .br (Debian: apt install libnginx-mod-http-brotli-static).",
        "gzip_static on;",
        "gzip_vary on;",
        f"location ~ /(\\.|{NGINX_FILE}$|{NGINX_BROTLI_FILE}$|_redirects$|_headers$) {{ return 404; }}",
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


def nginx_brotli() -> str:
    """The snippet that serves the .br siblings: for an nginx with the brotli_static module only."""
    return (f"# sitegen: include this beside {NGINX_FILE}, only where nginx has the brotli_static module\n"
            "# (Debian: apt install libnginx-mod-http-brotli-static); an nginx without it refuses to start.\n"
            "# Generated; the build writes a .br beside every text file.\n"
            "brotli_static on;\n")


def htaccess(h: Hosting) -> str:
    """Apache (mod_rewrite, mod_headers, mod_expires-free) rules for the output folder's root."""
    b = h.base
    out = ["# sitegen: Apache rules for the built site. Generated; edit the site's config instead.",
           "Options -Indexes", "DirectoryIndex index.html", "AddDefaultCharset utf-8", "",
           "<IfModule mod_rewrite.c>", "  RewriteEngine On"]
    for code in h.languages:
        out += [f"  RewriteCond %{{HTTP:Accept-Language}} ^\\s*{code}(-|;|,|\\s|$) [NC]",
                f"  RewriteRule ^$ {b}{code}/ [R=302,L]"]
    out += ["  # Text files have a precompressed .br and .gz beside them, written by the build: br first.",
            "  RewriteCond %{HTTP:Accept-Encoding} \\bbr\\b",
            "  RewriteCond %{REQUEST_FILENAME}.br -f",
            "  RewriteRule ^(.*\\.(" + _EXTENSIONS + "))$ $1.br [E=no-gzip:1,E=no-brotli:1,L]",
            "  RewriteCond %{HTTP:Accept-Encoding} gzip",
            "  RewriteCond %{REQUEST_FILENAME}.gz -f",
            "  RewriteRule ^(.*\\.(" + _EXTENSIONS + "))$ $1.gz [E=no-gzip:1,E=no-brotli:1,L]",
            "</IfModule>",
            "<IfModule mod_mime.c>",
            "  # A sibling's type is its file's: .gz alone would be application/gzip (a stylesheet of that type",
            "  # is refused under nosniff) and .br is also Breton (AddLanguage); here both are only encodings.",
            '  <FilesMatch "\\.(' + _EXTENSIONS + ')\\.(br|gz)$">',
            "    RemoveType .br .gz",
            "    RemoveLanguage .br",
            "    AddEncoding br .br",
            "    AddEncoding gzip .gz",
            "  </FilesMatch>",
            "</IfModule>",
            "<IfModule mod_headers.c>",
            '  <FilesMatch "\\.(br|gz)$">',
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
           "# Netlify and Cloudflare Pages compress text files (gzip and br) themselves; the .gz and .br",
           "# files beside them are for nginx and Apache.",
           f"{b}*"]
    out += [f"  {name}: {value}" for name, value in h.headers]
    out += [f"  Cache-Control: {REVALIDATE}"]
    for path in h.fingerprinted:
        out += [f"{b}{path}", f"  Cache-Control: {IMMUTABLE}"]
    return "\n".join(out) + "\n"


# -- a local nginx serving a built site with the generated snippets, as in production ----------------------
def local_nginx_conf(output: Path, work: Path, port: int, brotli: bool) -> str:
    """A whole nginx.conf serving `output` on 127.0.0.1:`port` with the generated snippets (`brotli`: load
    Debian's brotli_static module and include NGINX_BROTLI_FILE), its pid, logs and temp files in `work`."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    module = f"load_module {BROTLI_MODULE};\n" if brotli else ""
    temp = "".join(f"  {n}_temp_path {work}/{n};\n" for n in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    extra = f"    include {output}/{NGINX_BROTLI_FILE};\n" if brotli else ""
    return f"""{user}{module}worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
{temp}  server {{
    listen 127.0.0.1:{port};
    server_name localhost;
    root {output};
    include {output}/{NGINX_FILE};
{extra}  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_nginx(output: Path, work: Path, brotli: bool | None = None, seconds: float = 20) -> Iterator[str]:
    """Run Debian's nginx on the built `output` (see local_nginx_conf) and yield its "127.0.0.1:port";
    `brotli` None: with the brotli module where it is installed. RuntimeError when nginx does not start."""
    output, work = output.resolve(), work.resolve()
    brotli = BROTLI_MODULE.is_file() if brotli is None else brotli
    port = _free_port()
    conf = work / "nginx.conf"
    conf.write_text(local_nginx_conf(output, work, port, brotli), encoding="utf-8")
    check = subprocess.run(["nginx", "-t", "-q", "-c", str(conf), "-p", str(work)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refuses the configuration: {check.stderr.strip()}")
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(f"nginx exited with {proc.returncode}: {err.strip()}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not answer on port {port} within {seconds} s") from None
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
