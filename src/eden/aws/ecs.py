"""ECS: services, task definitions and tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eden.aws.base import Adapter
from eden.core.limits import (
    DELETE_TASK_DEFINITIONS_BATCH,
    DESCRIBE_SERVICES_BATCH,
    DESCRIBE_TASKS_BATCH,
)
from eden.errors import AwsError

_NO_TASK_DEFINITION = ("ClientException", "InvalidParameterException")


class Ecs(Adapter):
    service = "ecs"

    def describe_service(self, cluster: str, service: str) -> dict[str, Any] | None:
        """The service if it exists and is ACTIVE (a deleted one lingers as DRAINING, then
        INACTIVE)."""
        found = self.service_any_status(cluster, service)
        return found if found is not None and found.get("status") == "ACTIVE" else None

    def service_any_status(self, cluster: str, service: str) -> dict[str, Any] | None:
        """The service whatever its status (ACTIVE, DRAINING, INACTIVE), or None."""
        try:
            out = self.client.describe_services(
                cluster=cluster, services=[service], include=["TAGS"]
            )
        except AwsError as exc:
            if exc.code == "ClusterNotFoundException":
                return None
            raise
        services = out.get("services", [])
        return dict(services[0]) if services else None

    def describe_services(self, cluster: str, services: list[str]) -> list[dict[str, Any]]:
        """Many services, 10 a call (DescribeServices' limit)."""
        found: list[dict[str, Any]] = []
        for i in range(0, len(services), DESCRIBE_SERVICES_BATCH):
            batch = services[i : i + DESCRIBE_SERVICES_BATCH]
            out = self.client.describe_services(cluster=cluster, services=batch)
            found += out.get("services", [])
        return found

    def task_sets(self, cluster: str, service: str) -> list[dict[str, Any]]:
        out = self.client.describe_task_sets(cluster=cluster, service=service)
        return list(out.get("taskSets", []))

    def cluster_names(self) -> list[str]:
        arns = [a for page in self.pages("list_clusters") for a in page["clusterArns"]]
        return sorted(arn.rsplit("/", 1)[-1] for arn in arns)

    def service_names(self, cluster: str) -> list[str]:
        pages = self.pages("list_services", cluster=cluster)
        return sorted(arn.rsplit("/", 1)[-1] for p in pages for arn in p["serviceArns"])

    def cluster_exists(self, cluster: str) -> bool:
        out = self.client.describe_clusters(clusters=[cluster])
        return any(c.get("status") == "ACTIVE" for c in out.get("clusters", []))

    def describe_task_definition(
        self, ref: str
    ) -> tuple[dict[str, Any], list[dict[str, str]]] | None:
        try:
            out = self.client.describe_task_definition(taskDefinition=ref, include=["TAGS"])
        except AwsError as exc:
            if exc.code in _NO_TASK_DEFINITION:
                return None
            raise
        td = out["taskDefinition"]
        if td.get("status") not in (None, "ACTIVE"):
            return None
        return dict(td), list(out.get("tags", []))

    def task_definition_arns(self, family: str, status: str = "ACTIVE") -> list[str]:
        """Every revision of exactly this family (familyPrefix also matches longer ones)."""
        arns: list[str] = []
        for page in self.pages("list_task_definitions", familyPrefix=family, status=status):
            for arn in page.get("taskDefinitionArns", []):
                if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family:
                    arns.append(arn)
        return arns

    def active_revisions(self, max_pages: int) -> dict[str, list[str]] | None:
        """Every ACTIVE task definition of the account's region, family -> its revisions
        oldest first, in one paged listing (100 a page on AWS); None when that would take
        more than ``max_pages`` pages (a busy account: asking family by family is cheaper).
        ListTaskDefinitions' ``familyPrefix`` is an exact family, so no prefix narrows it."""
        found: dict[str, list[tuple[int, str]]] = {}
        for n, page in enumerate(self.pages("list_task_definitions", status="ACTIVE")):
            if n >= max_pages:
                return None
            for arn in page.get("taskDefinitionArns", []):
                family, _, revision = arn.rsplit("/", 1)[-1].rpartition(":")
                found.setdefault(family, []).append((int(revision), arn))
        return {family: [arn for _, arn in sorted(revs)] for family, revs in found.items()}

    def register_task_definition(self, params: Mapping[str, Any]) -> str:
        out = self.client.register_task_definition(**params)
        return str(out["taskDefinition"]["taskDefinitionArn"])

    def deregister_task_definition(self, arn: str) -> None:
        try:
            self.client.deregister_task_definition(taskDefinition=arn)
        except AwsError as exc:
            if exc.code not in _NO_TASK_DEFINITION:
                raise

    def delete_task_definitions(self, arns: list[str]) -> list[str]:
        """Deletes INACTIVE revisions for good (10 a call); returns the ARNs AWS could not
        delete, with its reasons, so a caller can report and retry them."""
        problems: list[str] = []
        for i in range(0, len(arns), DELETE_TASK_DEFINITIONS_BATCH):
            out = self.client.delete_task_definitions(
                taskDefinitions=arns[i : i + DELETE_TASK_DEFINITIONS_BATCH]
            )
            for failure in out.get("failures", []):
                problems.append(f"{failure.get('arn')}: {failure.get('reason')}")
        return problems

    def create_service(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return dict(self.client.create_service(**params)["service"])

    def update_service(self, **params: Any) -> dict[str, Any]:
        return dict(self.client.update_service(**params)["service"])

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        pairs = [{"key": k, "value": v} for k, v in tags.items()]
        self.client.tag_resource(resourceArn=arn, tags=pairs)

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        self.client.untag_resource(resourceArn=arn, tagKeys=keys)

    def delete_service(self, cluster: str, service: str) -> bool:
        try:
            self.client.delete_service(cluster=cluster, service=service, force=True)
        except AwsError as exc:
            if exc.code in (
                "ServiceNotFoundException",
                "ServiceNotActiveException",
                "ClusterNotFoundException",
            ):
                return False
            raise
        return True

    def hook_tasks(self, cluster: str, family: str, service: str) -> list[dict[str, Any]]:
        """The hook tasks (``eden.envs.hooks``) run for ``service``: its task family's tasks
        in the task group ``eden-hook:SERVICE``, running or stopped recently."""
        arns: list[str] = []
        for status in ("RUNNING", "STOPPED"):
            for page in self.pages(
                "list_tasks", cluster=cluster, family=family, desiredStatus=status
            ):
                arns += page.get("taskArns", [])
        tasks = self._describe_tasks(cluster, arns)
        return [t for t in tasks if t.get("group") == f"eden-hook:{service}"]

    def task_arns(self, cluster: str, desired_status: str) -> list[str]:
        """Every task of the cluster with that desired status (RUNNING or STOPPED); none
        when the cluster does not exist."""
        try:
            pages = list(self.pages("list_tasks", cluster=cluster, desiredStatus=desired_status))
        except AwsError as exc:
            if exc.code == "ClusterNotFoundException":
                return []
            raise
        return [arn for page in pages for arn in page.get("taskArns", [])]

    def describe_tasks(self, cluster: str, arns: list[str]) -> list[dict[str, Any]]:
        """The tasks, 100 a call (DescribeTasks' limit)."""
        return self._describe_tasks(cluster, arns)

    def _describe_tasks(self, cluster: str, arns: list[str]) -> list[dict[str, Any]]:
        tasks: list[dict[str, Any]] = []
        for i in range(0, len(arns), DESCRIBE_TASKS_BATCH):
            batch = arns[i : i + DESCRIBE_TASKS_BATCH]
            out = self.client.describe_tasks(cluster=cluster, tasks=batch)
            tasks += [dict(t) for t in out.get("tasks", [])]
        return tasks

    def service_tasks(self, cluster: str, service: str) -> list[dict[str, Any]]:
        """The service's tasks: running or starting, and those stopped recently (ECS keeps
        a stopped task for about an hour). Filtered by ``group`` too: moto ignores
        ListTasks' serviceName and lists the whole cluster."""
        arns: list[str] = []
        try:
            for status in ("RUNNING", "STOPPED"):
                for page in self.pages(
                    "list_tasks", cluster=cluster, serviceName=service, desiredStatus=status
                ):
                    arns += page.get("taskArns", [])
        except AwsError as exc:
            if exc.code in ("ServiceNotFoundException", "ClusterNotFoundException"):
                return []
            raise
        tasks = self._describe_tasks(cluster, arns)
        return [t for t in tasks if t.get("group") == f"service:{service}"]

    def run_task(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Starts one task (a hook). AWS reports a task it could not place in ``failures``
        with a 200: that is an error here, with AWS's reason."""
        out = self.client.run_task(**params)
        tasks = out.get("tasks", [])
        if not tasks:
            failure = (out.get("failures") or [{}])[0]
            reason = failure.get("reason") or "no task was started"
            detail = f" ({failure['detail']})" if failure.get("detail") else ""
            raise AwsError(f"RunTask started no task: {reason}{detail}", code="RunTaskFailure")
        return dict(tasks[0])

    def describe_task(self, cluster: str, task: str) -> dict[str, Any] | None:
        out = self.client.describe_tasks(cluster=cluster, tasks=[task])
        tasks = out.get("tasks", [])
        return dict(tasks[0]) if tasks else None

    def stop_task(self, cluster: str, task: str, reason: str) -> None:
        self.client.stop_task(cluster=cluster, task=task, reason=reason[:255])

    def region(self) -> str:
        return str(self.client.meta.region_name)

    def endpoint_url(self) -> str:
        """Where the ECS client sends its calls (the Session Manager plugin wants it)."""
        return str(self.client.meta.endpoint_url)

    def execute_command(
        self, cluster: str, task: str, container: str, command: str
    ) -> dict[str, Any]:
        """ECS Exec: an interactive session (its id, stream URL and token) for the
        Session Manager plugin to open."""
        out = self.client.execute_command(
            cluster=cluster, task=task, container=container, command=command, interactive=True
        )
        return dict(out)
