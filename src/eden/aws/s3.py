"""S3: the endpoints document, read and written with conditional requests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eden.aws.base import Adapter
from eden.errors import AwsError

# What an operator may have set on the object and a plain PutObject would reset. GetObject
# returns these; they are passed back on every write so eden's edit changes the body only.
_KEPT = (
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "ContentType",
    "Metadata",
    "ServerSideEncryption",
    "SSEKMSKeyId",
    "StorageClass",
    "WebsiteRedirectLocation",
)
# A lost race: S3 answers 412 to IfMatch/IfNoneMatch, or 409 to a concurrent write.
CONFLICT_CODES = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")


@dataclass(frozen=True)
class JsonObject:
    doc: Any  # None when the key does not exist
    etag: str | None
    kept: Mapping[str, Any] = field(default_factory=dict)  # attributes to write back


class S3(Adapter):
    service = "s3"

    def get_json(self, bucket: str, key: str) -> JsonObject:
        try:
            out = self.client.get_object(Bucket=bucket, Key=key)
        except AwsError as exc:
            if exc.code in ("NoSuchKey", "404"):
                return JsonObject(None, None)
            raise
        body = out["Body"].read()
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise AwsError(
                f"s3://{bucket}/{key} is not valid JSON",
                hint="fix or restore the document (eden keeps its own entries in state)",
            ) from exc
        kept = {k: out[k] for k in _KEPT if out.get(k) not in (None, "", {})}
        if kept.get("StorageClass") == "STANDARD":
            kept.pop("StorageClass")
        return JsonObject(doc, str(out.get("ETag")), kept)

    def put_json(
        self,
        bucket: str,
        key: str,
        doc: Any,
        *,
        if_match: str | None,
        kept: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> JsonObject:
        """Writes only if nobody changed the document since it was read (S3 conditional
        PUT), keeping the object's attributes (``kept``) unless ``overrides`` sets them.
        Returns the object as it now is (what a GetObject would give), ETag included."""
        kwargs: dict[str, Any] = {"ContentType": "application/json", **(kept or {})}
        kwargs.update({k: v for k, v in (overrides or {}).items() if v is not None})
        kwargs.update(
            Bucket=bucket, Key=key, Body=json.dumps(doc, indent=2, sort_keys=True).encode()
        )
        if if_match:
            kwargs["IfMatch"] = if_match
        else:
            kwargs["IfNoneMatch"] = "*"
        out = self.client.put_object(**kwargs)
        written = {k: kwargs[k] for k in _KEPT if kwargs.get(k) not in (None, "", {})}
        if written.get("StorageClass") == "STANDARD":
            written.pop("StorageClass")
        return JsonObject(json.loads(kwargs["Body"]), str(out.get("ETag")), written)

    def bucket_exists(self, bucket: str) -> bool:
        try:
            self.client.head_bucket(Bucket=bucket)
        except AwsError as exc:
            if exc.code in ("404", "NoSuchBucket", "403"):
                return False
            raise
        return True
