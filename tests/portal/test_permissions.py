"""The permission matrix: every URL of the portal (its public site and the admin's front door
included) requested by every kind of person, anonymous included, with objects of more than one
organisation; nobody reaches what they should not.

EXPECTED is written by hand from issue 6's rules, not read from the views' decorators:

- sign-in, the public site and the second sign-in step are open to anyone; every other portal
  page sends an anonymous person to sign in;
- the aggregate dashboards are for every signed-in partner with a role (viewer, board member,
  data lead, analyst); record-level rows (the records view and its CSV, quarantined rows) are
  for partnership analysts only;
- a partner data lead uploads, and sees the uploads and agreements of their own organisation
  only: another organisation's is not found (404, its existence not confirmed); analysts see
  every organisation's, but only the uploading organisation's own people confirm a load;
- agreements are recorded and changed, people's roles managed and the audit log searched and
  exported by analysts only;
- products are read by those who draft them (analysts) or approve them (board members); only
  analysts draft, submit and publish; only the board members named on a version approve it;
- the Duty's process record (issue 16): consultations are read by analysts and board members
  (every read audited) and recorded or changed by analysts only; the compliance tracker is for
  analysts, board members and anyone of the police and crime commissioner's office (a viewer
  there included); a version's review before publication is read by those who read products and
  confirmed only by a board member named as its approver, once approved; where a published
  strategy was sent is recorded by analysts only;
- an account with no role, a Django superuser's included, gets nothing of the portal but its home
  page and its own two-factor set-up; the admin asks for a second factor before anything;
- a signed-in person refused (403), or not shown another organisation's object (404), is
  recorded in the audit log as a refusal, and every restricted read or download that succeeds
  is recorded too;
- every response to a signed-in person (but the one that signs them out) says
  ``Cache-Control: no-store``.

A URL whose name has no row fails the test, so a new view cannot be added without deciding who
may use it. POST-only URLs are POSTed; a refused POST must change nothing.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from svduty import cli
from svduty.portal import product_workflow
from svduty.portal.models import (
    Agreement,
    Approval,
    AuditEvent,
    Consultation,
    Dissemination,
    Membership,
    Organisation,
    ProductVersion,
    PublicationReview,
    Upload,
)
from svduty.settings import Config

# ---- who asks ----------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
NOBODY = "no_role"  # an account with no membership (made in the admin, say): no role at all
VIEWER = "viewer"  # of the ICB
BOARD = "board"  # of the council; the named approver of the version awaiting approval
BOARD_UNNAMED = "board_unnamed"  # of the police; a board member not named on that version
POLICE_LEAD = "police_lead"  # data lead of the police
ICB_LEAD = "icb_lead"  # data lead of the ICB
ANALYST = "analyst"  # partnership analyst, of the council
PCC_VIEWER = "pcc_viewer"  # a viewer of the police and crime commissioner's office
# Django's superuser, with no role in the portal: the portal gives them nothing, and the admin
# asks for their second factor before anything (django-otp's admin site)
SUPERUSER = "superuser"

SIGNED_IN = (
    NOBODY, SUPERUSER, VIEWER, BOARD, BOARD_UNNAMED, POLICE_LEAD, ICB_LEAD, ANALYST, PCC_VIEWER,
)  # fmt: skip
WHO = (ANONYMOUS, *SIGNED_IN)
WITH_A_ROLE = (VIEWER, BOARD, BOARD_UNNAMED, POLICE_LEAD, ICB_LEAD, ANALYST, PCC_VIEWER)
DATA_LEADS = (POLICE_LEAD, ICB_LEAD)
BOARD_MEMBERS = (BOARD, BOARD_UNNAMED)

# ---- what they get -----------------------------------------------------------------------------

OK = 200
FORBIDDEN = 403
NOT_FOUND = 404
WRONG_METHOD = 405
SIGN_IN = "sign in"  # 302 to the sign-in page, coming back here after
DONE = "done"  # a POST that took effect: 302 (not to sign in) and the portal's state changed
# GET of a POST-only URL by someone who may not POST it either: refused somehow, never served
REFUSED = frozenset({FORBIDDEN, NOT_FOUND, WRONG_METHOD})
# an empty form POSTed by someone who may use it: the form again, with what is missing
FORM_AGAIN = frozenset({200, 400})


@dataclass(frozen=True)
class To:
    """302 to the page named (its query string aside)."""

    name: str

    def __str__(self) -> str:
        return f"302 to {self.name}"


def row(ok=(), *, anonymous=SIGN_IN, others=FORBIDDEN, **special) -> dict:
    """Outcome per person: ``ok`` get 200, ``special`` theirs, the rest ``others``."""
    unknown = set(special) - set(WHO)
    assert not unknown, f"not a person of the matrix: {unknown}"
    outcome = {who: others for who in SIGNED_IN} | {ANONYMOUS: anonymous}
    outcome |= {who: OK for who in ok}
    return outcome | special


def form_row(ok) -> dict:
    """The row of an empty form POSTed: ``ok`` see the form again, the rest are refused."""
    return row(others=FORBIDDEN) | {who: FORM_AGAIN for who in ok}


def everyone(outcome) -> dict:
    return {who: outcome for who in WHO}


def post_only(may_post: dict) -> dict:
    """The GET row of a POST-only URL: anonymous to sign in, nobody served it."""
    return {who: (SIGN_IN if who == ANONYMOUS else REFUSED) for who in WHO} | {
        who: WRONG_METHOD for who, outcome in may_post.items() if outcome == DONE
    }


@dataclass(frozen=True)
class Ref:
    """An object the test makes (World.refs), named in a URL's arguments."""

    key: str


