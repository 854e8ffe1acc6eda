"""ECR: does the image a create names exist?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eden.aws.base import Adapter
from eden.core.images import ecr_image
from eden.errors import AwsError


@dataclass(frozen=True)
class ImageCheck:
    """``found`` True/False when ECR could say; None when it could not (with why)."""

    found: bool | None
    warning: str | None = None


class Ecr(Adapter):
    service = "ecr"

    def check_image(self, image: str) -> ImageCheck:
        """Looks the image up in its own repository and region (a profile in eu-west-1
        may deploy an image from us-east-1). Images outside ECR are not checked.

        Two cases cannot be decided and only warn: a cross-account repository whose policy
        grants pulls but not DescribeImages (AccessDeniedException), and a pull-through
        cache repository, which has no image until the first pull.
        """
        ref = ecr_image(image)
        if ref is None:
            return ImageCheck(None)
        ecr = self.clients.client("ecr", region=ref.region)
        try:
            out = ecr.describe_images(
                registryId=ref.account, repositoryName=ref.repository, imageIds=[ref.image_id]
            )
        except AwsError as exc:
            if exc.code in ("AccessDeniedException", "AccessDenied"):
                return ImageCheck(
                    None,
                    f"cannot check {image}: ECR denied DescribeImages on {ref.repository} "
                    "(a cross-account repository may allow pulls only); going on",
                )
            if exc.code in ("ImageNotFoundException", "RepositoryNotFoundException"):
                if _pull_through(ecr, ref.repository):
                    return ImageCheck(
                        None, f"{ref.repository} is a pull-through cache: not checked, going on"
                    )
                return ImageCheck(False)
            raise
        return ImageCheck(bool(out.get("imageDetails")))


def _pull_through(ecr: Any, repository: str) -> bool:
    """Whether a pull-through cache rule of that registry covers ``repository``."""
    try:
        pages = list(ecr.get_paginator("describe_pull_through_cache_rules").paginate())
    except AwsError:
        return False  # not allowed to ask, or not supported: treat as a plain repository
    rules = [r for page in pages for r in page.get("pullThroughCacheRules", [])]
    prefixes = [str(r.get("ecrRepositoryPrefix", "")) for r in rules]
    return any(repository == p or repository.startswith(p + "/") for p in prefixes if p)
