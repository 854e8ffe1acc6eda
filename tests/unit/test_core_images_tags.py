"""ECR coordinates of an image reference, and the tags that mark what eden made (pure)."""

from __future__ import annotations

import pytest

from eden.core.images import EcrImage, ecr_image
from eden.core.tags import (
    MANAGED_BY,
    TAG_ENV,
    TAG_PROFILE,
    TAG_SLEEPING,
    elb_tags,
    is_edens,
    merge_tags,
)

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("image", "found"),
    [
        (f"{ECR}/api:abc123", EcrImage("123456789012", "eu-west-1", "api", "abc123", None)),
        (f"{ECR}/team/api", EcrImage("123456789012", "eu-west-1", "team/api", None, None)),
        (f"{ECR}/api@{DIGEST}", EcrImage("123456789012", "eu-west-1", "api", None, DIGEST)),
        (f"{ECR}/api:v1@{DIGEST}", EcrImage("123456789012", "eu-west-1", "api", "v1", DIGEST)),
        ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api:v1",
         EcrImage("123456789012", "cn-north-1", "api", "v1", None)),
        ("nginx:1.27", None),
        ("public.ecr.aws/nginx/nginx:latest", None),
        (f"1{ECR}/api:v1", None),  # a 13-digit account
    ],
)
def test_the_ecr_coordinates_of_an_image(image: str, found: EcrImage | None) -> None:
    assert ecr_image(image) == found


def test_an_ecr_image_is_looked_up_by_digest_else_tag_else_latest() -> None:
    assert EcrImage("1", "r", "api", "v1", DIGEST).image_id == {"imageDigest": DIGEST}
    assert EcrImage("1", "r", "api", "v1", None).image_id == {"imageTag": "v1"}
    assert EcrImage("1", "r", "api", None, None).image_id == {"imageTag": "latest"}


def test_elb_tags_spell_eden_tags_the_elb_way() -> None:
    assert elb_tags("dev", "feature-login") == [
        {"Key": MANAGED_BY, "Value": "eden"},
        {"Key": TAG_PROFILE, "Value": "dev"},
        {"Key": TAG_ENV, "Value": "feature-login"},
    ]


def test_edens_tags_are_managed_by_eden_and_the_profile() -> None:
    mine = {MANAGED_BY: "eden", TAG_PROFILE: "dev", TAG_ENV: "x"}
    assert is_edens(mine, "dev")
    assert not is_edens(mine, "prod")
    assert not is_edens({**mine, MANAGED_BY: "terraform"}, "dev")
    assert not is_edens({TAG_PROFILE: "dev"}, "dev")


def test_merged_tags_keep_the_references_own_first_and_fit_in_fifty() -> None:
    ours = [{"key": MANAGED_BY, "value": "eden"}]
    reference = [{"key": "aws:cloudformation:stack-name", "value": "s"},
                 {"key": MANAGED_BY, "value": "old"}, {"key": "team", "value": "payments"}]
    assert merge_tags(reference, ours) == [{"key": "team", "value": "payments"}, *ours]
    many = [{"key": f"k{i}", "value": "v"} for i in range(60)]
    merged = merge_tags(many, ours)
    assert len(merged) == 50 and merged[-1] == ours[0] and merged[48] == many[48]


def test_the_tag_names_are_the_ones_already_in_aws() -> None:
    # Resources made by earlier versions carry these: renaming one would orphan them.
    assert (MANAGED_BY, TAG_PROFILE, TAG_ENV, TAG_SLEEPING) == (
        "eden:managed-by", "eden:profile", "eden:env", "eden:sleeping")
