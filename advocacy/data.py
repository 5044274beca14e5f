"""Data from CSV: the files in content/data/ that figures and tables name.

A CSV is read with the csv module: UTF-8 (a byte-order mark is fine), commas,
one header row naming the columns. Columns are chosen by those names. It is
checked before anything is built, and what is wrong is an error at its place:
a cell that should be a number and is not, at its line and column in the CSV;
a column that is not in the file, or a file that is not there, at the field
in the YAML that names it. A record read from a CSV is replaced by one with
its numbers or rows filled in, so charts and templates read both forms alike.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from advocacy import schema
from advocacy.content import MAX_TEXT_CHARS, Source, leaves, read_text, shown_path
from advocacy.errors import Problem, suggest

# Limits, so that a pathological file fails in milliseconds with a message (and
# content.MAX_FILE_BYTES, as for YAML).
MAX_ROWS = 2_000
MAX_COLUMNS = 100

# A number as a CSV gives it: '.' before the decimals, no thousands separators.
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
HOW_NUMBERS = "write it with a '.' before any decimals and no thousands separators, as 27.8"

Position = tuple[int, int]


@dataclass
class Sheet:
    """One CSV read: its header, its rows of cells, and where each cell starts."""

    path: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    header_positions: list[Position] = field(default_factory=list)
    positions: list[list[Position]] = field(default_factory=list)

    def index(self, name: str) -> int | None:
        return self.header.index(name) if name in self.header else None

    def problem(self, row: int, column: int, message: str) -> Problem:
        line, col = self.positions[row][column]
        return Problem(self.path, line, col, message)


def read_sheet(path: Path, shown: str) -> tuple[Sheet | None, list[Problem]]:
    """Read one CSV file; return its Sheet, or the problems that stop it."""
    text, problems = read_text(path, shown)
    if text is None:
        return None, problems
    return _parse(text, shown)


def _parse(text: str, shown: str) -> tuple[Sheet | None, list[Problem]]:
    lines = text.split("\n")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[list[str], list[Position]]] = []
    last = 0
    try:
        for cells in reader:
            first, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a row of empty cells that a spreadsheet left
            records.append((cells, _cell_starts("\n".join(lines[first - 1 : last]), first)))
            if len(records) > MAX_ROWS + 1:
                message = f"more than {MAX_ROWS:,} rows of data, over the limit; split the file"
                return None, [Problem(shown, first, 1, message)]
    except csv.Error as exc:
        return None, [_csv_problem(exc, shown, last + 1, reader.line_num)]
    if not records:
        return None, [Problem(shown, 1, 1, "the file is empty; write a header row of names")]
    (header, header_positions), body = records[0], records[1:]
    sheet = Sheet(shown, [name.strip() for name in header], header_positions=header_positions)
    problems = _header_problems(sheet)
    for cells, positions in body:
        problems += _row_problems(sheet, cells, positions)
        sheet.rows.append([cell.strip() for cell in cells])
        sheet.positions.append(positions)
    if not body:
        line = header_positions[0][0]
        problems.append(Problem(shown, line, 1, "no rows of data under the header row"))
    return (None if problems else sheet), problems


def _csv_problem(exc: csv.Error, shown: str, start: int, end: int) -> Problem:
    words = str(exc)
    if "end of data" in words or "unexpected end" in words:
        message = "a quoted cell is not closed; add the closing '\"'"
        return Problem(shown, start, 1, message)
    if "expected after" in words:
        message = 'a \'"\' inside a quoted cell must be doubled (""), or the cell end after it'
        return Problem(shown, end, 1, message)
    if "field larger" in words:
        message = f"a cell is over {MAX_TEXT_CHARS:,} characters; shorten it"
        return Problem(shown, end, 1, message)
    return Problem(shown, end, 1, f"invalid CSV: {words}")  # pragma: no cover - other csv errors


def _header_problems(sheet: Sheet) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    if len(sheet.header) > MAX_COLUMNS:
        line, column = sheet.header_positions[MAX_COLUMNS]
        message = f"{len(sheet.header):,} columns, over the limit of {MAX_COLUMNS}; split the file"
        return [Problem(sheet.path, line, column, message)]
    if len(sheet.header) == 1 and ";" in sheet.header[0]:
        message = "the header row has ';' but no ','; save the file as CSV with commas"
        return [Problem(sheet.path, *sheet.header_positions[0], message)]
    for index, name in enumerate(sheet.header):
        line, column = sheet.header_positions[index]
        if not name:
            message = f"column {index + 1} has no name in the header row; name it"
            problems.append(Problem(sheet.path, line, column, message))
        elif name in seen:
            message = (
                f"column '{name}' is named twice in the header row (first in column "
                f"{seen[name] + 1}); rename one"
            )
            problems.append(Problem(sheet.path, line, column, message))
        else:
            seen[name] = index
    return problems


def _row_problems(sheet: Sheet, cells: list[str], positions: list[Position]) -> list[Problem]:
    width = len(sheet.header)
    if len(cells) != width:
        at = positions[min(len(cells), width) - 1] if len(cells) < width else positions[width]
        message = (
            f"this row has {len(cells)} cells and the header row {width}; give one cell per "
            "column, empty ones too"
        )
        return [Problem(sheet.path, *at, message)]
    for index, cell in enumerate(cells):
        if len(cell) > MAX_TEXT_CHARS:
            message = f"this cell is {len(cell):,} characters, over the limit of {MAX_TEXT_CHARS:,}"
            return [Problem(sheet.path, *positions[index], message)]
    return []


def _cell_starts(record: str, first_line: int) -> list[Position]:
    """Where each cell of one CSV record starts, the record being its lines as written."""
    starts, quoted, i = [0], False, 0
    while i < len(record):
        char = record[i]
        if quoted:
            if char == '"' and record[i + 1 : i + 2] == '"':
                i += 1
            elif char == '"':
                quoted = False
        elif char == '"' and i == starts[-1]:
            quoted = True
        elif char == ",":
            starts.append(i + 1)
        i += 1
    found = []
    for start in starts:
        line, column = _line_column(record, start)
        found.append((first_line + line - 1, column))
    return found


def _line_column(text: str, offset: int) -> Position:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


# ------------------------------------------------------------ records from sheets


def fill_records(corpus, content_dir: Path, root: Path) -> list[Problem]:
    """Read the CSV of every figure and table that names one; fill the records in."""
    folder = content_dir / "data"
    sheets: dict[str, tuple[Sheet | None, list[Problem]]] = {}
    problems: list[Problem] = []
    for kind, fill in (("figure", _figure), ("table", _table)):
        for record_id, record in list(corpus.records.get(kind, {}).items()):
            if record.data is None:
                continue
            source = corpus.sources[(kind, record_id)]
            sheet, found = _sheet(record.data.file, folder, root, source, sheets)
            problems += found
            if sheet is None:
                continue
            filled, found = fill(record, sheet, source)
            problems += found
            if filled is not None:
                corpus.records[kind][record_id] = filled
    return problems


def _sheet(relative: str, folder: Path, root: Path, source: Source, sheets: dict):
    """The sheet a record names, and problems: with the name (each time), or with the
    file (the first time only)."""
    path = folder / relative
    loc = ("data", "file")
    if leaves(path, root) or not path.resolve().is_relative_to(folder.resolve()):
        return None, [source.problem(loc, f"data.file: '{relative}' leads outside content/data/")]
    if not path.is_file():
        known = sorted(shown_path(p, folder) for p in folder.rglob("*.csv"))
        message = f"data.file: no file '{relative}' in content/data/{suggest(relative, known)}"
        return None, [source.problem(loc, message)]
    key = str(path.resolve())
    if key in sheets:
        return sheets[key][0], []
    sheets[key] = read_sheet(path, shown_path(path, root))
    return sheets[key]


def _choose(sheet: Sheet, choice, loc: tuple, source: Source) -> tuple[int | None, list[Problem]]:
    """The index of a column named in the YAML, or the problem of a name not in the header."""
    name = choice if isinstance(choice, str) else choice.column
    index = sheet.index(name)
    if index is not None:
        return index, []
    at = loc if isinstance(choice, str) else (*loc, "column")
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    columns = ", ".join(f"'{n}'" for n in sheet.header)
    message = (
        f"{where}: no column '{name}' in {sheet.path}{suggest(name, sheet.header)}; "
        f"its columns are {columns}"
    )
    return None, [source.problem(at, message)]


def _label(sheet: Sheet, index: int, choice) -> str:
    label = None if isinstance(choice, str) else choice.label
    return label or sheet.header[index]


def _figure(figure: schema.Figure, sheet: Sheet, source: Source):
    """The figure with its categories and series read from the sheet."""
    data, problems = figure.data, []
    category = 0
    if data.category is not None:
        category, problems = _choose(sheet, data.category, ("data", "category"), source)
    chosen = []
    for i, choice in enumerate(data.series):
        index, found = _choose(sheet, choice, ("data", "series", i), source)
        problems += found
        chosen.append((index, choice))
    if problems:
        return None, problems
    name = sheet.header[category]
    categories = []
    for row, cells in enumerate(sheet.rows):
        if not cells[category]:
            message = f"empty cell in column '{name}', which names the categories; name this row"
            problems.append(sheet.problem(row, category, message))
        categories.append(cells[category])
    series = []
    for index, choice in chosen:
        values = [_value(sheet, row, index, problems) for row in range(len(sheet.rows))]
        series.append(schema.Series(name=_label(sheet, index, choice), values=values))
    if problems:
        return None, problems
    return figure.model_copy(update={"categories": categories, "series": series}), []


def _value(sheet: Sheet, row: int, index: int, problems: list[Problem]) -> float:
    cell, name = sheet.rows[row][index], sheet.header[index]
    if NUMBER.fullmatch(cell):
        return float(cell)
    if not cell:
        message = f"empty cell in column '{name}'; a chart needs a number in every row"
    else:
        hint = f"{HOW_NUMBERS} or 128000" if "," in cell else HOW_NUMBERS
        message = f"'{cell}' in column '{name}' is not a number; {hint}"
    problems.append(sheet.problem(row, index, message))
    return 0.0


def _table(table: schema.Table, sheet: Sheet, source: Source):
    """The table with its columns and rows read from the sheet."""
    choices = table.data.columns or list(sheet.header)
    problems, chosen = [], []
    for i, choice in enumerate(choices):
        index, found = _choose(sheet, choice, ("data", "columns", i), source)
        problems += found
        chosen.append((index, choice))
    if problems:
        return None, problems
    columns = [
        schema.TableColumn(
            column=_label(sheet, index, choice),
            format=None if isinstance(choice, str) else choice.format,
        )
        for index, choice in chosen
    ]
    rows = [[cells[index] for index, _choice in chosen] for cells in sheet.rows]
    return table.model_copy(update={"columns": columns, "rows": rows}), []


# ------------------------------------------------------------ what templates read


def is_number(text: str) -> bool:
    return NUMBER.fullmatch(text.strip()) is not None


def table_view(table: schema.Table, number) -> tuple[list, list]:
    """(header, body) of a table as printed: each cell (text, is a number), its
    numbers formatted by number(Decimal); the first column names the rows."""
    columns = [
        c if isinstance(c, schema.TableColumn) else schema.TableColumn(column=c)
        for c in table.columns
    ]
    numeric = [
        index > 0 and column.format != "text" and any(is_number(row[index]) for row in table.rows)
        for index, column in enumerate(columns)
    ]
    header = [(column.label or column.column, numeric[i]) for i, column in enumerate(columns)]
    body = []
    for row in table.rows:
        cells = []
        for index, cell in enumerate(row):
            if numeric[index] and is_number(cell):
                cells.append((number(Decimal(cell.strip())), True))
            else:
                cells.append((cell, numeric[index]))
        body.append(cells)
    return header, body
