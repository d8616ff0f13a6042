import re
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


ROOT = DOCS.parents[1]
# os.environ.get and the portal's typed readers (flag, _positive_int) of one variable
_READ = re.compile(
    r"""(?:environ\.get|getenv|env\.get|flag|_positive_int)\(\s*["'](SVDUTY_[A-Z_]+)["']"""
)


def test_every_variable_the_code_or_tests_read_is_documented_and_none_else():
    read = set()
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        read |= set(_READ.findall(path.read_text(encoding="utf-8")))
    assert {"SVDUTY_HOME", "SVDUTY_PORTAL_SECRET_KEY"} <= read  # the pattern finds them
    documented = set(re.findall(r"^\| `(SVDUTY_[A-Z_]+)` \|", DOCS.read_text(), re.M))
    assert read - documented == set(), "read but not documented in docs/settings.md"
    assert documented - read == set(), "documented in docs/settings.md but read nowhere"


def test_every_path_of_the_data_directory_table_is_one_the_code_writes():
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| Path |") : text.index("## Environment variables")]
    paths = re.findall(r"^\| `([^`]+)`", table, re.M)
    assert "warehouse.duckdb" in paths and len(paths) >= 10
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    for path in paths:
        first = path.split("/")[0].split("<")[0]
        # the name as the code spells it: a string literal, or an f-string's fixed part
        assert re.search(rf"""["']{re.escape(first)}""", source), f"nothing writes {path}"
