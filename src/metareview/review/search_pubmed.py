"""Run a PubMed search through NCBI E-utilities and keep the MEDLINE export it returns.

The search is the two-step pattern of the E-utilities documentation (Sayers E, "The
E-utilities In-Depth: Parameters, Syntax and More", in *Entrez Programming Utilities Help*,
NCBI Bookshelf NBK25499, 2009-, https://www.ncbi.nlm.nih.gov/books/NBK25499/):

1. ``esearch.fcgi`` with ``db=pubmed``, ``term=QUERY``, ``usehistory=y``, ``retmode=json``
   returns the number of matching records (``count``), the server's reading of the query
   (``querytranslation``) and a History-server handle (``webenv``, ``querykey``);
2. ``efetch.fcgi`` with that handle, ``rettype=medline``, ``retmode=text`` and
   ``retstart``/``retmax`` batches (500 records by default) returns MEDLINE text.

The export is exactly the text the server returned, batches concatenated, so it can be
imported later with :func:`metareview.review.importers.read_records` (format
``pubmed_medline``) and recorded as a search (PRISMA 2020 items 6 and 7; Page MJ et al.,
2021, *BMJ* 372:n71, doi:10.1136/bmj.n71) from the sidecar written by :func:`write_search`.

NCBI's usage rules are kept: at most 3 requests a second without an API key and 10 with
one, ``tool`` and ``email`` sent with every request, retries with exponential back-off on
HTTP 429 and 5xx. PubMed's E-utilities give out only the first 10,000 records of a search
(NBK25499, ESearch ``retmax``), so larger searches are refused with a hint to split them by
date rather than truncated. Nothing here is silently cut short: a batch that brings fewer
records than asked is fetched again and then refused, and :func:`verify_export` re-reads
the written file.

Examples
--------
>>> redact_params({"db": "pubmed", "WebEnv": "MCID_1", "api_key": "k", "term": "x"})
{'db': 'pubmed', 'term': 'x'}
>>> plan_batches(1100, batch_size=500)
[(0, 500), (500, 500), (1000, 100)]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from metareview.errors import InputError, ServiceError

__all__ = [
    "DEFAULT_BASE_URL",
    "PUBMED_RETRIEVAL_LIMIT",
    "ESearchResult",
    "EUtilsClient",
    "EUtilsError",
    "check_out",
    "PubMedSearch",
    "plan_batches",
    "redact_params",
    "search_pubmed",
    "sidecar_path",
    "verify_export",
    "write_search",
]

#: The E-utilities address (a parameter everywhere, so tests can point elsewhere).
DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
#: PubMed's E-utilities return at most the first 10,000 records of a search (NBK25499).
PUBMED_RETRIEVAL_LIMIT = 10_000
#: HTTP statuses worth another try after a pause (rate limited, server trouble).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Parameters never written to a sidecar: the session handle and personal credentials.
PRIVATE_PARAMS = frozenset({"WebEnv", "webenv", "query_key", "api_key", "email"})

_DATE = re.compile(r"^\d{4}(/\d{2}(/\d{2})?)?$")
_PMID_LINE = re.compile(r"^PMID- ?\d", re.MULTILINE)


class EUtilsError(ServiceError):
    """The E-utilities server could not be reached or answered with an error.

    The message is one line naming the host and what went wrong.
    """


@dataclass(frozen=True, slots=True)
class ESearchResult:
    """What ``esearch.fcgi`` said about a query.

    Attributes
    ----------
    count : int
        Records matching the query.
    webenv, query_key : str
        The History-server handle used by ``efetch`` (never written to a sidecar).
    query_translation : str
        The query as PubMed ran it (automatic term mapping applied).
    warnings : tuple of str
        Phrases not found, fields not found, phrases ignored, output messages.
    """

    count: int
    webenv: str
    query_key: str
    query_translation: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PubMedSearch:
    """A finished PubMed search: the export text and how it was obtained.

    Attributes
    ----------
    query : str
    query_translation : str
    count : int
        Records PubMed reported (and fetched).
    text : str
        The MEDLINE export exactly as the server returned it (batches concatenated).
    date_run : datetime
        When the search was run (UTC).
    parameters : dict
        The esearch and efetch parameters without WebEnv, query_key, api_key and email.
    base_url : str
    requests : int
        HTTP requests made (esearch, efetch batches, retries).
    warnings : tuple of str
    """

    query: str
    query_translation: str
    count: int
    text: str
    date_run: dt.datetime
    parameters: dict[str, Any]
    base_url: str
    requests: int
    warnings: tuple[str, ...] = ()
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", hashlib.sha256(self.text.encode("utf-8")).hexdigest())

    def summary(self):  # -> pandas.DataFrame
        """One row: ``query``, ``query_translation``, ``count``, ``date_run``, ``sha256``, ``requests``."""
        import pandas as pd

        return pd.DataFrame(
            [[self.query, self.query_translation, self.count, self.date_run.isoformat(),
              self.sha256, self.requests]],
            columns=["query", "query_translation", "count", "date_run", "sha256", "requests"],
        )


def redact_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """*params* without the History-server handle and personal credentials (WebEnv, api_key...)."""
    return {k: v for k, v in params.items() if k not in PRIVATE_PARAMS}


def plan_batches(count: int, *, batch_size: int = 500) -> list[tuple[int, int]]:
    """``(retstart, retmax)`` of each efetch call needed for *count* records."""
    return [(start, min(batch_size, count - start)) for start in range(0, count, batch_size)]


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host or url
    except Exception:  # an unparsable URL still deserves a readable message
        return url


def _server_error_text(text: str) -> str | None:
    """The error message inside a JSON or XML E-utilities answer, if there is one."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return None
        if isinstance(data, dict):
            inner = data.get("esearchresult", data)
            for key in ("ERROR", "error"):
                if isinstance(inner, dict) and inner.get(key):
                    return str(inner[key])
                if data.get(key):
                    return str(data[key])
        return None
    if stripped.startswith("<"):
        m = re.search(r"<ERROR>(.*?)</ERROR>", stripped, re.DOTALL | re.IGNORECASE)
        if m:
            return " ".join(m.group(1).split())
        return "the server sent XML/HTML instead of MEDLINE text"
    return None


