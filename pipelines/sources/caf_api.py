"""Client of data.caf.fr (Opendatasoft Explore API v2.1): records paging and full CSV exports.

The portal is slow at times and rate-limits: every request is retried with exponential backoff
on network errors, timeouts, 429 and 5xx (``Retry-After`` is honoured), then fails with a
``FetchError`` naming the URL and the last status. A download replaces the previous file only
once it has been read back and validated, so a broken transfer never spoils a good file.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests

from pipelines.errors import FetchError, InputError
from pipelines.sources.caf_opendata import read_caf_file

BASE_URL = "https://data.caf.fr"
PAGE_SIZE = 100  # largest ``limit`` the records endpoint accepts
MAX_RECORDS = 10_000  # the records endpoint refuses offset + limit beyond this
RETRY_STATUSES = {429, 500, 502, 503, 504}
NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class CafClient:
    """HTTP access to one Opendatasoft portal; ``sleep`` is injectable so tests do not wait."""

    def __init__(self, base_url: str = BASE_URL, *, timeout: tuple[float, float] = (10, 120),
                 retries: int = 4, backoff: float = 1.0, max_wait: float = 120,
                 sleep: Callable[[float], None] = time.sleep, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout  # (connect, read) seconds
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.session = session or requests.Session()

    def dataset_url(self, dataset: str, endpoint: str = "") -> str:
        return f"{self.base_url}/api/explore/v2.1/catalog/datasets/{dataset}{endpoint}"

    def records(self, dataset: str, *, where: str | None = None,
                order_by: str | None = None) -> Iterator[dict]:
        """Every record matching ``where``, page by page (the API caps a query at 10 000 records)."""
        offset = 0
        while True:
            params = {"limit": PAGE_SIZE, "offset": offset, "where": where, "order_by": order_by}
            page = self._get(self.dataset_url(dataset, "/records"), params, _json)
            try:
                total, results = int(page["total_count"]), page["results"]
            except (KeyError, TypeError, ValueError) as exc:
                raise FetchError(f"{dataset} : réponse sans « total_count » ni « results »") from exc
            if total > MAX_RECORDS:
                raise FetchError(f"{dataset} : {total} enregistrements, au-delà des {MAX_RECORDS} que l'API "
                                 "pagine ; utiliser l'export CSV (fetch_to_csv)")
            yield from results
            offset += len(results)
            if not results or offset >= total:
                return

    def field_type(self, dataset: str, field: str) -> str | None:
        """The Opendatasoft type of a field (``int``, ``date``, ``text`` ...) from the data set's schema."""
        schema = self._get(self.dataset_url(dataset), {}, _json)
        return next((f.get("type") for f in schema.get("fields", []) if f.get("name") == field), None)

    def year_where(self, dataset: str, years: Iterable[int]) -> str:
        """An ODSQL filter on ``annee``, whose type differs between data sets (a date in ``txcouv_pe_nat``)."""
        return year_filter(years, self.field_type(dataset, "annee"))

    def export_csv(self, dataset: str, dest: Path, *, where: str | None = None) -> None:
        """Stream the full ``;`` CSV export (technical column names) into ``dest``."""
        params = {"delimiter": ";", "use_labels": "false", "where": where}

        def save(response: requests.Response) -> None:
            with open(dest, "wb") as out:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    out.write(chunk)

        self._get(self.dataset_url(dataset, "/exports/csv"), params, save)

    def _get(self, url: str, params: dict, consume: Callable[[requests.Response], object]):
        """GET with retries; ``consume`` reads the body inside the retry so a cut transfer is retried too."""
        params = {k: v for k, v in params.items() if v is not None}
        shown = requests.Request("GET", url, params=params).prepare().url
        for attempt in range(self.retries + 1):
            retry_after = None
            try:
                with self.session.get(url, params=params, timeout=self.timeout, stream=True) as response:
                    if response.status_code not in RETRY_STATUSES:
                        if not response.ok:
                            raise FetchError(f"{shown} : statut HTTP {response.status_code} "
                                             f"({response.text[:200].strip()})")
                        return consume(response)
                    failure = f"statut HTTP {response.status_code}"
                    retry_after = response.headers.get("Retry-After")
            except NETWORK_ERRORS as exc:
                failure = f"pas de réponse ({type(exc).__name__})"
            if attempt < self.retries:
                self.sleep(self._delay(attempt, retry_after))
        raise FetchError(f"{shown} : échec après {self.retries + 1} tentatives, dernière erreur : {failure}")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        wait = _seconds_until(retry_after) if retry_after else None
        return min(self.max_wait, self.backoff * 2 ** attempt if wait is None else wait)


def _json(response: requests.Response) -> dict:
    try:
        return response.json()
    except ValueError as exc:
        raise FetchError(f"{response.url} : réponse JSON illisible") from exc


def _seconds_until(retry_after: str) -> float | None:
    """``Retry-After`` is either seconds or an HTTP date."""
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(retry_after)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def year_filter(years: Iterable[int], field_type: str | None) -> str:
    """``annee=2021 OR annee=2022``; ``year(annee)=2021`` when ``annee`` is a date."""
    template = {"date": "year(annee)={}", "datetime": "year(annee)={}", "text": 'annee="{}"'}.get(
        field_type, "annee={}")
    return " OR ".join(template.format(int(year)) for year in sorted(set(years)))


def fetch_to_csv(client: CafClient, dataset: str, dest_dir: str | Path,
                 years: Iterable[int] | None = None) -> Path:
    """Download ``dataset`` to ``dest_dir/<dataset>.csv``, replacing the old file only with a valid one."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{dataset}.csv"
    where = client.year_where(dataset, years) if years else None
    # Same folder as dest so os.replace is atomic; same file name so problems name the right file.
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".fetch-") as tmp:
        part = Path(tmp) / dest.name
        client.export_csv(dataset, part, where=where)
        try:
            read_caf_file(part)
        except InputError as exc:
            raise FetchError(f"{client.dataset_url(dataset, '/exports/csv')} : fichier reçu refusé, "
                             f"{dest.name} n'est pas remplacé\n{exc}") from exc
        os.replace(part, dest)
    return dest
