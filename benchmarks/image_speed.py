"""Image processing speed: 100 generated photos of 4000×3000 pixels, cold and with the cache.

Run from the repository:

    .venv/bin/python benchmarks/image_speed.py [--photos 100] [--width 4000] [--height 3000]

It writes a site in benchmarks/_work/image-site with one page that shows every photo (generated with Pillow:
gradients and noise, so that they compress like photos, not flat colour), then times `generator.images.prepare`
(what a build does before rendering) with an empty image cache, and again with the cache filled. Prints the
seconds, the images encoded and the bytes written to the cache.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
WORK = REPO / "benchmarks" / "_work" / "image-site"

from PIL import Image  # noqa: E402

from generator import images  # noqa: E402
from generator.config import load_config  # noqa: E402
from generator.errors import Problems  # noqa: E402
from generator.site import load_site  # noqa: E402

SITE_YAML = """base_url: https://example.org/
languages:
  - {code: en, name: English, locale: en_US}
title: {en: Images}
search: false
"""


def make_site(count: int, width: int, height: int) -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    folder = WORK / "content" / "en" / "photos"
    folder.mkdir(parents=True)
    (WORK / "site.yaml").write_text(SITE_YAML)
    (WORK / "content" / "en" / "_index.md").write_text("---\ntitle: Home\n---\nHome.\n")
    noise = Image.effect_noise((width // 4, height // 4), 40).resize((width, height))
    lines = []
    for i in range(count):
        gradient = Image.linear_gradient("L").rotate(i * 7 % 360).resize((width, height))
        photo = Image.merge("RGB", (gradient, noise, Image.eval(gradient, lambda v, i=i: (v + i * 13) % 256)))
        photo.save(folder / f"photo-{i:03}.jpg", quality=90)
        lines.append(f'![Test image {i}](photo-{i:03}.jpg){{ credit="benchmark" licence="CC0" }}')
    (folder / "_index.md").write_text("---\ntitle: Photos\n---\n" + "\n\n".join(lines) + "\n")


def run_once() -> tuple[float, int]:
    config = load_config(WORK)
    problems = Problems()
    site = load_site(config, problems=problems)
    started = time.perf_counter()
    pictures = images.prepare(site, WORK, problems)
    seconds = time.perf_counter() - started
    problems.raise_if_errors()
    return seconds, pictures.encoded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    args = parser.parse_args()
    print(f"writing {args.photos} photos of {args.width}×{args.height} into {WORK} …", flush=True)
    make_site(args.photos, args.width, args.height)
    print(f"formats: {', '.join(images.formats())} with a JPEG fallback; widths {images.WIDTHS}")
    cold, encoded = run_once()
    size = sum(p.stat().st_size for p in (WORK / ".sitegen-cache" / images.FOLDER).rglob("*") if p.is_file())
    print(f"cold:   {cold:7.2f} s  ({encoded} images encoded, {size / 1e6:.1f} MB in the cache, "
          f"{cold / max(1, encoded) * 1000:.0f} ms per image)")
    warm, encoded = run_once()
    print(f"cached: {warm:7.2f} s  ({encoded} images encoded)")


if __name__ == "__main__":
    main()
