"""Reading and writing the spreadsheets that offices mail in (pure Python, no Django).

Reading: ``read_rows`` streams (Excel row number, cells) from .xlsx/.xlsm/.xlsb/.xls/.ods
(python-calamine) or .csv; ``read_table`` finds the header row of a messy government sheet
(title rows, unit lines, two-row merged headers, 合计 rows, 填报人 footers) and maps the
expected ``Column``s onto it.

Writing (xlsxwriter): ``write_template`` (blank import template with drop-downs and a
填写说明 sheet), ``write_xlsx`` (streaming export) and ``write_errors_xlsx`` (error report).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import python_calamine
import xlsxwriter

__all__ = [
    "Column",
    "SpreadsheetError",
    "Table",
    "normalize_header",
    "read_rows",
    "read_sheets",
    "read_table",
    "write_errors_xlsx",
    "write_template",
    "write_xlsx",
]

EXCEL_EXTENSIONS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
SUPPORTED_EXTENSIONS = EXCEL_EXTENSIONS | {".csv"}


@dataclass
class Column:
    """An expected column of a register: its Chinese header plus accepted alternatives."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    choices: tuple[str, ...] = ()
    width: int = 16
    note: str = ""


@dataclass
class Table:
    """The result of ``read_table``; row numbers are the ones Excel shows (1-based)."""

    header_row: int
    title: str | None
    mapping: dict[str, int]
    missing: list[str]
    extra: list[str]
    skipped: list[tuple[int, str]]
    rows: list[tuple[int, dict[str, Any]]]
    blank_rows: int = 0  # blank rows between data rows (not listed in ``skipped``)
    sheet: str = ""  # the name of the sheet read ('' for a .csv file)


class SpreadsheetError(Exception):
    """A file that cannot be read as a table; the message is Chinese and shown to the user."""


# --------------------------------------------------------------------------- normalising

# Full-width ASCII (U+FF01..U+FF5E) -> half-width, and ASCII letters -> lower case.
_TRANSLATE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_TRANSLATE.update({c: c + 32 for c in range(ord("A"), ord("Z") + 1)})
_TRANSLATE.update({c: c - 0xFEE0 + 32 for c in range(0xFF21, 0xFF3B)})
_SPACES = re.compile(r"[\s\u200b\ufeff]+")  # \s covers U+3000, NBSP, \r, \n, \t
_TRAILING_PARENS = re.compile(r"\([^()]*\)$")


def normalize_header(s: Any) -> str:
    """Comparable form of a header: no whitespace (incl. U+3000, line breaks), full-width
    ASCII (（）ＡＢ：＊) made half-width, ASCII lower-cased, leading/trailing '*' removed."""
    if s is None:
        return ""
    return _SPACES.sub("", str(s).translate(_TRANSLATE)).strip("*")


def _is_blank(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, str) and not v.strip())


# --------------------------------------------------------------------------- reading rows


def _extension(filename: str) -> str:
    ext = os.path.splitext(filename or "")[1].lower()
    if ext not in SUPPORTED_EXTENSIONS:
        shown = f"“{ext}”" if ext else ""
        raise SpreadsheetError(f"不支持的文件类型{shown}，请上传 .xlsx、.xls、.ods 或 .csv 文件")
    return ext


def _read_bytes(source: Any) -> bytes:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            return fh.read()
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _looks_encrypted(data: bytes) -> bool:
    """Encrypted .xlsx files are OLE containers holding an 'EncryptedPackage' stream."""
    return data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and "EncryptedPackage".encode("utf-16-le") in data


def read_rows(source: Any, filename: str) -> Iterator[tuple[int, list]]:
    """Yield (Excel row number, cell values) of the first visible, non-empty worksheet.

    Cell lists start at column A; empty cells are ''. Values are what the file holds:
    dates as date/datetime, numbers as float (.xlsx/.ods) or int/float (.xls), booleans,
    strings (not stripped); CSV cells are strings. ``parsing.normalize_text`` turns a whole
    float such as 13800138000.0 back into '13800138000'. The file is opened eagerly, so a
    ``SpreadsheetError`` is raised by this call, not by the iteration.
    """
    ext = _extension(filename)
    if ext == ".csv":
        return _csv_rows(_read_bytes(source))
    return _calamine_rows(source)


