"""The portal's product builds read the measures file SVDUTY_MEASURES names, as the commands do:
a strategy tracking a measure of the partnership's own is drafted and built, its page naming it."""

from __future__ import annotations

from pathlib import Path

from measures_setting import OUR_TITLE, write_measures, write_strategy
from svduty import partnership
from svduty.portal import product_workflow
from svduty.settings import Config


def test_a_strategy_drafted_in_the_portal_may_track_a_measure_of_the_partnerships_own(
    settings, tmp_path, cheap_argon2, people
):
    home = tmp_path / "home"
    write_strategy(home / "strategies" / "somerset.yaml")
    settings.CONFIG = Config.from_env(
        {
            "SVDUTY_HOME": str(home),
            "SVDUTY_PARTNERSHIP": str(partnership.DEFAULT_YAML),
            "SVDUTY_MEASURES": str(write_measures(tmp_path)),
        }
    )
    settings.HOME = home
    settings.PRODUCTS_ROOT = tmp_path / "products"

    version = product_workflow.start_draft(people["analyst"], "strategy", "somerset")
    built = product_workflow.build_draft(version.pk)  # the background task's work, run here
    assert built["built"], built
    assert OUR_TITLE in (Path(version.path) / "index.html").read_text(encoding="utf-8")