@dataclass(frozen=True)
class Case:
    """One URL with its arguments, one method, and what each person gets."""

    label: str
    method: str
    expect: dict
    args: tuple = ()
    data: dict = field(default_factory=dict)
    # on a 200, the audit action that must record it: restricted reads and downloads
    audited: str | None = None


def get(label, expect, *args, audited=None) -> Case:
    return Case(label, "GET", expect, args, audited=audited)


def post(label, expect, *args, data=None) -> Case:
    return Case(label, "POST", expect, args, data or {})


OWN_OR_ANALYST = {"police": (ANALYST, POLICE_LEAD), "icb": (ANALYST, ICB_LEAD)}
OTHER_LEAD = {"police": ICB_LEAD, "icb": POLICE_LEAD}


def _by_organisation(name: str) -> list[Case]:
    """A row per organisation's object: its own data lead and analysts see it; the other
    organisation's data lead gets 404."""
    return [
        get(
            f"{name}[{org}]",
            row(OWN_OR_ANALYST[org], **{OTHER_LEAD[org]: NOT_FOUND}),
            Ref(f"{name}_{org}"),
        )
        for org in ("police", "icb")
    ]


def _load(org: str, name: str = "upload-load") -> list[Case]:
    """Confirming (or cancelling) an upload: its own organisation's data lead only."""
    own = POLICE_LEAD if org == "police" else ICB_LEAD
    may_post = row(**{own: DONE, OTHER_LEAD[org]: NOT_FOUND})
    return [
        post(f"{name}[{org}]", may_post, Ref(f"upload_{org}")),
        get(f"{name}[{org}] GET", post_only(may_post), Ref(f"upload_{org}")),
    ]


def _post_only(label: str, may_post: dict, *args, data=None) -> list[Case]:
    return [
        post(label, may_post, *args, data=data),
        get(f"{label} GET", post_only(may_post), *args),
    ]


VIEW, DOWNLOAD = "restricted_view", "download"  # what a restricted read or a download records
ANALYSTS_ONLY = row((ANALYST,))
MAY_READ_PRODUCTS = row((ANALYST, *BOARD_MEMBERS))
MAY_READ_DUTY = row((ANALYST, *BOARD_MEMBERS))
SIGNED_IN_OK = row(SIGNED_IN)

