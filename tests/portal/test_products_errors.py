"""A product build tells bad input from a defect: an InputError fails the build with its
message for the person to act on; any other exception (a ValueError from a bug among them) fails
it as unexpected and is raised for the worker's log, never shown as if the input were wrong."""

from __future__ import annotations

import shutil

import pytest

from svduty import partnership
from svduty.errors import InputError
from svduty.portal import product_workflow
from svduty.products.strategy import file as strategies
from svduty.settings import Config

EXAMPLE = strategies.examples()["somerset"]


@pytest.fixture
def draft(settings, tmp_path, cheap_argon2, people):
    home = tmp_path / "home"
    (home / "strategies").mkdir(parents=True)
    shutil.copy(EXAMPLE, home / "strategies" / "somerset.yaml")
    settings.CONFIG = Config.from_env(
        {"SVDUTY_HOME": str(home), "SVDUTY_PARTNERSHIP": str(partnership.DEFAULT_YAML)}
    )
    settings.HOME = home
    settings.PRODUCTS_ROOT = tmp_path / "products"
    return product_workflow.start_draft(people["analyst"], "strategy", "somerset")


def test_an_input_error_fails_the_build_with_its_message(draft, monkeypatch):
    def refuse(*args):
        raise InputError("the strategy file's line 3 names no measure: name one")

    monkeypatch.setattr(product_workflow, "_build_strategy", refuse)
    built = product_workflow.build_draft(draft.pk)
    assert built == {
        "built": False,
        "message": "the strategy file's line 3 names no measure: name one",
    }
    state = product_workflow.build_state(draft)
    assert state["state"] == "failed" and "line 3" in state["message"]


def test_a_value_error_from_a_bug_is_a_defect_not_bad_input(draft, monkeypatch):
    def bug(*args):
        raise ValueError("could not convert string to float: 'abc'")

    monkeypatch.setattr(product_workflow, "_build_strategy", bug)
    with pytest.raises(ValueError, match="could not convert"):
        product_workflow.build_draft(draft.pk)
    state = product_workflow.build_state(draft)
    assert state["state"] == "failed"
    assert "stopped unexpectedly (ValueError)" in state["message"]
    assert "abc" not in state["message"]


def test_a_workflow_refusal_is_input_error():
    assert issubclass(product_workflow.WorkflowError, InputError)
