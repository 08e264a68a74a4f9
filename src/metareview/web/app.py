"""The FastAPI application factory of metareview's web app for review teams.

Server-rendered Jinja2 pages (autoescaped), one small script in ``static/app.js`` for the
keyboard shortcuts, no front-end build. Every route but ``/login`` and ``/static`` needs a
signed session; every POST must carry the session's CSRF token. Routes are thin: they call
:class:`metareview.review.project.ReviewProject`, :mod:`metareview.review.screening`,
:mod:`metareview.plots` and render.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from metareview.errors import MetaReviewError
from metareview.web.security import LoginRateLimiter, UploadTooLarge, check_csrf, new_csrf_token

__all__ = ["LoginRequired", "Settings", "create_app", "iter_routes", "render"]

HERE = Path(__file__).resolve().parent
PUBLIC_PATHS = frozenset({"/login"})
MB = 1 << 20


@dataclass
class Settings:
    """What :func:`create_app` was given (kept on ``app.state.settings``)."""

    db: str
    upload_dir: Path
    secret_key: str
    max_upload_bytes: int = 50 * MB
    login_limit: int = 5
    login_window: float = 60.0
    https_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class LoginRequired(Exception):
    """Raised by the guard when a request has no logged-in session."""


def _guard_factory(settings: Settings):  # type: ignore[no-untyped-def]
    async def guard(request: Request) -> None:
        if request.method == "POST":
            length = request.headers.get("content-length")
            ctype = request.headers.get("content-type", "")
            if length is None and ctype.startswith("multipart/"):
                raise HTTPException(411, "an upload must say its length (Content-Length)")
            if length is not None and int(length) > settings.max_upload_bytes + MB:
                raise HTTPException(413, f"request larger than {settings.max_upload_bytes // MB} MB")
            form = await request.form()
            token = form.get("csrf_token") or request.headers.get("x-csrf-token")
            if not check_csrf(request.session.get("csrf"),
                              token if isinstance(token, str) else None):
                raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
        if request.url.path in PUBLIC_PATHS:
            return
        if not request.session.get("user"):
            raise LoginRequired()
    return guard


def iter_routes(app: FastAPI) -> list[tuple[str, frozenset[str]]]:
    """``(path, methods)`` of every HTTP route of the app, included routers walked through."""
    from fastapi.routing import APIRoute

    out: list[tuple[str, frozenset[str]]] = []

    def walk(routes: Any) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                out.append((route.path, frozenset(route.methods)))
            inner = getattr(route, "original_router", None)  # FastAPI >= 0.16x keeps routers
            if inner is not None:
                walk(inner.routes)

    walk(app.routes)
    return out


def render(request: Request, name: str, status_code: int = 200, *,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """Render a template with the user, the CSRF token and pending messages."""
    session = request.session
    if "csrf" not in session:
        session["csrf"] = new_csrf_token()
    context.setdefault("user", session.get("user"))
    context["csrf_token"] = session["csrf"]
    context["messages"] = session.pop("messages", [])
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status_code,
                                      headers=headers)


def flash(request: Request, text: str, kind: str = "info") -> None:
    """Queue a message for the next page the user sees."""
    request.session.setdefault("messages", [])
    request.session["messages"] = [*request.session["messages"], {"kind": kind, "text": text}]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def create_app(
    db: str | os.PathLike[str],
    *,
    upload_dir: str | os.PathLike[str] | None = None,
    secret_key: str | None = None,
    max_upload_bytes: int = 50 * MB,
    login_limit: int = 5,
    login_window: float = 60.0,
    https_only: bool = False,
) -> FastAPI:
    """Build the web app on a review store.

    Parameters
    ----------
    db : str or path
        The store: ``sqlite:///review.db``, a file path (SQLite) or a PostgreSQL URL. It is
        created and migrated to the newest schema if needed.
    upload_dir : path, optional
        Where uploaded exports are kept (one sub-folder per project). Default: a folder
        ``<db file>.uploads`` beside a SQLite file, else ``./metareview-uploads``.
    secret_key : str, optional
        Signs the session cookies; default ``$METAREVIEW_SECRET_KEY`` or a random key (then
        sessions end when the server restarts).
    max_upload_bytes : int
        Largest accepted upload (default 50 MB).
    login_limit, login_window : int, float
        Failed logins allowed per username and address within the window (seconds).
    https_only : bool
        Mark the session cookie Secure (set it behind HTTPS).
    """
    from metareview.store.engine import normalise_url
    from metareview.web import store

    url = normalise_url(db)
    if upload_dir is None:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            upload_dir = Path(url[len("sqlite:///"):]).with_suffix(".uploads")
        else:
            upload_dir = Path.cwd() / "metareview-uploads"
    settings = Settings(
        db=url, upload_dir=Path(upload_dir).resolve(),
        secret_key=secret_key or os.environ.get("METAREVIEW_SECRET_KEY") or secrets.token_urlsafe(32),
        max_upload_bytes=int(max_upload_bytes), login_limit=login_limit,
        login_window=login_window, https_only=https_only,
    )
    engine = store.open_engine(url)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        yield
        engine.dispose()

    app = FastAPI(title="metareview", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(_guard_factory(settings))], lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.limiter = LoginRateLimiter(limit=login_limit, window=login_window)
    app.state.rank_cache = {}
    app.state.rank_lock = threading.Lock()
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "" if v is None or v != v else f"{100 * float(v):.0f}%"
    env.filters["num"] = lambda v, d=3: "" if v is None or v != v else f"{float(v):.{d}f}"
    app.state.templates = Jinja2Templates(env=env)

    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key,
                       session_cookie="metareview_session", same_site="lax",
                       https_only=https_only, max_age=12 * 3600)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET":
            return redirect("/login")
        return HTMLResponse("login required", status_code=401)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return render(request, "error.html", status_code=exc.status_code,
                      message=str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(UploadTooLarge)
    async def _too_large(request: Request, exc: UploadTooLarge) -> Response:
        return render(request, "error.html", status_code=413, message=str(exc))

    @app.exception_handler(MetaReviewError)
    async def _user_error(request: Request, exc: MetaReviewError) -> Response:
        return render(request, "error.html", status_code=400, message=str(exc))

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    from metareview.web import (
        routes_auth,
        routes_duplicates,
        routes_project,
        routes_reports,
        routes_screening,
        routes_studies,
    )

    for module in (routes_auth, routes_project, routes_duplicates, routes_screening, routes_studies,
                   routes_reports):
        app.include_router(module.router)

    return app
