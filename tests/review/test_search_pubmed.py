"""PubMed search client over recorded E-utilities answers (no network).

Independent values: the 104 records, first PMID and SHA-256 of the real PubMed export in
tests/fixtures/eutils (see SOURCES.md; the SHA-256 was computed with ``sha256sum``), and
batch arithmetic written out by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest

from metareview.errors import ImportFormatError, InputError
from metareview.review.search_pubmed import (
    EUtilsClient,
    EUtilsError,
    search_pubmed,
    sidecar_path,
    verify_export,
    write_search,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eutils"
POOL_FILE = FIXTURES / "efetch_restoration_pool.medline.txt"
POOL_SHA256 = "6bb60aa548645f222e468ea1260ca8f83312676df78f0587e9e4da100e4fdb69"
POOL = re.split(r"\n(?=PMID- )", POOL_FILE.read_text(encoding="ascii"))[1:]
RUN_AT = dt.datetime(2026, 1, 15, 9, 30, 5, tzinfo=dt.UTC)


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeClock:
    """A monotonic clock that moves only when the code sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Server:
    """Serves recorded esearch JSON and efetch MEDLINE batches; logs every request."""

    def __init__(self, esearch: dict, *, clock: FakeClock, failures=(), short_batches=0):
        self.esearch = esearch
        self.clock = clock
        self.failures = list(failures)  # responses (or exceptions) served first, in order
        self.short_batches = short_batches  # efetch answers that leave out one record
        self.calls: list[tuple[str, dict[str, str], float]] = []
        self.served: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.rsplit("/", 1)[-1]
        params = dict(request.url.params)
        self.calls.append((endpoint, params, self.clock()))
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        if endpoint == "esearch.fcgi":
            return httpx.Response(200, json=self.esearch)
        assert endpoint == "efetch.fcgi"
        result = self.esearch["esearchresult"]
        assert params["WebEnv"] == result["webenv"] and params["query_key"] == result["querykey"]
        start, size = int(params["retstart"]), int(params["retmax"])
        stop = min(start + size, int(result["count"]))
        if self.short_batches:
            self.short_batches -= 1
            stop -= 1
        text = "".join("\n" + POOL[i % len(POOL)] for i in range(start, stop))
        self.served.append(text)
        return httpx.Response(200, text=text)

    def endpoints(self) -> list[str]:
        return [c[0] for c in self.calls]


def make(esearch: dict, **server_options):
    clock = FakeClock()
    server = Server(esearch, clock=clock, **server_options)
    client = EUtilsClient(
        transport=httpx.MockTransport(server), clock=clock, sleep=clock.sleep,
        email="reviewer@example.org", tool="metareview-tests", api_key="",
    )
    return client, server, clock


def with_count(name: str, count: int) -> dict:
    data = load(name)
    data["esearchresult"]["count"] = str(count)
    return data


def test_pool_is_the_real_export():
    assert hashlib.sha256(POOL_FILE.read_bytes()).hexdigest() == POOL_SHA256
    assert len(POOL) == 104  # MANIFEST.csv: expected_records 104


def test_search_fetches_every_record_in_batches_exactly_as_sent(tmp_path):
    client, server, _ = make(load("esearch_restoration.json"))
    with client:
        result = search_pubmed("restoration[ti] AND ecosystem", batch_size=50, client=client,
                               now=lambda: RUN_AT)
    # 104 records in batches of 50: retstart 0, 50, 100 with retmax 50, 50, 4
    assert server.endpoints() == ["esearch.fcgi"] + ["efetch.fcgi"] * 3
    fetches = [(c[1]["retstart"], c[1]["retmax"]) for c in server.calls[1:]]
    assert fetches == [("0", "50"), ("50", "50"), ("100", "4")]
    es = server.calls[0][1]
    assert es["db"] == "pubmed" and es["usehistory"] == "y" and es["retmode"] == "json"
    assert es["term"] == "restoration[ti] AND ecosystem"
    for _, params, _ in server.calls:
        assert params["tool"] == "metareview-tests" and params["email"] == "reviewer@example.org"
    ef = server.calls[1][1]
    assert (ef["rettype"], ef["retmode"], ef["db"]) == ("medline", "text", "pubmed")
    # the three batches concatenated give back the real export byte for byte
    assert result.text == "".join(server.served)
    assert result.text.encode("ascii") == POOL_FILE.read_bytes()
    assert result.sha256 == POOL_SHA256
    assert result.count == 104 and result.requests == 4
    assert result.query_translation == '"restoration"[Title] AND "ecosystem"[All Fields]'
    out, side = write_search(result, tmp_path / "pubmed.txt")
    assert out.read_bytes() == POOL_FILE.read_bytes()
    assert verify_export(out, expected=104) == 104


