"""Container image references: the grammar a registry accepts, and ECR's URI shape.

An image is checked before anything is written, so a reference no registry could resolve
never reaches AWS; and an ECR image is looked up in its own repository and region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eden.core.limits import IMAGE_MAX
from eden.errors import UsageError

# The distribution reference grammar: [host[:port]/]path[:tag][@algo:hex].
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
# A first component is a registry host only with a dot, a port, or "localhost" (as docker
# reads it).
_HOST = rf"(?:(?:{_LABEL}(?:\.{_LABEL})+|localhost)(?::[0-9]+)?/|{_LABEL}:[0-9]+/)"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
IMAGE_RE = re.compile(rf"{_HOST}?{_COMPONENT}(?:/{_COMPONENT})*(?::{_TAG})?(?:@{_DIGEST})?")

# ECR: ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPO[:TAG|@sha256:DIGEST]. The tag is
# optional: an untagged reference means :latest, as docker reads it.
ECR_URI_RE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[a-z0-9][a-z0-9._/-]*?)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)


@dataclass(frozen=True)
class EcrImage:
    """An image in ECR: where to look it up, and by what (a digest wins over a tag)."""

    account: str
    region: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def image_id(self) -> dict[str, str]:
        if self.digest:
            return {"imageDigest": self.digest}
        return {"imageTag": self.tag or "latest"}


def validate_image(image: str) -> str:
    if not image or len(image) > IMAGE_MAX or not IMAGE_RE.fullmatch(image):
        raise UsageError(
            f"{image!r} is not a container image reference",
            hint="use REGISTRY/REPOSITORY:TAG or REPOSITORY@sha256:DIGEST, in lower case, "
            "like 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:abc123",
        )
    return image


def ecr_image(image: str) -> EcrImage | None:
    """The ECR coordinates of ``image``, or None for an image outside ECR."""
    m = ECR_URI_RE.fullmatch(image)
    if not m:
        return None
    return EcrImage(m["account"], m["region"], m["repo"], m["tag"], m["digest"])