EXPECTED: dict[str, list[Case]] = {
    # ---- accounts
    "portal:home": [get("home", SIGNED_IN_OK)],
    "portal:sign-in": [
        get("sign-in", {ANONYMOUS: OK} | {who: To("portal:home") for who in SIGNED_IN}),
        post("sign-in POST", {ANONYMOUS: OK} | {who: To("portal:home") for who in SIGNED_IN}),
    ],
    # nobody has given a password first here, so everyone is sent back to the first step
    "portal:sign-in-code": [get("sign-in-code", everyone(To("portal:sign-in")))],
    "portal:sign-out": [
        post("sign-out", everyone(To("portal:sign-in"))),
        get("sign-out GET", everyone(WRONG_METHOD)),  # a link cannot sign anyone out
    ],
    # one's own sessions, every one of them
    "portal:sign-out-everywhere": [
        post(
            "sign-out-everywhere",
            {ANONYMOUS: SIGN_IN} | {who: To("portal:sign-in") for who in SIGNED_IN},
        ),
        get(
            "sign-out-everywhere GET",
            {ANONYMOUS: SIGN_IN} | {who: WRONG_METHOD for who in SIGNED_IN},
        ),
    ],
    "portal:two-factor": [  # one's own authenticator
        get("two-factor", SIGNED_IN_OK),
        post("two-factor POST", form_row(SIGNED_IN)),
    ],
    "portal:people": [get("people", ANALYSTS_ONLY)],
    "portal:person": [
        get("person", ANALYSTS_ONLY, Ref("viewer_user")),
        post("person POST", form_row((ANALYST,)), Ref("viewer_user")),
    ],
    # ---- agreements: read by those who share under them (their own) and those who manage them
    "portal:agreements": [get("agreements", row((ANALYST, *DATA_LEADS)))],
    "portal:agreement": _by_organisation("agreement"),
    "portal:agreement-new": [
        get("agreement-new", ANALYSTS_ONLY),
        post("agreement-new POST", form_row((ANALYST,))),
    ],
    "portal:agreement-edit": [
        *(
            get(f"agreement-edit[{org}]", ANALYSTS_ONLY, Ref(f"agreement_{org}"))
            for org in ("police", "icb")
        ),
        # a party's own data lead does not change the agreement either
        post("agreement-edit[police] POST", form_row((ANALYST,)), Ref("agreement_police")),
    ],
    # ---- uploads
    "portal:uploads": [get("uploads", row((ANALYST, *DATA_LEADS)))],
    "portal:upload-new": [
        get("upload-new", row((ANALYST, *DATA_LEADS))),
        post("upload-new POST", form_row((ANALYST, *DATA_LEADS))),
    ],
    "portal:upload": _by_organisation("upload"),
    "portal:upload-status": [
        get(
            f"upload-status[{org}]",
            row(OWN_OR_ANALYST[org], **{OTHER_LEAD[org]: NOT_FOUND}),
            Ref(f"upload_{org}"),
        )
        for org in ("police", "icb")
    ],
    "portal:upload-load": _load("police") + _load("icb"),
    "portal:upload-cancel": _load("police", "upload-cancel") + _load("icb", "upload-cancel"),
    "portal:upload-quarantine": [
        get(f"upload-quarantine[{org}]", ANALYSTS_ONLY, Ref(f"upload_{org}"), audited=VIEW)
        for org in ("police", "icb")
    ],
    # ---- dashboards: aggregates for every role; record-level rows for analysts
    "portal:dashboard-overview": [get("dashboard-overview", row(WITH_A_ROLE))],
    "portal:dashboard": [get("dashboard", row(WITH_A_ROLE))],
    "portal:dashboard-map": [get("dashboard-map", row(WITH_A_ROLE))],
    # the interactive map's GeoJSON: the warehouse here has no data, so no year to map (400)
    "portal:dashboard-map-geojson": [
        get("dashboard-map-geojson", row() | {who: FORM_AGAIN for who in WITH_A_ROLE})
    ],
    "portal:dashboard-records": [get("dashboard-records", ANALYSTS_ONLY, audited=VIEW)],
    "portal:dashboard-records-csv": [get("dashboard-records-csv", ANALYSTS_ONLY, audited=DOWNLOAD)],
    # ---- products
    "portal:products": [get("products", MAY_READ_PRODUCTS)],
    "portal:product-new": [
        get("product-new", ANALYSTS_ONLY),
        post("product-new POST", form_row((ANALYST,))),
    ],
    "portal:product": [
        get(f"product[{status}]", MAY_READ_PRODUCTS, Ref(f"product_{status}"))
        for status in ("draft", "in_approval", "approved")
    ],
    "portal:product-status": [get("product-status", MAY_READ_PRODUCTS, Ref("product_in_approval"))],
    "portal:product-view": [
        get(
            "product-view",
            MAY_READ_PRODUCTS,
            Ref("product_in_approval"),
            "index.html",
            audited=VIEW,
        )
    ],
    "portal:product-submit": _post_only(
        "product-submit",
        row(analyst=DONE),
        Ref("product_draft"),
        data={"approvers": Ref("board_user")},
    ),
    "portal:product-decide": _post_only(
        "product-decide",
        row(board=DONE),  # the named approver only: not the other board member, not analysts
        Ref("product_in_approval"),
        data={"decision": "approved", "comment": "Agreed"},
    ),
    "portal:product-publish": _post_only(
        "product-publish", row(analyst=DONE), Ref("product_approved")
    ),
    # ---- the Duty's process record
    "portal:consultations": [get("consultations", MAY_READ_DUTY, audited=VIEW)],
    "portal:consultation-new": [
        get("consultation-new", ANALYSTS_ONLY),
        post("consultation-new POST", form_row((ANALYST,))),
    ],
    "portal:consultation-edit": [
        get("consultation-edit", ANALYSTS_ONLY, Ref("consultation")),
        post("consultation-edit POST", form_row((ANALYST,)), Ref("consultation")),
    ],
    "portal:compliance": [
        get("compliance", row((ANALYST, *BOARD_MEMBERS, PCC_VIEWER)), audited=VIEW)
    ],
    "portal:product-publication-review": [
        get("publication-review", MAY_READ_PRODUCTS, Ref("product_approved")),
        # the board member named on the approved version; not the other one, not analysts
        post(
            "publication-review POST",
            row(board=DONE),
            Ref("product_approved"),
            data={"confirm": "on", "withheld-TOTAL_FORMS": "0", "withheld-INITIAL_FORMS": "0"},
        ),
    ],
    "portal:product-dissemination": [
        get("dissemination", ANALYSTS_ONLY, Ref("product_published")),
        post(
            "dissemination POST",
            row(analyst=DONE),
            Ref("product_published"),
            data={"recipient": "The Home Office", "sent_on": "2026-01-05", "method": "Email"},
        ),
    ],
    # ---- the audit log
    "portal:audit": [get("audit", ANALYSTS_ONLY, audited=VIEW)],
    "portal:audit-export": [get("audit-export", ANALYSTS_ONLY, audited=DOWNLOAD)],
    # ---- the public site: anyone, read only
    "portal:public": [
        get("public", everyone(OK)),
        get("public[page]", everyone(OK), "somerset/strategy.html"),
        post("public POST", everyone(WRONG_METHOD)),
    ],
    # ---- the admin's front door: staff only, and only with a second factor (no one here has one)
    "admin:index": [get("admin", everyone(To("admin:login")))],
}

