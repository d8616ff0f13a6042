"""`python -m svduty.portal create_member`: a person's account and membership (organisation and
role), from the command line: the first partnership analyst of a new deployment, or anyone when
accounts are made by automation.

The password is asked for twice (never echoed) or read from standard input with
--password-stdin; Django's password validators judge it, and it is never printed, logged or
audited. The creation is in the audit log as a role change made by the system.
"""

from __future__ import annotations

import getpass
import sys

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from svduty import partnership as partnership_config
from svduty.portal import audit
from svduty.portal.models import ROLE_CHOICES, AuditEvent, Membership, Organisation
from svduty.portal.roles import Role

ACTOR = "system"  # who the audit log says made the account: no portal user did
ROLE_NAMES = dict(ROLE_CHOICES)


def _configured_bodies() -> dict[str, str]:
    """Name -> kind of every body the partnership configuration (written by `svduty init`)
    names; empty when there is none yet."""
    path = settings.CONFIG.partnership_path
    if not path.exists():
        return {}
    try:
        p = partnership_config.load(path)
    except partnership_config.PartnershipConfigError as exc:
        raise CommandError(str(exc)) from None
    return {b["name"]: b["kind"] for b in (*p.specified_authorities, *p.other_bodies)}


def _organisation(name: str) -> Organisation:
    """The organisation called ``name`` (any case); when only the partnership configuration
    names it (a new deployment), an unsaved one of the configured kind; refused otherwise,
    with the names there are."""
    found = Organisation.objects.filter(name__iexact=name.strip()).first()
    if found is not None:
        return found
    configured = _configured_bodies()
    for known, kind in configured.items():
        if known.lower() == name.strip().lower():
            return Organisation(name=known, kind=kind)
    names = sorted({*Organisation.objects.values_list("name", flat=True), *configured})
    if not names:
        raise CommandError(
            f"Unknown organisation {name!r}, and there are none yet: run `svduty init` so the "
            "partnership configuration names them (or set SVDUTY_PARTNERSHIP), then try again."
        )
    listed = "\n".join(f"  {n}" for n in names)
    raise CommandError(f"Unknown organisation {name!r}. Give one of these names:\n{listed}")


def _check_role(role: str) -> None:
    """Refuse a role roles.py does not define, naming those it does."""
    if role not in {r.value for r in Role}:
        listed = ", ".join(f"{r.value} ({ROLE_NAMES.get(r.value, r.value)})" for r in Role)
        raise CommandError(f"Unknown role {role!r}. Give one of: {listed}.")


def _check_username(username: str) -> None:
    """Refuse a username Django would not take, or one that exists in any case (two accounts
    differing only in case are two people no one can tell apart)."""
    field = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    try:
        field.clean(username, None)
    except ValidationError as exc:
        raise CommandError(f"Username {username!r}: {' '.join(exc.messages)}") from None
    if get_user_model().objects.filter(**{f"{field.name}__iexact": username}).exists():
        raise CommandError(
            f"There is already an account called {username!r}: change its role in the portal "
            "(People), or choose another username."
        )


class Command(BaseCommand):
    help = (
        "Create a person's account with a membership of an organisation in a role (e.g. the "
        "first partnership analyst). The password is asked for twice, or read from standard "
        "input with --password-stdin; it is never shown. The creation is audited."
    )
    stealth_options = ("stdin",)  # tests give the password through call_command(stdin=...)

    def add_arguments(self, parser):
        parser.add_argument(
            "--organisation",
            required=True,
            metavar="NAME",
            help="the organisation's name, as the portal or the partnership configuration has it",
        )
        parser.add_argument(
            "--role",
            required=True,
            help=f"one of: {', '.join(r.value for r in Role)}",
        )
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input (for automation)",
        )

    def handle(self, *args, organisation, role, username, password_stdin, **options):
        # everything but the password is checked before it is asked for, so a typo costs nothing
        _check_role(role)
        _check_username(username)
        org = _organisation(organisation)
        password = self._password(options.get("stdin") or sys.stdin, password_stdin)
        user_model = get_user_model()
        try:
            password_validation.validate_password(
                password, user=user_model(**{user_model.USERNAME_FIELD: username})
            )
        except ValidationError as exc:
            raise CommandError(f"Password refused: {' '.join(exc.messages)}") from None
        try:
            with transaction.atomic():
                org_made = org.pk is None
                if org_made:
                    org.save()
                user = user_model.objects.create_user(username=username, password=password)
                Membership.objects.create(user=user, organisation=org, role=role)
                audit.record(
                    None,
                    AuditEvent.Action.ROLE_CHANGE,
                    user.get_username(),
                    username=ACTOR,
                    command="create_member",
                    run_by=settings.CONFIG.loaded_by,
                    created=True,
                    organisation_created=org_made,
                    before={"role": None, "organisation": None, "groups": []},
                    after={"role": role, "organisation": org.name, "groups": []},
                    changed=["organisation", "role"],
                )
        except IntegrityError:  # the account or the organisation made by someone else meanwhile
            raise CommandError(
                f"The account {username!r} or its organisation was made by someone else while "
                "this ran: nothing was created. Run the command again to see which."
            ) from None
        if org_made:
            self.stdout.write(
                f"Added the organisation {org.name} ({org.get_kind_display()}) from the "
                "partnership configuration."
            )
        self.stdout.write(f"Created {username}: {ROLE_NAMES.get(role, role)} of {org.name}.")

    def _password(self, stdin, from_stdin: bool) -> str:
        """The password, from standard input's first line or asked for twice."""
        if from_stdin:
            password = stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("--password-stdin: standard input held no password.")
            return password
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            raise CommandError("The two passwords differ: nothing was created.")
        if not password:
            raise CommandError("No password given: nothing was created.")
        return password
