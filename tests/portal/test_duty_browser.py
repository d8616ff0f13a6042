"""The Duty's record pages in a real browser (issue 16): each page loads without console
errors, its links land and axe-core finds no serious or critical WCAG 2.2 AA violation, as
the journey checks the others (browser.check_page). The warehouse holds only the reference
tables (`svduty init`): these pages read the portal's records and the partnership file, and the
dashboard they link to need only answer.

An analyst records a consultation (the form first sent back with what is missing) and reads the
compliance tracker; the named board member reviews an approved version before publication,
withholding one thing; the analyst records where a published strategy was sent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.conftest import make_person
from portal.test_journey_browser import Visitor, chromium, journey_page  # noqa: F401 (registers)
from svduty import cli
from svduty.portal.models import Consultation, Dissemination, ProductVersion, Withheld
from svduty.settings import Config

pytestmark = [pytest.mark.browser, pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def reference_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("duty-browser") / "home"
    config = Config.from_env({"SVDUTY_HOME": str(home)})
    cli.init(config)
    return config


@pytest.fixture
def duty_world(settings, tmp_path, organisations, cheap_argon2, reference_home):
    home = reference_home.home
    settings.CONFIG = reference_home
    settings.HOME = home
    settings.PRODUCTS_ROOT = tmp_path / "products"
    analyst = make_person("ana", "analyst", organisations["council"], PASSWORD)
    board = make_person("bo", "board", organisations["council"], PASSWORD)
    approved = ProductVersion.objects.create(
        kind="strategy", area_id="somerset", label="2024-2027", version=1, status="approved",
        path=str(tmp_path / "v1"), created_by=analyst,
    )  # fmt: skip
    approved.approvers.set([board])
    published = ProductVersion.objects.create(
        kind="strategy", area_id="bristol", label="2024-2027", version=1, status="published",
        path=str(tmp_path / "v2"), created_by=analyst,
    )  # fmt: skip
    return {"approved": approved, "published": published}


def test_the_duty_record_pages_in_a_browser(live_server, journey_page, duty_world):  # noqa: F811
    page = journey_page
    v = Visitor(page, live_server.url)

    v.sign_in("ana", PASSWORD)
    v.visit("/consultations/")
    expect(page.locator("main")).to_contain_text("No consultation is on record yet")
    v.visit("/consultations/new/")
    page.get_by_label("Body consulted").fill("HMP Browser")
    page.get_by_label("Kind of body").select_option("prison")
    page.get_by_role("button", name="Record the consultation").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter what they said")
    page.get_by_label("Area").select_option("somerset")
    page.get_by_label("Date", exact=True).fill("2026-01-12")
    page.get_by_label("How").fill("A meeting with the governor")
    page.get_by_label("What they said").fill("Prison leavers need housing")
    v.submit("Record the consultation", v.url("/consultations/"))
    v.check_here()
    expect(page.locator("main table")).to_contain_text("Prison leavers need housing")
    assert Consultation.objects.get().body == "HMP Browser"
    v.visit("/compliance/")
    expect(page.locator("main")).to_contain_text("HMP Browser")
    published = duty_world["published"].pk
    v.visit(f"/products/{published}/sent/")
    page.get_by_label("Sent to").fill("The Home Office")
    page.get_by_label("Date sent").fill("2026-02-01")
    page.get_by_label("How").fill("Email")
    v.submit("Record it", v.url(f"/products/{published}/sent/"))
    v.check_here()
    assert Dissemination.objects.get().recipient == "The Home Office"
    v.sign_out()

    v.sign_in("bo", PASSWORD)
    approved = duty_world["approved"].pk
    v.visit(f"/products/{approved}/review/")
    page.get_by_label("What was withheld").first.fill("The patrol plan's street names")
    page.get_by_label("Ground").first.select_option("crime_prevention")
    page.get_by_label("Why").first.fill("Offenders would learn where officers are not")
    page.get_by_label(re.compile("^I have reviewed")).check()
    page.get_by_role("button", name="Confirm the review").click()
    page.wait_for_url(v.url(f"/products/{approved}/"))
    v.visit(f"/products/{approved}/review/")
    expect(page.locator("main")).to_contain_text("The patrol plan's street names")
    assert Withheld.objects.get().ground == "crime_prevention"
