"""Security of the web app: sessions on every route, CSRF, escaping, rate limit, uploads,
roles and blinding."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .conftest import page_text



def _concrete(path: str, store: dict[str, Any]) -> str:
    values = {"pid": store["pid"], "stage": "title_abstract", "rid": store["ids"][0],
              "sid": 1, "outcome": "Mortality", "link_id": 1}
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def test_every_route_but_login_needs_a_session(app, store, login):
    from metareview.web.app import iter_routes

    anon = login(None)  # has a session CSRF token from /login, but nobody logged in
    checked = []
    for path, methods in iter_routes(app):
        if path == "/login":
            continue
        url = _concrete(path, store)
        for method in sorted(methods):
            if method == "GET":
                r = anon.get(url)
                assert r.status_code == 303 and r.headers["location"] == "/login", (url, r.status_code)
            else:
                r = anon.post(url, data={"name": "x", "decision": "include"})
                assert r.status_code == 401, (method, url, r.status_code)
            checked.append((method, path))
    # logout, home, new project; overview, members, reasons, import (2), dedup; next record,
    # record, vote, retrieval, conflicts, resolve; extraction (5), RoB (3); PRISMA, analysis (2)
    assert len(checked) >= 26, checked
    assert ("POST", "/p/{pid}/screen/{stage}/{rid}") in checked
    for route in (("GET", "/p/{pid}/duplicates"), ("POST", "/p/{pid}/duplicates/run"),
                  ("POST", "/p/{pid}/duplicates/{link_id}")):
        assert route in checked


def test_login_page_and_static_files_are_public(login):
    anon = login(None)
    assert anon.get("/login").status_code == 200
    r = anon.get("/static/app.js")
    assert r.status_code == 200 and "data-key" in r.text


def test_post_without_or_with_a_wrong_csrf_token_is_refused(login, store, password):
    ann = login("ann")
    url = f"/p/{store['pid']}/reasons"
    r = ann.client.post(url, data={"label": "Wrong population", "stage": "full_text"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = ann.client.post(url, data={"label": "Wrong population", "stage": "full_text",
                                   "csrf_token": "forged"})
    assert r.status_code == 403
    r = ann.post(url, data={"label": "Wrong population", "stage": "full_text"})
    assert r.status_code == 303
    assert "Wrong population" in ann.get(f"/p/{store['pid']}").text
    # the login form is protected too (login CSRF)
    fresh = login(None)
    r = fresh.client.post("/login", data={"username": "ann", "password": password})
    assert r.status_code == 403


def test_session_token_changes_at_login(login, password, csrf_of):
    anon = login(None)
    before = anon.csrf
    r = anon.post("/login", data={"username": "ann", "password": password})
    assert r.status_code == 303
    assert csrf_of(anon.get("/").text) != before


def test_imported_html_is_shown_escaped(login, store, tmp_path):
    ann = login("ann")
    ris = ("TY  - JOUR\r\nTI  - Injected <b>title</b>\r\nAB  - <script>alert(1)</script>\r\n"
           "PY  - 2022\r\nER  - \r\n")
    r = ann.post(f"/p/{store['pid']}/import", data={"database": "Embase", "date": "2024-02-01"},
                 files={"file": ("evil.ris", ris.encode(), "application/x-research-info-systems")})
    assert r.status_code == 303, r.text
    from metareview.review.project import ReviewProject

    with ReviewProject.open(store["db"], "P1") as p:
        frame = p.records_frame()
    rid = int(frame.loc[frame["title"].str.startswith("Injected"), "record_id"].iloc[0])
    page = ann.get(f"/p/{store['pid']}/screen/title_abstract/{rid}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "<b>title</b>" not in page  # the RIS reader drops tags from titles
    # the page forbids inline scripts as a second line of defence
    csp = ann.get(f"/p/{store['pid']}").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_login_is_rate_limited_per_username_and_address(login, password):
    anon = login(None)
    for _ in range(5):
        r = anon.post("/login", data={"username": "bob", "password": "wrong-password"})
        assert r.status_code == 401 and "Wrong username or password" in r.text
    r = anon.post("/login", data={"username": "bob", "password": password})
    assert r.status_code == 429 and "Too many failed logins" in r.text
    # another username from the same address is not blocked
    r = anon.post("/login", data={"username": "cat", "password": password})
    assert r.status_code == 303


def test_rate_limiter_window_expires():
    from metareview.web.security import LoginRateLimiter

    now = [0.0]
    rl = LoginRateLimiter(limit=5, window=60.0, clock=lambda: now[0])
    for _ in range(5):
        rl.failed("Bob", "10.0.0.1")
    assert rl.blocked("bob", "10.0.0.1")  # usernames compared case-insensitively
    now[0] = 59.9
    assert rl.blocked("bob", "10.0.0.1")
    now[0] = 60.0
    assert not rl.blocked("bob", "10.0.0.1")


def test_upload_over_the_limit_is_refused_and_not_kept(login, store):
    ann = login("ann")
    big = b"TY  - JOUR\nTI  - x\nER  - \n" + b"N1  - " + b"a" * (300 * 1024) + b"\n"
    r = ann.post(f"/p/{store['pid']}/import", data={"database": "Embase", "date": "2024-02-01"},
                 files={"file": ("big.ris", big, "text/plain")})
    assert r.status_code == 413 and "larger than" in r.text
    folder = store["tmp"] / "uploads" / f"project-{store['pid']}"
    assert not folder.exists() or not any(folder.iterdir())


def test_upload_name_from_the_client_is_never_used_as_a_path(login, store):
    ann = login("ann")
    ris = Path(__file__).resolve().parent / "data" / "scopus_asreview.ris"
    r = ann.post(f"/p/{store['pid']}/import", data={"database": "Scopus", "date": "2024-02-01"},
                 files={"file": ("../../../outside.ris", ris.read_bytes(), "text/plain")})
    assert r.status_code == 303, r.text
    uploads = store["tmp"] / "uploads"
    kept = [p for p in uploads.rglob("*") if p.is_file()]
    assert len(kept) == 1
    assert kept[0].parent == uploads / f"project-{store['pid']}"
    assert re.fullmatch(r"[0-9a-f]{32}\.ris", kept[0].name)
    assert not (store["tmp"] / "outside.ris").exists()
    assert not list(store["tmp"].parent.glob("outside.ris"))
    page = ann.get(f"/p/{store['pid']}").text
    assert "Imported 6 records" in page or "records</td><td class=\"num\">10" in page


def test_a_failed_import_names_the_problem_and_keeps_no_file(login, store):
    ann = login("ann")
    r = ann.post(f"/p/{store['pid']}/import", data={"database": "Scopus", "date": "31/01/2024"},
                 files={"file": ("a.ris", b"TY  - JOUR\nTI  - A\nER  - \n", "text/plain")})
    assert r.status_code == 400
    assert "column date" in r.text and "YYYY-MM-DD" in r.text
    folder = store["tmp"] / "uploads" / f"project-{store['pid']}"
    assert not any(folder.iterdir())


def test_safe_upload_path_stays_in_the_folder(tmp_path):
    from metareview.web.security import safe_upload_path

    for name in ("../../x.ris", "/etc/passwd", "..\\..\\win.ris", "a.RIS", "", None, "x.ris.exe"):
        p = safe_upload_path(tmp_path, name)
        assert p.parent == tmp_path.resolve()
        assert p.suffix in (".ris", ".txt")


def test_reviewer_cannot_resolve_conflicts_or_manage_the_project(login, store, password):
    bob = login("bob")
    pid, rid = store["pid"], store["ids"][0]
    r = bob.post(f"/p/{pid}/conflicts/title_abstract/{rid}", data={"decision": "include"})
    assert r.status_code == 403
    assert bob.post(f"/p/{pid}/members", data={"username": "eve", "password": "x" * 10}).status_code == 403
    assert bob.get(f"/p/{pid}/import").status_code == 403
    assert bob.post(f"/p/{pid}/reasons", data={"label": "x"}).status_code == 403
    assert bob.post(f"/p/{pid}/dedup").status_code == 403
    assert bob.post(f"/p/{pid}/extraction/forms", data={"outcome": "x", "preset": "effect"}).status_code == 403


def test_reviewer_sees_only_own_projects(login, store):
    bob = login("bob")
    home = page_text(bob.get("/").text)
    assert '">P1</a>' in home and "P2" not in home
    for url in (f"/p/{store['pid2']}", f"/p/{store['pid2']}/screen/title_abstract",
                f"/p/{store['pid2']}/prisma", f"/p/{store['pid2']}/analysis.csv", "/p/999"):
        assert bob.get(url).status_code == 404, url
    r = bob.post(f"/p/{store['pid2']}/screen/title_abstract/{store['ids'][0]}",
                 data={"decision": "include"})
    assert r.status_code == 404


def test_votes_are_blinded_until_one_has_voted(login, store):
    pid, rid = store["pid"], store["ids"][1]
    bob, cat = login("bob"), login("cat")
    url = f"/p/{pid}/screen/title_abstract/{rid}"
    assert bob.post(url, data={"decision": "include", "note": "bob-note"}).status_code == 303
    page = page_text(cat.get(url).text)
    assert "Hidden until you vote" in page
    assert "bob" not in page.split("<main>")[1] and "bob-note" not in page
    assert cat.post(url, data={"decision": "exclude"}).status_code == 303
    page = cat.get(url).text
    assert "bob: <strong class=\"decision-include\">include</strong>" in page
    page = bob.get(url).text
    assert "cat: <strong class=\"decision-exclude\">exclude</strong>" in page


def test_lead_adds_a_reviewer_who_can_then_log_in(login, store, password):
    ann = login("ann")
    r = ann.post(f"/p/{store['pid']}/members", data={"username": "eve", "password": "short",
                                                     "role": "reviewer"})
    assert r.status_code == 400 and "column password" in r.text
    r = ann.post(f"/p/{store['pid']}/members", data={"username": "eve", "password": password,
                                                     "role": "reviewer"})
    assert r.status_code == 303
    eve = login("eve")
    assert "P1" in eve.get("/").text


def test_passwords_are_stored_as_argon2id_hashes(store, password):
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{store['db']}")
    with engine.connect() as conn:
        hashes = conn.execute(text("SELECT password_hash FROM users")).scalars().all()
    engine.dispose()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(password not in h for h in hashes)


def test_a_request_announcing_more_than_the_limit_is_refused_before_reading(login, store):
    ann = login("ann")
    body = b"x" * (256 * 1024 + (1 << 20) + 10)  # limit 256 KB (+1 MB for the form around it)
    r = ann.post(f"/p/{store['pid']}/import", data={"database": "Embase", "date": "2024-02-01"},
                 files={"file": ("big.ris", body, "text/plain")})
    assert r.status_code == 413 and "request larger than" in r.text
    assert not (store["tmp"] / "uploads").exists()


def test_errors_are_pages_not_json(login, store):
    bob = login("bob")
    r = bob.get("/p/999")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no such project among yours" in r.text


def test_conflicts_page_keeps_reviewers_blinded(login, store):
    from metareview.review.project import ReviewProject

    pid, rid = store["pid"], store["ids"][2]
    with ReviewProject.open(store["db"], "P1") as p:
        p.add_member("dan")
    bob, cat, dan, ann = login("bob"), login("cat"), login("dan"), login("ann")
    bob.post(f"/p/{pid}/screen/title_abstract/{rid}", data={"decision": "include"})
    cat.post(f"/p/{pid}/screen/title_abstract/{rid}", data={"decision": "exclude"})
    marker = f'id="conflict-title_abstract-{rid}"'
    assert marker in bob.get(f"/p/{pid}/conflicts").text
    assert marker in ann.get(f"/p/{pid}/conflicts").text
    page = page_text(dan.get(f"/p/{pid}/conflicts").text)  # dan has not decided the record
    assert marker not in page and "bob" not in page.split("<main>")[1]
