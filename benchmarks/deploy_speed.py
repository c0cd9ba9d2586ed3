"""Deploy speed to S3: a 10,000-page site (benchmarks/corpus.py) sent to a local S3 server (moto in server mode).

Run from the repository (needs the project's venv with boto3 and moto[server]):

    .venv/bin/python benchmarks/deploy_speed.py [--pages 5000] [--jobs 16]

`--pages` is per language (5000 → 10,000 pages). The corpus is copied to benchmarks/_work/deploy/site with a
`deploy:` target added and built; then it is deployed three times into a new bucket: the first deploy, a
deploy with no change, and a deploy after one page was edited and the site rebuilt. Prints, for each, the
objects sent and deleted and the seconds taken. The S3 server runs on this machine, so the figures measure
sitegen's work (hashing, listing, the diff, the requests) rather than a network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import corpus

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "_work" / "deploy"
sys.path.insert(0, str(REPO))

from generator.deploy import DeployOptions, DeployResult, deploy  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    import socket

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                sys.exit("the S3 server (moto) exited")
            time.sleep(0.1)
    sys.exit("the S3 server (moto) did not start")


def build(site: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site)], cwd=REPO,
                          capture_output=True, text=True)
    if proc.returncode:
        sys.exit(proc.stderr)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=5000, help="pages per language")
    parser.add_argument("--jobs", type=int, default=16, help="uploads in parallel")
    args = parser.parse_args()
    import boto3

    dirs = corpus.ensure(WORK / "corpus", args.pages)
    site = WORK / "site"
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(dirs.site, site)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with (site / "site.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"deploy:\n  - {{name: bench, url: 's3://bench/site', endpoint: '{endpoint}', region: us-east-1}}\n")
    seconds = build(site)
    pages = len(list((site / "output").rglob("*.html")))
    print(f"Built {args.pages * 2} pages ({pages} HTML files) in {seconds:.1f} s; S3 server: moto on {endpoint}, "
          f"{args.jobs} uploads in parallel.")
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_CONFIG_FILE=os.devnull,
                      AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    log = (WORK / "moto.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(port, server)
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="bench")
        rows: list[tuple[str, DeployResult]] = []
        rows.append(("first deploy", deploy(DeployOptions(site=site, jobs=args.jobs))))
        rows.append(("no change", deploy(DeployOptions(site=site, jobs=args.jobs))))
        lang, rel = "vi", corpus.page_rel(0)
        page = site / "content" / lang / rel
        page.write_text(page.read_text(encoding="utf-8") + "\nMột đoạn mới cho lần đo này.\n", encoding="utf-8")
        seconds = build(site)
        print(f"Edited content/{lang}/{rel} and rebuilt in {seconds:.1f} s.")
        rows.append(("one page edited", deploy(DeployOptions(site=site, jobs=args.jobs))))
    finally:
        server.terminate()
        server.wait(10)
        log.close()
    print(f"\n{'deploy':<18}{'files':>8}{'sent':>8}{'deleted':>9}{'seconds':>9}")
    for name, r in rows:
        print(f"{name:<18}{len(r.sent) + r.unchanged:>8}{len(r.sent):>8}{len(r.deleted):>9}{r.seconds:>9.2f}")
    edited = rows[2][1].sent
    print("\nSent after the edit: " + ", ".join(edited[:12]) + (" …" if len(edited) > 12 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
