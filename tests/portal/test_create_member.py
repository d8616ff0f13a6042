"""`python -m svduty.portal create_member`: the first partnership analyst (or anyone) from the
command line. The account and its membership are made together, with a role from roles.py and
an organisation the portal or the partnership configuration knows; the password comes from a
prompt asked twice or from standard input, passes Django's validators and is never shown; the
creation is audited as the system's."""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.core.management import CommandError, call_command
from django.urls import reverse

from svduty import partnership as partnership_config
from svduty.portal.management.commands import create_member
from svduty.portal.models import AuditEvent, Membership, Organisation
from svduty.portal.roles import Role
from svduty.settings import Config

PASSWORD = "a lemon-tree grows in Taunton"  # long, uncommon, unlike the username


pytestmark = pytest.mark.usefixtures("cheap_argon2")  # every test here hashes passwords


@pytest.fixture(autouse=True)
def no_configuration(settings, tmp_path):
    """A data directory with no partnership configuration, unless a test writes one."""
    settings.CONFIG = Config.from_env({"SVDUTY_HOME": str(tmp_path / "home")})
    return settings.CONFIG


@pytest.fixture
def prompts(monkeypatch):
    """The answers the password prompts get, and the prompts asked (no terminal in tests)."""
    asked: list[str] = []
    answers: list[str] = []

    def getpass(prompt="Password: "):
        asked.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(create_member.getpass, "getpass", getpass)
    return answers, asked


def run(*args, stdin: str | None = None, **options) -> tuple[str, str]:
    """call_command with its output; ``stdin`` given means --password-stdin."""
    out, err = io.StringIO(), io.StringIO()
    extra = ["--password-stdin"] if stdin is not None else []
    call_command(
        "create_member",
        *args,
        *extra,
        stdout=out,
        stderr=err,
        **({"stdin": io.StringIO(stdin)} if stdin is not None else {}),
        **options,
    )
    return out.getvalue(), err.getvalue()


FIRST = ("--organisation", "Somerset Council", "--role", "analyst", "--username", "first.analyst")


def _nothing_made(organisations_before: int = 3):
    assert not get_user_model().objects.filter(username="first.analyst").exists()
    assert not AuditEvent.objects.exists()
    assert Organisation.objects.count() == organisations_before


def test_the_first_analyst_from_stdin_can_sign_in_and_the_creation_is_audited(
    client, organisations, caplog
):
    caplog.set_level("DEBUG")
    out, err = run(*FIRST, stdin=PASSWORD + "\n")
    assert out.strip() == "Created first.analyst: Partnership analyst of Somerset Council."
    user = get_user_model().objects.get(username="first.analyst")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(PASSWORD) and not user.is_staff
    m = Membership.objects.get(user=user)
    assert (m.role, m.organisation) == ("analyst", organisations["council"])
    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.ROLE_CHANGE
    assert event.username == "system" and event.user is None
    assert event.target == "first.analyst"
    assert event.detail["command"] == "create_member" and event.detail["created"] is True
    assert event.detail["after"] == {
        "role": "analyst",
        "organisation": "Somerset Council",
        "groups": [],
    }
    assert event.detail["organisation_created"] is False
    # the password is nowhere but in the hash
    everything = out + err + caplog.text + json.dumps(event.detail) + event.target
    assert PASSWORD not in everything
    # and the analyst can sign in and manage people
    signed_in = client.post(
        reverse("portal:sign-in"), {"username": "first.analyst", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.get(reverse("portal:people")).status_code == 200


def test_only_the_first_line_of_stdin_is_the_password(organisations):
    run(*FIRST, stdin=f"{PASSWORD}\r\nsomething else\n")
    assert get_user_model().objects.get(username="first.analyst").check_password(PASSWORD)


def test_the_password_is_asked_for_twice(organisations, prompts):
    answers, asked = prompts
    answers += [PASSWORD, PASSWORD]
    out, _ = run(*FIRST)
    assert asked == ["Password: ", "Password (again): "]
    assert get_user_model().objects.get(username="first.analyst").check_password(PASSWORD)
    assert PASSWORD not in out


def test_two_different_passwords_make_nothing(organisations, prompts):
    answers, _ = prompts
    answers += [PASSWORD, PASSWORD + "!"]
    with pytest.raises(CommandError, match="differ") as refused:
        run(*FIRST)
    assert PASSWORD not in str(refused.value)
    _nothing_made()


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Taunton-1", "too short"),
        ("qwerty123456", "too common"),
        ("482913574620", "entirely numeric"),
        ("first.analyst.1", "too similar to the username"),
        ("", "held no password"),
    ],
)
def test_a_weak_password_is_refused_and_nothing_made(organisations, password, why):
    with pytest.raises(CommandError, match=why) as refused:
        run(*FIRST, stdin=password + "\n")
    assert not password or password not in str(refused.value)
    _nothing_made()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_of_roles_py_can_be_given(organisations, role):
    run(
        "--organisation",
        "NHS Somerset ICB",
        "--role",
        role.value,
        "--username",
        "p",
        stdin=PASSWORD,
    )
    assert Membership.objects.get(user__username="p").role == role.value


