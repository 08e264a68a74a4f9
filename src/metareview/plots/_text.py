"""User text is shown as written: study labels like "Cost $5 vs $10" must not become maths.

Matplotlib reads ``$...$`` in any Text as mathtext unless the text was created with
``parse_math=False``; that flag is taken from ``rcParams["text.parse_math"]`` when the artist
is made. Every public plotting function is wrapped in :func:`literal_text`, which sets the
parameter for the duration of the call only, so a user's own matplotlib settings are left alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def literal_text(fn: F) -> F:
    """Decorator: text made inside *fn* is drawn literally (no mathtext)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
