"""A portal started before anything is loaded: its pages say so, and no page view creates a
warehouse (opening one read-write would also take the lock a first load needs)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from svduty.settings import Config


@pytest.fixture
def empty_home(settings, tmp_path):
    settings.CONFIG = Config.from_env({"SVDUTY_HOME": str(tmp_path / "home")})
    return tmp_path / "home"


@pytest.mark.parametrize(
    ("page", "status", "says"),
    [
        ("portal:dashboard", 503, "There is no warehouse yet"),  # the dashboard has nothing
        ("portal:dashboard-overview", 503, "There is no warehouse yet"),
        ("portal:uploads", 200, "Uploads"),  # the history page works, with no loads to show
    ],
)
def test_pages_before_any_load_say_so_and_make_no_warehouse(
    client, people, empty_home, page, status, says
):
    client.force_login(people["analyst"])
    response = client.get(reverse(page))
    assert response.status_code == status
    assert says in response.content.decode()
    assert not (empty_home / "warehouse.duckdb").exists()
