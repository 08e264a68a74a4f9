"""`metareview serve`: the web app for review teams (FastAPI + uvicorn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to *app*."""

    @app.command("serve")
    def serve(
        db: str = typer.Option(..., "--db", help="Review store: a SQLite file or a database URL "
                               "(sqlite:///review.db, postgresql+psycopg://user@host/db)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
        create_user: Optional[str] = typer.Option(  # noqa: UP007 - typer needs Optional
            None, "--create-user", help="Create this account first; its password is read from "
            "$METAREVIEW_PASSWORD or asked for."),
        upload_dir: Optional[Path] = typer.Option(  # noqa: UP007
            None, "--upload-dir", help="Where uploaded exports are kept (default: beside the "
            "SQLite file)."),
        max_upload_mb: int = typer.Option(50, "--max-upload-mb", min=1, help="Largest upload."),
    ) -> None:
        """Serve the review web app (accounts, screening, extraction, risk of bias, PRISMA)."""
        import uvicorn

        from metareview.web import create_app
        from metareview.web import create_user as make_user

        if create_user:
            password = os.environ.get("METAREVIEW_PASSWORD") or typer.prompt(
                f"Password for {create_user}", hide_input=True, confirmation_prompt=True)
            from metareview.web.security import verify_password
            from metareview.web.store import open_engine, user_hash

            engine = open_engine(db)
            try:
                found = user_hash(engine, create_user)
            finally:
                engine.dispose()
            make_user(db, create_user, password)
            if found is not None and found[1] is not None and not verify_password(found[1], password):
                typer.echo(f"account {create_user!r} already has a password; it was kept", err=True)
            else:
                typer.echo(f"account {create_user!r} ready")
        web = create_app(db, upload_dir=upload_dir, max_upload_bytes=max_upload_mb << 20)
        if host not in ("127.0.0.1", "localhost", "::1"):
            typer.echo("warning: listening beyond this machine; put the app behind HTTPS",
                       err=True)
        uvicorn.run(web, host=host, port=port, log_level="info")
