"""CSV bulk import with a preview and row-level errors; all-or-nothing.

An :class:`Importer` maps CSV columns (field names or their Chinese headers) to a ModelForm, resolving
natural keys (a credit code, a factor code, a district name) to objects in the user's scope. A run
validates every row inside one transaction and rolls it back when any row fails or on a preview.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ecobrain.core import gate

MAX_IMPORT_ROWS = 50_000


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (encoding, header, size); the message says why."""


@dataclass
class ImportColumn:
    name: str
    header: str
    required: bool = False
    help: str = ""
    example: str = ""


@dataclass
class RowResult:
    line: int
    action: str = ""  # "create" | "update" | "" (failed)
    label: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: list[RowResult]
    committed: bool

    @property
    def error_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.error_rows and bool(self.rows)

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.action == "create" and not r.errors)

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.action == "update" and not r.errors)


def decode_csv(content: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030/GBK, as Excel on Chinese Windows saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("文件编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV 文件。"))


def _nonblank(value: str | None) -> str:
    return (value or "").strip()


class Importer:
    """Imports rows of one model; subclasses set ``model``, ``form_class``, ``columns`` and the key lookup."""

    model: Any = None
    form_class: Any = None
    columns: list[ImportColumn] = []

    def __init__(self, user):
        self.user = user

    # --- to override -------------------------------------------------------------------------
    def lookup(self, row: dict[str, str]):
        """The existing object this row updates (by its natural key), or None to create one."""
        return None

    def natural_key(self, row: dict[str, str]) -> tuple | None:
        """The row's unique key (e.g. the MN), to catch two rows of one file naming the same object."""
        return None

    def form_data(self, row: dict[str, str], errors: list[str]) -> dict[str, Any]:
        """Form data for the row; natural keys resolved to pks. Append messages to ``errors``."""
        return {c.name: row.get(c.name, "") for c in self.columns}

    def after_save(self, obj, row: dict[str, str]) -> None:
        """Hook for related rows (many-to-many) after the object is saved."""

    # --- machinery -----------------------------------------------------------------------------
    def header_map(self) -> dict[str, str]:
        mapping = {}
        for column in self.columns:
            mapping[column.name.lower()] = column.name
            mapping[str(column.header).lower()] = column.name
        return mapping

    def parse(self, text: str) -> list[tuple[int, dict[str, str]]]:
        reader = csv.reader(io.StringIO(text))
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFileError(_("文件为空：第1行应为表头。")) from None
        except csv.Error as exc:
            raise ImportFileError(_("第1行：CSV 格式错误：%(error)s") % {"error": exc}) from None
        mapping = self.header_map()
        names = []
        unknown = []
        for raw in header:
            key = raw.strip().lower()
            if key in mapping:
                names.append(mapping[key])
            elif key:
                unknown.append(raw.strip())
                names.append(None)
            else:
                names.append(None)
        if unknown:
            raise ImportFileError(
                _("第1行：不认识的列 %(unknown)s。可用的列：%(columns)s")
                % {"unknown": ", ".join(unknown), "columns": ", ".join(c.name for c in self.columns)}
            )
        missing = [c.name for c in self.columns if c.required and c.name not in names]
        if missing:
            raise ImportFileError(_("第1行：缺少必填列 %(columns)s。") % {"columns": ", ".join(missing)})
        rows = []
        try:
            for record in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) > len(names):
                    raise ImportFileError(
                        _("第%(line)s行：列数 %(count)s 多于表头的 %(header)s 列。")
                        % {"line": line, "count": len(record), "header": len(names)}
                    )
                row = {name: record[i].strip() if i < len(record) else "" for i, name in enumerate(names) if name}
                rows.append((line, row))
                if len(rows) > MAX_IMPORT_ROWS:
                    raise ImportFileError(_("一次最多导入 %(max)s 行：请拆分文件。") % {"max": MAX_IMPORT_ROWS})
        except csv.Error as exc:
            raise ImportFileError(
                _("第%(line)s行：CSV 格式错误：%(error)s") % {"line": reader.line_num, "error": exc}
            ) from None
        if not rows:
            raise ImportFileError(_("文件只有表头，没有数据行。"))
        return rows

    def run(self, text: str, *, commit: bool) -> ImportResult:
        from ecobrain.audit.changelog import change_actor

        rows = self.parse(text)
        results: list[RowResult] = []
        with change_actor(self.user, source="import"), transaction.atomic():
            seen: dict[tuple, int] = {}
            for line, row in rows:
                key = self.natural_key(row)
                if key is not None and key in seen:
                    label = pgettext("list separator", "、").join(str(part) for part in key)
                    message = _("与第 %(line)s 行重复（%(key)s）：同一对象只能出现一次") % {
                        "line": seen[key],
                        "key": label,
                    }
                    results.append(RowResult(line, errors=[message]))
                    continue
                if key is not None:
                    seen[key] = line
                results.append(self._import_row(line, row))
            failed = any(r.errors for r in results)
            if failed or not commit:
                transaction.set_rollback(True)
        return ImportResult(results, committed=commit and not any(r.errors for r in results))

    def _import_row(self, line: int, row: dict[str, str]) -> RowResult:
        result = RowResult(line)
        missing = [c.name for c in self.columns if c.required and not _nonblank(row.get(c.name))]
        if missing:
            result.errors.append(_("%(columns)s: 必填") % {"columns": ", ".join(missing)})
            return result
        errors: list[str] = []
        try:
            existing = self.lookup(row)
        except LookupError as exc:
            result.errors.append(str(exc))
            return result
        if existing is not None and not gate.is_allowed(self.user, "change", existing):
            result.errors.append(_("“%(object)s”已存在，但您无权修改它。") % {"object": existing})
            return result
        data = self.form_data(row, errors)
        if errors:
            result.errors.extend(errors)
            return result
        instance = existing if existing is not None else self.model()
        form = self.form_class(data, instance=instance, user=self.user, importing=True)
        if not form.is_valid():
            for name, messages in form.errors.items():
                prefix = f"{name}: " if name != "__all__" else ""
                result.errors.extend(f"{prefix}{message}" for message in messages)
            return result
        if not gate.object_in_scope(self.user, form.instance):
            result.errors.append(_("所在区县或企业不在您的管辖范围内。"))
            return result
        action = "update" if existing is not None else "create"
        if not gate.is_allowed(self.user, "add" if action == "create" else "change", type(form.instance)):
            result.errors.append(_("您的角色无权新增此类对象。"))
            return result
        try:
            with transaction.atomic():
                obj = form.save()
                self.after_save(obj, row)
        except (DatabaseError, ValidationError) as exc:  # a constraint the form did not catch: report the row
            result.errors.append(_("保存失败：%(error)s") % {"error": exc})
            return result
        result.action = action
        result.label = str(obj)
        return result

    def template_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([c.name for c in self.columns])
        writer.writerow([c.example for c in self.columns])
        return "\ufeff" + buffer.getvalue()


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stash_upload(content: bytes) -> str:
    token = uuid.uuid4().hex
    (upload_dir() / f"{token}.csv").write_bytes(content)
    return token


def read_stash(token: str) -> bytes | None:
    if not token or not all(c in "0123456789abcdef" for c in token) or len(token) != 32:
        return None
    path = upload_dir() / f"{token}.csv"
    return path.read_bytes() if path.exists() else None


def drop_stash(token: str) -> None:
    if token and len(token) == 32 and all(c in "0123456789abcdef" for c in token):
        (upload_dir() / f"{token}.csv").unlink(missing_ok=True)
