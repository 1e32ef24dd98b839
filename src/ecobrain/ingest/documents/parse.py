"""Reading observation documents into :class:`Record`\\ s: JSON (one document, a list, or ``{"rows": [...]}``) and CSV.

Reading only checks the shape (which keys, which types); what the values mean is checked by
:mod:`.validate`. Every value stays text: JSON numbers keep the digits they were written with.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

DOCUMENT_KEYS = frozenset({"mn", "resolution", "time", "values", "pw", "id"})
# A batch wrapper may give the shared MN, resolution and password once for all its rows.
WRAPPER_KEYS = frozenset({"rows", "mn", "resolution", "pw", "id"})
CSV_COLUMNS = ("mn", "resolution", "time", "factor", "value", "flag")
CSV_REQUIRED = ("time", "factor", "value")
SUFFIX = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,15}$")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_SHOWN = 60  # characters of a bad value quoted back in an error message


class DocumentError(ValueError):
    """The input as a whole cannot be read (not JSON, a CSV without the needed header); nothing is stored."""


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one row: ``row`` is the document's index (JSON, from 0) or the line (CSV, from 1)."""

    row: int | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass(slots=True)
class Entry:
    """One factor's value(s) as given: ``main`` is a bare value (JSON string, CSV ``value``); None means the
    value is looked up among ``suffixes`` by the resolution's suffix (``Rtd`` or ``Avg``)."""

    factor: str
    main: str | None
    suffixes: dict[str, str]
    factor_field: str
    value_field: str
    flag_field: str
    error: str | None = None


@dataclass(slots=True)
class Record:
    """One JSON document or one CSV line: a device, a resolution and a time shared by one or more entries."""

    row: int
    mn: str | None = None
    resolution: str | None = None
    time: str | None = None
    entries: list[Entry] = field(default_factory=list)
    pw: str | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def size(self) -> int:
        """The number of observation rows this record stands for (at least 1, so a bad line is counted)."""
        return max(1, len(self.entries))


