"""Reading uploaded files (CSV, XLSX, JSON, GeoJSON) into rows, and inferring column types.

A file is read twice: once to sample, infer types and scan for personal data, once to load. Each
read is a fresh stream of rows, so a million-row file never sits in memory. A malformed file raises
``UploadError`` naming the row and the reason.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

FORMATS = ("CSV", "XLSX", "JSON", "GEOJSON")
TYPES = ("text", "int", "numeric", "date", "timestamp", "bool")
MAX_COLUMNS = 200
_INT_RE = re.compile(r"^[+-]?\d{1,18}$")
_NUMERIC_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{4}/\d{1,2}/\d{1,2}$")
_TIMESTAMP_RE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_TRUE = {"true", "yes", "y", "是", "t"}
_FALSE = {"false", "no", "n", "否", "f"}


class UploadError(ValueError):
    """A file that cannot be read: ``row`` is 1-based (the header is row 1 in CSV and XLSX)."""

    def __init__(self, message: str, row: int | None = None) -> None:
        self.row = row
        super().__init__(f"row {row}: {message}" if row else message)


def detect_format(filename: str, declared: str = "") -> str:
    declared = declared.strip().upper().lstrip(".")
    if declared in FORMATS:
        return declared
    suffix = Path(filename).suffix.lower().lstrip(".")
    guessed = {"csv": "CSV", "txt": "CSV", "xlsx": "XLSX", "json": "JSON", "geojson": "GEOJSON"}.get(suffix)
    if guessed is None:
        raise UploadError(f"unsupported file type {suffix or filename!r}: upload CSV, XLSX, JSON or GeoJSON")
    return guessed


@dataclass
class Table:
    headers: list[str]
    path: Path
    format: str

    def rows(self) -> Iterator[list[Any]]:
        """A fresh stream of data rows (lists aligned with ``headers``)."""
        return _READERS[self.format](self.path, len(self.headers))


def open_table(path: Path | str, fmt: str) -> Table:
    """Read the header (and check the file opens); raises ``UploadError``."""
    path = Path(path)
    headers = _HEADERS[fmt](path)
    headers = _clean_headers(headers)
    return Table(headers, path, fmt)


def _clean_headers(raw: list[Any]) -> list[str]:
    if not raw:
        raise UploadError("the file has no columns", row=1)
    if len(raw) > MAX_COLUMNS:
        raise UploadError(f"the file has {len(raw)} columns; at most {MAX_COLUMNS} are supported", row=1)
    headers: list[str] = []
    seen: set[str] = set()
    for index, value in enumerate(raw, start=1):
        name = re.sub(r"\s+", " ", str(value if value is not None else "")).strip()[:63] or f"column_{index}"
        if name.startswith("_"):
            name = name.lstrip("_") or f"column_{index}"
        base, n = name, 2
        while name.lower() in seen:
            name = f"{base}_{n}"
            n += 1
        seen.add(name.lower())
        headers.append(name)
    return headers


# CSV -------------------------------------------------------------------------------------------


def _csv_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut at the sample's end
            return "utf-8"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise UploadError("the file is neither UTF-8 nor GB18030 text") from None


def _csv_reader(path: Path) -> tuple[Any, Any]:
    handle = path.open(encoding=_csv_encoding(path), newline="")
    sample = handle.read(1 << 15)
    handle.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return handle, csv.reader(handle, dialect)


def _csv_headers(path: Path) -> list[Any]:
    handle, reader = _csv_reader(path)
    with handle:
        try:
            return next(reader)
        except StopIteration:
            raise UploadError("the file is empty") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UploadError(f"not a readable CSV file ({exc})", row=1) from None


def _csv_rows(path: Path, width: int) -> Iterator[list[Any]]:
    handle, reader = _csv_reader(path)
    with handle:
        try:
            next(reader, None)
            for number, row in enumerate(reader, start=2):
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) > width and any(cell.strip() for cell in row[width:]):
                    raise UploadError(f"{len(row)} values for {width} columns", row=number)
                yield (row + [""] * (width - len(row)))[:width]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UploadError(f"cannot be read ({exc})", row=reader.line_num) from None


# XLSX ------------------------------------------------------------------------------------------


def _xlsx_sheet(path: Path) -> tuple[Any, Any]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken archive
        raise UploadError(f"not a readable XLSX workbook ({exc.__class__.__name__})") from None
    return book, book.worksheets[0]


def _xlsx_headers(path: Path) -> list[Any]:
    book, sheet = _xlsx_sheet(path)
    try:
        for row in sheet.iter_rows(values_only=True):
            if any(cell not in (None, "") for cell in row):
                values = list(row)
                while values and values[-1] in (None, ""):
                    values.pop()
                return values
        raise UploadError("the first sheet is empty")
    finally:
        book.close()


def _xlsx_rows(path: Path, width: int) -> Iterator[list[Any]]:
    book, sheet = _xlsx_sheet(path)
    try:
        started = False
        for row in sheet.iter_rows(values_only=True):
            if not started:
                started = any(cell not in (None, "") for cell in row)
                continue
            values = list(row[:width])
            if all(cell in (None, "") for cell in values):
                continue
            yield values + [None] * (width - len(values))
    finally:
        book.close()


# JSON and GeoJSON ------------------------------------------------------------------------------


def _json_records(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open("rb") as handle:
            data = json.load(io.TextIOWrapper(handle, encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UploadError(f"not valid JSON ({exc})") from None
    if isinstance(data, dict):
        for key in ("records", "data", "result", "items"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise UploadError("JSON must be a list of objects (or an object with a 'records' or 'data' list)")
    return data


def _geojson_records(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open("rb") as handle:
            data = json.load(io.TextIOWrapper(handle, encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UploadError(f"not valid GeoJSON ({exc})") from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise UploadError("GeoJSON must be a FeatureCollection with a 'features' list")
    records = []
    for number, feature in enumerate(data["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise UploadError("not a GeoJSON Feature", row=number)
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise UploadError("'properties' must be an object", row=number)
        geometry = feature.get("geometry")
        if geometry is not None and (not isinstance(geometry, dict) or "type" not in geometry):
            raise UploadError("'geometry' must be a GeoJSON geometry or null", row=number)
        records.append({**properties, "geometry": json.dumps(geometry, ensure_ascii=False) if geometry else None})
    return records


def _record_headers(records: list[dict[str, Any]]) -> list[Any]:
    headers: dict[str, None] = {}
    for record in records:
        for key in record:
            headers.setdefault(str(key), None)
    if not headers:
        raise UploadError("the file holds no records")
    return list(headers)


def _scalar(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _record_rows(records: list[dict[str, Any]], width: int) -> Iterator[list[Any]]:
    headers = _record_headers(records)[:width]
    for record in records:
        yield [_scalar(record.get(key)) for key in headers]


_HEADERS = {
    "CSV": _csv_headers,
    "XLSX": _xlsx_headers,
    "JSON": lambda path: _record_headers(_json_records(path)),
    "GEOJSON": lambda path: _record_headers(_geojson_records(path)),
}
_READERS = {
    "CSV": _csv_rows,
    "XLSX": _xlsx_rows,
    "JSON": lambda path, width: _record_rows(_json_records(path), width),
    "GEOJSON": lambda path, width: _record_rows(_geojson_records(path), width),
}


# Types -----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def value_type(value: Any) -> str | None:
    """The narrowest type a single non-empty value fits, or None for an empty value."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "int" if value.is_integer() and abs(value) < 1e18 else "numeric"
    if isinstance(value, dt.datetime):
        return "date" if value.time() == dt.time() else "timestamp"
    if isinstance(value, dt.date):
        return "date"
    text = str(value).strip()
    if not text:
        return None
    # Codes with leading zeros (postcodes, division codes) and long digit strings (phones, identity numbers)
    # stay text, so nothing is lost.
    if _INT_RE.match(text):
        digits = text.lstrip("+-")
        if len(digits) > 10 or (len(digits) > 1 and digits.startswith("0")):
            return "text"
        return "int"
    if _NUMERIC_RE.match(text):
        return "numeric"
    if _DATE_RE.match(text):
        return "date" if _parse_date(text) else "text"
    if _TIMESTAMP_RE.match(text):
        return "timestamp" if _parse_timestamp(text) else "text"
    if text.lower() in _TRUE | _FALSE:
        return "bool"
    return "text"