class EUtilsClient:
    """A small, polite HTTP client for NCBI E-utilities.

    Parameters
    ----------
    base_url : str
        The E-utilities address (default :data:`DEFAULT_BASE_URL`).
    email, tool : str, optional
        Sent with every request as NCBI asks (defaults from ``NCBI_EMAIL``/``NCBI_TOOL``;
        tool defaults to ``metareview``).
    api_key : str, optional
        An NCBI API key (default ``NCBI_API_KEY``); raises the rate limit from 3 to 10
        requests a second.
    timeout : float
        Seconds per request.
    max_retries : int
        Further tries after an HTTP 429/5xx answer or a network failure.
    backoff : float
        First pause in seconds before a retry, doubled each time (a ``Retry-After`` header
        wins when longer).
    transport : httpx.BaseTransport, optional
        For tests: an ``httpx.MockTransport`` serving recorded answers.
    clock, sleep : callable
        Monotonic clock and sleep function (tests pass a fake clock).
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        email: str | None = None,
        tool: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_retries < 0:
            raise InputError("must be 0 or more", column="max_retries")
        if timeout <= 0:
            raise InputError("must be positive", column="timeout")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        # an explicit empty string switches the environment default off
        self.email = (email if email is not None else os.environ.get("NCBI_EMAIL")) or None
        self.tool = (tool if tool is not None else os.environ.get("NCBI_TOOL")) or "metareview"
        self.api_key = (api_key if api_key is not None else os.environ.get("NCBI_API_KEY")) or None
        self.rate = 10.0 if self.api_key else 3.0
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None
        self._retry_after: float | None = None
        self.requests = 0
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=True)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EUtilsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def host(self) -> str:
        return _host(self.base_url)

    def _wait_turn(self) -> None:
        """Keep request starts at least ``1/rate`` seconds apart."""
        interval = 1.0 / self.rate
        if self._last is not None:
            wait = self._last + interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last = self._clock()

    def _common(self) -> dict[str, str]:
        out = {"tool": self.tool}
        if self.email:
            out["email"] = self.email
        if self.api_key:
            out["api_key"] = self.api_key
        return out

    def get(self, endpoint: str, params: Mapping[str, Any]) -> httpx.Response:
        """GET ``base_url + endpoint`` with rate limiting and retries; an error is one line."""
        url = self.base_url + endpoint
        query = {**{k: str(v) for k, v in params.items()}, **self._common()}
        last_problem = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                pause = self.backoff * 2 ** (attempt - 1)
                if self._retry_after is not None and self._retry_after > pause:
                    pause = self._retry_after
                self._sleep(pause)
            self._retry_after = None
            self._wait_turn()
            self.requests += 1
            try:
                response = self._http.get(url, params=query)
            except httpx.TransportError as exc:
                last_problem = f"{type(exc).__name__}: {exc}".rstrip(": ")
                continue
            if response.status_code in RETRY_STATUSES:
                last_problem = f"HTTP {response.status_code}"
                detail = _server_error_text(response.text)
                if detail:
                    last_problem += f" ({detail})"
                header = response.headers.get("Retry-After")
                if header and header.strip().isdigit():
                    self._retry_after = float(header)
                continue
            if response.status_code >= 400:
                detail = _server_error_text(response.text) or response.reason_phrase
                raise EUtilsError(
                    f"{self.host}: {endpoint} answered HTTP {response.status_code}: {detail}"
                )
            return response
        raise EUtilsError(
            f"{self.host}: {endpoint} failed after {self.max_retries + 1} tries: {last_problem}"
        )

    def esearch(self, params: Mapping[str, Any]) -> ESearchResult:
        """Run ``esearch.fcgi`` (JSON answer); an ``ERROR`` field becomes :class:`InputError`."""
        response = self.get("esearch.fcgi", params)
        try:
            data = response.json()
        except ValueError:
            raise EUtilsError(
                f"{self.host}: esearch.fcgi did not answer JSON"
                f" (starts {response.text[:60]!r})"
            ) from None
        result = data.get("esearchresult") if isinstance(data, dict) else None
        if not isinstance(result, dict):
            message = _server_error_text(response.text)
            raise EUtilsError(
                f"{self.host}: esearch.fcgi answered without an esearchresult"
                + (f": {message}" if message else "")
            )
        warnings = _esearch_warnings(result)
        if result.get("ERROR"):
            raise InputError(
                f"PubMed refused the query: {result['ERROR']}",
                column="QUERY",
                hint="check the search syntax (field tags, quotes, brackets)"
                + (f"; {'; '.join(warnings)}" if warnings else ""),
            )
        try:
            count = int(result["count"])
        except (KeyError, TypeError, ValueError):
            raise EUtilsError(f"{self.host}: esearch.fcgi answered without a count") from None
        return ESearchResult(
            count=count,
            webenv=str(result.get("webenv", "")),
            query_key=str(result.get("querykey", "")),
            query_translation=str(result.get("querytranslation", "")),
            warnings=tuple(warnings),
        )


def _esearch_warnings(result: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    labels = {
        "phrasesnotfound": "phrase not found",
        "fieldsnotfound": "field not found",
        "phrasesignored": "phrase ignored",
        "quotedphrasesnotfound": "quoted phrase not found",
        "outputmessages": "PubMed says",
    }
    for block in ("errorlist", "warninglist"):
        items = result.get(block)
        if not isinstance(items, dict):
            continue
        for key, label in labels.items():
            for value in items.get(key) or []:
                out.append(f"{label}: {value}")
    return out


def search_pubmed(
    query: str,
    *,
    max_records: int = 10_000,
    batch_size: int = 500,
    mindate: str | None = None,
    maxdate: str | None = None,
    datetype: str = "pdat",
    client: EUtilsClient | None = None,
    now: Callable[[], dt.datetime] | None = None,
) -> PubMedSearch:
    """Search PubMed and fetch every matching record as MEDLINE text.

    Parameters
    ----------
    query : str
        The search as typed in PubMed.
    max_records : int
        Refuse (do not truncate) searches that find more records than this.
    batch_size : int
        Records per ``efetch`` call (1-10,000; NCBI suggests a few hundred).
    mindate, maxdate : str, optional
        Date range ``YYYY``, ``YYYY/MM`` or ``YYYY/MM/DD``; E-utilities need both.
    datetype : str
        The date field the range applies to (``pdat`` publication, ``edat`` Entrez,
        ``mdat`` modification).
    client : EUtilsClient, optional
        Defaults to a client for NCBI with settings from the environment.
    now : callable, optional
        Returns the UTC time of the run (tests fix it).

    Returns
    -------
    PubMedSearch

    Raises
    ------
    InputError
        A bad option, a query PubMed refuses, no records, or more records than
        *max_records* or than PubMed gives out (10,000).
    EUtilsError
        The server cannot be reached, keeps failing, or sends fewer records than it counted.
    """
    if not query or not query.strip():
        raise InputError("the query is empty", column="QUERY", hint='give a search, e.g. "aspirin AND stroke"')
    if max_records < 1:
        raise InputError(f"must be at least 1, got {max_records}", column="--max")
    if not 1 <= batch_size <= PUBMED_RETRIEVAL_LIMIT:
        raise InputError(f"must be between 1 and 10000, got {batch_size}", column="--batch-size")
    for name, value in (("--mindate", mindate), ("--maxdate", maxdate)):
        if value is not None and not _DATE.match(value):
            raise InputError(f"{value!r} is not a date", column=name,
                             hint="write YYYY, YYYY/MM or YYYY/MM/DD")
    if (mindate is None) != (maxdate is None):
        raise InputError("E-utilities need both ends of a date range", column="--mindate" if mindate is None else "--maxdate",
                         hint="give both --mindate and --maxdate (e.g. --mindate 2000 --maxdate 2024)")
    own = client is None
    client = client or EUtilsClient()
    run_at = (now or (lambda: dt.datetime.now(dt.UTC)))()
    try:
        esearch_params: dict[str, Any] = {
            "db": "pubmed", "term": query, "usehistory": "y", "retmax": 0, "retmode": "json",
        }
        if mindate is not None:
            esearch_params.update(datetype=datetype, mindate=mindate, maxdate=maxdate)
        found = client.esearch(esearch_params)
        where = f" (PubMed read it as: {found.query_translation})" if found.query_translation else ""
        if found.count == 0:
            raise InputError(
                f"PubMed found no records for this query{where}; nothing was written",
                column="QUERY",
                hint="; ".join(found.warnings) or "check the spelling and field tags",
            )
        if found.count > PUBMED_RETRIEVAL_LIMIT:
            raise InputError(
                f"PubMed found {found.count:,} records, but E-utilities give out only the"
                f" first {PUBMED_RETRIEVAL_LIMIT:,} of a search; nothing was written",
                column="QUERY",
                hint="split the search by date (--mindate/--maxdate) into parts of at most"
                " 10,000 records and import each part",
            )
        if found.count > max_records:
            raise InputError(
                f"PubMed found {found.count:,} records, more than --max {max_records:,};"
                " nothing was written",
                column="--max",
                hint=f"raise --max to {found.count} or narrow the query",
            )
        if not found.webenv or not found.query_key:
            raise EUtilsError(f"{client.host}: esearch.fcgi gave no WebEnv/query_key to fetch with")
        efetch_base = {"db": "pubmed", "rettype": "medline", "retmode": "text"}
        parts = [
            _fetch_batch(client, {**efetch_base, "WebEnv": found.webenv, "query_key": found.query_key},
                         start, size)
            for start, size in plan_batches(found.count, batch_size=batch_size)
        ]
    finally:
        if own:
            client.close()
    text = "".join(parts)
    parameters = {
        "esearch": redact_params(esearch_params),
        "efetch": {**efetch_base, "batch_size": batch_size},
        "tool": client.tool,
        "api_key_used": client.api_key is not None,
    }
    return PubMedSearch(
        query=query, query_translation=found.query_translation, count=found.count, text=text,
        date_run=run_at, parameters=parameters, base_url=client.base_url,
        requests=client.requests, warnings=found.warnings,
    )


def _fetch_batch(client: EUtilsClient, params: dict[str, Any], start: int, size: int) -> str:
    """One efetch batch, fetched again once if it holds fewer records than asked."""
    got = 0
    for _ in range(2):
        response = client.get("efetch.fcgi", {**params, "retstart": start, "retmax": size})
        text = response.text
        message = _server_error_text(text)
        if message:
            raise EUtilsError(
                f"{client.host}: efetch.fcgi records {start + 1}-{start + size}: {message}"
            )
        got = len(_PMID_LINE.findall(text))
        if got == size:
            return text
    raise EUtilsError(
        f"{client.host}: efetch.fcgi records {start + 1}-{start + size}: the server sent"
        f" {got} of {size} records twice; nothing was written (try again later)"
    )


def sidecar_path(out: str | os.PathLike[str]) -> Path:
    """``pubmed.txt`` -> ``pubmed.txt.search.json``."""
    p = Path(out)
    return p.with_name(p.name + ".search.json")


def check_out(out: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Refuse an ``--out`` that cannot or should not be written (checked before any request).

    Raises
    ------
    InputError
        The folder is missing or read-only, *out* is a folder, or *out* or its sidecar
        exists and *overwrite* is false (an earlier search is never replaced silently).
    """
    out = Path(out)
    folder = out.parent
    if not folder.is_dir():
        raise InputError("the folder does not exist", file=str(folder), column="--out",
                         hint="create it first or choose another --out")
    if out.is_dir():
        raise InputError("is a folder", file=str(out), column="--out", hint="name a file, e.g. pubmed.txt")
    if not os.access(folder, os.W_OK):
        raise InputError("the folder is not writable", file=str(folder), column="--out")
    if not overwrite:
        for existing in (out, sidecar_path(out)):
            if existing.exists():
                raise InputError("already exists", file=str(existing), column="--out",
                                 hint="choose another --out, or pass --overwrite to replace it")
    return out