def show(value: Any) -> str:
    """A value quoted for an error message: repr (escapes control characters), shortened."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DocumentError(_("JSON 对象中的键 %(key)s 重复。") % {"key": show(key)})
        result[key] = value
    return result


def load_json(data: bytes | str) -> Any:
    """Parse JSON keeping numbers as their text (``8.30`` stays ``"8.30"``); DocumentError when unreadable."""
    try:
        return json.loads(
            data,
            parse_float=str,
            parse_int=str,
            parse_constant=str,  # NaN / Infinity become text, then a "bad number" row error
            object_pairs_hook=_no_duplicate_keys,
        )
    except DocumentError:
        raise
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise DocumentError(_("正文不是有效的 JSON：%(error)s") % {"error": exc}) from None


def read_json(data: bytes | str) -> list[Record]:
    """Records of a JSON body: one document, a list of documents, or ``{"rows": [...], "mn"?, …}``."""
    return records_from_json(load_json(data))


def records_from_json(obj: Any) -> list[Record]:
    if isinstance(obj, list):
        documents, defaults = obj, {}
    elif isinstance(obj, dict) and "rows" in obj:
        unknown = sorted(set(obj) - WRAPPER_KEYS)
        if unknown:
            raise DocumentError(
                _("批量文档中有未知的键：%(keys)s（允许 %(allowed)s）。")
                % {"keys": ", ".join(show(k) for k in unknown), "allowed": ", ".join(sorted(WRAPPER_KEYS))}
            )
        documents = obj["rows"]
        if not isinstance(documents, list):
            raise DocumentError(_("rows 应为文档数组。"))
        defaults = {key: obj[key] for key in ("mn", "resolution", "pw") if key in obj}
    elif isinstance(obj, dict):
        documents, defaults = [obj], {}
    else:
        raise DocumentError(_('正文应为 JSON 对象（一个文档或 {"rows": [...]}）或文档数组。'))
    return [record_from_document(document, index, defaults) for index, document in enumerate(documents)]


def record_from_document(document: Any, row: int, defaults: dict[str, Any] | None = None) -> Record:
    """One JSON document → Record; shape errors are kept on the record (reported, never raised)."""
    record = Record(row=row)
    if not isinstance(document, dict):
        record.errors.append(RowError(row, "document", _("文档应为 JSON 对象。")))
        return record
    document = {**(defaults or {}), **document}
    for key in sorted(set(document) - DOCUMENT_KEYS):
        where = key if _PLAIN_KEY.match(key) else "document"
        message = _("未知的键 %(key)s（文档的键为 mn、resolution、time、values、pw）。") % {"key": show(key)}
        record.errors.append(RowError(row, where, message))
    for key in ("mn", "resolution", "time", "pw"):
        value = document.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            setattr(record, key, value)
        else:
            record.errors.append(RowError(row, key, _("%(key)s 应为字符串。") % {"key": key}))
    values = document.get("values")
    if not isinstance(values, dict) or not values:
        record.errors.append(RowError(row, "values", _("values 应为非空对象：因子编码 → 数值。")))
        return record
    for position, (code, given) in enumerate(values.items()):
        where = f"values.{code}" if _PLAIN_KEY.match(code) else f"values[{position}]"
        entry = Entry(code, None, {}, where, where, f"{where}.Flag")
        if isinstance(given, str):
            entry.main = given
        elif given is None:
            entry.error = _("数值为空。")
        elif isinstance(given, dict):
            for suffix, text in given.items():
                if not SUFFIX.match(suffix):
                    entry.error = _("后缀 %(suffix)s 无效：应为字母开头的字母数字，如 Avg、Flag。") % {
                        "suffix": show(suffix)
                    }
                elif not isinstance(text, str):
                    entry.error = _("%(suffix)s 的值应为字符串或数字。") % {"suffix": suffix}
                else:
                    entry.suffixes[suffix] = text
        else:
            entry.error = _("因子的值应为字符串、数字或 {后缀: 值} 对象。")
        record.entries.append(entry)
    return record


def read_csv(lines: Iterable[str], *, mn_given: bool = False, resolution_given: bool = False) -> Iterator[Record]:
    """Records of CSV lines with the header ``mn,resolution,time,factor,value[,flag][,<suffix>…]``.

    ``mn`` and ``resolution`` may be left out of the header when a default is given. Further columns are
    HJ 212 suffixes (``Min``, ``Max``, ``ZsAvg`` …). A bad header raises DocumentError; a bad line becomes a
    record carrying its error. ``row`` is the line number (the header is line 1).
    """
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise DocumentError(_("CSV 为空：第一行应为表头 mn,resolution,time,factor,value[,flag]。")) from None
    except csv.Error as exc:
        raise DocumentError(_("CSV 表头无法读取：%(error)s") % {"error": exc}) from None
    columns = _csv_columns(header, mn_given=mn_given, resolution_given=resolution_given)
    width = len(header)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(
                row=reader.line_num,
                errors=[RowError(reader.line_num, "row", _("CSV 格式错误：%(error)s") % {"error": exc})],
            )
            continue
        line = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line carries no data
        if len(cells) != width:
            message = _("该行有 %(cells)d 列，表头有 %(width)d 列。") % {"cells": len(cells), "width": width}
            yield Record(row=line, errors=[RowError(line, "row", message)])
            continue
        yield _csv_record(line, columns, cells)


def _csv_columns(header: list[str], *, mn_given: bool, resolution_given: bool) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff")
        key = name.lower() if name.lower() in CSV_COLUMNS else name
        if key not in CSV_COLUMNS and not SUFFIX.match(key):
            raise DocumentError(
                _("CSV 表头第 %(n)d 列 %(name)s 无效：应为 %(known)s 或 HJ 212 后缀（如 Min、Max）。")
                % {"n": index + 1, "name": show(name), "known": ",".join(CSV_COLUMNS)}
            )
        if key in columns or (key == "Flag" and "flag" in columns) or (key == "flag" and "Flag" in columns):
            raise DocumentError(_("CSV 表头中 %(name)s 重复。") % {"name": show(name)})
        columns[key] = index
    required = list(CSV_REQUIRED) + ([] if mn_given else ["mn"]) + ([] if resolution_given else ["resolution"])
    missing = [name for name in required if name not in columns]
    if missing:
        raise DocumentError(
            _("CSV 表头缺少列：%(missing)s（表头应为 mn,resolution,time,factor,value[,flag]）。")
            % {"missing": ", ".join(missing)}
        )
    return columns


def _csv_record(line: int, columns: dict[str, int], cells: list[str]) -> Record:
    def cell(name: str) -> str | None:
        index = columns.get(name)
        return cells[index].strip() if index is not None else None

    record = Record(row=line, mn=cell("mn") or None, resolution=cell("resolution") or None, time=cell("time") or None)
    suffixes = {name: cells[index].strip() for name, index in columns.items() if name not in CSV_COLUMNS}
    flag = cell("flag") if "flag" in columns else suffixes.pop("Flag", None)
    suffixes = {name: text for name, text in suffixes.items() if text}
    if flag:
        suffixes["Flag"] = flag
    record.entries.append(Entry(cell("factor") or "", cell("value") or "", suffixes, "factor", "value", "flag"))
    return record