# Cells of the matrix that fail because of a bug in the portal, each with its reason; they are
# expected to fail (strictly: once fixed, the entry must go).
KNOWN_BUGS: dict[tuple[str, str], str] = {}

# what ends the session it is asked in, so that its answer is no longer a signed-in person's
SIGNS_OUT = {("portal:sign-out", "POST"), ("portal:sign-out-everywhere", "POST")}

CASES = [
    pytest.param(
        name,
        case,
        who,
        id=f"{case.label}-{who}",
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(case.label, who)])]
        if (case.label, who) in KNOWN_BUGS
        else [],
    )
    for name, cases in EXPECTED.items()
    for case in cases
    for who in WHO
]


# ---- the URLs there are ------------------------------------------------------------------------


def url_patterns() -> list[tuple[str, str]]:
    """(name, route) of every URL the portal serves: its own (the namespace ``portal``, and any
    outside a namespace, named ``None:<name>``) and the admin's index (the admin's other pages
    are Django's, behind that same door)."""
    found = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern):
                found.append((f"{namespace}:{p.name}", prefix + str(p.pattern)))

    walk(get_resolver().url_patterns, "", None)
    return [(n, r) for n, r in found if not n.startswith("admin:") or n == "admin:index"]


def _dummy(value):
    return 1 if isinstance(value, Ref) else value


