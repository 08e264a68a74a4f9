"""Login, logout, the list of a user's projects and creating a project."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from metareview.errors import InputError
from metareview.web.app import flash, redirect, render
from metareview.web.security import new_csrf_token, verify_password

router = APIRouter()


@router.get("/login")
def login_page(request: Request) -> Response:
    if request.session.get("user"):
        return redirect("/")
    return render(request, "login.html")


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
    from metareview.web.store import user_hash

    limiter = request.app.state.limiter
    address = request.client.host if request.client else "unknown"
    username = username.strip()
    if limiter.blocked(username, address):
        return render(request, "login.html", status_code=429, username=username,
                      error="Too many failed logins: wait a minute and try again.")
    found = user_hash(request.app.state.engine, username) if username else None
    if not verify_password(None if found is None else found[1], password):
        limiter.failed(username, address)
        return render(request, "login.html", status_code=401, username=username,
                      error="Wrong username or password.")
    limiter.succeeded(username, address)
    request.session.clear()  # a new session at login (no session fixation)
    request.session["user"] = username
    request.session["csrf"] = new_csrf_token()
    return redirect("/")


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return redirect("/login")


@router.get("/")
def home(request: Request) -> Response:
    from metareview.web.store import projects_for

    projects = projects_for(request.app.state.engine, request.session["user"])
    return render(request, "home.html", projects=projects)


@router.post("/projects")
def create_project(request: Request, name: str = Form("")) -> Response:
    from metareview.review.project import ReviewProject
    from metareview.web.store import retry_locked

    name = name.strip()
    if not name:
        raise InputError("the project needs a name", column="name", hint="e.g. 'Aspirin for stroke'")
    if len(name) > 300:
        raise InputError("the name is longer than 300 characters", column="name")

    def make() -> int:
        with ReviewProject.init(request.app.state.settings.db, name,
                                lead=request.session["user"], reviewers_per_record=2) as project:
            return project.project_id

    pid = retry_locked(make)
    flash(request, f"Project {name!r} created; you are its lead.")
    return redirect(f"/p/{pid}")
