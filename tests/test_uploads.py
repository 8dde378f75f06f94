"""Deposits of extracts: size, type by content, names that cannot leave the raw folder, the template check with
every problem by line and column before anything is written, storage with checksum and uploader, and the
refresh queue run outside Streamlit (by ``sdsf refresh`` and by a detached ``sdsf worker``)."""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile

import openpyxl
import pytest

from pipelines import jobs
from pipelines.cli import main
from pipelines.uploads.checks import UploadRefused, inside, kind_of, stored_name, validate
from pipelines.uploads.store import DEPOSITS, deposit, deposits

HEADER = "annee;code_commune;am_agrees;am_actifs;places_agrees;places_moins_3_ans_actifs;am_actifs_55_ans_et_plus"
GOOD = f"{HEADER}\n2025;71001;8;8;29;15;3\n2025;71002;14;14;48;24;4\n".encode()


def _xlsx(rows: list[list], extra: dict[str, bytes] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "assistants_maternels"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if not extra:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        for name, content in extra.items():
            target.writestr(name, content)
    return out.getvalue()


def test_type_is_read_from_the_content_not_the_name():
    assert kind_of(GOOD) == "csv"
    assert kind_of(_xlsx([HEADER.split(";")])) == "xlsx"
    assert kind_of("annee;x\n".encode("utf-16")) == "csv"  # Excel's « Texte Unicode » (UTF-16 with its mark)
    refused = {
        "PDF": b"%PDF-1.7\n...", "programme": b"MZ\x90\x00" + b"\x00" * 100, "octets nuls": b"annee\x00;x\x00\n",
        "ZIP": _zip({"word/document.xml": b"<w/>"}), ".xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        "macros": _xlsx([["a"]], {"xl/vbaProject.bin": b"\x00"}), "vide": b""}
    for what, content in refused.items():
        with pytest.raises(UploadRefused):
            kind_of(content)
    # a workbook named .csv is stored as the workbook it is
    assert stored_name("assistants_maternels", kind_of(_xlsx([["a"]])), "extrait.csv").endswith(".xlsx")


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("original", ["../../../etc/passwd", "..\\..\\windows\\system32\\x.csv", "/etc/cron.d/x.csv",
                                      "C:\\Users\\x\\Extrait PMI été.csv", "....csv", "a/../../b.csv", "\x00.csv",
                                      ""])
def test_stored_names_never_leave_the_raw_folder(tmp_path, original):
    name = stored_name("assistants_maternels", "csv", original)
    assert "/" not in name and "\\" not in name and ".." not in name and name.startswith("assistants_maternels_")
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789_-.T")
    assert inside(tmp_path, name).parent == tmp_path.resolve()


def test_inside_refuses_a_name_that_escapes(tmp_path):
    for name in ("../x.csv", "sub/x.csv", "/etc/passwd", ".."):
        with pytest.raises(UploadRefused):
            inside(tmp_path, name)


def test_size_limit(tmp_path):
    with pytest.raises(UploadRefused, match="trop gros"):
        validate(GOOD, "assistants_maternels", "x.csv", tmp_path, ["71"], max_bytes=len(GOOD) - 1)


def test_template_problems_are_listed_by_line_and_column_before_anything_is_written(demo_home):
    raw = demo_home / "data" / "raw" / "demo"
    before = sorted(p.name for p in (raw / "extracts").iterdir())
    # a value of the wrong type stops the file at its connector (the refresh reports it so)
    bad = f"{HEADER}\n2025;71001;8;8;29;15;3\n2025;71002;quatorze;14;48;24;4\n".encode()
    checked = validate(bad, "assistants_maternels", "pmi.csv", raw, ["71"])
    assert [(p.line, p.column, p.found) for p in checked.problems] == [(3, "am_agrees", "quatorze")]
    assert not checked.accepted and checked.problems[0].file == checked.name
    # well typed: an unknown commune, and a key already in the stored extract (it would count twice)
    other = f"{HEADER}\n2025;99999;1;1;1;1;0\n2020;71003;5;5;5;5;0\n".encode()
    found = validate(other, "assistants_maternels", "x.csv", raw, ["71"]).problems
    where = {(p.line, p.column): p.expected for p in found}
    assert (2, "code_commune") in where
    assert any(line == 3 and "déjà dans assistants_maternels.csv" in text for (line, _), text in where.items())
    with pytest.raises(UploadRefused):
        deposit(bad, "assistants_maternels", "pmi.csv", "admin", raw, ["71"])
    assert sorted(p.name for p in (raw / "extracts").iterdir()) == before and not (raw / DEPOSITS).exists()


def test_xlsx_formulas_are_read_as_text_never_evaluated(demo_home):
    raw = demo_home / "data" / "raw" / "demo"
    book = _xlsx([HEADER.split(";"), [2025, "71001", "=1+1", 8, 29, 15, 3]])
    checked = validate(book, "assistants_maternels", "pmi.xlsx", raw, ["71"])
    assert any(p.column == "am_agrees" and p.found == "=1+1" for p in checked.problems)


def test_an_accepted_extract_is_stored_with_checksum_and_uploader(demo_home, tmp_path):
    raw = tmp_path / "raw"
    (raw / "extracts").mkdir(parents=True)
    stored = deposit(GOOD, "assistants_maternels", "../Extrait PMI.csv", "administrateur", raw, ["71"])
    assert stored.path.parent == (raw / "extracts").resolve() and stored.path.read_bytes() == GOOD
    assert stored.path.name.startswith("assistants_maternels_") and stored.path.name.endswith("_extrait-pmi.csv")
    log = deposits(raw)[0]
    assert log["sha256"] == hashlib.sha256(GOOD).hexdigest() == stored.sha256
    assert (log["uploader"], log["original_name"], log["rows"]) == ("administrateur", "../Extrait PMI.csv", 2)
    assert json.loads((raw / DEPOSITS).read_text().splitlines()[0])["file"] == f"extracts/{stored.path.name}"


# --- the queue -------------------------------------------------------------------------------------------------

@pytest.fixture
def queue(tmp_path, monkeypatch):
    monkeypatch.setattr(jobs, "queue_dir", lambda: tmp_path / "queue")
    return tmp_path / "queue"


def test_a_job_is_claimed_by_one_runner_and_finished_with_its_outcome(queue):
    first = jobs.enqueue("admin", "dépôt de x.csv")
    second = jobs.enqueue("admin", "dépôt de y.csv")
    assert jobs.pending() == [first, second]
    claimed = jobs.claim()
    assert claimed["id"] == first and jobs.job(first)["state"] == "running"
    assert jobs.claim()["id"] == second and jobs.claim() is None  # each job once
    jobs.finish(claimed, "rejected", "Fichier(s) rejeté(s) : x.csv", 2, "run1")
    done = jobs.job(first)
    assert (done["state"], done["outcome"], done["exit_code"]) == ("done", "rejected", 2)
    assert [j["id"] for j in jobs.recent()] == [second, first]


def test_a_job_left_running_by_a_killed_runner_goes_back_to_pending(queue):
    job_id = jobs.enqueue("admin", "x")
    job = jobs.claim()
    path = queue / "running" / f"{job_id}.json"
    path.write_text(json.dumps({**job, "runner": 2 ** 22 + 12345}), encoding="utf-8")  # no such process
    assert jobs.recover_stale() == [job_id] and jobs.pending() == [job_id]


def test_the_scheduled_refresh_runs_the_pending_jobs(demo_home):
    job_id = jobs.enqueue("administrateur", "test")
    assert main(["refresh", "--raw", str(demo_home / "data" / "raw" / "demo"), "--departements", "71",
                 "--base-year", "2017"]) == 0
    done = jobs.job(job_id)
    assert done["state"] == "done" and done["outcome"] in ("success", "noop") and done["run_id"]


def test_a_detached_worker_runs_a_job_outside_the_calling_process(demo_home):
    (demo_home / "sdsf.toml").write_text('[refresh]\nraw = "data/raw/demo"\ndepartements = ["71"]\nbase_year = 2017\n',
                                         encoding="utf-8")
    try:
        job_id = jobs.enqueue("administrateur", "test")
        pid = jobs.start_worker()
        deadline = time.time() + 120
        while (jobs.job(job_id) or {}).get("state") != "done" and time.time() < deadline:
            time.sleep(0.5)
    finally:
        (demo_home / "sdsf.toml").unlink()
    done = jobs.job(job_id)
    assert done["state"] == "done" and done["outcome"] in ("success", "noop"), done
    assert done["runner"] == pid  # another process ran it


# --- the page ---------------------------------------------------------------------------------------------------

class _Upload:
    """What ``st.file_uploader`` returns (an uploaded file's name and bytes): AppTest cannot drop a file."""

    def __init__(self, name: str, content: bytes):
        self.name, self._content = name, content

    def getvalue(self) -> bytes:
        return self._content


@pytest.fixture
def depot(demo_home, local_accounts, tmp_path, monkeypatch):
    """The Dépôt page as the administrateur, on a copy of the demo raw folder and a queue of its own; the
    uploader hands over ``upload["file"]`` and starting a worker is recorded, not done."""
    import shutil
    from dataclasses import replace

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from app.access import SIGNED_IN
    from pipelines import config as config_module
    from tests.test_app_explorer_cartes_donnees import MAIN

    raw = tmp_path / "raw"
    shutil.copytree(demo_home / "data" / "raw" / "demo", raw)
    real = config_module.load_config
    monkeypatch.setattr(config_module, "load_config", lambda *a, **k: replace(real(*a, **k), raw=raw,
                                                                              departements=["71"]))
    monkeypatch.setattr(jobs, "queue_dir", lambda: tmp_path / "queue")
    started: list[int] = []
    monkeypatch.setattr(jobs, "start_worker", lambda: started.append(1) or 0)
    upload: dict = {"file": None}
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: upload["file"])
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state[SIGNED_IN] = "administrateur"
    at.switch_page("app_pages/depot.py")
    return at, upload, raw, started


def test_depot_page_previews_every_problem_then_stores_and_queues_a_good_file(depot):
    at, upload, raw, started = depot
    before = sorted(p.name for p in (raw / "extracts").iterdir())
    upload["file"] = _Upload("../../pmi.csv", f"{HEADER}\n2025;71001;=1+1;8;29;15;3\n2025;99999;1;1;1;1;0\n".encode())
    at.run(timeout=60)
    at.selectbox(key="depot_modele").select("assistants_maternels").run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    assert any("problème(s)" in e.value for e in at.error)
    preview = at.dataframe[0].value
    assert {"Ligne", "Colonne", "Trouvé"} <= set(preview.columns) and "=1+1" in set(preview["Trouvé"])
    assert not [b for b in at.button if b.label == "Déposer et actualiser l'entrepôt"]  # nothing to deposit

    upload["file"] = _Upload("facture.csv", b"MZ\x90\x00" + b"\x00" * 200)  # a program renamed .csv
    at.run(timeout=60)
    assert any("Fichier refusé" in e.value and "binaire" in e.value for e in at.error)
    assert sorted(p.name for p in (raw / "extracts").iterdir()) == before and not started

    upload["file"] = _Upload("Extrait PMI.csv", GOOD)
    at.run(timeout=60)
    assert any("Fichier conforme" in s.value for s in at.success)
    next(b for b in at.button if b.label == "Déposer et actualiser l'entrepôt").click().run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    added = sorted(set(p.name for p in (raw / "extracts").iterdir()) - set(before))
    assert len(added) == 1 and added[0].endswith("_extrait-pmi.csv") and started == [1]
    assert deposits(raw)[0]["uploader"] == "administrateur"
    assert jobs.pending() and any("actualisation demandée" in s.value for s in at.success)
    assert any("en attente" in i.value for i in at.info)  # the job's state, read back from its file
