"""The import/export machinery every register uses (DESIGN §2 "Import / export").

An import reads the sheet (`spreadsheets.read_table` finds the header row by its names and skips
title, total and footer rows), cleans every row, and collects every problem as (row, column,
message) before anything is written. Only a clean file is written, in one transaction: all rows or
none. Writing is an upsert on the register's natural key, so importing the same file twice
changes nothing the second time. A preview is the same run rolled back, so its counts are exact.
"""

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .audit import audit_log
from .isolation import read_table_isolated
from .models import AuditAction
from .parsing import InvalidValue, collect_notes
from .spreadsheets import Column, SpreadsheetError, write_errors_xlsx, write_template, write_xlsx

REGISTRY: dict[str, type["Importer"]] = {}


def register(cls):
    REGISTRY[cls.kind] = cls
    return cls


def get_importer(kind, actor):
    try:
        return REGISTRY[kind](actor)
    except KeyError:
        raise KeyError(f"未知的导入类型“{kind}”，可用：{'、'.join(sorted(REGISTRY))}")


@dataclass
class Problem:
    row: int | None
    column: str
    message: str

    def __str__(self):
        where = f"第{self.row}行" if self.row else "文件"
        return f"{where} {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class ImportReport:
    kind: str
    label: str
    problems: list[Problem] = field(default_factory=list)
    skipped: list = field(default_factory=list)
    header_row: int | None = None
    sheet: str = ""  # the worksheet read (a workbook may put a 填表说明 sheet first)
    title: str | None = None
    extra_columns: list = field(default_factory=list)
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    committed: bool = False
    preview: list = field(default_factory=list)  # first rows as cleaned, for the web preview
    # Values read but worth a second look (“约1.5亿”按15000万元读取): shown, never blocking.
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def headline(self):
        """One line: the counts (or the number of problems), and how many warnings there are."""
        if not self.ok:
            text = f"发现{len(self.problems)}个问题，未导入任何数据"
        else:
            verb = "已导入" if self.committed else "预览"
            text = f"{verb}{self.total_rows}行：新增{self.created}条，更新{self.updated}条，未变化{self.unchanged}条"
        return text + (f"；另有{len(self.warnings)}条提示" if self.warnings else "")

    def summary(self):
        """The headline, then one line per warning (the command line prints this)."""
        return "\n".join([self.headline(), *self.warning_lines()])

    def warning_lines(self, limit=200):
        """The warnings as `第N行 列名: 消息` lines (at most `limit`, then a count of the rest)."""
        lines = [f"提示：{w}" for w in self.warnings[:limit]]
        if len(self.warnings) > limit:
            lines.append(f"提示：另有{len(self.warnings) - limit}条未列出")
        return lines


def report_to_json(report):
    """The report as JSON-able data (what a background job stores for its page)."""
    def cell(v):
        return v if v is None or isinstance(v, (int, float, str, bool)) else str(v)

    return {
        "kind": report.kind, "label": report.label, "header_row": report.header_row, "sheet": report.sheet,
        "title": report.title, "extra_columns": [str(c) for c in report.extra_columns],
        "total_rows": report.total_rows, "created": report.created, "updated": report.updated,
        "unchanged": report.unchanged, "committed": report.committed,
        "problems": [[p.row, p.column, p.message] for p in report.problems],
        "warnings": [[w.row, w.column, w.message] for w in report.warnings],
        "skipped": [[r, str(reason)] for r, reason in report.skipped],
        "preview": [[cell(v) for v in row] for row in report.preview],
    }


def report_from_json(data):
    report = ImportReport(kind=data["kind"], label=data["label"])
    for name in ("header_row", "sheet", "title", "extra_columns", "total_rows", "created", "updated",
                 "unchanged", "committed", "preview"):
        setattr(report, name, data.get(name, getattr(report, name)))
    report.problems = [Problem(*p) for p in data.get("problems", [])]
    report.warnings = [Problem(*w) for w in data.get("warnings", [])]
    report.skipped = [tuple(s) for s in data.get("skipped", [])]
    return report


class RowError(Exception):
    """Raised by a field cleaner; collected per column."""


