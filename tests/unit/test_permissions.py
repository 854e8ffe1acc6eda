"""eden's IAM policy: one list of calls, and everything made from it agrees with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

from eden.aws import permissions
from eden.aws.permissions import FEATURES, granted, policy, ungranted

ROOT = Path(__file__).resolve().parents[2]


def test_a_call_eden_makes_but_does_not_grant_is_reported() -> None:
    called = {("ecs", "CreateService"), ("ecs", "StartTask"), ("elbv2", "CreateRule")}
    assert ungranted(called) == [("ecs", "StartTask")]
    assert ungranted(granted(FEATURES)) == []


def test_features_are_separate_and_unknown_ones_refused() -> None:
    assert ("dynamodb", "PutItem") not in granted(["environments"])
    assert ("dynamodb", "PutItem") in granted(["state-dynamodb"])
    assert ("sns", "Publish") in granted(["scaler"])
    with pytest.raises(ValueError, match="unknown feature"):
        granted(["lambda"])


def test_the_policy_is_scoped_to_what_eden_owns() -> None:
    doc = policy(["environments"], {"prefix": "pr", "cluster": "dev", "account": "1"})
    by_action = {a: s for s in doc["Statement"] for a in s["Action"]}
    assert by_action["ecs:CreateService"]["Resource"] == "arn:aws:ecs:*:1:service/dev/pr-*"
    assert by_action["ecs:DescribeServices"]["Resource"] == "*"
    assert by_action["iam:PassRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert json.loads(permissions.policy_json(["environments"]))["Version"] == "2012-10-17"


def test_a_pool_of_albs_gets_each_albs_rules_and_listeners() -> None:
    doc = policy(["environments"], {"account": "1"}, albs=["shared-1/aaa", "shared-2/bbb"])
    by_action = {a: s for s in doc["Statement"] for a in s["Action"]}
    assert by_action["elasticloadbalancing:CreateRule"]["Resource"] == [
        "arn:aws:elasticloadbalancing:*:1:listener-rule/app/shared-1/aaa/*",
        "arn:aws:elasticloadbalancing:*:1:listener-rule/app/shared-2/bbb/*",
        "arn:aws:elasticloadbalancing:*:1:listener/app/shared-1/aaa/*",
        "arn:aws:elasticloadbalancing:*:1:listener/app/shared-2/bbb/*",
    ]
    assert by_action["elasticloadbalancing:DeleteRule"]["Resource"] == [
        "arn:aws:elasticloadbalancing:*:1:listener-rule/app/shared-1/aaa/*",
        "arn:aws:elasticloadbalancing:*:1:listener-rule/app/shared-2/bbb/*",
    ]


def test_the_template_grants_exactly_the_generated_statements() -> None:
    template = cfn_yaml.load(str(ROOT / "deploy" / "template.yaml"))
    function = template["Resources"]["ApiFunction"]["Properties"]
    statements = [s for policy_ in function["Policies"] for s in policy_["Statement"]]
    as_json = json.loads(json.dumps(statements, default=str))
    expected = permissions.cfn_statements(["environments", "state-dynamodb"])
    assert as_json == expected, "run: .venv/bin/python scripts/iam_template.py"


def test_the_readme_table_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"<!-- iam-table -->\n(.*?)\n<!-- /iam-table -->", readme, re.S)
    assert found is not None, "README.md lost its generated IAM table"
    assert found.group(1) == permissions.markdown_table(FEATURES), (
        "regenerate it: python -c 'from eden.aws.permissions import *; "
        "print(markdown_table(FEATURES))'"
    )


def test_exec_is_its_own_feature_scoped_to_the_clusters_tasks() -> None:
    assert ("ecs", "ExecuteCommand") not in granted(["environments"])
    assert ("logs", "FilterLogEvents") in granted(["environments"])
    doc = policy(["exec"], {"cluster": "dev", "account": "1", "region": "eu-west-1"})
    by_action = {a: s for s in doc["Statement"] for a in s["Action"]}
    assert by_action["ecs:ExecuteCommand"]["Resource"] == [
        "arn:aws:ecs:eu-west-1:1:cluster/dev", "arn:aws:ecs:eu-west-1:1:task/dev/*"]
