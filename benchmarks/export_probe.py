"""One export in a fresh process, for its rows per second and peak memory.

    python -m benchmarks.export_probe DATABASE_URL csv|xlsx ROWS

Reads the applications export's rows once from the database (the same query as
``/reports/export/applications.*``), then writes ROWS of them (cycling) through the
streaming writer the routes use, to /dev/null, and prints ``rows seconds peak_rss_kib``.
Run as its own process so the peak resident set size belongs to this export alone.
"""

from __future__ import annotations

import itertools
import logging
import os
import resource
import sys
import time


def main(argv: list[str]) -> None:
    url, fmt, rows = argv[0], argv[1], int(argv[2])
    logging.disable(logging.INFO)
    from dih4society import create_app
    from dih4society.applications.queries import QueueFilters
    from dih4society.auth.models import Role, User
    from dih4society.extensions import db
    from dih4society.reports import queries
    from dih4society.reports.exports import csv_chunks, export_columns, write_xlsx

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), app.test_request_context():
        manager = db.session.scalar(db.select(User).where(User.role == Role.MANAGER).limit(1))
        source = list(itertools.islice(queries.application_rows(QueueFilters(), manager), 20_000))
        columns = export_columns("applications")
        data = itertools.islice(itertools.cycle(source), rows)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            if fmt == "csv":
                for chunk in csv_chunks(columns, data):
                    sink.write(chunk.encode("utf-8"))
            else:
                import tempfile

                with tempfile.TemporaryFile() as out:
                    write_xlsx(out, columns, data, title="Applications")
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(rows, f"{seconds:.3f}", peak, peak - base)


if __name__ == "__main__":
    main(sys.argv[1:])