class Importer(ABC):
    """Base class for one register. Subclasses define `kind`, `label`, `columns`, and implement
    `clean_row`, `key` and `save`; `export_rows` for exports."""

    kind = ""
    label = ""
    columns: list[Column] = []
    sheet_name = "数据"
    key_column = ""
    examples: list[list] = []

    # Per-row scope, checked by run_import for every importer (before writing, and again inside
    # the writing transaction): the unit a row names (data[unit_field]) must lie in the actor's
    # scope for `scope_programme` / `scope_action`, and a row matching an existing record
    # (existing_units) must not touch a record of a unit outside it.
    scope_programme: str | None = None
    scope_action = "change"
    unit_field = "unit"
    unit_column = ""
    noun = "记录"  # "该项目属于其他单位" — what one record of the register is called

    def __init__(self, actor):
        self.actor = actor
        self._warn = None  # set by run_import for the row being cleaned

    def warn(self, column, message):
        """Record a warning for the current row and `column` (shown in the preview, not an error)."""
        warn = getattr(self, "_warn", None)  # a subclass __init__ may not call ours
        if warn is not None:
            warn(column, message)

    # -- hooks -------------------------------------------------------------------------------------
    def check_permission(self):  # noqa: B027 - optional hook: by default anyone may import
        """Raise PermissionDenied when the actor may not import this register."""

    def prepare(self, rows):  # noqa: B027 - optional hook
        """Prefetch whatever lookups clean_row needs, in bulk."""

    @abstractmethod
    def clean_row(self, values, err):
        """Return the cleaned data of one row; call err(column, message) for each problem."""

    @abstractmethod
    def key(self, data):
        """The natural key of a cleaned row (duplicates within a file are reported)."""

    @abstractmethod
    def save(self, rows):
        """Upsert the cleaned rows; return (created, updated, unchanged)."""

    def row_scope_programme(self, data):
        """The programme whose scope a row is checked against (None: no per-row unit scope)."""
        return self.scope_programme

    def existing_units(self, datas):
        """{natural key: unit} of the existing records the rows match (bulk). Default: none."""
        return {}

    def scope_problems(self, cleaned):
        """Rows that name a unit, or match a record of a unit, outside the actor's scope."""
        from .scope import unit_in_scope

        if self.actor is None:  # the command line run as system
            return []
        problems = []
        existing = self.existing_units([d for _, d in cleaned])
        for row_no, d in cleaned:
            programme = self.row_scope_programme(d)
            if programme is None:
                continue
            unit = d.get(self.unit_field)
            if unit is not None and not unit_in_scope(self.actor, unit, programme=programme, action=self.scope_action):
                problems.append(Problem(row_no, self.unit_column, f"无权为“{unit.name}”导入{self.noun}"))
            current = existing.get(self.key(d))
            if current is not None and not unit_in_scope(self.actor, current, programme=programme,
                                                         action=self.scope_action):
                problems.append(Problem(row_no, self.key_column,
                                        f"该{self.noun}属于其他单位（{current.name}），无权修改"))
        return problems

    def preview_row(self, data):
        return [data.get(c.name, "") for c in self.columns]

    @abstractmethod
    def export_queryset(self):
        """The records an export of this register contains for the actor."""

    @abstractmethod
    def export_rows(self, queryset):
        """Rows in the import layout (so an export re-imports with no changes)."""

    # -- shared helpers ----------------------------------------------------------------------------
    def cell(self, values, column, cleaner, err, *, required=False):
        """Run one cleaner on one cell and route its InvalidValue to err(column, message); the
        notes its parsers leave (an approximate amount read at face value) become warnings."""
        from .parsing import is_blank

        raw = values.get(column)
        if is_blank(raw):
            if required:
                err(column, "必填，不能为空")
            return None
        try:
            with collect_notes() as notes:
                value = cleaner(raw)
        except (InvalidValue, RowError) as exc:
            err(column, str(exc))
        except ValidationError as exc:
            err(column, "；".join(exc.messages))
        else:
            for note in notes:
                self.warn(column, note)
            return value
        return None


PROGRESS_EVERY = 500  # rows between two progress calls