def test_every_url_has_a_row_and_every_row_a_url():
    patterns = url_patterns()
    names = {n for n, _ in patterns}
    assert names >= {"portal:home", "portal:public", "admin:index"}  # the walk found them
    unnamed = sorted(r for n, r in patterns if n.endswith(":None"))
    assert not unnamed, f"URL patterns without a name (the matrix cannot name them): {unnamed}"
    missing = sorted(names - set(EXPECTED))
    assert not missing, (
        f"URL names with no row in EXPECTED: {missing}. Decide who may use each (issue 6's "
        "rules) and add a row, so the matrix covers it."
    )
    stale = sorted(set(EXPECTED) - names)
    assert not stale, f"rows in EXPECTED for URL names that no longer exist: {stale}"
    # every pattern (a name may have more than one, as the public site does) is requested
    requested = {
        (name, resolve(reverse(name, args=[_dummy(a) for a in case.args])).route)
        for name, cases in EXPECTED.items()
        for case in cases
    }
    routes = {(n, r) for n, r in patterns}
    assert routes <= requested, f"patterns no case requests: {sorted(routes - requested)}"


def test_every_cell_of_the_matrix_says_what_each_person_gets():
    for name, cases in EXPECTED.items():
        for case in cases:
            assert set(case.expect) == set(WHO), (name, case.label)


# ---- the objects the URLs name -----------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory) -> Path:
    """A data directory with a warehouse holding the reference tables (svduty init): the
    dashboards read it (read only)."""
    home = tmp_path_factory.mktemp("permissions") / "home"
    cli.init(Config.from_env({"SVDUTY_HOME": str(home)}))
    return home


@dataclass
class World:
    people: dict  # who -> user (anonymous: None)
    refs: dict  # Ref key -> object

    def value(self, item):
        if isinstance(item, Ref):
            obj = self.refs[item.key]
            return obj.pk if hasattr(obj, "pk") else obj
        return item


def _person(username: str, role: str | None, organisation):
    user = get_user_model().objects.create_user(username=username, password="x" * 20)
    if role is not None:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def _agreement(title: str, parties, feeds, *, aggregate_only=False) -> Agreement:
    a = Agreement.objects.create(
        title=title,
        purpose="Preventing and reducing serious violence",
        legal_basis="s16",
        gdpr_basis="Article 6(1)(e)",
        data_categories="Recorded crime",
        feeds=feeds,
        aggregate_only=aggregate_only,
        retention="7 years",
        starts=date.today() - timedelta(days=30),
        review_date=date.today() + timedelta(days=365),
        owner=parties[0],
    )
    a.parties.set(parties)
    return a


def _upload(organisation, user, feed: str, folder: Path) -> Upload:
    """A checked upload with rows that would load, waiting for its organisation to confirm."""
    folder.mkdir(parents=True)
    stored = folder / "extract.csv"
    stored.write_text("checked elsewhere\n")
    return Upload.objects.create(
        organisation=organisation,
        uploaded_by=user,
        feed=feed,
        original_name="extract.csv",
        stored_path=str(stored),
        size=stored.stat().st_size,
        sha256="0" * 64,
        status=Upload.Status.RECEIVED,
        report={"rows_read": 10, "rows_loadable": 10, "rows_quarantined": 0, "errors": []},
        rows_read=10,
    )


def _product(status: str, number: int, author, root: Path, approvers=()) -> ProductVersion:
    """A built strategy version in ``status`` (its document a page of the test's own)."""
    folder = root / "strategy" / "somerset" / f"v{number}"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<!DOCTYPE html><title>Strategy</title><p>Draft</p>")
    (folder / product_workflow.BUILD_STATE).write_text(json.dumps({"state": "built"}))
    version = ProductVersion.objects.create(
        kind="strategy",
        area_id="somerset",
        label="2024-2027",
        version=number,
        status=status,
        path=str(folder),
        created_by=author,
    )
    version.approvers.set(approvers)
    return version


