"""What bench/mutate.py mutates: each module of the pure core with the unit tests that hold
it, and the survivors judged equivalent (docs/testing.md lists them with the same reasons).
"""

from __future__ import annotations

from dataclasses import dataclass


def _tests(*names: str) -> tuple[str, ...]:
    """``naming``: tests/unit/test_naming.py; ``scaler/x``: tests/unit/scaler/test_scaler_x.py."""
    return tuple(f"tests/unit/scaler/test_scaler_{n[7:]}.py" if n.startswith("scaler/")
                 else f"tests/unit/test_{n}.py" for n in names)


@dataclass(frozen=True)
class Suite:
    module: str
    tests: tuple[str, ...]
    skip: tuple[str, ...] = ()  # functions that are I/O, not the pure core


RESOURCE_TESTS = _tests("planner", "plan_records_journal", "alb_pool_order", "quota_check")
SCALER_POLICY_TESTS = _tests("scaler/target_tracking", "scaler/target_tracking_edges",
                             "scaler/threshold", "scaler/seed_flaws")


def _resource(name: str, *own_tests: str) -> Suite:
    """A resource module: the planner's tests, and its own unit tests if it has some."""
    return Suite(f"src/eden/envs/resources/{name}.py", (*RESOURCE_TESTS, *_tests(*own_tests)))


SUITES: tuple[Suite, ...] = (
    Suite("src/eden/core/naming.py", _tests("naming", "naming_rules", "planner")),
    Suite("src/eden/core/limits.py", _tests("core_limits", "naming", "naming_rules", "planner",
                                            "quota_check")),
    Suite("src/eden/core/images.py", _tests("engine_inputs", "core_images_tags")),
    Suite("src/eden/core/arns.py", _tests("alb_pool_order", "core_arns")),
    Suite("src/eden/core/envvars.py", _tests("engine_inputs", "env_variables", "envvars_edges")),
    Suite("src/eden/core/tags.py", _tests("planner", "core_images_tags")),
    Suite("src/eden/core/urls.py", _tests("core_urls")),
    Suite("src/eden/core/office_hours.py", _tests("office_hours", "office_hours_edges")),
    Suite("src/eden/core/secrets.py", _tests("secrets")),
    Suite("src/eden/core/secret_policy.py", _tests("secrets")),
    Suite("src/eden/core/cost.py", _tests("cost", "cost_view", "cost_edges")),
    Suite("src/eden/core/endpoints_doc.py", _tests("endpoints_doc", "endpoints_doc_sync")),
    Suite("src/eden/envs/planner.py", _tests("planner")),
    _resource("base", "resource_base"),
    _resource("target_group", "target_group_resource"),
    _resource("task_definition", "task_definition_resource", "env_variables"),
    _resource("listener_rule", "listener_rule", "bypass_rule_plan"),
    _resource("service", "service_resource"),
    _resource("dns_record", "dns_endpoint_resources"),
    _resource("endpoints_entry", "dns_endpoint_resources"),
    _resource("bypass_rule", "bypass_rule_plan"),
    Suite("src/eden/envs/quota.py", _tests("quota_check", "quota_ledger", "alb_pool_order",
                                           "bypass_rule_plan")),
    Suite("src/eden/envs/albs.py", _tests("alb_pool_order", "alb_pool_place", "bypass_rule_plan")),
    Suite("src/eden/envs/readiness.py", _tests("readiness", "readiness_edges"),
          ("wait_until_ready",)),
    Suite("src/eden/scaler/windows.py", _tests("scaler/windows")),
    Suite("src/eden/scaler/target_tracking.py", SCALER_POLICY_TESTS),
    Suite("src/eden/scaler/governor.py", (*_tests("scaler/governor"), *SCALER_POLICY_TESTS)),
    Suite("src/eden/scaler/threshold.py", _tests("scaler/threshold", "scaler/seed_flaws")),
    _resource("waker_group", "waker_group_resource"),
)

