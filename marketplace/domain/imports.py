"""CSV imports as batches (issue 10, item 11): the states of a batch, the row limit, the options
that make two imports of one file differ, and the report of rejected rows.

Pure: no Flask, no SQLAlchemy. The services read the file and store the batches.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from .csv_cells import protect
from .i18n import N_, _, format_integer

QUEUED, RUNNING, DONE, REFUSED, FAILED = "queued", "running", "done", "refused", "failed"
BATCH_STATUSES = (  # labels marked with N_, translated where shown
    (QUEUED, N_("Waiting to start")),
    (RUNNING, N_("Reading rows")),
    (DONE, N_("Read")),
    (REFUSED, N_("File refused")),
    (FAILED, N_("Stopped by an error")),
)
UNFINISHED = (QUEUED, RUNNING, FAILED)  # a job (the sweeper's, a retry) takes these up again
# The most rows one file may have (data rows, not counting the header): the limit the README and
# the upload page state, measured by bench/import_scale.py.
MAX_ROWS = 100_000
# Rows read and committed together: progress moves this often, and a crash repeats at most this many.
CHUNK_ROWS = 500

REPORT_COLUMNS = ("row", "column", "message")


def template_text(columns: tuple[str, ...], example: dict[str, str]) -> str:
    """A CSV template for an import page (issue 11 item 12): the header row of ``columns`` (the
    parser's own column names, e.g. LEAD_COLUMNS) and one example row, as text with CRLF line ends.
    Our own content, so no formula guard. Raises ValueError when ``example`` does not give exactly
    ``columns``, so the template cannot drift from the parser."""
    if set(example) != set(columns):
        raise ValueError(f"example columns differ: {sorted(set(example) ^ set(columns))}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerow([example[name] for name in columns])
    return buffer.getvalue()


def options_key(lead_status: str, encoding: str | None) -> str:
    """What, besides its bytes and its uploader, makes an import of a file a different import:
    the status new leads start with and the encoding the person named (a file refused as not
    UTF-8 may be given again with its encoding)."""
    return f"{lead_status}|{(encoding or '').strip().lower()}"[:64]


def too_many_rows(rows: int, limit: int = MAX_ROWS) -> str | None:
    """The refusal for a file of ``rows`` data rows (in the current language), or None when it is
    within ``limit``."""
    if rows <= limit:
        return None
    return _("the file has {rows} rows; at most {limit} rows are imported at once. Split it into files of up to "
             "that many rows and import each.").format(rows=format_integer(rows), limit=format_integer(limit))


def count_rows(text: str) -> int:
    """Data rows of CSV ``text`` as the import reads them: after the header, not blank. Raises
    csv.Error where the text is not readable CSV (the import refuses such a file whole)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    return sum(1 for cells in reader if any(cell.strip() for cell in cells))


def report_lines(rows: Iterable[tuple[int, list | None]]) -> Iterator[list[str]]:
    """The report of rejected rows as CSV lines: the header, then one line per problem (row
    number, column or "" for the whole row, message), each cell spreadsheet-safe (csv_cells).
    ``rows``: (row number, [[column, message], ...]) in row order."""
    yield list(REPORT_COLUMNS)
    for row_number, problems in rows:
        for column, message in problems or [("", _("rejected"))]:
            yield [str(row_number), protect(column or ""), protect(message or "")]


def row_reason(problems: list | None) -> str:
    """A rejected row's problems as one line: "column: message; column: message" (a message
    about the whole row stands alone), without the messages' final full stops."""
    parts = []
    for column, message in problems or []:
        message = message[:-1] if message.endswith(".") else message
        parts.append(f"{column}: {message}" if column else message)
    return "; ".join(parts) or _("rejected")
