"""`metareview search pubmed "QUERY" --out FILE` over recorded E-utilities answers (no network).

Expected values come from the real PubMed export in tests/fixtures/eutils (104 records,
SHA-256 from ``sha256sum``; see SOURCES.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import metareview.cli.search as search_cli
from metareview.cli import build_app, main
from metareview.review.search_pubmed import EUtilsClient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eutils"
POOL_FILE = FIXTURES / "efetch_restoration_pool.medline.txt"
POOL = re.split(r"\n(?=PMID- )", POOL_FILE.read_text(encoding="ascii"))[1:]
runner = CliRunner()


class Recorded:
    """Recorded answers: esearch JSON from a fixture, efetch batches cut from the real export."""

    def __init__(self, esearch_name: str) -> None:
        self.esearch = json.loads((FIXTURES / esearch_name).read_text(encoding="utf-8"))
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.options: dict = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.rsplit("/", 1)[-1]
        params = dict(request.url.params)
        self.calls.append((endpoint, params))
        if endpoint == "esearch.fcgi":
            return httpx.Response(200, json=self.esearch)
        start, size = int(params["retstart"]), int(params["retmax"])
        return httpx.Response(200, text="".join("\n" + POOL[i % len(POOL)] for i in range(start, start + size)))

    def factory(self, **options):
        self.options = options
        return EUtilsClient(transport=httpx.MockTransport(self), sleep=lambda s: None, **options)


def side_date(folder: Path) -> str:
    return json.loads((folder / "pubmed.txt.search.json").read_text(encoding="utf-8"))["date"]


@pytest.fixture
def recorded(monkeypatch):
    def use(name: str) -> Recorded:
        server = Recorded(name)
        monkeypatch.setattr(search_cli, "client_factory", server.factory)
        return server

    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    monkeypatch.delenv("NCBI_EMAIL", raising=False)
    return use


def test_cli_writes_export_and_sidecar_and_reports_count(tmp_path, recorded):
    server = recorded("esearch_restoration.json")
    out = tmp_path / "pubmed.txt"
    result = runner.invoke(build_app(), ["search", "pubmed", "restoration[ti] AND ecosystem",
                                         "--out", str(out), "--email", "me@example.org",
                                         "--batch-size", "40"])
    assert result.exit_code == 0, result.output
    assert f"104 records from PubMed written to {out}" in result.output
    assert 'query as run: "restoration"[Title] AND "ecosystem"[All Fields]' in result.output
    assert f"--database PubMed --date {side_date(tmp_path)} --query 'restoration[ti] AND ecosystem'" in result.output
    assert out.read_bytes() == POOL_FILE.read_bytes()
    side = json.loads((tmp_path / "pubmed.txt.search.json").read_text(encoding="utf-8"))
    assert side["count"] == 104
    assert side["export"]["sha256"] == hashlib.sha256(POOL_FILE.read_bytes()).hexdigest()
    assert [c[0] for c in server.calls] == ["esearch.fcgi"] + ["efetch.fcgi"] * 3  # 40+40+24
    assert server.calls[0][1]["email"] == "me@example.org"
    assert server.options["api_key"] is None


def test_cli_api_key_option_is_sent(tmp_path, recorded):
    server = recorded("esearch_restoration.json")
    result = runner.invoke(build_app(), ["search", "pubmed", "restoration", "--out",
                                         str(tmp_path / "p.txt"), "--api-key", "KEY123"])
    assert result.exit_code == 0, result.output
    assert all(c[1]["api_key"] == "KEY123" for c in server.calls)
    assert "KEY123" not in (tmp_path / "p.txt.search.json").read_text(encoding="utf-8")


def test_cli_zero_results_exit_2_one_line_nothing_written(tmp_path, recorded, capsys):
    recorded("esearch_zero.json")
    out = tmp_path / "pubmed.txt"
    with pytest.raises(SystemExit) as info:
        main(["search", "pubmed", "xyzzyplughfoo", "--out", str(out)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: column QUERY: PubMed found no records for this query; nothing was written")
    assert not out.exists() and not (tmp_path / "pubmed.txt.search.json").exists()


def test_cli_invalid_query_exit_2(tmp_path, recorded, capsys):
    recorded("esearch_error.json")
    with pytest.raises(SystemExit) as info:
        main(["search", "pubmed", "((aspirin", "--out", str(tmp_path / "p.txt")])
    assert info.value.code == 2
    assert "PubMed refused the query: Invalid query" in capsys.readouterr().err


def test_cli_more_than_max_refused(tmp_path, recorded, capsys):
    server = recorded("esearch_restoration.json")
    with pytest.raises(SystemExit) as info:
        main(["search", "pubmed", "restoration", "--out", str(tmp_path / "p.txt"), "--max", "50"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "PubMed found 104 records, more than --max 50; nothing was written" in err
    assert "raise --max to 104" in err
    assert [c[0] for c in server.calls] == ["esearch.fcgi"]
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_out_folder_refused_before_any_request(tmp_path, recorded, capsys):
    server = recorded("esearch_restoration.json")
    missing = tmp_path / "missing"
    with pytest.raises(SystemExit) as info:
        main(["search", "pubmed", "restoration", "--out", str(missing / "p.txt")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == f"error: {missing}, column --out: the folder does not exist (create it first or choose another --out)\n"
    assert server.calls == []


def test_cli_network_failure_names_host(tmp_path, monkeypatch, capsys):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    monkeypatch.setattr(search_cli, "client_factory", lambda **o: EUtilsClient(
        transport=httpx.MockTransport(refuse), sleep=lambda s: None, max_retries=1, **o))
    with pytest.raises(SystemExit) as info:
        main(["search", "pubmed", "restoration", "--out", str(tmp_path / "p.txt"),
              "--base-url", "http://127.0.0.1:9/eutils/"])
    assert info.value.code == 2
    assert capsys.readouterr().err == (
        "error: 127.0.0.1: esearch.fcgi failed after 2 tries: ConnectError: [Errno 111] Connection refused\n"
    )


def test_cli_help_lists_pubmed():
    result = runner.invoke(build_app(), ["search", "--help"])
    assert result.exit_code == 0
    assert "pubmed" in result.output


def test_cli_existing_export_is_not_replaced_without_overwrite(tmp_path, recorded, capsys):
    server = recorded("esearch_restoration.json")
    out = tmp_path / "pubmed.txt"
    out.write_text("an earlier search\n")
    with pytest.raises(SystemExit) as info:
        main(["search", "pubmed", "restoration", "--out", str(out)])
    assert info.value.code == 2
    assert capsys.readouterr().err == (
        f"error: {out}, column --out: already exists"
        " (choose another --out, or pass --overwrite to replace it)\n"
    )
    assert server.calls == [] and out.read_text() == "an earlier search\n"
    result = runner.invoke(build_app(), ["search", "pubmed", "restoration", "--out", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == POOL_FILE.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pubmed.txt", "pubmed.txt.search.json"]


def test_batch_size_mistake_names_the_option(tmp_path, capsys):
    import pytest as _pytest

    from metareview.cli import main as _main

    with _pytest.raises(SystemExit) as exc:  # refused before any request (the address is closed)
        _main(["search", "pubmed", "aspirin", "--out", str(tmp_path / "p.txt"), "--batch-size", "0",
               "--base-url", "http://127.0.0.1:9/"])
    assert exc.value.code == 2
    assert capsys.readouterr().err == "error: column --batch-size: must be between 1 and 10000, got 0\n"
    assert list(tmp_path.iterdir()) == []