def test_1100_records_take_three_efetch_calls_of_at_most_500():
    client, server, _ = make(load("esearch_1100.json"))
    with client:
        result = search_pubmed('"restoration"[Title]', client=client)
    calls = [c[1] for c in server.calls if c[0] == "efetch.fcgi"]
    assert [(c["retstart"], c["retmax"]) for c in calls] == [("0", "500"), ("500", "500"), ("1000", "100")]
    assert len(re.findall(r"^PMID- ", result.text, flags=re.MULTILINE)) == 1100


def test_rate_limit_three_a_second_without_key_ten_with():
    client, server, clock = make(load("esearch_restoration.json"))
    with client:
        search_pubmed("restoration", batch_size=20, client=client)  # 1 + 6 requests
    times = [c[2] for c in server.calls]
    assert len(times) == 7
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps == pytest.approx([1 / 3] * 6)
    assert clock.sleeps == pytest.approx([1 / 3] * 6)

    clock = FakeClock()
    server = Server(load("esearch_restoration.json"), clock=clock)
    with EUtilsClient(transport=httpx.MockTransport(server), clock=clock, sleep=clock.sleep,
                      api_key="SECRETKEY") as keyed:
        result = search_pubmed("restoration", batch_size=20, client=keyed)
    gaps = [b[2] - a[2] for a, b in zip(server.calls, server.calls[1:])]
    assert gaps == pytest.approx([0.1] * 6)
    assert all(c[1]["api_key"] == "SECRETKEY" for c in server.calls)
    assert result.parameters["api_key_used"] is True
    assert "SECRETKEY" not in json.dumps(result.parameters)


def test_no_sleep_when_requests_are_already_slow_enough():
    clock = FakeClock()
    server = Server(load("esearch_restoration.json"), clock=clock)
    client = EUtilsClient(transport=httpx.MockTransport(server), clock=clock, sleep=clock.sleep)
    client.get("esearch.fcgi", {"db": "pubmed", "term": "x"})
    clock.now += 5.0  # the user waited: no pause needed
    client.get("esearch.fcgi", {"db": "pubmed", "term": "x"})
    assert clock.sleeps == []


def test_retry_after_429_then_success():
    body = (FIXTURES / "rate_limit_429.json").read_text(encoding="utf-8")
    failures = [httpx.Response(429, text=body, headers={"Content-Type": "application/json"})]
    client, server, clock = make(load("esearch_restoration.json"), failures=failures)
    with client:
        result = search_pubmed("restoration", client=client)
    assert server.endpoints() == ["esearch.fcgi", "esearch.fcgi", "efetch.fcgi"]
    # back-off of 1 s after the 429 (longer than the 1/3 s rate gap), then 1/3 s before efetch
    assert clock.sleeps == pytest.approx([1.0, 1 / 3])
    assert result.count == 104 and result.requests == 3


def test_retry_after_header_and_5xx_backoff_doubles():
    failures = [httpx.Response(503, text="busy"), httpx.Response(429, headers={"Retry-After": "7"}),
                httpx.Response(502, text="bad gateway")]
    client, server, clock = make(load("esearch_restoration.json"), failures=failures)
    with client:
        client.get("esearch.fcgi", {"db": "pubmed", "term": "x"})
    # pauses 1, then max(2, Retry-After 7) = 7, then 4
    assert clock.sleeps == pytest.approx([1.0, 7.0, 4.0])
    assert len(server.calls) == 4


