"""Ranking in the screening queue, and the `metareview serve` command."""

from __future__ import annotations

import re


def test_queue_is_reordered_by_predicted_relevance(login, store):
    pid, (r1, r2, r3, r4) = store["pid"], store["ids"]
    bob = login("bob")
    # before any decision: import order
    assert bob.get(f"/p/{pid}/screen/title_abstract").headers["location"].endswith(f"/{r1}")
    bob.post(f"/p/{pid}/screen/title_abstract/{r1}", data={"decision": "include"})  # Aspirin after stroke
    # one relevant and no irrelevant record: still import order, and the page says why
    r = bob.get(f"/p/{pid}/screen/title_abstract")
    assert r.headers["location"].endswith(f"/{r2}")
    assert "ranking starts once" in bob.get(r.headers["location"]).text
    bob.post(f"/p/{pid}/screen/title_abstract/{r3}", data={"decision": "exclude"})  # Bird song survey
    # trained on "Aspirin after stroke" (relevant) and "Bird song survey" (not), "Aspirin and
    # bleeding" (record 4, shares "aspirin") now comes before "Statins in adults" (record 2)
    r = bob.get(f"/p/{pid}/screen/title_abstract")
    assert r.headers["location"].endswith(f"/{r4}")
    page = bob.get(r.headers["location"]).text
    assert "ordered by predicted relevance" in page
    # 2 of 4 records screened, 1 relevant: the recall bound is shown as a percentage
    assert re.search(r"Estimated recall so far \(95% lower bound\): <strong>\d+%</strong>", page)


def test_csv_cells_cannot_become_spreadsheet_formulas(login, store):
    ann = login("ann")
    pid, rid = store["pid"], store["ids"][0]
    ann.post(f"/p/{pid}/extraction/forms", data={"outcome": "O", "fields": "arm:string"})
    ann.post(f"/p/{pid}/studies", data={"record_id": rid, "label": "=HYPERLINK(1)"})
    page = ann.get(f"/p/{pid}/extraction").text
    sid = re.search(r'/extraction/(\d+)/O"', page).group(1)
    assert ann.post(f"/p/{pid}/extraction/{sid}/O", data={"arm": "@SUM(A1)"}).status_code == 303
    lines = ann.get(f"/p/{pid}/analysis.csv").text.splitlines()
    assert lines[1].startswith("'=HYPERLINK(1),O,ann,ok,'@SUM(A1)")


def test_serve_command_is_registered_with_its_options():
    from typer.testing import CliRunner

    from metareview.cli import build_app

    result = CliRunner().invoke(build_app(), ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--db", "--host", "--port", "--create-user", "--max-upload-mb"):
        assert option in result.output
    result = CliRunner().invoke(build_app(), ["serve"])
    assert result.exit_code != 0 and "--db" in result.output


def test_a_record_is_offered_to_two_reviewers_only(login, store, app):
    from metareview.review.project import ReviewProject

    pid, (r1, r2, r3, r4) = store["pid"], store["ids"]
    with ReviewProject.open(store["db"], "P1") as p:
        p.add_member("dan")
    bob, cat, dan = login("bob"), login("cat"), login("dan")
    for who in (bob, cat):
        who.post(f"/p/{pid}/screen/title_abstract/{r1}", data={"decision": "include"})
    # record 1 has its two independent votes: dan is offered record 2 first
    assert dan.get(f"/p/{pid}/screen/title_abstract").headers["location"].endswith(f"/{r2}")


def test_importing_the_web_package_imports_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys, metareview, metareview.web, metareview.cli.serve; "
            "print(sorted(m for m in ('fastapi', 'pandas', 'matplotlib', 'scipy', 'sqlalchemy', "
            "'uvicorn', 'argon2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_serve_create_user_sets_a_password_once(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import uvicorn

    from metareview.cli import build_app
    from metareview.web.security import verify_password
    from metareview.web.store import open_engine, user_hash

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw))
    db = tmp_path / "r.db"
    monkeypatch.setenv("METAREVIEW_PASSWORD", "first-password")
    result = CliRunner().invoke(build_app(), ["serve", "--db", str(db), "--create-user", "ann",
                                              "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "account 'ann' ready" in result.output
    assert started == [{"host": "127.0.0.1", "port": 8123, "log_level": "info"}]
    monkeypatch.setenv("METAREVIEW_PASSWORD", "second-password")
    result = CliRunner().invoke(build_app(), ["serve", "--db", str(db), "--create-user", "ann"])
    assert "already has a password; it was kept" in result.output
    engine = open_engine(db)
    _, digest = user_hash(engine, "ann")
    engine.dispose()
    assert verify_password(digest, "first-password")
    assert not verify_password(digest, "second-password")
