from pathlib import Path

from svduty.settings import SETTINGS, Config

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"not documented in {DOCS}: {missing}"


def test_from_env_honours_home_and_warehouse_url(tmp_path: Path):
    home = tmp_path / "data"
    cfg = Config.from_env({"SVDUTY_HOME": str(home)})
    assert cfg.home == home.resolve()
    assert cfg.warehouse_url == f"duckdb:///{home.resolve() / 'warehouse.duckdb'}"
    assert cfg.partnership_path == home.resolve() / "partnership.yaml"

    url = "postgres://svduty@db.example:5432/svduty"
    cfg = Config.from_env({"SVDUTY_HOME": str(home), "SVDUTY_WAREHOUSE_URL": url})
    assert cfg.warehouse_url == url
    assert cfg.home == home.resolve()
