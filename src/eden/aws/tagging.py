"""The Resource Groups Tagging API: everything tagged by eden, whatever its service."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from eden.aws.base import Adapter


class Tagging(Adapter):
    service = "resourcegroupstaggingapi"

    def tagged(self, tags: Mapping[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
        """(ARN, its tags) of every resource carrying all of ``tags``."""
        filters = [{"Key": k, "Values": [v]} for k, v in tags.items()]
        for page in self.pages("get_resources", TagFilters=filters):
            for item in page.get("ResourceTagMappingList", []):
                yield item["ResourceARN"], {t["Key"]: t["Value"] for t in item.get("Tags", [])}
