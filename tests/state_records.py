"""State records for the state-store tests (unit and integration): one of each kind,
with values that exercise the stores' encoding (floats, optional fields, nested data)."""

from __future__ import annotations

from eden.state import ApiKey, EnvRecord, Event, JournalEntry, ServiceRecord


def record(name: str, *, profile: str = "dev", created_at: float = 100.0,
           status: str = "ready", image: str = "repo/api:1") -> EnvRecord:
    return EnvRecord(
        profile=profile,
        name=name,
        branch=f"feature/{name}",
        host=f"api-{name}.dev.example.com",
        status=status,
        created_at=created_at,
        last_deploy_at=created_at + 5,
        names={"service": f"eden-{name}", "target_group": f"eden-{name}"},
        services=[ServiceRecord(
            role="app", image=image, resources={"task_definition": {"arn": f"arn:td/{name}:1"}}
        )],
        extra={"zone_id": "Z0123456789ABC", "rule_priority": 7, "ratio": 0.1},
    )


def event(env: str, started_at: float, action: str = "create", *, profile: str = "dev",
          result: str = "ok", image: str | None = "repo/api:1") -> Event:
    return Event(profile=profile, env=env, action=action, actor="ci@runner",
                 started_at=started_at, seconds=1.25, result=result, detail="6 steps",
                 image=image)


def entry(env: str, at: float, step: str, phase: str = "start", *,
          profile: str = "dev") -> JournalEntry:
    return JournalEntry(profile=profile, env=env, operation_id="op-1", step=step,
                        phase=phase, at=at, detail="")


def api_key(key_id: str, secret_hash: str, created_at: float, scope: str = "read") -> ApiKey:
    return ApiKey(id=key_id, name=f"key {key_id}", secret_hash=secret_hash, scope=scope,
                  created_at=created_at)
