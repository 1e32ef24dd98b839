"""CSV and Excel exports of a list page's filtered rows (the same columns as the table)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from io import BytesIO

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext

EXPORT_LIMIT = 200_000


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise_formula(value)
    return value


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(…)``) gets a leading apostrophe (CSV injection).

    Plain numbers such as ``-12.5`` stay as they are.
    """
    if text.startswith(FORMULA_PREFIXES):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def _filename(stem: str, ext: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M%S}.{ext}"


class _Echo:
    def write(self, value):
        return value


def csv_response(stem: str, headers: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """Streams UTF-8 CSV with a BOM, so Excel on Chinese Windows opens it correctly."""
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff" + writer.writerow(headers)
        for row in rows:
            yield writer.writerow([_cell(v) for v in row])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "csv")}"'
    return response


def xlsx_response(stem: str, title: str, headers: list[str], rows: Iterable[list]) -> HttpResponse:
    """One sheet: a bold header row, then the rows (numbers stay numbers, text is neutralised)."""
    return xlsx_workbook_response(stem, [(title, [(None, headers, rows)])])


def xlsx_workbook_response(stem: str, sheets: list[tuple[str, list[tuple[str | None, list[str] | None, list[list]]]]]):
    """A workbook of several sheets, each a list of blocks ``(heading, headers, rows)`` one after another.

    A heading is a bold line, headers a bold row; a blank row separates blocks. Reports use it (日报, 月报).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, blocks in sheets:
        sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
        for index, (heading, headers, rows) in enumerate(blocks):
            if index:
                sheet.append([])
            if heading:
                cell = WriteOnlyCell(sheet, value=neutralise_formula(heading))
                cell.font = bold
                sheet.append([cell])
            if headers:
                cells = []
                for header in headers:
                    cell = WriteOnlyCell(sheet, value=str(header))
                    cell.font = bold
                    cells.append(cell)
                sheet.append(cells)
            for row in rows:
                sheet.append([_cell(v) if not isinstance(v, (int, float)) or isinstance(v, bool) else v for v in row])
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "xlsx")}"'
    return response