_WIDER = {
    ("int", "numeric"): "numeric",
    ("date", "timestamp"): "timestamp",
}


def merge_types(current: str | None, seen: str | None) -> str | None:
    if seen is None or current == seen:
        return current
    if current is None:
        return seen
    pair = (current, seen) if (current, seen) in _WIDER else (seen, current)
    return _WIDER.get(pair, "text")


def infer_types(headers: list[str], rows: Iterator[list[Any]], sample: int = 50_000) -> list[str]:
    types: list[str | None] = [None] * len(headers)
    for count, row in enumerate(rows):
        if count >= sample:
            break
        for index, value in enumerate(row):
            if types[index] != "text":
                types[index] = merge_types(types[index], value_type(value))
    return [kind or "text" for kind in types]


def _parse_date(text: str) -> dt.date | None:
    try:
        year, month, day = (int(part) for part in re.split(r"[-/]", text))
        return dt.date(year, month, day)
    except ValueError:
        return None


def _parse_timestamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("/", "-").replace("Z", "+00:00"))
    except ValueError:
        return None


def convert(value: Any, kind: str) -> Any:
    """``value`` as a Python value of ``kind`` (None for empty); raises ValueError when it doesn't fit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "text":
        return _text(value)
    if kind == "int":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"{value!r} is not a whole number")
            return int(value)
        if isinstance(value, int):
            return value
        text = str(value).strip().replace(",", "")
        if not _INT_RE.match(text):
            raise ValueError(f"{text!r} is not a whole number")
        return int(text)
    if kind == "numeric":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(Decimal(str(value).strip().replace(",", "")))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        parsed = _parse_date(str(value).strip())
        if parsed is None:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
        return parsed
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        parsed_ts = _parse_timestamp(str(value).strip())
        if parsed_ts is None:
            raise ValueError(f"{value!r} is not a date and time")
        return parsed_ts if parsed_ts.tzinfo is None else parsed_ts.astimezone(dt.UTC).replace(tzinfo=None)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text == "1":
            return True
        if text in _FALSE or text == "0":
            return False
        raise ValueError(f"{value!r} is not true or false")
    raise ValueError(f"unknown type {kind!r}")


def as_text(value: Any) -> str:
    return _text(value)