def _write_atomic(path: Path, data: bytes) -> None:
    """Write *data* beside *path* then rename it into place (no half-written file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_search(
    search: PubMedSearch, out: str | os.PathLike[str], *, overwrite: bool = False
) -> tuple[Path, Path]:
    """Write the export and its ``.search.json`` sidecar; return both paths.

    The export is written as UTF-8 bytes of exactly the text the server sent (no newline
    translation), so the sidecar's SHA-256 is the file's. The sidecar holds the query,
    PubMed's translation, the count, the UTC date and time, the parameters (without
    WebEnv, query_key, API key and e-mail), the file's SHA-256 and the
    ``metareview review import`` command that records it as a search.
    """
    out = check_out(out, overwrite=overwrite)
    side = sidecar_path(out)
    from metareview import __version__

    date = search.date_run.astimezone(dt.UTC)
    payload = {
        "database": "PubMed",
        "query": search.query,
        "query_translation": search.query_translation,
        "count": search.count,
        "date_run": date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date": date.date().isoformat(),
        "base_url": search.base_url,
        "parameters": search.parameters,
        "export": {"file": out.name, "format": "pubmed_medline", "sha256": search.sha256,
                   "bytes": len(search.text.encode("utf-8"))},
        "warnings": list(search.warnings),
        "software": f"metareview {__version__}",
        "import_command": " ".join([
            "metareview review import", shlex.quote(out.name), "--database PubMed",
            f"--date {date.date().isoformat()}", "--query", shlex.quote(search.query),
        ]),
    }
    _write_atomic(out, search.text.encode("utf-8"))
    _write_atomic(side, (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return out, side


def verify_export(out: str | os.PathLike[str], *, expected: int) -> int:
    """Re-read *out* with ``read_records`` and check it holds *expected* records.

    Raises
    ------
    ImportFormatError
        The file does not read as PubMed MEDLINE.
    EUtilsError
        It reads to another number of records (the files are left for inspection).
    """
    from metareview.review.importers import read_records

    result = read_records(out, format="pubmed_medline")
    if len(result) != expected:
        raise EUtilsError(
            f"{out}: re-reading the export gave {len(result)} records, but PubMed counted"
            f" {expected}; do not import it (run the search again)"
        )
    return len(result)
