"""The portal's yes/no settings: 1/0, true/false, yes/no, on/off in any case, and nothing else.

Read as "anything but 1 is off", SVDUTY_PORTAL_PRODUCTION=true started the portal without its
production protections; a value that is not yes or no must stop it instead."""

from __future__ import annotations

import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.manage import manage
from svduty.portal.settings import flag

FLAGS = ("SVDUTY_PORTAL_PRODUCTION", "SVDUTY_PORTAL_DEBUG", "SVDUTY_PORTAL_SSL_REDIRECT")
NAME = "SVDUTY_TEST_FLAG"


@pytest.mark.parametrize(
    ("value", "meaning"),
    [("1", True), ("true", True), ("TRUE", True), ("Yes", True), ("on", True), (" ON ", True),
     ("0", False), ("false", False), ("False", False), ("NO", False), ("off", False)],
)  # fmt: skip
def test_yes_and_no_are_read_in_any_case(monkeypatch, value, meaning):
    monkeypatch.setenv(NAME, value)
    assert flag(NAME, default=not meaning) is meaning


@pytest.mark.parametrize("default", [True, False])
def test_unset_or_empty_is_the_default(monkeypatch, default):
    monkeypatch.delenv(NAME, raising=False)
    assert flag(NAME, default=default) is default
    monkeypatch.setenv(NAME, "")
    assert flag(NAME, default=default) is default


@pytest.mark.parametrize("value", ["ture", "2", "enabled", "y", "-1"])
def test_any_other_value_is_an_error_naming_the_setting_and_what_it_takes(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        flag(NAME, default=False)
    message = str(refused.value)
    assert NAME in message and repr(value) in message
    assert all(v in message for v in ("1", "0", "true", "false", "yes", "no", "on", "off"))


def _env(tmp_path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
    return env | {"SVDUTY_HOME": str(tmp_path), **settings}


@pytest.mark.parametrize("name", FLAGS)
def test_the_portal_will_not_start_with_a_flag_it_cannot_read(tmp_path, name):
    result = manage(_env(tmp_path, **{name: "ture"}), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name}='ture' is not a yes/no value" in result.stderr


def test_production_spelt_true_is_production(tmp_path):
    """Production refuses to start without its secret key: so "True" turned production on."""
    result = manage(_env(tmp_path, SVDUTY_PORTAL_PRODUCTION="True"), "check")
    assert result.returncode != 0
    assert "SVDUTY_PORTAL_SECRET_KEY must be set in production" in result.stderr
    assert not (tmp_path / "keys").exists()
