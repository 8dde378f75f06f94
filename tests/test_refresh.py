"""Refresh semantics: build, no-op, rejection and interruption keep the last good warehouse."""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path

import pytest

from pipelines import paths
from pipelines.warehouse import store as warehouse
from pipelines.warehouse.query import Warehouse
from pipelines.refresh import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_REJECTED, RefreshRequest, run
from tests.rawdata import write_raw


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SDSF_HOME", str(tmp_path))
    return tmp_path


def _request(raw, **kw):
    return RefreshRequest(raw, ["71"], **kw)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_then_noop(home):
    raw = write_raw(home / "raw")
    first = run(_request(raw))
    assert (first.outcome, first.exit_code) == ("success", EXIT_OK), first.message
    built = warehouse.current_file()
    wh = Warehouse(built)
    try:
        tcg = wh.values("commune", ["71270"], ["tcg"], [2022])["value"].iloc[0]
        # 60 EAJE + 250 AM + 10 GAD + 20 prescol = 340 places for 900.2 children
        assert tcg == pytest.approx(100 * 340 / 900.2)
        assert wh.meta()["fictitious"] == "true"
        assert len(wh.runs()) == 1
    finally:
        wh.close()
    second = run(_request(raw))
    assert (second.outcome, second.exit_code) == ("noop", EXIT_OK)
    assert warehouse.current_file() == built
    assert [e["outcome"] for e in warehouse.read_journal()] == ["success", "noop"]


def test_bad_input_is_rejected_and_last_good_warehouse_kept(home):
    raw = write_raw(home / "raw")
    assert run(_request(raw)).exit_code == EXIT_OK
    good, good_digest = warehouse.current_file(), _digest(warehouse.current_file())
    bad = ("annee;code_commune;am_agrees;am_actifs;places_agrees;places_moins_3_ans_actifs;am_actifs_55_ans_et_plus\n"
           "2022;71270;120;100;400;250;40\n2022;71076;cent;130;520;320;50\n")
    write_raw(raw, {"extracts/assistants_maternels.csv": bad})
    result = run(_request(raw))
    assert (result.outcome, result.exit_code) == ("rejected", EXIT_REJECTED)
    problem = result.problems[0]
    assert (problem.file.endswith("assistants_maternels.csv"), problem.line, problem.column) == (True, 3, "am_agrees")
    assert "assistants_maternels.csv" in result.message
    assert warehouse.current_file() == good and _digest(good) == good_digest
    journal = warehouse.read_journal()[-1]
    assert journal["outcome"] == "rejected" and journal["rejected"][0]["line"] == 3


def test_unknown_commune_code_is_rejected_with_its_line(home):
    raw = write_raw(home / "raw")
    text = (raw / "extracts/equipements.csv").read_text() + "E9;LAEP;71999;LAEP X;;2015-01-01;;Caf\n"
    write_raw(raw, {"extracts/equipements.csv": text})
    result = run(_request(raw))
    assert result.exit_code == EXIT_REJECTED
    assert [(p.line, p.found) for p in result.problems] == [(6, "71999")]
    assert warehouse.current_file() is None


