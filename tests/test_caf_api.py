"""data.caf.fr client against a real local HTTP server that plays an Opendatasoft portal."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from pipelines.errors import FetchError
from pipelines.sources.caf_api import CafClient, fetch_to_csv, year_filter
from pipelines.sources.caf_opendata import read_rates

DATASET_PATH = re.compile(r"/api/explore/v2\.1/catalog/datasets/([^/]+)(/records|/exports/csv)?")
EPCI_CSV = (
    "annee;numepci;nomepci;txcouv_epci;txcouv_eaje_epci;txcouv_psu_col_epci;txcouv_hors_psu_col_epci;"
    "txcouv_ind_epci;txcouv_am_ind_epci;txcouv_gad_ind_epci;txcouv_prescol_epci\n"
    "2021;200070308;CC DU GRAND AUTUNOIS MORVAN;72.1;30.0;25.0;5.0;40.0;38.0;2.0;2.1\n"
    "2021;XX;XX;150.3;;;;;;;\n"
)


class Portal:
    """What the fake portal serves, the failures it plays first, and every request it received."""

    def __init__(self):
        self.records: dict[str, list[dict]] = {}
        self.field_types: dict[str, str] = {}
        self.exports: dict[str, str] = {}
        self.failures: list[tuple[int, dict]] = []  # (status, headers); status 0 = body cut short
        self.delay = 0.0
        self.requests: list[tuple[str, dict]] = []
        self.url = ""


class Handler(BaseHTTPRequestHandler):
    portal: Portal

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.portal.requests.append((url.path, query))
        time.sleep(self.portal.delay)
        if self.portal.failures:
            status, headers = self.portal.failures.pop(0)
            if status == 0:
                return self.reply(200, b"annee;numepci", "text/csv", {"Content-Length": "5000"})
            return self.reply(status, b'{"error": "busy"}', "application/json", headers)
        match = DATASET_PATH.fullmatch(url.path)
        if not match:
            return self.reply(404, b'{"error": "unknown"}', "application/json")
        dataset, endpoint = match.groups()
        if endpoint == "/exports/csv":
            return self.reply(200, self.portal.exports[dataset].encode(), "text/csv")
        if endpoint is None:
            fields = [{"name": "annee", "type": self.portal.field_types.get(dataset, "int")}]
            return self.json({"dataset_id": dataset, "fields": fields})
        limit, offset = int(query.get("limit", 10)), int(query.get("offset", 0))
        if limit > 100 or offset + limit > 10_000:
            return self.reply(400, b'{"error": "invalid limit or offset"}', "application/json")
        years = {int(y) for y in re.findall(r"annee\)?=(\d{4})", query.get("where", ""))}
        rows = [r for r in self.portal.records[dataset] if not years or int(str(r["annee"])[:4]) in years]
        self.json({"total_count": len(rows), "results": rows[offset:offset + limit]})

    def json(self, payload: dict):
        self.reply(200, json.dumps(payload).encode(), "application/json")

    def reply(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        headers = {"Content-Length": str(len(body)), **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that timed out and left
            super().handle_error(request, client_address)


@pytest.fixture
def portal():
    state = Portal()
    server = Server(("127.0.0.1", 0), type("BoundHandler", (Handler,), {"portal": state}))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(portal, waits) -> CafClient:
    return CafClient(portal.url, timeout=(1, 2), retries=3, backoff=0.5, max_wait=30, sleep=waits.append)


def test_records_pages_through_every_result(portal, client):
    portal.records["txcouv_pe_epci"] = [{"annee": 2021, "numepci": f"{i:09d}"} for i in range(250)]
    got = list(client.records("txcouv_pe_epci", order_by="numepci"))
    assert [r["numepci"] for r in got] == [f"{i:09d}" for i in range(250)]
    asked = [(q["limit"], q["offset"], q["order_by"]) for _, q in portal.requests]
    assert asked == [("100", "0", "numepci"), ("100", "100", "numepci"), ("100", "200", "numepci")]


def test_records_beyond_the_api_window_point_to_the_export(portal, client):
    portal.records["txcouv_pe_com_hist"] = [{"annee": 2020}] * 10_001
    with pytest.raises(FetchError, match="export CSV"):
        list(client.records("txcouv_pe_com_hist"))


def test_year_filter_is_sent_as_where(portal, client):
    portal.records["txcouv_pe_epci"] = [{"annee": y, "numepci": "200070308"} for y in (2019, 2020, 2021)]
    where = client.year_where("txcouv_pe_epci", [2021, 2020])
    assert where == "annee=2020 OR annee=2021"
    assert [r["annee"] for r in client.records("txcouv_pe_epci", where=where)] == [2020, 2021]
    assert portal.requests[-1][1]["where"] == "annee=2020 OR annee=2021"


def test_year_filter_on_a_date_typed_year(portal, client):
    portal.field_types["txcouv_pe_nat"] = "date"
    portal.records["txcouv_pe_nat"] = [{"annee": f"{y}-01-01"} for y in (2020, 2021)]
    where = client.year_where("txcouv_pe_nat", [2021])
    assert where == "year(annee)=2021"
    assert list(client.records("txcouv_pe_nat", where=where)) == [{"annee": "2021-01-01"}]


def test_year_filter_on_a_text_year():
    assert year_filter([2021], "text") == 'annee="2021"'


def test_retries_after_503_with_exponential_backoff(portal, client, waits):
    portal.records["txcouv_pe_dep"] = [{"annee": 2021, "numdep": "71"}]
    portal.failures = [(503, {}), (502, {})]
    assert list(client.records("txcouv_pe_dep")) == [{"annee": 2021, "numdep": "71"}]
    assert waits == [0.5, 1.0]
    assert len(portal.requests) == 3


def test_429_waits_as_long_as_retry_after_says_within_max_wait(portal, client, waits):
    portal.records["txcouv_pe_dep"] = [{"annee": 2021}]
    portal.failures = [(429, {"Retry-After": "7"}), (429, {"Retry-After": "3600"})]
    assert len(list(client.records("txcouv_pe_dep"))) == 1
    assert waits == [7.0, 30]


def test_persistent_5xx_ends_in_fetch_error_naming_url_and_status(portal, client, waits):
    portal.failures = [(503, {})] * 4
    with pytest.raises(FetchError) as excinfo:
        list(client.records("txcouv_pe_dep", where="annee=2021"))
    message = str(excinfo.value)
    assert f"{portal.url}/api/explore/v2.1/catalog/datasets/txcouv_pe_dep/records?" in message
    assert "where=annee%3D2021" in message and "statut HTTP 503" in message and "4 tentatives" in message
    assert waits == [0.5, 1.0, 2.0] and len(portal.requests) == 4


def test_client_errors_are_not_retried(portal, client, waits):
    portal.failures = [(404, {})]
    with pytest.raises(FetchError, match="statut HTTP 404"):
        list(client.records("txcouv_pe_inconnu"))
    assert waits == [] and len(portal.requests) == 1


def test_timeout_is_retried_then_fails(portal, waits):
    portal.delay = 0.3
    client = CafClient(portal.url, timeout=(1, 0.05), retries=1, backoff=0.5, sleep=waits.append)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"pas de réponse \(ReadTimeout\)"):
        client.field_type("txcouv_pe_nat", "annee")
    assert time.monotonic() - started < 1
    assert waits == [0.5] and len(portal.requests) == 2


def test_fetch_to_csv_writes_a_file_the_reader_accepts(portal, client, tmp_path):
    portal.exports["txcouv_pe_epci"] = EPCI_CSV
    dest = fetch_to_csv(client, "txcouv_pe_epci", tmp_path / "demo" / "caf", years=[2021])
    assert dest == tmp_path / "demo" / "caf" / "txcouv_pe_epci.csv"
    assert [p.name for p in dest.parent.iterdir()] == ["txcouv_pe_epci.csv"]  # no temporary left
    df = read_rates(dest)
    assert df["code"].tolist()[0] == "200070308" and df["placeholder"].tolist() == [False, True]
    path, query = portal.requests[-1]
    assert path.endswith("/txcouv_pe_epci/exports/csv")
    assert query == {"delimiter": ";", "use_labels": "false", "where": "annee=2021"}


def test_fetch_to_csv_retries_a_transfer_cut_short(portal, client, waits, tmp_path):
    portal.exports["txcouv_pe_epci"] = EPCI_CSV
    portal.failures = [(0, {})]
    dest = fetch_to_csv(client, "txcouv_pe_epci", tmp_path)
    assert dest.read_text(encoding="utf-8") == EPCI_CSV
    assert waits == [0.5]


def test_fetch_to_csv_keeps_the_old_file_when_the_new_one_is_invalid(portal, client, tmp_path):
    (tmp_path / "txcouv_pe_epci.csv").write_text(EPCI_CSV, encoding="utf-8")
    portal.exports["txcouv_pe_epci"] = EPCI_CSV.replace("72.1", "-72.1")
    with pytest.raises(FetchError) as excinfo:
        fetch_to_csv(client, "txcouv_pe_epci", tmp_path)
    assert "txcouv_pe_epci.csv, ligne 2, colonne « txcouv_epci »" in str(excinfo.value)
    assert (tmp_path / "txcouv_pe_epci.csv").read_text(encoding="utf-8") == EPCI_CSV
    assert [p.name for p in tmp_path.iterdir()] == ["txcouv_pe_epci.csv"]


def test_what_fetch_caf_downloads_alone_builds_a_warehouse(portal, client, tmp_path, monkeypatch):
    """The first thing a user without internal extracts does: fetch data.caf.fr, then refresh."""
    from pipelines.refresh import RefreshRequest, run
    from pipelines.warehouse.query import Warehouse

    monkeypatch.setenv("SDSF_HOME", str(tmp_path))
    portal.exports["txcouv_pe_epci"] = EPCI_CSV.replace("\n2021;XX", "\n2021;200071579;CC X;65.0;;;;;;;\n2021;XX")
    portal.exports["txcouv_pe_nat"] = ("annee;txcouv_nat;txcouv_eaje_nat;txcouv_psu_col_nat;txcouv_hors_psu_col_nat;"
                                       "txcouv_ind_nat;txcouv_am_ind_nat;txcouv_gad_ind_nat;txcouv_prescol_nat\n"
                                       "2021-01-01;59.4;22.3;18.2;4.1;34.1;31.9;2.2;3.0\n")
    raw = tmp_path / "raw"
    for dataset in ("txcouv_pe_epci", "txcouv_pe_nat"):
        fetch_to_csv(client, dataset, raw / "caf")
    result = run(RefreshRequest(raw, ["71"]))
    assert result.outcome == "success", result.message
    wh = Warehouse.open_current()
    try:
        tcg = wh.values("epci", None, ["tcg"], [2021]).set_index("code")["value"].to_dict()
        assert tcg == {"200070308": 72.1, "200071579": 65.0}  # the XX row is no territory
        assert wh.values("france", ["FR"], ["tcg"], [2021])["value"].tolist() == [59.4]
    finally:
        wh.close()