MAX_ROWS = 200_000  # rows a sheet may declare
MAX_COLUMNS = 1_000
MAX_CELLS = 20_000_000
MAX_UNCOMPRESSED = 500 * 1024 * 1024  # bytes, all members of an .xlsx together
MAX_RATIO = 200  # uncompressed ÷ compressed, for members over 1 MB (zip bombs)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _check_zip_limits(source: Any) -> None:
    """Refuse, before the reader allocates anything, an .xlsx whose members inflate too far
    (zip bomb) or whose worksheet declares a huge range (one cell at XFD1048576 in a 5 KB file
    would make the reader allocate the whole grid)."""
    import zipfile

    data = _read_bytes(source)
    if hasattr(source, "seek"):
        source.seek(0)
    if data[:4] != b"PK\x03\x04":
        return
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # the reader reports a broken file in its own words
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise SpreadsheetError(f"文件解压后达{total // (1024 * 1024)}MB，超过上限{MAX_UNCOMPRESSED // (1024 * 1024)}MB")
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise SpreadsheetError("文件压缩比异常（疑似压缩炸弹），已拒绝读取")
        if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"):
            with zf.open(i) as fh:
                head = fh.read(8192)
            m = _DIMENSION.search(head)
            if not m:
                continue
            col, row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
            rows = int(row or 1)
            cols = _column_number(col) if col else 1
            if rows > MAX_ROWS or cols > MAX_COLUMNS or rows * cols > MAX_CELLS:
                raise SpreadsheetError(
                    f"表格过大：{rows}行×{cols}列，超过上限（{MAX_ROWS}行、{MAX_COLUMNS}列）；"
                    "请删除表格远处的空白格式或只保留数据区域后重新上传"
                )


def _calamine_rows(source: Any) -> Iterator[tuple[int, list]]:
    for _, rows in _calamine_sheets(source):
        return rows
    raise SpreadsheetError("表格为空：所有工作表都没有内容")


