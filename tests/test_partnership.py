from pathlib import Path

import pytest
import yaml

from svduty import partnership
from svduty.partnership import DEFAULT_YAML, PartnershipConfigError, load, write_default


def test_default_loads_with_five_local_authorities():
    p = load(DEFAULT_YAML)
    assert p.police_force_area == "E23000036"
    assert p.police_uk_force == "avon-and-somerset"
    assert {la.code for la in p.local_authorities} == {
        "E06000022",
        "E06000023",
        "E06000024",
        "E06000025",
        "E06000066",
    }
    somerset = next(la for la in p.local_authorities if la.code == "E06000066")
    assert somerset.name == "Somerset"
    group = p.group(somerset.local_partnership_group)
    assert group["name"] == "Somerset Violence Reduction Partnership"
    assert group["parent"] == "Safer Somerset Partnership"
    assert p.group("Safer Somerset Partnership")["local_authorities"] == ["E06000066"]
    assert p.local_definition["id"] == "asvrp-2023"
    assert p.local_definition["version"] == "2023/24"
    assert p.public_contact == {"url": "https://www.asvrp.co.uk/", "email": None}
    kinds = {a["kind"] for a in p.specified_authorities}
    assert kinds == partnership.SPECIFIED_AUTHORITY_KINDS


def test_missing_local_definition_names_key_and_file(tmp_path: Path):
    data = yaml.safe_load(DEFAULT_YAML.read_text())
    del data["local_definition"]
    bad = tmp_path / "broken-partnership.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(PartnershipConfigError) as exc:
        load(bad)
    assert "local_definition" in str(exc.value)
    assert "broken-partnership.yaml" in str(exc.value)


def test_bad_kind_is_reported(tmp_path: Path):
    data = yaml.safe_load(DEFAULT_YAML.read_text())
    data["specified_authorities"][0]["kind"] = "army"
    bad = tmp_path / "p.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(PartnershipConfigError, match=r"specified_authorities\[0\]\.kind"):
        load(bad)


def test_write_default_refuses_to_overwrite(tmp_path: Path):
    dest = tmp_path / "home" / "partnership.yaml"
    assert write_default(dest) == dest
    assert load(dest).name == load(DEFAULT_YAML).name
    dest.write_text("# edited locally\n")
    with pytest.raises(FileExistsError, match="already exists"):
        write_default(dest)
    assert dest.read_text() == "# edited locally\n"
    write_default(dest, overwrite=True)
    assert dest.read_bytes() == DEFAULT_YAML.read_bytes()
