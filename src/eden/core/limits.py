"""AWS's limits that eden plans around, as named numbers (with where AWS states them).

Kept in one place so that the planner, the naming rules, the test rules layer and the
docs quote the same figures.
"""

from __future__ import annotations

# Elastic Load Balancing quotas (per load balancer, across all its listeners).
MAX_RULES_PER_ALB = 100  # non-default listener rules; adjustable by a quota request
MAX_TARGET_GROUPS_PER_ALB = 100  # not adjustable
MAX_PRIORITY = 50_000  # rule priorities are 1-50,000
MAX_CONDITION_VALUES = 5  # values across one rule's conditions
HOST_HEADER_MAX = 128  # one host-header condition value
TARGET_GROUP_NAME_MAX = 32

# Names.
DNS_LABEL_MAX = 63
DNS_NAME_MAX = 253
ECS_NAME_MAX = 255  # services and task-definition families: [A-Za-z0-9_-]
IMAGE_MAX = 255  # containerDefinitions[].image

# Tags: 50 per resource; keys starting with "aws:" are reserved by AWS.
MAX_TAGS = 50
RESERVED_TAG_PREFIX = "aws:"

# Batches.
DESCRIBE_SERVICES_BATCH = 10
DESCRIBE_TASKS_BATCH = 100
DELETE_TASK_DEFINITIONS_BATCH = 10
DESCRIBE_TAGS_BATCH = 20  # elbv2 DescribeTags
ROUTE53_CHANGES_PER_BATCH = 100
