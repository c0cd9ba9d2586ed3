"""sitegen deploy to S3-compatible storage, against a real S3 server started on 127.0.0.1 (moto in server
mode, with IAM authentication on, so wrong credentials are refused as by Amazon S3); the site's targets in
site.yaml; the pure plan (content types, cache policy, the diff against the bucket's manifest)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import REQUIRE_ALL, SITE_YAML, build, free_port, page, run, wait_for_port, write_files
from generator.config import load_config
from generator.deploy import DeployOptions, DeployResult, deploy
from generator.deploy.plan import LocalFile, cache_control, content_type, diff, output_paths
from generator.deploy.s3 import MANIFEST
from generator.errors import SitegenError
from generator.hosting import IMMUTABLE, REVALIDATE, describe


@dataclass
class S3:
    """The running server: its endpoint and the keys of a user allowed everything."""

    endpoint: str
    key: str
    secret: str

    def client(self, secret: str | None = None) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=self.key,
                            aws_secret_access_key=secret or self.secret)


@pytest.fixture(scope="module")
def s3server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    try:
        import boto3
        import moto  # noqa: F401
    except ImportError:
        if REQUIRE_ALL:
            pytest.fail("moto[server] and boto3 are not installed (pip install -e '.[test]')")
        pytest.skip("moto[server] and boto3 are not installed (pip install -e '.[test]')")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    # The first three requests (make a user, allow it everything, give it keys) are let through; after
    # them every request is authenticated.
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for_port(port, proc)
        endpoint = f"http://127.0.0.1:{port}"
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="admin",
                           aws_secret_access_key="admin")
        iam.create_user(UserName="deploy")
        iam.put_user_policy(UserName="deploy", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="deploy")["AccessKey"]
        yield S3(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        proc.terminate()
        proc.wait(10)


def news(n: int) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"content/vi/news/_index.md": page("Tin tức"),
                                     "content/en/news/_index.md": page("News")}
    for i in range(n):
        files[f"content/vi/news/p{i}.md"] = page(f"Tin {i}", f"Nội dung {i}.", date=f"2025-01-{i + 1:02d}")
        files[f"content/en/news/p{i}.md"] = page(f"Story {i}", f"Text {i}.", date=f"2025-01-{i + 1:02d}")
    return files


@pytest.fixture
def site(make_site: Callable[..., Path], s3server: S3, monkeypatch: pytest.MonkeyPatch,
         request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A small bilingual site, built, whose target `prod` is a new bucket of the server (credentials in the
    environment only, no AWS config files)."""
    bucket = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:50].strip("-")
    s3server.client().create_bucket(Bucket=bucket)
    for name, value in (("AWS_ACCESS_KEY_ID", s3server.key), ("AWS_SECRET_ACCESS_KEY", s3server.secret),
                        ("AWS_CONFIG_FILE", str(tmp_path / "none")),
                        ("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    yaml = SITE_YAML + (f"deploy:\n  - name: prod\n    url: s3://{bucket}/www\n    endpoint: {s3server.endpoint}\n"
                        "    region: us-east-1\n    website: true\n")
    root = make_site(news(4), site_yaml=yaml)
    assert build(root).exit_code == 0
    return root


def bucket_of(root: Path) -> str:
    return load_config(root).deploy[0].url.split("/")[2]


def stored(s3: S3, bucket: str) -> dict[str, str]:
    """Every object below www/ as relative path → ETag."""
    objects = s3.client().list_objects_v2(Bucket=bucket, Prefix="www/").get("Contents", [])
    return {o["Key"][4:]: o["ETag"] for o in objects}


def go(root: Path, **kwargs: Any) -> DeployResult:
    return deploy(DeployOptions(site=root, **kwargs))


def rebuild(root: Path, files: dict[str, str | bytes]) -> None:
    write_files(root, files)
    assert build(root).exit_code == 0


def deployable(root: Path) -> list[str]:
    return output_paths(root / "output")


def test_first_deploy_sends_everything_a_second_nothing(site: Path, s3server: S3) -> None:
    first = go(site)
    assert first.sent == [*[p for p in first.sent if not p.endswith(".html")],
                          *[p for p in first.sent if p.endswith(".html")]]  # assets first, HTML last
    assert sorted(first.sent) == deployable(site) and first.deleted == []
    assert set(stored(s3server, bucket_of(site))) == {*deployable(site), MANIFEST}
    assert not {".sitegen", "nginx-site.conf", ".htaccess", "_headers", "_redirects"} & set(first.sent)
    second = go(site)
    assert second.sent == [] and second.deleted == [] and second.unchanged == len(first.sent)


def test_an_edit_sends_that_page_and_the_pages_that_list_it(site: Path, s3server: S3) -> None:
    go(site)
    before = {p: (site / "output" / p).read_bytes() for p in deployable(site)}
    rebuild(site, {"content/en/news/p2.md": page("Story 2, revised", "New text.", date="2025-01-03")})
    changed = sorted(p for p in deployable(site) if before.get(p) != (site / "output" / p).read_bytes())
    result = go(site)
    assert result.sent == sorted(result.sent, key=lambda p: p.endswith(".html")) and sorted(result.sent) == changed
    assert "en/news/p2/index.html" in result.sent and "en/news/index.html" in result.sent
    assert not any(p.startswith("vi/") for p in result.sent) and len(result.sent) < len(before) / 2
    body = s3server.client().get_object(Bucket=bucket_of(site), Key="www/en/news/p2/index.html")["Body"].read()
    assert b"Story 2, revised" in body


def test_a_deleted_page_is_deleted_after_the_uploads(site: Path, s3server: S3) -> None:
    go(site)
    before = deployable(site)
    (site / "content/en/news/p1.md").unlink()
    rebuild(site, {})
    result = go(site)
    assert result.deleted == sorted(set(before) - set(deployable(site))) == ["en/news/p1/index.html"]
    assert "en/news/index.html" in result.sent
    assert set(stored(s3server, bucket_of(site))) == {*deployable(site), MANIFEST}


def test_every_object_has_its_headers(site: Path, s3server: S3) -> None:
    go(site)
    client, bucket = s3server.client(), bucket_of(site)
    kinds = set()
    for path in deployable(site):
        head = client.head_object(Bucket=bucket, Key="www/" + path)
        data = (site / "output" / path).read_bytes()
        assert head["ContentLength"] == len(data), path
        suffix = path.rsplit(".", 1)[-1]
        kinds.add(suffix)
        expected = {"html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
                    "js": "text/javascript; charset=utf-8", "xml": "application/xml; charset=utf-8",
                    "txt": "text/plain; charset=utf-8", "svg": "image/svg+xml; charset=utf-8",
                    "json": "application/json; charset=utf-8"}.get(suffix)
        if expected:
            assert head["ContentType"] == expected, path
        fingerprinted = re.search(r"\.[0-9a-f]{10}\.(css|js)$", path)
        assert head["CacheControl"] == (IMMUTABLE if fingerprinted else "no-cache"), path
    assert {"html", "css", "js", "xml", "txt"} <= kinds
    website = client.get_bucket_website(Bucket=bucket)
    assert website["IndexDocument"] == {"Suffix": "index.html"}
    assert website["ErrorDocument"] == {"Key": "www/vi/404.html"}


def test_dry_run_changes_nothing(site: Path, s3server: S3) -> None:
    result = run("deploy", "--site", site, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would send en/news/p1/index.html" in result.output
    assert stored(s3server, bucket_of(site)) == {}
    go(site)
    objects = stored(s3server, bucket_of(site))
    (site / "content/en/news/p1.md").unlink()
    rebuild(site, {"content/vi/news/p2.md": page("Tin 2 mới", "Khác.", date="2025-01-03")})
    result = run("deploy", "prod", "--site", site, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would send vi/news/p2/index.html" in result.output
    assert "would delete en/news/p1/index.html" in result.output
    assert stored(s3server, bucket_of(site)) == objects


def test_deletions_above_max_deletes_are_refused_without_yes(site: Path, s3server: S3) -> None:
    go(site)
    objects = stored(s3server, bucket_of(site))
    for i in (0, 1, 2):
        (site / f"content/en/news/p{i}.md").unlink()
    rebuild(site, {})
    refused = run("deploy", "--site", site, "--max-deletes", "2")
    assert refused.exit_code == 1
    assert re.search(r"site\.yaml:\d+:\d+: deploy prod: would delete 3 files, more than --max-deletes 2; "
                     r"nothing was changed", refused.output), refused.output
    assert stored(s3server, bucket_of(site)) == objects
    allowed = run("deploy", "--site", site, "--max-deletes", "2", "--yes")
    assert allowed.exit_code == 0, allowed.output
    assert set(stored(s3server, bucket_of(site))) == {*deployable(site), MANIFEST}


def test_a_deploy_killed_half_way_is_completed_by_the_next(site: Path, s3server: S3) -> None:
    rebuild(site, {f"static/img/photo{i:03d}.svg": f"<svg xmlns='http://www.w3.org/2000/svg'><!--{i}--></svg>"
                   for i in range(600)})
    total = len(deployable(site))
    bucket = bucket_of(site)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "deploy", "--site", str(site)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
    deadline = time.time() + 60
    while len(stored(s3server, bucket)) < 40 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = stored(s3server, bucket)
    assert 0 < len(partial) < total, "the deploy was not stopped half-way"
    assert not any(p.endswith(".html") for p in partial)  # assets go first: no page before its assets
    result = go(site)
    assert set(stored(s3server, bucket)) == {*deployable(site), MANIFEST}
    assert len(result.sent) <= total and go(site).sent == []
    head = s3server.client().head_object(Bucket=bucket, Key="www/img/photo000.svg")
    assert head["ContentType"] == "image/svg+xml; charset=utf-8" and head["CacheControl"] == REVALIDATE


def one_error(result: Any) -> str:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return str(lines[0])


def test_wrong_credentials_unreachable_endpoint_and_missing_bucket(site: Path, s3server: S3,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    line = one_error(run("deploy", "--site", site))
    assert re.search(r"site\.yaml:\d+:\d+: deploy prod: .* refused the credentials \(SignatureDoesNotMatch\)", line)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOSUCHKEY0000000")
    assert "refused the credentials (InvalidAccessKeyId)" in one_error(run("deploy", "--site", site))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert "deploy prod: no credentials" in one_error(run("deploy", "--site", site))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3server.key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3server.secret)
    yaml = site / "site.yaml"
    text = yaml.read_text(encoding="utf-8")
    yaml.write_text(text.replace(s3server.endpoint, f"http://127.0.0.1:{free_port()}"), encoding="utf-8")
    assert re.search(r"deploy prod: cannot reach http://127\.0\.0\.1:\d+ to list the bucket",
                     one_error(run("deploy", "--site", site)))
    yaml.write_text(text.replace("url: s3://", "url: s3://no-such-bucket-"), encoding="utf-8")
    assert re.search(r"site\.yaml:\d+:\d+: deploy prod: bucket 'no-such-bucket-[\w-]+' does not exist at "
                     r"http://127\.0\.0\.1:\d+", one_error(run("deploy", "--site", site)))


def test_an_unknown_target_or_an_unbuilt_site(site: Path) -> None:
    assert "no deploy target 'staging' (known: prod)" in one_error(run("deploy", "staging", "--site", site))
    (site / "output/.sitegen").unlink()
    assert "no built site here" in one_error(run("deploy", "--site", site))


# -- site.yaml -------------------------------------------------------------------------------------------------

def problems(tmp_path: Path, deploy_yaml: str) -> list[str]:
    write_files(tmp_path, {"site.yaml": SITE_YAML + textwrap.dedent(deploy_yaml)})
    with pytest.raises(SitegenError) as exc:
        load_config(tmp_path)
    return [str(p).split("site.yaml:", 1)[1] for p in exc.value.problems]


def test_targets_are_read_from_site_yaml(tmp_path: Path) -> None:
    write_files(tmp_path, {"site.yaml": SITE_YAML + textwrap.dedent("""\
        deploy:
          - {name: prod, url: "s3://bucket/prefix", endpoint: "https://acc.r2.cloudflarestorage.com", region: auto}
          - {name: mirror, url: "ssh://deploy@example.org:2222/var/www/site"}
          - {name: pages, url: "git:../site-pages.git"}
        """)})
    prod, mirror, pages = load_config(tmp_path).deploy
    assert (prod.kind, prod.endpoint, prod.region, prod.website, prod.line) == (
        "s3", "https://acc.r2.cloudflarestorage.com", "auto", False, 8)
    assert (mirror.kind, pages.kind, pages.branch) == ("ssh", "git", "gh-pages")


def test_a_secret_in_site_yaml_is_a_located_error(tmp_path: Path) -> None:
    assert problems(tmp_path, """\
        deploy:
          - name: prod
            url: s3://bucket
            aws_access_key_id: AKIAEXAMPLE
            aws_secret_access_key: wJalrXUtnFEMI
          - {name: mirror, url: "ssh://deploy:hunter2@example.org/var/www"}
        """) == [
        "10:5: deploy: 'aws_access_key_id' is a secret, which must not be written in site.yaml; credentials come "
        "only from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or an AWS profile (profile: name)",
        "11:5: deploy: 'aws_secret_access_key' is a secret, which must not be written in site.yaml; credentials "
        "come only from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or an AWS profile (profile: name)",
        "12:20: deploy target 'mirror': a password in the url must not be written in site.yaml; credentials "
        "come only from the environment or an AWS profile or SSH key",
    ]


def test_bad_targets_are_located(tmp_path: Path) -> None:
    assert problems(tmp_path, """\
        deploy:
          - {name: a, url: "ftp://host/x"}
          - {name: b, url: "s3://bucket", branch: main}
          - {name: b, url: "git:x"}
          - {name: c, url: "ssh://host"}
        """) == [
        "8:15: deploy target 'a' needs a url such as s3://bucket/prefix, ssh://user@host/path or git:../site-pages.git",
        "9:35: unknown s3 deploy option 'branch' (known: name, url, endpoint, region, profile, website)",
        "10:6: deploy target 'b' is listed twice",
        "11:15: deploy target 'c' needs the server's folder in its url: ssh://user@host/var/www/site",
    ]
    assert problems(tmp_path, "deploy: [{name: d, url: 'ssh://host:99999/var/www'}]\n") == [
        "7:20: deploy target 'd': the port in the url is not a number from 1 to 65535"]
    assert problems(tmp_path, "deploy: s3://bucket\n") == [
        "7:1: deploy must be a list of targets such as [{name: prod, url: 's3://bucket'}]"]


# -- the plan, without a server -------------------------------------------------------------------------------

def test_content_types_and_cache_policy(tmp_path: Path) -> None:
    assert content_type("vi/index.html") == "text/html; charset=utf-8"
    assert content_type("assets/css/style.0123456789.css") == "text/css; charset=utf-8"
    assert content_type("vi/feed.xml") == "application/xml; charset=utf-8"
    assert content_type("assets/img/logo.png") == "image/png"
    assert content_type("pagefind/fragment/vi_1.pf_fragment") == "application/octet-stream"
    assert content_type("pagefind/wasm.unknown.pagefind") == "application/octet-stream"
    write_files(tmp_path, {"site.yaml": SITE_YAML})
    hosting = describe(load_config(tmp_path), {"assets/css/style.css": "assets/css/style.0123456789.css"})
    assert cache_control("assets/css/style.0123456789.css", hosting) == IMMUTABLE
    assert cache_control("assets/js/site.abcdef0123.js", hosting) == IMMUTABLE
    assert cache_control("assets/img/logo.png", hosting) == REVALIDATE
    assert cache_control("vi/index.html", hosting) == REVALIDATE


def test_the_diff_against_the_manifest() -> None:
    css = LocalFile("a.0123456789.css", "s1", 1, "text/css; charset=utf-8", IMMUTABLE)
    html = LocalFile("vi/x/index.html", "s2", 1, "text/html; charset=utf-8", REVALIDATE)
    home = LocalFile("vi/index.html", "s3", 1, "text/html; charset=utf-8", REVALIDATE)
    local = {f.path: f for f in (css, html, home)}
    manifest = {f.path: {**f.entry(), "etag": f'"{f.path}"'} for f in local.values()}
    etags = {f.path: f'"{f.path}"' for f in local.values()}
    assert diff(local, manifest, etags).empty
    plan = diff(local, {}, {})
    assert [f.path for f in plan.uploads] == ["a.0123456789.css", "vi/x/index.html", "vi/index.html"]
    changed = {**manifest, "vi/index.html": {**manifest["vi/index.html"], "sha256": "old"}}
    assert [f.path for f in diff(local, changed, etags).uploads] == ["vi/index.html"]
    headers = {**manifest, "a.0123456789.css": {**manifest["a.0123456789.css"], "cache_control": "no-cache"}}
    assert [f.path for f in diff(local, headers, etags).uploads] == ["a.0123456789.css"]
    replaced = {**etags, "vi/x/index.html": '"someone else"', "old.html": '"x"'}
    plan = diff(local, manifest, replaced)
    assert [f.path for f in plan.uploads] == ["vi/x/index.html"] and plan.deletes == ("old.html",)
    assert plan.unchanged == 2