def _calamine_sheets(source: Any, prefer: str | None = None) -> Iterator[tuple[str, Iterator[tuple[int, list]]]]:
    """(name, rows) of every visible, non-empty worksheet, the one named ``prefer`` first. The
    file is opened (and its limits checked, for every sheet) eagerly: a ``SpreadsheetError``
    about the file is raised by this call; each sheet is loaded only when it is reached."""
    _check_zip_limits(source)
    try:
        if isinstance(source, str | os.PathLike):
            book = python_calamine.CalamineWorkbook.from_path(source)
        else:
            if hasattr(source, "seek"):
                source.seek(0)
            book = python_calamine.CalamineWorkbook.from_filelike(source)
        visible = [
            (i, meta.name)
            for i, meta in enumerate(book.sheets_metadata)
            if meta.visible == python_calamine.SheetVisibleEnum.Visible
            and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        if not visible:
            book.close()
            raise SpreadsheetError("文件中没有可见的工作表")
    except SpreadsheetError:
        raise
    except python_calamine.PasswordError:
        raise SpreadsheetError("文件设置了打开密码，请取消密码后重新上传")
    except Exception as exc:  # calamine raises assorted errors for broken files
        _broken(source, exc)
    if prefer is not None:
        wanted = normalize_header(prefer)
        visible.sort(key=lambda item: normalize_header(item[1]) != wanted)  # stable: the rest keep their order
    return _loaded_sheets(book, visible, source)


def _loaded_sheets(book: Any, visible: list[tuple[int, str]], source: Any) -> Iterator[tuple[str, Iterator]]:
    try:
        for index, name in visible:
            try:
                sheet = book.get_sheet_by_index(index)
            except Exception as exc:
                _broken(source, exc)
            if sheet.start is not None:
                yield name, _sheet_rows(sheet)
    finally:
        book.close()


def _broken(source: Any, exc: Exception):
    """Raise the SpreadsheetError that says why calamine could not read the file."""
    try:
        data = _read_bytes(source)
    except Exception:
        data = b""
    if not data:
        raise SpreadsheetError("文件为空，请检查后重新上传")
    if _looks_encrypted(data):
        raise SpreadsheetError("文件设置了打开密码，请取消密码后重新上传") from exc
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        raise SpreadsheetError("文件实际上是网页（HTML）格式，请用 Excel 打开后另存为 .xlsx 再上传") from exc
    raise SpreadsheetError("无法读取文件：文件可能已损坏，或不是 Excel 表格") from exc


def read_sheets(source: Any, filename: str, prefer: str | None = None) -> Iterator[tuple[str, Iterator]]:
    """(sheet name, rows as ``read_rows`` yields them) for every visible, non-empty worksheet,
    ``prefer`` (a sheet name) first; a .csv file is one sheet named ''. Errors about the file
    itself are raised by this call; the sheets are loaded one by one as they are reached."""
    ext = _extension(filename)
    if ext == ".csv":
        return iter([("", _csv_rows(_read_bytes(source)))])
    return _calamine_sheets(source, prefer)


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list]]:
    # Quirk (python-calamine 0.9): iter_rows() pads the rows above the data with empty
    # rows, so it starts at row 1, but every row starts at the first *used column*
    # (sheet.start[1]), not at column A. If a future version stops padding the rows, the
    # first row it yields is the (non-empty) top data row: detect that and offset.
    top, left = sheet.start
    it = sheet.iter_rows()
    first = next(it, None)
    if first is None:
        return
    number = 1 if top == 0 or all(v == "" for v in first) else top + 1
    if left:
        pad = [""] * left
        it = (pad + row for row in it)
        first = pad + first
    yield from enumerate(itertools.chain([first], it), start=number)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (superset of GBK)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _sniff_delimiter(text: str) -> str:
    """Among comma, tab and semicolon, pick the one that splits the most sample lines
    into the same (largest) number of fields."""
    lines = [ln for ln in text[:65536].splitlines()[:50] if ln.strip()]
    best, best_score = ",", 0
    for delim in (",", "\t", ";"):
        try:
            counts = Counter(len(r) for r in csv.reader(lines, delimiter=delim) if len(r) > 1)
        except csv.Error:  # a huge or broken field: this delimiter tells nothing; reading reports it
            continue
        if counts:
            width, freq = max(counts.items(), key=lambda kv: (kv[1] * (kv[0] - 1), kv[0]))
            if freq * (width - 1) > best_score:
                best, best_score = delim, freq * (width - 1)
    return best


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    if not data.strip():
        raise SpreadsheetError("文件为空，请检查后重新上传")
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise SpreadsheetError("文件扩展名为 .csv，但内容是 Excel 表格，请改正扩展名后重新上传")
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    return _csv_checked(reader)


def _csv_checked(reader) -> Iterator[tuple[int, list]]:
    """Rows numbered as a spreadsheet shows them; a field over the csv module's limit (or a
    broken quote that runs on) becomes a message naming the row, not a traceback."""
    n = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SpreadsheetError(
                f"第{reader.line_num}行: 单元格内容过长（超过{csv.field_size_limit()}字）或引号不成对，请检查该行"
            ) from exc
        n += 1
        yield n, row


# --------------------------------------------------------------------------- read_table

_TOTAL = re.compile(r"^.{0,6}?(合计|总计|小计|共计)(\(.*\))?:?$")
_FOOTER_WORDS = (
    "填报单位 填报人 填报日期 填报时间 填表人 填表日期 填表说明 联系电话 联系人 制表人 制表日期 制表时间 制表 "
    "审核人 审核 负责人 单位负责人 分管领导 主要领导 备注 说明 注"
).split()
_FOOTER = re.compile(rf"^({'|'.join(_FOOTER_WORDS)})(\([^)]*\))?:")
_FOOTER_INITIALS = {w[0] for w in _FOOTER_WORDS}
_UNIT_LINE = re.compile(r"^(计量|金额)?单位:")


