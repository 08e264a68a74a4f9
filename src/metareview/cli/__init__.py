"""The ``metareview`` command line (Typer).

Each command group lives in its own module here and exposes ``register(app)``; this module
only assembles them and turns a user's mistake into one line on stderr and exit status 2.
Command modules import heavy libraries (NumPy, pandas, matplotlib) inside the command
functions, so ``metareview --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import typer

from metareview.errors import MetaReviewError

# Command modules, each with ``register(app: typer.Typer) -> None``.
_COMMAND_MODULES = (
    "pool",
    "effects",
    "analyze",
    "plot",
    "records",
    "dedup",
    "review",
    "batch",
    "serve",
    "demo",
    "search",
)

EXIT_USER_ERROR = 2


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="metareview",
        help="Systematic review and meta-analysis: from database exports to a PRISMA 2020 report.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    for name in _COMMAND_MODULES:
        importlib.import_module(f"metareview.cli.{name}").register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app; a MetaReviewError becomes one line and exit 2."""
    app = build_app()
    try:
        app(args=argv, standalone_mode=False)
    except MetaReviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except SystemExit:
        raise
    except Exception as exc:
        # usage errors (missing option, bad value) arrive as click exceptions; typer may ship
        # its own copy of click, so recognise them by their interface, not their class
        if type(exc).__name__ == "Abort":
            raise SystemExit(1) from None
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            ctx = getattr(exc, "ctx", None)
            where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            print(f"error: {exc.format_message()}{where}", file=sys.stderr)
            raise SystemExit(EXIT_USER_ERROR) from None
        raise
