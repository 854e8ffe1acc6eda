"""The suite's own scheduling: the heavy tests start first, one per worker in turn."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

from heavy_first import heavy_first, share_sizes

TESTS_DIR = Path(__file__).resolve().parents[1]


def test_share_sizes_split_like_the_work_stealing_scheduler() -> None:
    assert share_sizes(10, 4) == [2, 2, 3, 3]
    assert share_sizes(8, 4) == [2, 2, 2, 2]
    assert share_sizes(3, 4) == [0, 1, 1, 1]
    assert share_sizes(1734, 4) == [433, 433, 434, 434]


def test_each_share_starts_with_its_heavy_tests_longest_first_balanced() -> None:
    items = list(range(20))
    seconds: list[float | None] = [None] * 20
    seconds[5], seconds[12], seconds[15], seconds[3], seconds[18] = 80, 70, 60, 50, 10
    order = heavy_first(items, seconds, workers=4)

    assert sorted(order) == items  # every test once
    shares = [order[0:5], order[5:10], order[10:15], order[15:20]]
    assert [share[0] for share in shares] == [5, 12, 15, 3]
    # 10 s goes to the share with the least heavy time (50 s), right after its 50 s test.
    assert shares[3][:2] == [3, 18]
    # The rest keep their order.
    light = [i for i in order if seconds[i] is None]
    assert light == sorted(light)


def test_equal_seconds_keep_the_collection_order_and_a_full_share_is_skipped() -> None:
    seconds: list[float | None] = [5, 5, 5, 5, 5, None]
    order = heavy_first(list("abcdef"), seconds, workers=4)
    # Shares of 1, 1, 2, 2: the fifth heavy test goes to the first share with room.
    assert order == ["a", "b", "c", "e", "d", "f"]


def test_one_process_keeps_the_collection_order() -> None:
    seconds: list[float | None] = [None, 9, None]
    assert heavy_first(["a", "b", "c"], seconds, workers=0) == ["a", "b", "c"]
    assert heavy_first(["a", "b", "c"], seconds, workers=1) == ["a", "b", "c"]


def test_under_xdist_each_worker_starts_with_a_heavy_test(tmp_path: Path) -> None:
    """The real scheduler: 4 workers, 4 heavy tests among 40: each worker's first test
    is a different heavy one (which worker gets which share depends on which was ready
    first)."""
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(TESTS_DIR)!r})
            from heavy_first import order_items

            def pytest_collection_modifyitems(config, items):
                order_items(items)  # what the suite's own conftest does
            """
        )
    )
    heavy = {7: 40, 19: 30, 23: 20, 38: 10}
    tests = []
    for i in range(40):
        mark = f"@pytest.mark.heavy(seconds={heavy[i]})\n" if i in heavy else ""
        tests.append(
            f"{mark}def test_{i:02d}():\n"
            f"    with open('ran.txt', 'a') as out:\n"
            f"        out.write(os.environ['PYTEST_XDIST_WORKER'] + ' {i}\\n')\n"
        )
    (tmp_path / "test_many.py").write_text("import os\nimport pytest\n\n" + "\n".join(tests))
    # Not this run's own worker's settings, when this test runs under pytest-xdist itself.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "4",
         "--dist", "worksteal", "-W", "ignore::pytest.PytestUnknownMarkWarning"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ran = [line.split() for line in (tmp_path / "ran.txt").read_text().splitlines()]
    assert Counter(int(i) for _, i in ran) == Counter(range(40))
    first: dict[str, int] = {}
    for worker, i in ran:
        first.setdefault(worker, int(i))
    assert sorted(first) == ["gw0", "gw1", "gw2", "gw3"]
    assert sorted(first.values()) == [7, 19, 23, 38]
