"""The generated hosting config under a real nginx, and the pages under its CSP in Chromium."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
from collections.abc import Iterator

import pytest

from conftest import REPO, chromium, free_port, need, run_process, wait_for_port


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need("nginx", "hosting tests serve the site with the generated config")
    work = tmp_path_factory.mktemp("nginx")
    out = work / "output"
    proc = run_process("build", "--site", REPO, "--output", out)
    assert proc.returncode == 0, proc.stderr
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "".join(f"  {name}_temp_path {work}/{name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = work / "nginx.conf"
    conf.write_text(f"""{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
{temp}  server {{
    listen 127.0.0.1:{port};
    server_name localhost;
    root {out};
    include {out}/nginx-site.conf;
  }}
}}
""")
    check = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", str(work)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)], stderr=subprocess.PIPE)
    wait_for_port(port, server, 20)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


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
    for path in ("/nginx-site.conf", "/.htaccess", "/_headers", "/.sitegen"):
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


def test_text_files_are_served_precompressed(nginx):
    """CSS, JS and HTML come gzipped (the build's .gz siblings, gzip_static) to a browser that takes gzip,
    and plain to one that does not; the bytes unzip to the file itself."""
    import gzip

    _, _, home = get(nginx, "/en/")
    css = re.search(r'href="(/assets/css/style\.[0-9a-f]{10}\.css)"', home).group(1)
    js = re.search(r'src="(/assets/js/site\.[0-9a-f]{10}\.js)"', home).group(1)
    for path, kind in ((css, "text/css"), (js, "javascript"), ("/en/", "text/html"), ("/sitemap.xml", "xml")):
        status, headers, body = get_raw(nginx, path, **{"Accept-Encoding": "gzip, deflate, br"})
        assert status == 200 and headers.get("content-encoding") == "gzip", (path, headers)
        assert kind in headers["content-type"] and "accept-encoding" in headers.get("vary", "").lower()
        status, plain_headers, plain = get_raw(nginx, path)
        assert status == 200 and "content-encoding" not in plain_headers
        assert gzip.decompress(body) == plain
        assert len(body) < len(plain) / 2
    # the cache and security headers stay on the compressed answer
    _, headers, _ = get_raw(nginx, css, **{"Accept-Encoding": "gzip"})
    assert "immutable" in headers["cache-control"] and "content-security-policy" in headers
