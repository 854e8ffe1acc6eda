"""The one place eden talks to AWS: a client factory and typed adapters over it."""

from eden.aws.clients import AwsClients, AwsSettings, CallRecord

__all__ = ["AwsClients", "AwsSettings", "CallRecord"]
