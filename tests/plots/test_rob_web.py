"""The web risk-of-bias page draws Newcastle-Ottawa figures from the judgements stored through
its form (the app is built here on a fresh store; tests/web holds the other page tests)."""

from __future__ import annotations

import base64
import re
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # starlette's TestClient announces a future move away from httpx when imported
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct-horse-9"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _svgs(html: str) -> list[str]:
    return [base64.b64decode(m).decode("utf-8") for m in
            re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)]


@pytest.fixture()
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    from metareview.review.project import ReviewProject
    from metareview.review.records import Record
    from metareview.web import create_app, create_user

    db = tmp_path / "review.db"
    create_user(db, "ann", PASSWORD)
    with ReviewProject.init(db, "P1", lead="ann") as p:
        p.import_records([Record(title=f"Cohort {i}", abstract="A cohort.", year=2019 + i)
                          for i in range(3)],
                         database="PubMed", date="2024-01-31", file_name="pubmed.txt",
                         file_sha256="0" * 64, format="pubmed_medline")
        ids = p.records_frame()["record_id"].tolist()
        sids = {label: p.assign_study([rid], label=label)
                for rid, label in zip(ids, ("Ames 2019", "Bo 2020", "Cole 2018"), strict=True)}
        pid = p.project_id
    app = create_app(db, upload_dir=tmp_path / "uploads", secret_key="test-secret")
    client = TestClient(app, follow_redirects=False)
    token = CSRF.search(client.get("/login").text).group(1)
    r = client.post("/login", data={"username": "ann", "password": PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 303, r.text
    token = CSRF.search(client.get("/").text).group(1)
    return client, token, pid, sids


def test_rob_page_draws_nos_figures_from_the_form(site) -> None:  # type: ignore[no-untyped-def]
    client, token, pid, sids = site
    # Ames: S 4, C 2, O 3 -> Good; Bo: S 2, C 1, O 2 -> Fair (AHRQ, by hand); Cole: S only
    for label, stars in (("Ames 2019", {"j_S": "4", "j_C": "2", "j_O": "3"}),
                         ("Bo 2020", {"j_S": "2", "j_C": "1", "j_O": "2"}),
                         ("Cole 2018", {"j_S": "3"})):
        r = client.post(f"/p/{pid}/rob/{sids[label]}",
                        data={"csrf_token": token, "instrument": "NOS", **stars})
        assert r.status_code == 303, r.text
    bad = client.post(f"/p/{pid}/rob/{sids['Bo 2020']}",
                      data={"csrf_token": token, "instrument": "NOS", "j_C": "3"})
    assert bad.status_code == 400 and "Bo 2020, column C" in bad.text
    page = client.get(f"/p/{pid}/rob").text
    assert "(no plot)" not in page
    assert "coloured by the AHRQ conversion" in page
    assert "NOS: not plotted yet (domains missing): Cole 2018" in page
    traffic, summary = _svgs(page)
    # matplotlib writes each text as a comment beside its outline
    texts = re.findall(r"<!-- (.*?) -->", traffic)
    assert {"Ames 2019", "Bo 2020", "4/4", "2/4", "9/9", "5/9", "Good", "Fair"} <= set(texts)
    assert "Cole 2018" not in texts
    assert 'id="cell:Bo_2020:S"' in traffic  # a valid XML id (the space replaced)
    # summary: Overall bar one half Good, one half Fair
    assert "Overall (AHRQ rating)" in re.findall(r"<!-- (.*?) -->", summary)
