"""The one seam between eden and AWS.

``AwsClients`` builds the boto3 clients (lazily, with eden's retry policy, call recording
and error translation); ``Aws`` groups one thin typed adapter per service over them. Code
outside this package reaches AWS only through ``Aws`` (or, for the state store and the
scaler, through ``AwsClients``), and sees only eden's errors (``eden.errors.AwsError`` with
AWS's ``code``), never botocore's.
"""

from __future__ import annotations

from eden.aws.clients import AwsClients, AwsSettings
from eden.aws.cloudwatch import CloudWatch
from eden.aws.ecr import Ecr, ImageCheck
from eden.aws.ecs import Ecs
from eden.aws.elbv2 import Elbv2
from eden.aws.logs import Logs
from eden.aws.route53 import Route53
from eden.aws.s3 import S3, JsonObject
from eden.aws.tagging import Tagging


class Aws:
    """Every AWS service eden uses, as ``aws.ecs``, ``aws.elbv2``...; thread-safe."""

    def __init__(self, clients: AwsClients):
        self.clients = clients
        self.ecs = Ecs(clients)
        self.elbv2 = Elbv2(clients)
        self.route53 = Route53(clients)
        self.s3 = S3(clients)
        self.ecr = Ecr(clients)
        self.tagging = Tagging(clients)
        self.logs = Logs(clients)
        self.cloudwatch = CloudWatch(clients)


__all__ = ["Aws", "AwsClients", "AwsSettings", "ImageCheck", "JsonObject"]
