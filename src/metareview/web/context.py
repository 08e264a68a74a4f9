"""Per-request context of the web app: who is logged in, which project, which role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import HTTPException, Request

from metareview.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from metareview.review.project import ReviewProject

__all__ = ["ProjectContext", "project_context", "stage_or_404"]

T = TypeVar("T")
STAGES = {"title_abstract": "Title/abstract", "full_text": "Full text"}


@dataclass(frozen=True)
class ProjectContext:
    """The logged-in member and the project a request is about."""

    request: Request
    engine: Engine
    username: str
    project_id: int
    project_name: str
    role: str

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    def require_lead(self) -> None:
        if not self.is_lead:
            raise HTTPException(403, "only the project's lead may do this")

    def project(self) -> ReviewProject:
        from metareview.web.store import open_project

        return open_project(self.engine, self.project_id, self.project_name)

    def run(self, fn: Callable[[ReviewProject], T]) -> T:
        """Run *fn* on the project, again if SQLite was locked."""
        from metareview.web.store import retry_locked

        project = self.project()
        return retry_locked(lambda: fn(project))

    def template(self, **extra: Any) -> dict[str, Any]:
        return {"pid": self.project_id, "project_name": self.project_name, "role": self.role,
                "is_lead": self.is_lead, "stages": STAGES, **extra}


def project_context(request: Request, pid: int) -> ProjectContext:
    """FastAPI dependency: the member's context, 404 when the user is not a member."""
    from metareview.web.store import role_of

    username = request.session.get("user")
    if not username:  # the app's guard already refused it; kept for direct use
        raise HTTPException(401, "login required")
    engine = request.app.state.engine
    found = role_of(engine, pid, username)
    if found is None:
        raise HTTPException(404, "no such project among yours")
    return ProjectContext(request, engine, username, pid, found[0], found[1])


def stage_or_404(stage: str) -> str:
    if stage not in STAGES:
        raise HTTPException(404, f"no screening stage {stage!r}")
    return stage


def optional_text(value: Any, column: str, *, limit: int = 10_000) -> str | None:
    """A form's text value, None when empty; refuses one longer than *limit*."""
    if value is None:
        return None
    text = str(value).strip()
    if len(text) > limit:
        raise InputError(f"is longer than {limit} characters", column=column)
    return text or None