def test_retries_run_out_with_one_line_naming_host_and_status():
    failures = [httpx.Response(503, text="Service Unavailable")] * 5
    client, server, clock = make(load("esearch_restoration.json"), failures=failures)
    with client, pytest.raises(EUtilsError) as info:
        search_pubmed("restoration", client=client)
    message = str(info.value)
    assert message == "eutils.ncbi.nlm.nih.gov: esearch.fcgi failed after 5 tries: HTTP 503"
    assert "\n" not in message
    assert clock.sleeps == pytest.approx([1.0, 2.0, 4.0, 8.0])


def test_network_failure_names_host_and_error():
    failures = [httpx.ConnectError("[Errno -3] Temporary failure in name resolution")] * 3
    clock = FakeClock()
    server = Server(load("esearch_restoration.json"), clock=clock, failures=failures)
    client = EUtilsClient(base_url="https://eutils.example.test/entrez/eutils",
                          transport=httpx.MockTransport(server), clock=clock, sleep=clock.sleep,
                          max_retries=2)
    with client, pytest.raises(EUtilsError) as info:
        search_pubmed("restoration", client=client)
    assert str(info.value) == (
        "eutils.example.test: esearch.fcgi failed after 3 tries: ConnectError:"
        " [Errno -3] Temporary failure in name resolution"
    )
    assert server.endpoints() == ["esearch.fcgi"] * 3


def test_other_http_errors_are_not_retried():
    failures = [httpx.Response(400, json={"error": "Invalid db name specified: pubmedd"})]
    client, server, _ = make(load("esearch_restoration.json"), failures=failures)
    with client, pytest.raises(EUtilsError) as info:
        search_pubmed("restoration", client=client)
    assert str(info.value) == (
        "eutils.ncbi.nlm.nih.gov: esearch.fcgi answered HTTP 400: Invalid db name specified: pubmedd"
    )
    assert len(server.calls) == 1


def test_esearch_error_field_is_a_one_line_input_error():
    client, server, _ = make(load("esearch_error.json"))
    with client, pytest.raises(InputError) as info:
        search_pubmed("((aspirin", client=client)
    err = info.value
    assert err.column == "QUERY"
    assert str(err).startswith("column QUERY: PubMed refused the query: Invalid query (check")
    assert server.endpoints() == ["esearch.fcgi"]


def test_zero_results_is_an_error_naming_the_phrase_not_found():
    client, server, _ = make(load("esearch_zero.json"))
    with client, pytest.raises(InputError) as info:
        search_pubmed("xyzzyplughfoo", client=client)
    message = str(info.value)
    assert "PubMed found no records for this query; nothing was written" in message
    assert "phrase not found: xyzzyplughfoo" in message
    assert "PubMed says: No items found." in message
    assert server.endpoints() == ["esearch.fcgi"]


def test_more_than_max_is_refused_before_fetching():
    client, server, _ = make(load("esearch_restoration.json"))
    with client, pytest.raises(InputError) as info:
        search_pubmed("restoration", max_records=100, client=client)
    assert info.value.column == "--max"
    assert str(info.value) == (
        "column --max: PubMed found 104 records, more than --max 100; nothing was written"
        " (raise --max to 104 or narrow the query)"
    )
    assert server.endpoints() == ["esearch.fcgi"]


def test_more_than_pubmed_gives_out_asks_to_split_by_date():
    client, server, _ = make(with_count("esearch_restoration.json", 12_345))
    with client, pytest.raises(InputError) as info:
        search_pubmed("restoration", max_records=50_000, client=client)
    assert "PubMed found 12,345 records, but E-utilities give out only the first 10,000" in str(info.value)
    assert "--mindate/--maxdate" in str(info.value)
    assert server.endpoints() == ["esearch.fcgi"]