def _public_site(home: Path) -> None:
    """A published site as the publishing step leaves one: a build and the pointer to it."""
    root = home / "public-site"
    site = root / product_workflow.SITE_BUILDS / "20260101T000000000000-v1"
    (site / "somerset").mkdir(parents=True)
    (site / "index.html").write_text("<!DOCTYPE html><title>Public</title><p>Public site</p>")
    (site / "somerset" / "strategy.html").write_text("<!DOCTYPE html><title>S</title><p>S</p>")
    (root / product_workflow.SITE_POINTER).write_text(site.name)


@pytest.fixture
def world(organisations, settings, tmp_path, warehouse_home) -> World:
    # argon2's cost is for attackers; nobody here signs in with a password
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CONFIG = Config.from_env({"SVDUTY_HOME": str(warehouse_home)})
    settings.HOME = tmp_path / "home"
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    settings.PRODUCTS_ROOT = tmp_path / "products"
    police, icb, council = (organisations[k] for k in ("police", "icb", "council"))
    people = {
        ANONYMOUS: None,
        NOBODY: _person("nora", None, None),
        SUPERUSER: get_user_model().objects.create_superuser("root", password="x" * 20),
        VIEWER: _person("vi", "viewer", icb),
        BOARD: _person("bo", "board", council),
        BOARD_UNNAMED: _person("bea", "board", police),
        POLICE_LEAD: _person("dale", "data_lead", police),
        ICB_LEAD: _person("hana", "data_lead", icb),
        ANALYST: _person("ana", "analyst", council),
        PCC_VIEWER: _person(
            "pat",
            "viewer",
            Organisation.objects.create(
                name="Avon and Somerset PCC", kind="police_and_crime_commissioner"
            ),
        ),
    }
    analyst = people[ANALYST]
    refs = {
        "viewer_user": people[VIEWER],
        "board_user": people[BOARD],
        "agreement_police": _agreement("Police crime", [police, council], ["police-crime"]),
        "agreement_icb": _agreement(
            "ICB admissions", [icb], ["hospital-admissions"], aggregate_only=True
        ),
        "upload_police": _upload(
            police, people[POLICE_LEAD], "police-crime", tmp_path / "uploads" / "p"
        ),
        "upload_icb": _upload(
            icb, people[ICB_LEAD], "hospital-admissions", tmp_path / "uploads" / "i"
        ),
        "product_draft": _product("draft", 1, analyst, settings.PRODUCTS_ROOT),
        "product_in_approval": _product(
            "in_approval", 2, analyst, settings.PRODUCTS_ROOT, [people[BOARD]]
        ),
        "product_approved": _product(
            "approved", 3, analyst, settings.PRODUCTS_ROOT, [people[BOARD]]
        ),
        "product_published": _product("published", 4, analyst, settings.PRODUCTS_ROOT),
        "consultation": Consultation.objects.create(
            body="HMP Bristol",
            kind="prison",
            held_on=date.today() - timedelta(days=10),
            method="A meeting",
            said="More work with families on visits",
            recorded_by=analyst,
        ),
    }
    # publishing waits for the named approver's review of the content (issue 16)
    PublicationReview.objects.create(product=refs["product_approved"], reviewer=people[BOARD])
    _public_site(settings.HOME)
    return World(people, refs)


def state() -> tuple:
    """What a POST of the matrix could change: queued tasks, decisions, statuses, requests to
    publish, agreements, roles, two-factor devices."""
    return (
        DBTaskResult.objects.count(),
        sorted(Agreement.objects.values_list("pk", "updated_at")),
        sorted(Membership.objects.values_list("user_id", "organisation_id", "role")),
        TOTPDevice.objects.filter(confirmed=True).count(),
        Upload.objects.count(),
        Approval.objects.count(),
        sorted(Upload.objects.values_list("pk", "status")),
        sorted(ProductVersion.objects.values_list("pk", "status")),
        sorted(Consultation.objects.values_list("pk", "updated_at")),
        PublicationReview.objects.count(),
        Dissemination.objects.count(),
        sorted(
            (v.pk, product_workflow.publish_state(v).get("state"))
            for v in ProductVersion.objects.all()
        ),
    )


def _describe(response) -> str:
    where = f" to {response['Location']}" if response.status_code in (301, 302) else ""
    return f"{response.status_code}{where}"


