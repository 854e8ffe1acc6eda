"""eden: per-branch dynamic environments and a fast autoscaler for Amazon ECS."""

__version__ = "0.1.0"
