"""The review side of metareview: bibliographic records in, screening and PRISMA out.

Submodules load on demand; importing :mod:`metareview.review` does not import pandas.

* :mod:`metareview.review.records` -- the normalised :class:`~metareview.review.records.Record`.
* :mod:`metareview.review.importers` -- readers for database exports and format detection.
"""

from __future__ import annotations