# ---- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "case", "who"), CASES)
def test_permission_matrix(client, world, name, case, who):
    user = world.people[who]
    if user is not None:
        client.force_login(user)
    url = reverse(name, args=[world.value(a) for a in case.args])
    data = {k: world.value(v) for k, v in case.data.items()}
    before = state()
    events_before = AuditEvent.objects.count()
    response = client.generic(
        case.method, url, urlencode(data), content_type="application/x-www-form-urlencoded"
    )
    expected = case.expect[who]
    got = _describe(response)
    said = f"{case.method} {url} as {who}: expected {expected}, got {got}"

    if expected == SIGN_IN:
        sign_in = reverse("portal:sign-in")
        assert response.status_code == 302, said
        assert response["Location"].startswith(f"{sign_in}?next="), said
    elif expected == DONE:
        assert response.status_code == 302, said
        assert not response["Location"].startswith(reverse("portal:sign-in")), said
        assert state() != before, f"{said}: it changed nothing"
    elif isinstance(expected, To):
        assert response.status_code == 302, said
        assert response["Location"].split("?")[0] == reverse(expected.name), said
    elif isinstance(expected, frozenset):
        assert response.status_code in expected, said
    else:
        assert response.status_code == expected, said

    if expected != DONE and case.method == "POST":
        assert state() == before, f"{said}: it changed the portal's state"
    new = AuditEvent.objects.order_by("id")[events_before:]
    # a 404 here is always another organisation's object (the matrix names only objects that
    # exist), a refused read answered as if it did not exist: audited like a 403
    if response.status_code in (FORBIDDEN, NOT_FOUND) and user is not None:
        refusals = [e for e in new if e.action == "refused" and e.user_id == user.pk]
        assert refusals, f"{said}: the refusal is not in the audit log"
        assert all(e.target == url for e in refusals), [e.target for e in refusals]
    # nothing a signed-in person is sent is kept by their browser or a cache on the way
    if user is not None and (name, case.method) not in SIGNS_OUT:
        cache = response.get("Cache-Control", "")
        assert "no-store" in cache, f"{said}: Cache-Control is {cache!r}, not no-store"
    if case.audited and response.status_code == OK:
        assert any(e.action == case.audited and e.user_id == user.pk for e in new), (
            f"{said}: no {case.audited} event in the audit log"
        )
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # read to the end, so the file is closed


# ---- what each person is shown -----------------------------------------------------------------


@pytest.mark.parametrize("who", (*DATA_LEADS, ANALYST))
def test_lists_show_only_the_organisations_the_person_may_see(client, world, who):
    """The loads history and the agreements list: a data lead's own organisation's only, every
    organisation's for an analyst (the matrix's 404s, seen from the lists)."""
    client.force_login(world.people[who])
    listed = {
        "upload": client.get(reverse("portal:uploads")).content.decode(),
        "agreement": client.get(reverse("portal:agreements")).content.decode(),
    }
    for org in ("police", "icb"):
        for kind, page in listed.items():
            link = reverse(f"portal:{kind}", args=[world.refs[f"{kind}_{org}"].pk])
            shown = f'href="{link}"' in page
            assert shown == (who in OWN_OR_ANALYST[org]), (who, kind, org, shown)


HREF = re.compile(r'href="(/[^"#]*)')
MAX_LINKS = 80


@pytest.mark.parametrize("who", SIGNED_IN)
def test_no_page_offers_a_link_the_person_may_not_follow(client, world, who):
    """From the home page, every portal link on every page reached is one the person may
    follow: never a refusal, a missing page or a trip to sign in."""
    client.force_login(world.people[who])
    queue, seen, bad = [reverse("portal:home")], set(), []
    while queue and len(seen) < MAX_LINKS:
        url = queue.pop(0)
        path = url.split("?")[0]
        if path in seen or path.startswith("/static/"):
            continue
        seen.add(path)
        response = client.get(html.unescape(url))
        if response.status_code != 200:
            bad.append(f"{url}: {_describe(response)}")
            continue
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        elif response["Content-Type"].startswith("text/html"):
            queue += HREF.findall(response.content.decode())
    assert not bad, f"{who} is offered links they may not follow: {bad}"
    assert len(seen) > 1, "the home page offers no link at all"
