"""Each kind of job has its queue: every job the portal hands to the queue names its kind, and
a worker can be given only some kinds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from housing import jobs
from housing.config import PROJECT_ROOT

ENQUEUEING = ("enqueue", "enqueue_after_commit", "enqueue_in")


def test_every_job_handed_to_the_queue_names_its_kind():
    unnamed = []
    for path in sorted((PROJECT_ROOT / "housing").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ENQUEUEING
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "jobs"
                and not any(keyword.arg == "queue_name" for keyword in node.keywords)
            ):
                unnamed.append(f"{Path(path).relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert unnamed == []


def test_a_worker_takes_its_queues_in_priority_order():
    assert jobs.QUEUES == ("mail", "lottery", "exports", "default", "broadcasts")
    assert jobs.queue_names(None) == jobs.QUEUES
    assert jobs.queue_names("broadcasts, exports,mail") == ("mail", "exports", "broadcasts")
    for wrong in ("mail,everything", ",", "notifications"):
        with pytest.raises(ValueError, match="choose among mail, lottery"):
            jobs.queue_names(wrong)


def test_the_worker_command_refuses_an_unknown_queue(runner):
    result = runner.invoke(args=["worker", "--queues", "mail,everything"])
    assert result.exit_code == 2
    assert "unknown queue everything" in result.output