def run_import(kind, fileobj, filename, *, actor, commit=True, preview_rows=20, progress=None):
    """Validate every row of the file, then (if clean and `commit`) write them all in one
    transaction. Returns an ImportReport; writes nothing when any problem is found.

    `progress(stage, rows_done, rows_total, problems)` is called as the run goes (stage 读取, 校验,
    写入): the background job's progress bar and the command line's."""
    importer = get_importer(kind, actor)
    report = ImportReport(kind=kind, label=importer.label)
    importer.check_permission()
    if progress is None:
        def progress(stage, done, total, problems):
            pass
    progress("读取", 0, 0, 0)
    try:
        table = read_table_isolated(fileobj, filename, importer.columns, sheet_name=importer.sheet_name)
    except SpreadsheetError as exc:
        report.problems.append(Problem(None, "", str(exc)))
        return report
    report.header_row, report.title, report.sheet = table.header_row, table.title, table.sheet
    report.skipped, report.extra_columns = table.skipped, table.extra
    for name in table.missing:
        report.problems.append(Problem(table.header_row, name, "缺少此列（请使用导入模板）"))
    if report.problems:
        return report
    if not table.rows:
        report.problems.append(Problem(None, "", "文件中没有数据行"))
        return report

    importer.prepare(table.rows)
    cleaned, seen = [], {}
    total = len(table.rows)
    progress("校验", 0, total, 0)
    for index, (row_no, values) in enumerate(table.rows, 1):
        if index % PROGRESS_EVERY == 0:
            progress("校验", index, total, len(report.problems))
        row_problems = []

        def err(column, message, _row=row_no, _acc=row_problems):
            _acc.append(Problem(_row, column, message))

        def warn(column, message, _row=row_no):
            report.warnings.append(Problem(_row, column, message))

        importer._warn = warn
        data = importer.clean_row(values, err)
        importer._warn = None
        if not row_problems and data is not None:
            k = importer.key(data)
            if k in seen:
                row_problems.append(Problem(row_no, importer.key_column, f"与第{seen[k]}行重复"))
            else:
                seen[k] = row_no
        report.problems.extend(row_problems)
        if not row_problems and data is not None:
            cleaned.append((row_no, data))
    report.total_rows = len(table.rows)
    table.rows = []  # the raw sheet is no longer needed; keep memory flat for large files
    if not report.problems:
        report.problems.extend(importer.scope_problems(cleaned))
    if report.problems:
        return report
    report.preview = [importer.preview_row(d) for _, d in cleaned[:preview_rows]]
    progress("写入", total, total, 0)

    try:
        with transaction.atomic():
            # re-checked inside the writing transaction: a record moved meanwhile is not overwritten
            late = importer.scope_problems(cleaned)
            if late:
                report.problems.extend(late)
                transaction.set_rollback(True)
                return report
            created, updated, unchanged = importer.save(cleaned)
            report.created, report.updated, report.unchanged = created, updated, unchanged
            if commit:
                audit_log(
                    action=AuditAction.IMPORT, actor=actor, object_type=f"import.{kind}",
                    object_repr=f"{importer.label}导入：{filename}"[:200],
                    message=report.headline().replace("预览", "已导入"),
                    changes={"file": filename, "rows": len(cleaned), "created": created, "updated": updated,
                             "unchanged": unchanged},
                )
            else:
                transaction.set_rollback(True)
    except ValidationError as exc:
        report.problems.append(Problem(None, "", "；".join(exc.messages)))
        return report
    except PermissionDenied as exc:
        report.problems.append(Problem(None, "", str(exc) or "无权导入"))
        return report
    report.committed = commit
    return report


def template_xlsx(kind, fileobj, actor=None):
    importer = get_importer(kind, actor)
    write_template(fileobj, importer.columns, sheet_name=importer.sheet_name,
                   title=None, examples=importer.examples)


def errors_xlsx(report, fileobj):
    """The error report: every problem, then every warning (marked 提示) so none is lost."""
    write_errors_xlsx(fileobj, [(p.row, p.column, p.message) for p in report.problems]
                      + [(w.row, w.column, f"提示：{w.message}") for w in report.warnings])


def export_xlsx(kind, fileobj, *, actor, queryset=None):
    """Export a register (or the given filtered queryset of it) in the import layout, so an
    export can be edited and imported back. Audited as an export."""
    importer = get_importer(kind, actor)
    qs = importer.export_queryset() if queryset is None else queryset
    rows = importer.export_rows(qs)
    counter = Counter()

    def counted():
        for r in rows:
            counter["n"] += 1
            yield r

    write_xlsx(fileobj, [(importer.sheet_name, [c.name for c in importer.columns], counted())])
    audit_log(action=AuditAction.EXPORT, actor=actor, object_type=f"export.{kind}",
              object_repr=f"{importer.label}导出", message=f"导出{importer.label}{counter['n']}条")
    return counter["n"]
