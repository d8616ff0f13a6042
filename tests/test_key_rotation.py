"""Key rotation as docs/keys.md describes it, end to end through the commands' own functions."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from conftest import warehouse_text
from svduty.cli import ingest_feed_files, init
from svduty.privacy.pseudonymise import load_key_file
from svduty.settings import Config
from svduty.warehouse import connect

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
HEADER = (
    "Crime reference,Offence code,Recorded date,Offence from,Offence to,LSOA code,Longitude,"
    "Latitude,Location type,Victim age,Victim sex,Victim reference,Suspect age,"
    "Suspect reference,Knife or sharp instrument,Firearm,Domestic abuse,Alcohol related,"
    "Drug related,Exploitation or county lines"
)
# Two monthly extracts; the same victim in both, so tokens link across loads. The last row of
# January is quarantined (an LSOA that does not exist) and still carries tokenised references.
EXTRACTS = {
    "crime-2023-01.csv": [
        "AS/23/0000101,8N,2023-01-14,2023-01-13 23:40,,E01014399,-2.58,51.45,street,19,M,"
        "PV-778812,22,PS-110022,Y,N,N,Y,N,N",
        "AS/23/0000102,5A,2023-01-15,2023-01-14,,E01014399,,,dwelling,34,F,,,,N,,Y,,,",
        "AS/23/0000103,8N,2023-01-20,2023-01-19,,E09999999,,,street,17,F,PV-778813,,,Y,N,N,N,N,N",
    ],
    "crime-2023-02.csv": [
        "AS/23/0000201,8N,2023-02-03,2023-02-02 21:00,,E01014485,,,street,19,M,PV-778812,,"
        "PS-110099,Y,N,N,N,N,N",
        "AS/23/0000202,105A,2023-02-10,2023-02-09,,E01014399,,,street,25,F,,30,PS-110022,N,N,Y,N,N,N",
    ],
}
IDENTIFIERS = [
    value
    for rows in EXTRACTS.values()
    for row in rows
    for value in row.split(",")
    if value.startswith(("AS/", "PV-", "PS-"))
]


def _current(config: Config) -> tuple[list[dict], dict[str, int], str]:
    """The current loads, the rows each partner table holds, and every text value stored."""
    with closing(connect(config.warehouse_url, read_only=True)) as wh:
        loads = wh.table("loads").execute()
        current = loads[loads.superseded_by_load_id.isna() & (loads.status != "refused")]
        counts = {
            name: int(wh.table(name).count().execute())
            for name in ("police_crime", "quarantine", "partner_aggregate")
        }
        return current.to_dict("records"), counts, warehouse_text(wh)


def test_rotating_the_key_as_documented_rekeys_every_partner_load(tmp_path):
    config = Config.from_env({"SVDUTY_HOME": str(tmp_path / "home"), "SVDUTY_LOADED_BY": "t"})
    init(config)
    originals = tmp_path / "extracts"
    originals.mkdir()
    for name, rows in EXTRACTS.items():
        (originals / name).write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    aggregate = FEEDS / "aggregates" / "fire-2022-23.csv"
    first = ingest_feed_files(config, "police-crime", [originals])
    assert [r.status for r in first] == ["loaded", "loaded"]
    assert ingest_feed_files(config, "fire", [aggregate])[0].status == "loaded"
    old_key = load_key_file(config.key_file)
    old_tokens = {old_key.token(i) for i in IDENTIFIERS}
    _, counts_before, text = _current(config)
    assert all(t in text for t in old_tokens)  # so the check after rotation would see them

    # 1. keep the old key file; 2. move it away and run `svduty init` for a new one
    config.key_file.rename(config.key_file.with_name("partnership.key.2026-11"))
    init(config)
    new_key = load_key_file(config.key_file)
    assert new_key.fingerprint != old_key.fingerprint
    # 3. re-load the original partner files (and the aggregate one: it has no identifiers)
    again = ingest_feed_files(config, "police-crime", [originals])
    assert [r.status for r in again] == ["replaced", "replaced"]
    assert ingest_feed_files(config, "fire", [aggregate])[0].status == "unchanged"

    after, counts_after, text = _current(config)
    # every current partner load with identifiers carries the new fingerprint ...
    keyed = [load for load in after if load["source"] == "police-crime"]
    assert len(keyed) == 2
    assert {load["key_fingerprint"] for load in keyed} == {new_key.fingerprint}
    # ... the query docs/keys.md gives lists only the new key ...
    with closing(connect(config.warehouse_url, read_only=True)) as wh, wh.transaction() as tx:
        in_use = tx.execute(
            "SELECT DISTINCT key_fingerprint FROM loads WHERE superseded_by_load_id IS NULL "
            "AND status <> 'refused' AND key_fingerprint IS NOT NULL"
        )
    assert in_use == [(new_key.fingerprint,)]
    # ... no token made under the old key is left anywhere, the new ones are there ...
    assert not [t for t in old_tokens if t in text]
    assert all(new_key.token(i) in text for i in IDENTIFIERS)
    # ... the same rows are held, and the old loads are recorded as replaced by the new ones
    assert counts_after == counts_before
    replaced = {r.replaced_load_id: r.load_id for r in again}
    assert set(replaced) == {r.load_id for r in first}
    with closing(connect(config.warehouse_url, read_only=True)) as wh:
        loads = wh.table("loads").execute().set_index("load_id")
    for old, new in replaced.items():
        assert loads.loc[old, "superseded_by_load_id"] == new
        assert loads.loc[new, "replaces_load_id"] == old
        assert loads.loc[old, "key_fingerprint"] == old_key.fingerprint
    # 4. and loading the same files again under the new key changes nothing
    assert {r.status for r in ingest_feed_files(config, "police-crime", [originals])} == {
        "unchanged"
    }