def test_an_unknown_role_is_refused_listing_the_roles(organisations, prompts):
    with pytest.raises(CommandError) as refused:
        run("--organisation", "Somerset Council", "--role", "admin", "--username", "first.analyst")
    message = str(refused.value)
    assert "'admin'" in message
    for role in Role:
        assert role.value in message
    assert prompts[1] == []  # refused before the password was asked for
    _nothing_made()


def test_an_unknown_organisation_is_refused_listing_the_organisations(organisations, prompts):
    with pytest.raises(CommandError) as refused:
        run("--organisation", "Somerset Counsel", "--role", "analyst", "--username", "x.y")
    message = str(refused.value)
    assert "'Somerset Counsel'" in message
    for o in organisations.values():
        assert f"\n  {o.name}" in message
    assert prompts[1] == []
    _nothing_made()


def test_with_no_organisations_at_all_it_says_to_run_init(db, prompts):
    with pytest.raises(CommandError, match="svduty init"):
        run(*FIRST)
    _nothing_made(organisations_before=0)


def test_a_new_deployment_takes_the_organisation_from_the_partnership_configuration(
    db, no_configuration
):
    partnership_config.write_default(no_configuration.partnership_path)
    spelt = "bristol city council"  # any case
    out, _ = run("--organisation", spelt, "--role", "analyst", "--username", "b.a", stdin=PASSWORD)
    org = Organisation.objects.get()  # made, with the configuration's name and kind
    assert (org.name, org.kind) == ("Bristol City Council", "local_authority")
    assert Membership.objects.get().organisation == org
    assert "Added the organisation Bristol City Council" in out
    assert AuditEvent.objects.get().detail["organisation_created"] is True
    # a name neither has is still refused, and the list includes the configuration's
    with pytest.raises(CommandError) as refused:
        run("--organisation", "Nowhere", "--role", "viewer", "--username", "v", stdin=PASSWORD)
    assert "\n  Somerset Council" in str(refused.value)


@pytest.mark.parametrize("username", ["ana", "ANA"])
def test_an_existing_username_is_refused(people, username, prompts):
    users = get_user_model().objects.count()
    with pytest.raises(CommandError, match="already an account"):
        run("--organisation", "Somerset Council", "--role", "viewer", "--username", username)
    assert get_user_model().objects.count() == users
    assert Membership.objects.get(user=people["analyst"]).role == "analyst"  # untouched
    assert prompts[1] == [] and not AuditEvent.objects.exists()


def test_a_username_django_would_not_take_is_refused(organisations):
    with pytest.raises(CommandError, match="Username"):
        run("--organisation", "Somerset Council", "--role", "viewer", "--username", "a b")
    assert not get_user_model().objects.exists()


def test_from_a_shell_it_exits_non_zero_on_refusal_and_never_echoes_the_password(tmp_path):
    """The real thing: a fresh SQLite portal database, the password piped in (as automation
    does), and exit codes a script can test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
    env.update(SVDUTY_HOME=str(tmp_path), SVDUTY_PORTAL_SECRET_KEY=secrets.token_urlsafe(64))

    def manage(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "svduty.portal", *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def create(stdin=PASSWORD + "\n"):
        return manage(
            "create_member",
            "--organisation", "Somerset Council",
            "--role", "analyst",
            "--username", "first.analyst",
            "--password-stdin",
            stdin=stdin,
        )  # fmt: skip

    # each process imports Django and the portal (seconds of CPU): the refusals' messages are
    # the in-process tests' above (an unknown role among them), here two refusals' exit codes
    assert manage("migrate", "--verbosity", "0").returncode == 0
    no_config = create()  # a new deployment before `svduty init`
    assert no_config.returncode != 0 and "svduty init" in no_config.stderr
    partnership_config.write_default(tmp_path / "partnership.yaml")
    made = create()
    assert made.returncode == 0, made.stderr
    assert "Created first.analyst: Partnership analyst of Somerset Council." in made.stdout
    again = create()
    assert again.returncode != 0 and "already an account" in again.stderr
    for result in (no_config, made, again):
        assert PASSWORD not in result.stdout + result.stderr