def test_short_batch_is_fetched_again_then_refused():
    client, server, _ = make(load("esearch_restoration.json"), short_batches=1)
    with client:
        result = search_pubmed("restoration", batch_size=50, client=client)
    # batch 1 came back with 49 of 50 records and was asked for again
    assert [c[1]["retstart"] for c in server.calls[1:]] == ["0", "0", "50", "100"]
    assert result.text.encode("ascii") == POOL_FILE.read_bytes()

    client, server, _ = make(load("esearch_restoration.json"), short_batches=2)
    with client, pytest.raises(EUtilsError) as info:
        search_pubmed("restoration", batch_size=50, client=client)
    assert str(info.value) == (
        "eutils.ncbi.nlm.nih.gov: efetch.fcgi records 1-50: the server sent 49 of 50 records"
        " twice; nothing was written (try again later)"
    )


def test_efetch_error_document_is_reported():
    xml = "<?xml version=\"1.0\"?>\n<eFetchResult>\n\t<ERROR>Unable to obtain query #1</ERROR>\n</eFetchResult>\n"
    clock = FakeClock()
    server = Server(load("esearch_restoration.json"), clock=clock)
    esearch_only = server

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("efetch.fcgi"):
            return httpx.Response(200, text=xml)
        return esearch_only(request)

    with EUtilsClient(transport=httpx.MockTransport(handler), clock=clock, sleep=clock.sleep) as client:
        with pytest.raises(EUtilsError) as info:
            search_pubmed("restoration", client=client)
    assert str(info.value) == (
        "eutils.ncbi.nlm.nih.gov: efetch.fcgi records 1-104: Unable to obtain query #1"
    )


def test_date_range_is_sent_and_needs_both_ends():
    client, server, _ = make(load("esearch_restoration.json"))
    with client:
        result = search_pubmed("restoration", mindate="2015", maxdate="2019/12/31", client=client)
    es = server.calls[0][1]
    assert (es["mindate"], es["maxdate"], es["datetype"]) == ("2015", "2019/12/31", "pdat")
    assert result.parameters["esearch"]["mindate"] == "2015"
    with pytest.raises(InputError) as info:
        search_pubmed("restoration", mindate="2015", client=client)
    assert info.value.column == "--maxdate"
    with pytest.raises(InputError) as info:
        search_pubmed("restoration", mindate="2015-01", maxdate="2016", client=client)
    assert str(info.value) == "column --mindate: '2015-01' is not a date (write YYYY, YYYY/MM or YYYY/MM/DD)"
    with pytest.raises(InputError):
        search_pubmed("   ", client=client)


def test_sidecar_records_the_search_without_session_or_credentials(tmp_path):
    clock = FakeClock()
    server = Server(load("esearch_restoration.json"), clock=clock)
    with EUtilsClient(transport=httpx.MockTransport(server), clock=clock, sleep=clock.sleep,
                      email="reviewer@example.org", api_key="SECRETKEY") as client:
        result = search_pubmed("restoration[ti] AND ecosystem", mindate="2015", maxdate="2019",
                               client=client, now=lambda: RUN_AT)
    out, side = write_search(result, tmp_path / "pubmed.txt")
    assert side == tmp_path / "pubmed.txt.search.json" == sidecar_path(out)
    text = side.read_text(encoding="utf-8")
    for secret in ("MCID_", "SECRETKEY", "reviewer@example.org", "WebEnv", "query_key"):
        assert secret not in text
    data = json.loads(text)
    assert data["database"] == "PubMed"
    assert data["query"] == "restoration[ti] AND ecosystem"
    assert data["query_translation"] == '"restoration"[Title] AND "ecosystem"[All Fields]'
    assert data["count"] == 104
    assert data["date_run"] == "2026-01-15T09:30:05Z" and data["date"] == "2026-01-15"
    assert data["base_url"] == "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    assert data["software"].startswith("metareview ")
    assert data["export"] == {"file": "pubmed.txt", "format": "pubmed_medline",
                              "sha256": POOL_SHA256, "bytes": 402421}
    assert data["parameters"]["esearch"] == {
        "db": "pubmed", "term": "restoration[ti] AND ecosystem", "usehistory": "y", "retmax": 0,
        "retmode": "json", "datetype": "pdat", "mindate": "2015", "maxdate": "2019",
    }
    assert data["parameters"]["efetch"] == {"db": "pubmed", "rettype": "medline",
                                            "retmode": "text", "batch_size": 500}
    assert data["import_command"] == (
        "metareview review import pubmed.txt --database PubMed --date 2026-01-15"
        " --query 'restoration[ti] AND ecosystem'"
    )
    assert hashlib.sha256(out.read_bytes()).hexdigest() == data["export"]["sha256"]


