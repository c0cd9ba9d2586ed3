"""Deploy to S3-compatible object storage (Amazon S3, Cloudflare R2, Google Cloud Storage, MinIO) with boto3.

Only what changed is sent, checked against a manifest kept in the bucket (`.sitegen-deploy.json`: each
object's hash and headers and the ETag its upload got back). Assets go first, HTML last, deletions after
every upload; the manifest is written after each phase, so an interrupted run is completed by the next.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.config import Config, DeployTarget
from generator.deploy import DeployOptions, DeployResult, refuse_deletes, target_error
from generator.deploy.plan import LocalFile, Plan, diff, local_files
from generator.errors import SitegenError
from generator.hosting import describe
from generator.progress import track

MANIFEST = ".sitegen-deploy.json"
Manifest = dict[str, dict[str, str]]


def split_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → ("bucket", "some/prefix/"); the prefix is "" at the bucket's root."""
    parts = urlsplit(url)
    prefix = parts.path.strip("/")
    return parts.netloc, prefix + "/" if prefix else ""


def website_settings(config: Config, prefix: str) -> dict[str, Any]:
    """The bucket's website configuration: `index.html` in every folder, the default language's 404 page."""
    return {"IndexDocument": {"Suffix": "index.html"},
            "ErrorDocument": {"Key": f"{prefix}{config.default_language}/404.html"}}


def website_notes(config: Config, target: DeployTarget, prefix: str, applied: bool) -> list[str]:
    """What the editor sets up beyond the bucket: the settings when not applied, and what only a CDN can do."""
    settings = website_settings(config, prefix)
    notes = [] if applied else [
        f"website settings (not applied; add website: true to apply them on Amazon S3): index document "
        f"{settings['IndexDocument']['Suffix']}, error document {settings['ErrorDocument']['Key']}"]
    others = ", ".join(f"{prefix}{code}/404.html for {code}/" for code in config.codes
                       if code != config.default_language)
    notes.append(f"{prefix}index.html is the language chooser; a CDN rule may instead redirect / by "
                 "Accept-Language (see nginx-site.conf)" + (f"; per-language 404 pages: {others}" if others else ""))
    notes.append("security headers (Content-Security-Policy and others, see _headers) are the CDN's to add, "
                 "e.g. a CloudFront response headers policy or Cloudflare Transform Rules")
    return notes