# Survivors judged equivalent: no input can tell the mutant from the original. Keyed by
# (module, the mutated line's text, the change), so an edit elsewhere does not unhook them;
# docs/testing.md lists them with the same reasons. A survivor not in this table is a
# missing test.
EQUIVALENT: dict[tuple[str, str, str], str] = {
    ("src/eden/scaler/windows.py", "while items and items[-1][1] <= value:", "LtE -> Lt"):
        "an equal value kept behind a newer equal one never changes the maximum (only the "
        "deque's length)",
    ("src/eden/core/naming.py", "if ch.isascii():", "delete If"):
        "anyascii returns an ASCII character unchanged: the fast path gives the same text",
    ("src/eden/core/naming.py",
     "if len(reading) > 1 and reading[0].isupper() and reading[1:].islower():", "Gt -> GtE"):
        "a one-letter reading has reading[1:] == '', and ''.islower() is False: not a syllable "
        "either way",
    ("src/eden/core/naming.py",
     "if len(reading) > 1 and reading[0].isupper() and reading[1:].islower():", "1 -> 0"):
        "as above: len > 0 and len > 1 differ only for one-letter readings, which "
        "''.islower() already refuses",
    ("src/eden/scaler/governor.py", 'return ""', "return x -> return None"):
        "_held's answer is only tested for truth: None and '' are both false",
    ("src/eden/scaler/governor.py", 'return ""', "delete Return"):
        "the same: falling off the end returns None, which is false like ''",
    ("src/eden/scaler/governor.py", 'edge = "max" if clamped < wanted else "min"', "Lt -> LtE"):
        "only reached when clamped != wanted, where < and <= agree",
    ("src/eden/scaler/target_tracking.py", "self._panic_last_trigger = 0.0", "delete Assign"):
        "read only while panicking, and the tick that starts a panic sets it first",
    ("src/eden/scaler/target_tracking.py", "self._panic_last_trigger = 0.0", "0.0 -> 1.0"):
        "the same: the first value is never read",
    ("src/eden/scaler/target_tracking.py", "self._panic_last_trigger = 0.0", "0.0 -> -1.0"):
        "the same: the first value is never read",
    ("src/eden/scaler/target_tracking.py", "self._panic_peak = 0", "delete Assign"):
        "read only while panicking, and the tick that starts a panic resets it to 0 first",
    ("src/eden/scaler/target_tracking.py", "self._panic_peak = 0", "0 -> 1"):
        "the first value is never read (in __init__), or, when a panic starts, is below "
        "want_panic, which is at least panic_threshold > 1, so the max() ignores it",
    ("src/eden/scaler/target_tracking.py", "self._step_per_task = 0.0", "0.0 -> -1.0"):
        "compared only after a step (which sets it) or, before any step, when per_task is 0 "
        "on a settled tick that could not step (at max_tasks): every proposal is clamped to "
        "the same max then",
    ("src/eden/scaler/target_tracking.py",
     "proposal = max(want_stable, want_panic or 0, self._panic_peak, current)", "0 -> 1"):
        "while panicking the peak is at least the first panic proposal, itself at least "
        "want_panic >= 2 then: a 1 in the max() never wins",
    ("src/eden/scaler/target_tracking.py", "return load <= 0", "return x -> return None"):
        "with no tasks (current 0) and a load >= 0: within tolerance (0 load) proposes current"
        " = 0, and not within it proposes ceil(0 / target) = 0 too; any load > 0 is not "
        "within either way",
    ("src/eden/scaler/target_tracking.py", "return load <= 0", "LtE -> Lt"):
        "the same: load is never negative, so only load == 0 differs, and it proposes 0 "
        "either way",
    ("src/eden/envs/resources/listener_rule.py", "return None", "delete Return"):
        "record's last line: falling off the end returns None all the same",
    ("src/eden/envs/resources/listener_rule.py", "@dataclass(frozen=True)", "True -> False"):
        "Placed (a step's output) is only read (resolve, the record): nothing assigns to it "
        "or hashes it",
    ("src/eden/envs/resources/listener_rule.py",
     "usage = ref.alb_usage or AlbUsage(len(non_default), 0, frozenset())", "0 -> 1"):
        "with the ALB's usage not read, the target groups counted are 0 or 1: a new one "
        "makes 1 or 2 of the 100 an ALB takes, never refused either way",
    ("src/eden/envs/quota.py", "return None", "delete Return"):
        "shortfall's last line: falling off the end returns None all the same",
    ("src/eden/envs/quota.py", "self.policy = policy", "delete Assign"):
        "nothing reads Ledger.policy: the lease's policy reaches GroupCommit through the "
        "closure in __init__",
    ("src/eden/envs/quota.py", "@dataclass(frozen=True)", "True -> False"):
        "Need and _Claim are built once and only read: nothing assigns to one or hashes it",
    ("src/eden/envs/albs.py", "@dataclass(frozen=True)", "True -> False"):
        "a Room is built once per read and only read: nothing assigns to one or hashes it",
    ("src/eden/envs/readiness.py", "@dataclass(frozen=True)", "True -> False"):
        "Observation, Readiness and Watch are built once and only read: nothing assigns to "
        "one or hashes it",
    ("src/eden/envs/readiness.py",
     "assert arn is not None  # a service the engine has just made or deployed", "delete Assert"):
        "a guard for the type checker: a None ARN fails on the next line all the same "
        "(AttributeError instead of AssertionError), and the engine never passes one",
    ("src/eden/envs/readiness.py",
     "assert names is not None  # a record the engine has just written has them all",
     "delete Assert"):
        "the same: None names fail on the next line (names.service)",
    ("src/eden/envs/readiness.py",
     'return cls(cluster, arn.rsplit("/", 1)[-1], service.target_group_arn, dns_change)',
     "1 -> 2"):
        "rsplit's maxsplit 1 -> 2: the last piece after the last '/' is the same for any "
        "maxsplit >= 1 (the index's 1 -> 2, [-2], is killed, so only this one survives)",
    ("src/eden/envs/readiness.py",
     'return cls(cluster, arn.rsplit("/", 1)[-1], service.target_group_arn, dns_change)',
     "-x -> x"):
        "[-1] -> [1] of rsplit('/', 1): two pieces for an ARN with a '/', and every ECS "
        "service ARN has one (service/NAME or service/CLUSTER/NAME)",
    ("src/eden/core/images.py", "@dataclass(frozen=True)", "True -> False"):
        "an EcrImage is built once and only read: nothing assigns to one or hashes it",
    ("src/eden/core/arns.py", 'parts = alb_arn.split(":loadbalancer/", 1)[-1].split("/")',
     "1 -> 2"):
        "maxsplit 1 -> 2 differs only for an ARN with ':loadbalancer/' twice, which no ALB "
        "ARN has",
    ("src/eden/core/office_hours.py", "@dataclass(frozen=True)", "True -> False"):
        "OfficeHours is built once per profile and only read: nothing assigns to it or "
        "hashes it (a Profile holds dicts, so it is never hashed either)",
    ("src/eden/core/office_hours.py", "for back in range(9):", "9 -> 10"):
        "the latest boundary at or before now is never more than 7 days back: an office day "
        "8 days back is yesterday's weekday too, and yesterday's opening is later and past",
    ("src/eden/core/office_hours.py", "for back in range(9):", "9 -> 8"):
        "the same: day 8 back never holds the latest boundary, so leaving it out changes "
        "nothing",
    ("src/eden/core/office_hours.py", "return self.end < self.start", "Lt -> LtE"):
        "office_hours() refuses from == to, so end == start is never built",
    ("src/eden/core/envvars.py", "@dataclass(frozen=True)", "True -> False"):
        "VarsChange and EnvVars are built once and only read (apply makes a new EnvVars); "
        "they hold dicts, so nothing hashes them",
    ("src/eden/envs/resources/dns_record.py", "@dataclass(frozen=True)", "True -> False"):
        "Pointed and RecordRemoved (step outputs) are only read: nothing assigns to one or "
        "hashes it",
    ("src/eden/envs/resources/endpoints_entry.py", "return None", "delete Return"):
        "record's last line: falling off the end returns None all the same",
    ("src/eden/envs/resources/endpoints_entry.py", "@dataclass(frozen=True)", "True -> False"):
        "Written (a step's output) is only read: nothing assigns to it or hashes it",
    ("src/eden/envs/resources/target_group.py", "@dataclass(frozen=True)", "True -> False"):
        "Made (a step's output) is only read: nothing assigns to it or hashes it",
    ("src/eden/envs/resources/task_definition.py", "@dataclass(frozen=True)", "True -> False"):
        "Revisions, Registered and Deregistered are built once and only read: nothing "
        "assigns to one or hashes it",
    ("src/eden/core/cost.py", "@dataclass(frozen=True)", "True -> False"):
        "Rate, Prices and TaskSize are built once and only read and compared (==): nothing "
        "assigns to one or hashes it",
    ("src/eden/core/cost.py", "seconds = max(0.0, min(end, now) - float(at))", "0.0 -> -1.0"):
        "seconds only goes to Meter.add, which ignores seconds <= 0: a floor of -1 or of 0 "
        "adds nothing either way",
    ("src/eden/core/cost.py", "usage.saved.add(max(0.0, would - running), seconds, size)",
     "0.0 -> -1.0"):
        "the same: Meter.add ignores tasks <= 0, so a floor of -1 or of 0 adds nothing",
    ("src/eden/core/secrets.py", "return None", "delete Return"):
        "pattern_problem's last line and read_leniently's except: falling off the end "
        "returns None all the same",
    ("src/eden/core/secrets.py", "_FINGERPRINT_KEY = _random.token_bytes(16)", "16 -> 17"):
        "a random per-process key of 17 bytes instead of 16: HMAC takes any length, and a "
        "fingerprint made with an unknown random key cannot tell one length from another",
    ("src/eden/core/secrets.py", "_FINGERPRINT_KEY = _random.token_bytes(16)", "16 -> 15"):
        "the same, with 15 bytes",
    ("src/eden/core/secrets.py", "@dataclass(frozen=True)", "True -> False"):
        "Home and SecretRef are built once and only read: nothing assigns to one or hashes it",
    ("src/eden/core/secrets.py", 'service = parts[2] if len(parts) > 2 else ""', "2 -> 3"):
        "differs only for a pattern of exactly 3 fields, which the next line refuses as not "
        "a whole ARN before the service is read",
    ("src/eden/core/secrets.py",
     'return _URL_PASSWORD_RE.sub(rf"\\g<1>{REDACTED}\\g<3>", value, count=1)', "1 -> 2"):
        "the pattern is anchored at ^ (no MULTILINE): it matches at most once, whatever the "
        "count",
    ("src/eden/core/secrets.py",
     'return _URL_PASSWORD_RE.sub(rf"\\g<1>{REDACTED}\\g<3>", value, count=1)', "1 -> 0"):
        "the same: count=0 (every match) replaces the one match there can be",
    ("src/eden/envs/resources/waker_group.py", "@dataclass(frozen=True)", "True -> False"):
        "WakerMade (a step's output) is only read: nothing assigns to it or hashes it",
    ("src/eden/scaler/threshold.py", "return None", "delete Return"):
        "table_lookup's last line: falling off the end returns None all the same",
    ("src/eden/scaler/threshold.py", "@dataclass(frozen=True)", "True -> False"):
        "SeedTiming is built once per SeedPolicy and only read: nothing assigns to it or "
        "hashes it",
    ("src/eden/envs/resources/service.py", "@dataclass(frozen=True)", "True -> False"):
        "Deployed (a step's output) is only read: nothing assigns to it or hashes it",
    ("src/eden/envs/resources/service.py", "if not wanted:", "delete If"):
        "with no volume left to launch, the rest of volume_configurations finds none missing "
        "and returns [] all the same (the early return only saves reading the deployments)",
    ("src/eden/envs/resources/service.py", "return []", "delete Return"):
        "the same: falling through with no volume wanted returns [] all the same",
    ("src/eden/envs/resources/bypass_rule.py", "return None", "delete Return"):
        "find's last line: falling off the end returns None all the same",
}
