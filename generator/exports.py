"""Structured entries of a section (parks, projects) written as CSV and JSON for investors."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from generator.model import Page


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings to `a.b` keys; lists become `; `-joined text."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, (list, tuple)):
        return {prefix: "; ".join(str(v) for v in value)}
    return {prefix: value}


def rows(children: list[Page], field: str, base_url: str) -> list[dict[str, Any]]:
    """One row per child page that has the structured `field` (e.g. `park`)."""
    out = []
    for page in children:
        entry = page.params.get(field)
        if isinstance(entry, dict):
            out.append({"title": page.title, "url": base_url.rstrip("/") + page.url, **flatten(entry)})
    return out


def to_json(records: list[dict[str, Any]], field: str) -> bytes:
    text = json.dumps({"type": field, "items": records}, ensure_ascii=False, indent=2, sort_keys=False,
                      default=str)
    return (text + "\n").encode("utf-8")


def to_csv(records: list[dict[str, Any]]) -> bytes:
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if record.get(k) is None else record[k] for k in columns})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # a BOM, so spreadsheet programs read UTF-8