class Bucket:
    """The I/O: one bucket (and prefix) through a boto3 client, every failure turned into a located error."""

    def __init__(self, config: Config, target: DeployTarget, jobs: int) -> None:
        import boto3
        import botocore.config
        import botocore.exceptions

        self.config, self.target = config, target
        self.name, self.prefix = split_url(target.url)
        self.where = target.endpoint or "Amazon S3"
        try:
            session = boto3.session.Session(profile_name=target.profile)
            if session.get_credentials() is None:
                raise self.error("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
                                 "environment, or use an AWS profile (AWS_PROFILE, or profile: in the target)")
            options = botocore.config.Config(  # checksums only where required: S3-compatibles lack the new ones
                request_checksum_calculation="when_required", response_checksum_validation="when_required",
                connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=jobs, s3={"addressing_style": "path" if target.endpoint else "auto"})
            self.client = session.client("s3", endpoint_url=target.endpoint, region_name=target.region,
                                         config=options)
        except botocore.exceptions.BotoCoreError as exc:
            raise self.error(str(exc)) from None

    def error(self, message: str) -> SitegenError:
        return target_error(self.config, self.target, message)

    def call(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """`fn(**kwargs)`, or a located error that says what went wrong in words."""
        import botocore.exceptions as bx

        try:
            return fn(**kwargs)
        except (bx.ClientError, bx.BotoCoreError) as exc:
            raise self.translate(exc, what) from None

    def translate(self, exc: Exception, what: str) -> SitegenError:
        """The located error for a boto3 failure while trying to do `what`."""
        import botocore.exceptions as bx

        if isinstance(exc, bx.ClientError):
            err = exc.response.get("Error", {})
            code, message = str(err.get("Code", "")), str(err.get("Message", ""))
            if code == "NoSuchBucket":
                return self.error(f"bucket {self.name!r} does not exist at {self.where}; create it first")
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
                        "InvalidClientTokenId", "UnrecognizedClientException", "AuthorizationHeaderMalformed"):
                return self.error(f"{self.where} refused the credentials ({code}) while trying to {what}: check "
                                  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the AWS profile")
            if code in ("AccessDenied", "403", "AllAccessDisabled"):
                return self.error(f"access denied while trying to {what} in bucket {self.name!r}: the "
                                  "credentials lack the permission")
            return self.error(f"could not {what}: {code or 'error'}: {message or exc}")
        if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError,
                            bx.ConnectionClosedError)):
            return self.error(f"cannot reach {self.where} to {what}: {exc}")
        if isinstance(exc, bx.NoCredentialsError):
            return self.error("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use an "
                              "AWS profile")
        return self.error(f"could not {what}: {exc}")

    def listing(self) -> dict[str, str]:
        """Every stored object below the prefix (but the manifest), as relative path → ETag."""
        out: dict[str, str] = {}
        token: dict[str, str] = {}
        while True:
            page = self.call("list the bucket", self.client.list_objects_v2, Bucket=self.name,
                             Prefix=self.prefix, **token)
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(self.prefix):]
                if rel != MANIFEST:
                    out[rel] = obj["ETag"]
            if not page.get("IsTruncated"):
                return out
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def manifest(self) -> Manifest:
        """The manifest the last deploy left, or {} (then everything is sent once)."""
        import botocore.exceptions as bx

        def read() -> bytes:
            try:
                return bytes(self.client.get_object(Bucket=self.name, Key=self.prefix + MANIFEST)["Body"].read())
            except bx.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return b"{}"
                raise

        body = self.call("read the deploy manifest", read)
        try:
            data = json.loads(body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def write_manifest(self, manifest: Manifest) -> None:
        body = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
        self.call("write the deploy manifest", self.client.put_object, Bucket=self.name,
                  Key=self.prefix + MANIFEST, Body=body, ContentType="application/json",
                  CacheControl="no-cache")

    def put(self, output: Path, f: LocalFile) -> str:
        """Upload one file with its headers; return the ETag the store gave it."""
        reply = self.call(f"upload {f.path}", self.client.put_object, Bucket=self.name, Key=self.prefix + f.path,
                          Body=(output / f.path).read_bytes(), ContentType=f.content_type,
                          CacheControl=f.cache_control)
        return str(reply["ETag"])

    def delete(self, paths: list[str]) -> None:
        """Delete in batches of 1000, or one by one where the store has no batch delete (Google's XML API)."""
        import botocore.exceptions as bx

        for start in range(0, len(paths), 1000):
            batch = [{"Key": self.prefix + p} for p in paths[start:start + 1000]]
            try:
                reply = self.client.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})
            except bx.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("NotImplemented", "InvalidArgument",
                                                                     "InvalidRequest", "MalformedXML"):
                    raise self.translate(exc, "delete old files") from None
                for item in batch:
                    self.call(f"delete {item['Key']}", self.client.delete_object, Bucket=self.name, Key=item["Key"])
                continue
            except bx.BotoCoreError as exc:
                raise self.translate(exc, "delete old files") from None
            if reply.get("Errors"):
                first = reply["Errors"][0]
                raise self.error(f"could not delete {first.get('Key')}: {first.get('Code')} {first.get('Message')}")

    def put_website(self, settings: dict[str, Any]) -> None:
        self.call("apply the website settings", self.client.put_bucket_website, Bucket=self.name,
                  WebsiteConfiguration=settings)


def deploy_s3(config: Config, target: DeployTarget, output: Path, options: DeployOptions) -> DeployResult:
    """Send what changed in `output` to the target's bucket, then delete what is gone."""
    fingerprinted: dict[str, str] = {}
    local = local_files(output, describe(config, fingerprinted))
    bucket = Bucket(config, target, options.jobs)
    stored = bucket.listing()
    manifest = bucket.manifest()
    plan = diff(local, manifest, stored)
    refuse_deletes(config, target, len(plan.deletes), options)
    result = DeployResult(target, [f.path for f in plan.uploads], list(plan.deletes), plan.unchanged,
                          dry_run=options.dry_run)
    if not options.dry_run:
        _apply(bucket, output, plan, manifest, local, options)
        if target.website:
            bucket.put_website(website_settings(config, bucket.prefix))
    result.notes = website_notes(config, target, bucket.prefix, target.website and not options.dry_run)
    return result


def _apply(bucket: Bucket, output: Path, plan: Plan, manifest: Manifest, local: dict[str, LocalFile],
           options: DeployOptions) -> None:
    """Upload the assets, then the pages (each phase in parallel), then delete; record progress as it goes."""
    manifest = {path: entry for path, entry in manifest.items() if path in local or path in plan.deletes}
    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        for kind, phase in (("assets", plan.assets), ("pages", plan.pages)):
            if not phase:
                continue
            futures: dict[Future[str], LocalFile] = {pool.submit(bucket.put, output, f): f for f in phase}
            try:
                for future in track(as_completed(futures), len(phase),
                                    f"Uploading {len(phase)} {kind} to {bucket.target.name}",
                                    options.progress):
                    f = futures[future]
                    manifest[f.path] = {**f.entry(), "etag": future.result()}
            except BaseException:
                for future in futures:
                    future.cancel()
                wait(futures)
                for future, f in futures.items():  # keep what did arrive, so the next run sends only the rest
                    if future.done() and not future.cancelled() and future.exception() is None:
                        manifest[f.path] = {**f.entry(), "etag": future.result()}
                bucket.write_manifest(manifest)
                raise
            bucket.write_manifest(manifest)
    if plan.deletes:
        bucket.delete(list(plan.deletes))
        for path in plan.deletes:
            manifest.pop(path, None)
        bucket.write_manifest(manifest)