def test_sidecar_can_record_the_search_in_a_review_project(tmp_path):
    from metareview.review.project import ReviewProject

    client, _, _ = make(load("esearch_restoration.json"))
    with client:
        result = search_pubmed("restoration[ti] AND ecosystem", client=client, now=lambda: RUN_AT)
    out, side = write_search(result, tmp_path / "pubmed.txt")
    data = json.loads(side.read_text(encoding="utf-8"))
    with ReviewProject.init(tmp_path / "review.db", "restoration") as project:
        summary = project.import_file(out, database=data["database"], date=data["date"],
                                      query=data["query"])
    assert summary.records == 104
    assert summary.date == dt.date(2026, 1, 15)


def test_verify_export_fails_loudly_on_a_wrong_count(tmp_path):
    out = tmp_path / "pubmed.txt"
    out.write_bytes(POOL_FILE.read_bytes())
    with pytest.raises(EUtilsError) as info:
        verify_export(out, expected=105)
    assert str(info.value) == (
        f"{out}: re-reading the export gave 104 records, but PubMed counted 105;"
        " do not import it (run the search again)"
    )
    bad = tmp_path / "html.txt"
    bad.write_text("Service temporarily unavailable\n")
    with pytest.raises(ImportFormatError) as info:
        verify_export(bad, expected=1)
    assert info.value.file == str(bad) and info.value.line == 1


def test_write_search_refuses_a_missing_folder(tmp_path):
    client, _, _ = make(load("esearch_restoration.json"))
    with client:
        result = search_pubmed("restoration", client=client)
    with pytest.raises(InputError) as info:
        write_search(result, tmp_path / "no" / "pubmed.txt")
    assert info.value.column == "--out" and info.value.file == str(tmp_path / "no")
    assert not (tmp_path / "no").exists()


def test_esearch_answer_without_result_reports_the_server_error():
    clock = FakeClock()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"error": "API key invalid"})

    with EUtilsClient(transport=httpx.MockTransport(handler), clock=clock, sleep=clock.sleep,
                      api_key="BAD") as client, pytest.raises(EUtilsError) as info:
        search_pubmed("restoration", client=client)
    assert str(info.value) == (
        "eutils.ncbi.nlm.nih.gov: esearch.fcgi answered without an esearchresult: API key invalid"
    )


def test_write_search_keeps_an_earlier_export_unless_told(tmp_path):
    client, _, _ = make(load("esearch_restoration.json"))
    with client:
        result = search_pubmed("restoration", client=client)
    side = tmp_path / "pubmed.txt.search.json"
    side.write_text("{}\n")
    with pytest.raises(InputError) as info:
        write_search(result, tmp_path / "pubmed.txt")
    assert info.value.file == str(side) and "already exists" in str(info.value)
    assert not (tmp_path / "pubmed.txt").exists()
    write_search(result, tmp_path / "pubmed.txt", overwrite=True)
    assert json.loads(side.read_text(encoding="utf-8"))["count"] == 104
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pubmed.txt", "pubmed.txt.search.json"]


def test_summary_has_fixed_columns():
    client, _, _ = make(load("esearch_restoration.json"))
    with client:
        result = search_pubmed("restoration", client=client, now=lambda: RUN_AT)
    frame = result.summary()
    assert list(frame.columns) == ["query", "query_translation", "count", "date_run", "sha256", "requests"]
    assert frame.iloc[0].tolist() == ["restoration", '"restoration"[Title] AND "ecosystem"[All Fields]',
                                      104, "2026-01-15T09:30:05+00:00", POOL_SHA256, 2]
