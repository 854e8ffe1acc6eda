"""eden.core.limits holds AWS's documented figures, not choices: each is pinned here to the
value AWS states (../shared/reference/real-aws-behaviour.md and preview-env-anchors.md, the
AWS API references), so a typo in one cannot hide behind tests that only compare names
against the constant itself."""

from __future__ import annotations

from eden.core import limits

DOCUMENTED = {
    # Elastic Load Balancing quotas page; the elbv2 API reference.
    "MAX_RULES_PER_ALB": 100,
    "MAX_TARGET_GROUPS_PER_ALB": 100,
    "MAX_PRIORITY": 50_000,  # CreateRule: Priority 1-50000
    "MAX_CONDITION_VALUES": 5,
    "HOST_HEADER_MAX": 128,
    "TARGET_GROUP_NAME_MAX": 32,
    "DESCRIBE_TAGS_BATCH": 20,  # elbv2 DescribeTags: ResourceArns, at most 20
    # DNS (RFC 1035 as Route 53 applies it): a label of 63, a name of 253 without the dot.
    "DNS_LABEL_MAX": 63,
    "DNS_NAME_MAX": 253,
    "ROUTE53_CHANGES_PER_BATCH": 100,  # our batch size, well inside ChangeResourceRecordSets
    # ECS API reference.
    "ECS_NAME_MAX": 255,  # CreateService serviceName, RegisterTaskDefinition family
    "IMAGE_MAX": 255,  # ContainerDefinition image
    "DESCRIBE_SERVICES_BATCH": 10,
    "DESCRIBE_TASKS_BATCH": 100,
    "DELETE_TASK_DEFINITIONS_BATCH": 10,  # DeleteTaskDefinitions: at most 10 per call
    # Tagging: 50 tags per resource; the aws: prefix is reserved.
    "MAX_TAGS": 50,
    "RESERVED_TAG_PREFIX": "aws:",
}


def test_every_limit_is_the_documented_figure() -> None:
    found = {name: getattr(limits, name) for name in dir(limits) if name.isupper()}
    assert found == DOCUMENTED