@pytest.mark.parametrize("exc", [RuntimeError("disque plein"), KeyboardInterrupt()])
def test_interrupted_write_keeps_last_good_warehouse(home, monkeypatch, exc):
    raw = write_raw(home / "raw")
    assert run(_request(raw)).exit_code == EXIT_OK
    good, good_digest = warehouse.current_file(), _digest(warehouse.current_file())
    real_write = warehouse.write_new

    def write_then_die(con, run_id, tables, definitions=()):
        real_write(con, run_id, ["meta"])  # a partial file exists when the run dies
        raise exc

    monkeypatch.setattr(warehouse, "write_new", write_then_die)
    if isinstance(exc, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            run(_request(raw, force=True))
    else:
        result = run(_request(raw, force=True))
        assert (result.outcome, result.exit_code) == ("failed", EXIT_FAILED)
        assert "disque plein" in result.message
    assert warehouse.current_file() == good and _digest(good) == good_digest
    assert not list(warehouse.versions_dir().glob("*.tmp"))


def test_second_refresh_waits_for_none_and_says_locked(home):
    raw = write_raw(home / "raw")
    paths.warehouse_dir().mkdir(parents=True)
    with open(paths.warehouse_dir() / ".refresh.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run(_request(raw))
    assert (result.outcome, result.exit_code) == ("locked", EXIT_LOCKED)


def test_changed_input_rebuilds_into_a_new_version(home):
    raw = write_raw(home / "raw")
    run(_request(raw))
    first = warehouse.current_file()
    text = (raw / "extracts/equipements.csv").read_text() + "E5;CLAS;71076;CLAS B;;2016-01-01;;Asso\n"
    write_raw(raw, {"extracts/equipements.csv": text})
    result = run(_request(raw))
    assert result.outcome == "success"
    assert warehouse.current_file() != first
    wh = Warehouse.open_current()
    try:
        assert wh.values("commune", ["71076"], ["nb_clas"], [2022])["value"].iloc[0] == 1
        assert list(wh.runs()["outcome"]) == ["success", "success"]
    finally:
        wh.close()


def test_saved_scenario_triggers_a_rebuild_that_stores_it(home):
    from pipelines.priority.rules import RULESETS_DIR, load_ruleset
    from pipelines.priority.scenario import with_overrides
    from pipelines.priority.scenarios_store import save_scenario
    from pipelines.indicators.catalogue import CODES

    raw = write_raw(home / "raw")
    run(_request(raw))
    shipped = load_ruleset(RULESETS_DIR / "sdsf71.toml", CODES)
    criterion = shipped.criteria[0].id
    save_scenario(with_overrides(shipped, {criterion: 1.1}, name="essai_tcg"))
    result = run(_request(raw))
    assert result.outcome == "success"  # not a no-op: the scenario is part of what the warehouse depends on
    wh = Warehouse.open_current()
    try:
        assert "essai_tcg" in set(wh.rulesets()["ruleset"])
    finally:
        wh.close()


def test_broken_and_obsolete_scenarios_are_reported_and_skipped_never_blocking_the_refresh(home):
    from pipelines.priority.rules import RULESETS_DIR, load_ruleset
    from pipelines.priority.scenario import with_overrides
    from pipelines.priority.scenarios_store import save_scenario, scenarios_dir
    from pipelines.indicators.catalogue import CODES

    raw = write_raw(home / "raw")
    shipped = load_ruleset(RULESETS_DIR / "sdsf71.toml", CODES)
    saved = save_scenario(with_overrides(shipped, {shipped.criteria[0].id: 1.1}, name="valide"), author="analyste1")
    text = saved.read_text(encoding="utf-8")
    assert 'author = "analyste1"' in text and "saved_at = " in text  # stored with its author and date
    (scenarios_dir() / "coupe.toml").write_text(text[: len(text) // 2] + '\n[[criteria\nid = "', encoding="utf-8")
    obsolete = text.replace('name = "valide"', 'name = "ancien"').replace(
        f'indicator = "{shipped.criteria[0].indicator}"', 'indicator = "indicateur_supprime"')
    (scenarios_dir() / "ancien.toml").write_text(obsolete, encoding="utf-8")

    result = run(_request(raw))
    assert (result.outcome, result.exit_code) == ("success", EXIT_OK), result.message
    skipped = {Path(n.file).name: n.message for n in result.notices if n.message.startswith("scénario ignoré")}
    assert set(skipped) == {"coupe.toml", "ancien.toml"}
    assert "indicateur_supprime" in skipped["ancien.toml"]
    wh = Warehouse.open_current()
    try:
        assert "valide" in set(wh.rulesets()["ruleset"]) and "ancien" not in set(wh.rulesets()["ruleset"])
        stored = wh.notices()
        assert {"coupe.toml", "ancien.toml"} <= {Path(f).name for f in stored["file"]}
    finally:
        wh.close()


def test_an_old_version_a_reader_still_has_open_is_not_pruned(home):
    import subprocess
    import sys

    raw = write_raw(home / "raw")
    assert run(_request(raw)).exit_code == EXIT_OK
    first = warehouse.current_file()
    reader = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1], "
                               "read_only=True); print('open', flush=True); sys.stdin.read()", str(first)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        for _ in range(warehouse.KEEP_VERSIONS + 1):
            assert run(_request(raw, force=True)).exit_code == EXIT_OK
        assert first.exists()  # beyond the retention, but read by another process
        versions = sorted(warehouse.versions_dir().glob("*.duckdb"))
        assert len(versions) == warehouse.KEEP_VERSIONS + 1
    finally:
        reader.communicate("")
    assert run(_request(raw, force=True)).exit_code == EXIT_OK
    assert not first.exists()  # once nobody reads it, the retention applies
    assert len(list(warehouse.versions_dir().glob("*.duckdb"))) == warehouse.KEEP_VERSIONS


def test_a_journal_line_cut_by_a_kill_is_skipped_and_later_runs_go_on(home, capsys):
    raw = write_raw(home / "raw")
    assert run(_request(raw)).exit_code == EXIT_OK
    journal = paths.warehouse_dir() / warehouse.JOURNAL
    with open(journal, "a", encoding="utf-8") as fh:
        fh.write('{"run_id": "cut", "outcome": "succ')  # a kill during the journal write
    assert run(_request(raw, force=True)).exit_code == EXIT_OK
    assert [e["outcome"] for e in warehouse.read_journal()] == ["success", "success"]
    assert "ligne incomplète ignorée" in capsys.readouterr().err


def test_temporary_files_of_a_killed_run_are_removed_by_the_next_one(home):
    raw = write_raw(home / "raw")
    assert run(_request(raw)).exit_code == EXIT_OK
    leftovers = [warehouse.versions_dir() / "20260101T000000Z.duckdb.tmp",
                 warehouse.versions_dir() / "20260101T000000Z.duckdb.tmp.wal",
                 paths.warehouse_dir() / ".sdsf.duckdb.123.tmp",
                 warehouse.spill_dir() / "duckdb_temp_storage_DEFAULT-0.tmp"]  # DuckDB's spill, not in the cwd
    warehouse.spill_dir().mkdir(exist_ok=True)
    for path in leftovers:
        path.write_bytes(b"partial")
    result = run(_request(raw))
    assert result.outcome == "noop"
    assert not any(p.exists() for p in leftovers)
    assert any("interrompue" in n.message for n in result.notices)
