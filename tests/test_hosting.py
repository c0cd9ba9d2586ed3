"""The generated hosting config under a real nginx, and the pages under its CSP in Chromium."""

from __future__ import annotations

import gzip
import http.client
import re
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest

from conftest import REQUIRE_ALL, chromium, free_port, need, wait_for_port
from generator.hosting import BROTLI_MODULE, local_nginx


@pytest.fixture(scope="module")
def built(example_output: Path) -> Path:
    """The example site (built once per test process, shared with the browser and search tests)."""
    return example_output


@pytest.fixture(scope="module")
def nginx(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx with the generated snippets, and with nginx-brotli.conf where the brotli module is installed."""
    need("nginx", "hosting tests serve the site with the generated config")
    with local_nginx(built, tmp_path_factory.mktemp("nginx")) as host:
        yield host


def get(host: str, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read().decode("utf-8", "replace")
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


@pytest.mark.parametrize("accept,location", [("en-US,en;q=0.9", "/en/"), ("vi", "/vi/"), ("vi-VN,vi;q=0.9", "/vi/")])
def test_root_redirects_by_accept_language(nginx, accept, location):
    status, headers, _ = get(nginx, "/", **{"Accept-Language": accept})
    assert status == 302 and headers["location"] == location
    assert "accept-language" in headers.get("vary", "").lower()


def test_other_languages_get_the_chooser(nginx):
    status, _, body = get(nginx, "/", **{"Accept-Language": "fr"})
    assert status == 200 and 'href="/vi/"' in body and 'href="/en/"' in body


@pytest.mark.parametrize("path,lang", [("/en/no-such-page/", "en"), ("/vi/khong-co/", "vi"), ("/nothing", "vi")])
def test_unknown_paths_404_in_the_language_of_the_path(nginx, path, lang):
    status, _, body = get(nginx, path)
    assert status == 404 and f'<html lang="{lang}">' in body


def test_security_and_cache_headers(nginx):
    status, headers, body = get(nginx, "/en/")
    assert status == 200
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] and headers["permissions-policy"]
    assert headers["cache-control"] == "no-cache"
    css = re.search(r'href="(/assets/css/style\.[0-9a-f]{10}\.css)"', body).group(1)
    status, headers, _ = get(nginx, css)
    assert status == 200 and "max-age=31536000" in headers["cache-control"] and "immutable" in headers["cache-control"]
    assert headers["content-security-policy"] == csp


def test_config_files_and_dotfiles_are_not_served(nginx):
    for path in ("/nginx-site.conf", "/nginx-brotli.conf", "/.htaccess", "/_headers", "/.sitegen"):
        assert get(nginx, path)[0] == 404, path


def test_every_sitemap_url_answers_200(nginx):
    _, _, sitemap = get(nginx, "/sitemap.xml")
    urls = re.findall(r"<loc>https://thaibinh\.example\.org(/[^<]*)</loc>", sitemap)
    assert len(urls) > 80
    for url in urls:
        status, _, _ = get(nginx, url)
        assert status == 200, url


def watch(page, problems: list[str]) -> None:
    """Collect console errors, page errors and failed requests of `page` into `problems`."""
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)


def test_pages_work_under_the_csp_in_chromium(nginx):
    with chromium("the CSP is checked in a real browser") as browser:
        for path in ("/vi/", "/en/", "/vi/gioi-thieu/lich-su/", "/en/about/history/"):
            page = browser.new_page()
            page.add_init_script("window.__cspViolations = []; document.addEventListener("
                                 "'securitypolicyviolation', e => window.__cspViolations.push("
                                 "e.violatedDirective + ' ' + e.blockedURI));")
            problems: list[str] = []
            watch(page, problems)
            page.goto(f"http://{nginx}{path}")
            page.wait_for_load_state("networkidle")
            violations = page.evaluate("window.__cspViolations || []")
            assert problems == [] and violations == [], (path, problems, violations)
            # The stylesheet really applied (a CSP block would leave the default white-on-black skip link).
            assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == "absolute"
            page.close()


def get_raw(host: str, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def text_paths(host: str) -> list[tuple[str, str]]:
    """(path, a part of its Content-Type) of a stylesheet, two scripts, a page and the sitemap."""
    _, _, home = get(host, "/en/")
    css = re.search(r'href="(/assets/css/style\.[0-9a-f]{10}\.css)"', home).group(1)
    js = re.search(r'src="(/assets/js/site\.[0-9a-f]{10}\.js)"', home).group(1)
    return [(css, "text/css"), (js, "javascript"), ("/pagefind/pagefind.js", "javascript"),
            ("/en/", "text/html"), ("/sitemap.xml", "xml")]


def test_text_files_are_served_precompressed(built: Path, tmp_path: Path):
    """With nginx as Debian ships it (no brotli module; the config must still start): CSS, JS and HTML
    come gzipped (the build's .gz siblings, gzip_static) to a browser that takes gzip, even one that
    prefers br, and plain to one that does not; the bytes unzip to the file itself."""
    need("nginx", "hosting tests serve the site with the generated config")
    with local_nginx(built, tmp_path, brotli=False) as nginx:
        _check_gzip(nginx, "gzip, deflate, br")


def _check_gzip(nginx: str, accept: str) -> None:
    for path, kind in text_paths(nginx):
        status, headers, body = get_raw(nginx, path, **{"Accept-Encoding": accept})
        assert status == 200 and headers.get("content-encoding") == "gzip", (path, headers)
        assert kind in headers["content-type"] and "accept-encoding" in headers.get("vary", "").lower()
        status, plain_headers, plain = get_raw(nginx, path)
        assert status == 200 and "content-encoding" not in plain_headers
        assert gzip.decompress(body) == plain
        assert len(body) < len(plain) / 2
    # the cache and security headers stay on the compressed answer
    css = text_paths(nginx)[0][0]
    _, headers, _ = get_raw(nginx, css, **{"Accept-Encoding": "gzip"})
    assert "immutable" in headers["cache-control"] and "content-security-policy" in headers


def test_text_files_are_served_as_brotli_where_nginx_has_the_module(nginx):
    """With Debian's brotli_static module and nginx-brotli.conf included: CSS, JS and HTML come as the
    build's .br to a browser that takes br, gzipped to one that takes only gzip, plain to one that takes
    neither; the .br decompresses to the file itself."""
    if not BROTLI_MODULE.is_file():
        message = f"{BROTLI_MODULE} is missing (apt-get install libnginx-mod-http-brotli-static; .ci/run does)"
        if REQUIRE_ALL:
            pytest.fail(message + " and SITEGEN_REQUIRE_ALL=1 forbids skipping")
        pytest.skip(message)
    for path, kind in text_paths(nginx):
        status, headers, body = get_raw(nginx, path, **{"Accept-Encoding": "gzip, deflate, br"})
        assert status == 200 and headers.get("content-encoding") == "br", (path, headers)
        assert kind in headers["content-type"] and "accept-encoding" in headers.get("vary", "").lower()
        _, plain_headers, plain = get_raw(nginx, path)
        assert "content-encoding" not in plain_headers
        assert brotli.decompress(body) == plain
        assert len(body) < len(plain) / 2
    _check_gzip(nginx, "gzip, deflate")
    css = text_paths(nginx)[0][0]
    _, headers, _ = get_raw(nginx, css, **{"Accept-Encoding": "br"})
    assert headers.get("content-encoding") == "br" and "immutable" in headers["cache-control"]
    assert "content-security-policy" in headers


APACHE_MODULES = ("mpm_event", "authz_core", "dir", "mime", "rewrite", "headers")


@pytest.fixture(scope="module")
def apache(built: Path) -> Iterator[str]:
    """Debian's Apache serving a copy of the built site with its generated .htaccess (AllowOverride All);
    the copy is world-readable, as Apache's workers run as www-data when the tests run as root."""
    import os
    import shutil
    import subprocess
    import tempfile

    need("apache2", "the .htaccess rules are checked under a real Apache")
    work = Path(tempfile.mkdtemp(prefix="sitegen-apache-"))
    try:
        site = work / "site"
        shutil.copytree(built, site)
        for path in [work, *site.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        port = free_port()
        modules = "".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so\n" for m in APACHE_MODULES)
        user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
        (work / "httpd.conf").write_text(f"""ServerRoot {work}
ServerName localhost
Listen 127.0.0.1:{port}
PidFile {work}/httpd.pid
ErrorLog {work}/error.log
{modules}{user}TypesConfig /etc/mime.types
AddLanguage br .br
DocumentRoot {site}
<Directory {site}>
  AllowOverride All
  Require all granted
</Directory>
""")
        server = subprocess.Popen(["apache2", "-f", str(work / "httpd.conf"), "-DFOREGROUND"], stderr=subprocess.PIPE)
        try:
            wait_for_port(port, server, 20)
            yield f"127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_htaccess_serves_brotli_then_gzip_with_the_file_s_own_type(apache):
    """Under Apache with the generated .htaccess (as Debian configures mod_mime: .gz is application/gzip,
    .br is a language): a browser that takes br gets the .br, one that takes only gzip the .gz, one that
    takes neither the file; each with the file's own Content-Type and no Content-Language."""
    for path, kind in text_paths(apache):
        if path.endswith("/"):
            path += "index.html"  # (the rewrite acts on file names; a folder's index is not precompressed)
        _, _, plain = get_raw(apache, path)
        for accept, encoding, decode in (("gzip, deflate, br", "br", brotli.decompress),
                                         ("gzip, deflate", "gzip", gzip.decompress)):
            status, headers, body = get_raw(apache, path, **{"Accept-Encoding": accept})
            assert status == 200 and headers.get("content-encoding") == encoding, (path, accept, headers)
            assert kind in headers["content-type"] and "content-language" not in headers, (path, headers)
            assert "accept-encoding" in headers.get("vary", "").lower()
            assert decode(body) == plain and len(body) < len(plain) / 2
        status, headers, _ = get_raw(apache, path)
        assert status == 200 and "content-encoding" not in headers and kind in headers["content-type"]