def _lookup_table(columns: list[Column]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for col in columns:
        for text in (col.name, *col.aliases):
            lookup.setdefault(normalize_header(text), col.name)
    lookup.pop("", None)
    return lookup


def _match(text: str, lookup: dict[str, str]) -> str | None:
    """Exact normalized match, else the header without a trailing unit, e.g. 金额(万元)->金额."""
    if not text:
        return None
    hit = lookup.get(text)
    if hit is None and text.endswith(")"):
        hit = lookup.get(_TRAILING_PARENS.sub("", text))
    return hit


def _assign(candidates: list[list[str]], lookup: dict[str, str]) -> dict[str, int]:
    """Left to right, give each cell the first candidate text naming a not-yet-mapped column."""
    mapping: dict[str, int] = {}
    for index, options in enumerate(candidates):
        for text in options:
            name = _match(text, lookup)
            if name is not None and name not in mapping:
                mapping[name] = index
                break
    return mapping


def _pair_candidates(upper: list, lower: list) -> list[list[str]]:
    """Candidates per column of a two-row header: lower, upper+lower, upper; the upper
    value is carried rightwards over blanks (a horizontally merged cell); where the lower
    cell is blank, the upper cell's own value is used (a vertically merged cell)."""
    out, carried = [], ""
    for j in range(max(len(upper), len(lower))):
        up = normalize_header(upper[j]) if j < len(upper) else ""
        low = normalize_header(lower[j]) if j < len(lower) else ""
        carried = up or carried
        out.append([low, carried + low, carried] if low else [up])
    return out


def _header_label(upper: list | None, lower: list, j: int) -> str:
    low = str(lower[j]).strip() if j < len(lower) and not _is_blank(lower[j]) else ""
    up = str(upper[j]).strip() if upper and j < len(upper) and not _is_blank(upper[j]) else ""
    return f"{up}/{low}" if up and low else (low or up)


def _find_header(head: list, lookup: dict[str, str], required: set[str]) -> tuple[dict[str, int], int, bool] | None:
    """The best header among the rows of ``head``: (mapping, last header row index, two rows?)."""
    singles = [_assign([[normalize_header(v)] for v in cells], lookup) for _, cells in head]
    best: tuple[dict[str, int], int, bool] | None = None
    for i, single in enumerate(singles):
        options = [(single, False)]
        if i > 0:
            pair = _assign(_pair_candidates(head[i - 1][1], head[i][1]), lookup)
            if len(pair) > max(len(single), len(singles[i - 1])):
                options.append((pair, True))
        for mapping, two_rows in options:
            if mapping.keys() & required and (best is None or len(mapping) > len(best[0])):
                best = (mapping, i, two_rows)
    return best


def _is_guide(name: str) -> bool:
    """A sheet of instructions (填表说明, 填写说明…): its examples must not be imported as data."""
    return "说明" in name


def read_table(
    source: Any, filename: str, columns: list[Column], *, max_header_scan: int = 30, sheet_name: str | None = None
) -> Table:
    """Locate the header among the first ``max_header_scan`` rows and read the data rows.

    Sheets: every visible, non-empty sheet is looked at, ``sheet_name`` (the importer's own
    sheet) first, then the others in workbook order, sheets named ``…说明`` last; the first
    sheet whose header has every required column is read, else the first sheet with any
    header (its missing columns are reported); when none has a header the error names the
    sheets that were looked at. A 填表说明 sheet placed before the data is thus passed over.
    Header: the row (or pair of adjacent rows, see ``_pair_candidates``) matching the most
    expected columns by normalized name or alias; it must match at least one required
    column (any column if none is required); on ties the earliest, single row wins.
    After the header: blank rows are counted, not listed; rows whose first three non-empty
    cells include 合计/总计/小计/共计 are skipped; from the first row whose first non-empty
    cell starts with 填报单位：/填报人：/审核人：/备注：/说明：/注： … everything is footer.
    Missing required columns do not raise: they are listed in ``Table.missing``.
    """
    lookup = _lookup_table(columns)
    required = {c.name for c in columns if c.required} or {c.name for c in columns}
    seen: list[str] = []
    found = None  # (sheet name, head, rest of the rows, best)
    partial = None
    guides = []
    for name, rows in read_sheets(source, filename, prefer=sheet_name):
        if _is_guide(name) and name != sheet_name:
            guides.append((name, rows))
            continue
        seen.append(name)
        head = list(itertools.islice(rows, max_header_scan))
        best = _find_header(head, lookup, required)
        if best is not None and required <= best[0].keys():
            found = (name, head, rows, best)
            break
        if best is not None and partial is None:
            partial = (name, head, rows, best)
    if found is None and partial is None:
        for name, rows in guides:
            seen.append(name)
            head = list(itertools.islice(rows, max_header_scan))
            best = _find_header(head, lookup, required)
            if best is not None:
                found = (name, head, rows, best)
                break
    found = found or partial
    if not seen:
        raise SpreadsheetError("表格为空：所有工作表都没有内容")
    if found is None:
        names = "、".join(c.name for c in columns if c.name in required)
        message = f"未找到表头行：应包含列 {names}（请检查是否选错了表格或工作表）"
        if len(seen) > 1:
            message = f"已查看工作表：{'、'.join(seen)}；均{message}"
        raise SpreadsheetError(message)
    sheet, head, rows, best = found

    mapping, hi, two_rows = best
    top = hi - 1 if two_rows else hi
    upper = head[hi - 1][1] if two_rows else None
    lower = head[hi][1]
    width = max(len(lower), len(upper or ()))
    used = set(mapping.values())
    extra = [label for j in range(width) if j not in used and (label := _header_label(upper, lower, j))]

    title = None
    for _, cells in head[:top]:
        values = [v for v in cells if not _is_blank(v)]
        if len(values) == 1 and isinstance(values[0], str):
            text = values[0].strip()
            if not _UNIT_LINE.match(normalize_header(text)) and not _FOOTER.match(normalize_header(text)):
                title = text
                break

    table = Table(
        sheet=sheet,
        header_row=head[hi][0],
        title=title,
        mapping=mapping,
        missing=[c.name for c in columns if c.required and c.name not in mapping],
        extra=extra,
        skipped=[],
        rows=[],
    )
    _read_body(table, itertools.chain(head[hi + 1 :], rows), lower)
    return table


def _read_body(table: Table, rows: Iterable[tuple[int, list]], header: list) -> None:
    """Sort the rows below the header into data, skipped (total/footer/repeated header) and
    blank rows. Cheap substring tests guard the regexes: this loop runs for every row."""
    items = list(table.mapping.items())
    header_cells = [(i, header[i]) for _, i in items if i < len(header) and not _is_blank(header[i])]
    key_index, key_text = header_cells[0] if header_cells else (-1, None)
    mapped = set(table.mapping.values())
    pending_blanks = 0
    footer = False
    skipped, out = table.skipped, table.rows
    for number, cells in rows:
        first: list = []  # first three non-blank cells
        lead_index = -1
        for j, v in enumerate(cells):
            if v == "" or v is None or (type(v) is str and v.isspace()):
                continue
            if not first:
                lead_index = j
            first.append(v)
            if len(first) == 3:
                break
        if not first:
            pending_blanks += 1
            continue
        table.blank_rows += pending_blanks
        pending_blanks = 0
        lead = first[0]
        if footer or (
            type(lead) is str
            and lead.lstrip()[:1] in _FOOTER_INITIALS
            and _FOOTER.match(normalize_header(lead))
        ):
            footer = True
            skipped.append((number, "表尾说明行，已跳过"))
            continue
        if any(type(v) is str and "计" in v and _TOTAL.match(normalize_header(v)) for v in first):
            skipped.append((number, "合计行，已跳过"))
            continue
        n = len(cells)
        if (
            0 <= key_index < n
            and cells[key_index] == key_text
            and all(i < n and cells[i] == h for i, h in header_cells)
        ):
            skipped.append((number, "重复的表头行，已跳过"))
            continue
        record = {name: (cells[i] if i < n else "") for name, i in items}
        if lead_index not in mapped and all(_is_blank(v) for v in record.values()):
            skipped.append((number, "所需各列均未填写，已跳过"))
            continue
        out.append((number, record))


# --------------------------------------------------------------------------- writing

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_TEXT_HINTS = ("代码", "身份证", "证件号", "电话", "手机", "号码", "账号", "帐号", "编号", "编码", "邮编")
TEMPLATE_ROWS = 5000


def _sheet_name(name: str, taken: set[str]) -> str:
    """Excel rules: no []:*?/\\, not empty, no leading/trailing apostrophe, ≤31 chars, unique
    (case-insensitive), not 'History'."""
    base = _SHEET_FORBIDDEN.sub("_", str(name or "")).strip().strip("'")[:31] or "Sheet"
    if base.lower() == "history":
        base += "_"
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f"({n})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _display_width(value: Any) -> int:
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def write_template(
    fileobj: Any,
    columns: list[Column],
    *,
    sheet_name: str,
    title: str | None = None,
    examples: Iterable[list] = (),
) -> None:
    """Blank import template (.xlsx).

    Optional merged title row, then the header row: bold, required columns prefixed with
    '*' and in red (``normalize_header`` strips the '*'), notes as cell comments; column
    widths; frozen header; drop-downs for columns with ``choices`` over TEMPLATE_ROWS rows
    (inline list, or a hidden '_选项' sheet when the list is over 255 characters or has
    commas); identifier-like columns (代码/身份证/电话/编号…) formatted as text so Excel keeps
    all digits; optional example rows; a second sheet '填写说明' describing every column.
    """
    book = xlsxwriter.Workbook(fileobj, {"in_memory": True})
    taken: set[str] = set()
    ws = book.add_worksheet(_sheet_name(sheet_name, taken))
    title_fmt = book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    head_fmt = book.add_format(
        {
            "bold": True,
            "bg_color": "#DDEBF7",
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
        }
    )
    req_fmt = book.add_format(
        {
            "bold": True,
            "bg_color": "#DDEBF7",
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "font_color": "#C00000",
        }
    )
    text_fmt = book.add_format({"num_format": "@"})
    example_fmt = book.add_format({"font_color": "#808080", "italic": True})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd", "font_color": "#808080", "italic": True})

    header_row = 0
    if title:
        if len(columns) > 1:
            ws.merge_range(0, 0, 0, len(columns) - 1, title, title_fmt)
        else:
            ws.write_string(0, 0, title, title_fmt)
        ws.set_row(0, 30)
        header_row = 1
    lists = None
    for j, col in enumerate(columns):
        is_text = any(hint in col.name for hint in _TEXT_HINTS)
        ws.set_column(j, j, col.width, text_fmt if is_text else None)
        ws.write_string(
            header_row, j, f"*{col.name}" if col.required else col.name, req_fmt if col.required else head_fmt
        )
        if col.note:
            ws.write_comment(header_row, j, col.note, {"x_scale": 1.5, "y_scale": 1.5})
        if col.choices:
            joined = ",".join(col.choices)
            if len(joined) <= 255 and not any("," in c for c in col.choices):
                source: Any = list(col.choices)
            else:
                if lists is None:
                    lists = book.add_worksheet(_sheet_name("_选项", taken))
                    lists.hide()
                    list_col = 0
                for i, choice in enumerate(col.choices):
                    lists.write_string(i, list_col, choice)
                letter = xlsxwriter.utility.xl_col_to_name(list_col)
                source = f"='{lists.name}'!${letter}$1:${letter}${len(col.choices)}"
                list_col += 1
            ws.data_validation(
                header_row + 1,
                j,
                header_row + TEMPLATE_ROWS,
                j,
                {
                    "validate": "list",
                    "source": source,
                    "error_title": "输入有误",
                    "error_message": f"“{col.name}”请从下拉列表中选择",
                },
            )
    ws.set_row(header_row, 24)
    ws.freeze_panes(header_row + 1, 0)

    guide = book.add_worksheet(_sheet_name("填写说明", taken))
    guide_head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for j, (text, width) in enumerate((("列名", 20), ("是否必填", 10), ("可选值", 40), ("说明", 50))):
        guide.write_string(0, j, text, guide_head)
        guide.set_column(j, j, width, wrap)
    for i, col in enumerate(columns, start=1):
        aliases = f"（也可写作：{'、'.join(col.aliases)}）" if col.aliases else ""
        texts = (col.name, "必填" if col.required else "选填", "、".join(col.choices), col.note + aliases)
        for j, text in enumerate(texts):
            if text:
                guide.write_string(i, j, text)
    guide.write_string(
        len(columns) + 2, 0, "标 * 且为红色的列为必填项；请勿修改表头，数据从表头下一行开始填写。"
    )
    # Examples live here, not on the data sheet, so an untouched template never imports them.
    examples = list(examples)
    if examples:
        top = len(columns) + 4
        guide.write_string(top, 0, "填写示例（仅供参考，请在第一个工作表中填写实际数据）", guide_head)
        for j, col in enumerate(columns):
            guide.write_string(top + 1, j, col.name, guide_head)
        for r, example in enumerate(examples, start=top + 2):
            for j, value in enumerate(example):
                _write_cell(guide, r, j, value, example_fmt, date_fmt, date_fmt)
    book.close()


def _write_cell(ws: Any, r: int, c: int, value: Any, fmt: Any, date_fmt: Any, datetime_fmt: Any) -> None:
    """Numbers stay numbers (Decimal -> float; integers over 15 digits as text, as Excel
    would lose digits), dates as dates, None blank, everything else as a string (never a
    formula)."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, int) and abs(value) >= 10**15:
        ws.write_string(r, c, str(value), fmt)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(r, c, float(value), fmt)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(r, c, value, datetime_fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, value, date_fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def write_xlsx(fileobj: Any, sheets: list[tuple[str, list[str], Iterable[list]]]) -> None:
    """Export: one sheet per (name, headers, rows), streamed in constant_memory mode.

    Bold frozen header with autofilter; dates yyyy-mm-dd (datetimes yyyy-mm-dd hh:mm:ss;
    aware datetimes lose their tzinfo, pass local times); column widths from the header
    and the first 100 rows; sheet names made legal and unique.
    """
    book = xlsxwriter.Workbook(fileobj, {"constant_memory": True, "remove_timezone": True})
    head_fmt = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    taken: set[str] = set()
    for name, headers, rows in sheets:
        ws = book.add_worksheet(_sheet_name(name, taken))
        rows = iter(rows)
        sample = list(itertools.islice(rows, 100))
        for j, header in enumerate(headers):
            widest = max([_display_width(header)] + [_display_width(r[j]) for r in sample if j < len(r)])
            ws.set_column(j, j, min(max(widest + 2, 8), 60))
            ws.write_string(0, j, str(header), head_fmt)
        last = 0
        for last, row in enumerate(itertools.chain(sample, rows), start=1):
            for j, value in enumerate(row):
                _write_cell(ws, last, j, value, None, date_fmt, datetime_fmt)
        ws.freeze_panes(1, 0)
        if headers:
            ws.autofilter(0, 0, last, len(headers) - 1)
    book.close()


def write_errors_xlsx(fileobj: Any, errors: list[tuple[int | None, str, str]]) -> None:
    """The downloadable error report: one row per problem with columns 行号, 列名, 问题."""
    write_xlsx(
        fileobj, [("错误报告", ["行号", "列名", "问题"], ([row, col, msg] for row, col, msg in errors))]
    )
