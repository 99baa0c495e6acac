"""Just enough PDF reading for tests: the text Chromium's print-to-pdf draws, in order.

Chromium (Skia) writes Flate-compressed content streams that show text with Tj/TJ
operators on hex glyph strings of Type0 fonts, each with a ToUnicode CMap. This reads
those (no dependency); it is not a general PDF parser.
"""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj\s*")
_LENGTH = re.compile(rb"/Length (\d+)( 0 R)?")


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """{object number: (dictionary text, decoded stream or None)}; streams are cut by
    their /Length (a direct number, or a reference to one)."""
    heads = {}
    for match in _OBJ.finditer(pdf):
        start = match.end()
        stream_at = pdf.find(b"stream", start)
        end_at = pdf.find(b"endobj", start)
        heads[int(match.group(1))] = (start, stream_at if -1 < stream_at < end_at else -1, end_at)
    out: dict[int, tuple[bytes, bytes | None]] = {}
    for number, (start, stream_at, end_at) in heads.items():
        if stream_at < 0:
            out[number] = (pdf[start:end_at], None)
    for number, (start, stream_at, _) in heads.items():
        if stream_at < 0:
            continue
        body = pdf[start:stream_at]
        length = _LENGTH.search(body)
        size = int(length.group(1))
        if length.group(2):
            size = int(out[size][0].strip())
        data_at = stream_at + len(b"stream")
        data_at += 2 if pdf[data_at : data_at + 2] == b"\r\n" else 1
        raw = pdf[data_at : data_at + size]
        out[number] = (body, zlib.decompress(raw) if b"FlateDecode" in body else raw)
    return out


def _cmap(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap: glyph code -> text."""
    table: dict[int, str] = {}

    def text(hexstr: bytes) -> str:
        return bytes.fromhex(hexstr.decode()).decode("utf-16-be", "replace")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = text(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(start + offset)
    return table


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page, in drawing order; text objects (BT..ET) on separate lines."""
    objects = _objects(pdf)
    fonts: dict[int, dict[int, str]] = {}
    for number, (body, _) in objects.items():
        ref = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if ref and objects.get(int(ref.group(1)), (b"", None))[1] is not None:
            fonts[number] = _cmap(objects[int(ref.group(1))][1])
    pages = []
    for body, _ in objects.values():
        if not re.search(rb"/Type\s*/Page\b", body):
            continue
        resources = _font_names(body, objects)
        contents = [int(n) for n in re.findall(rb"(\d+) 0 R", _entry(body, b"/Contents"))]
        text = []
        for number in contents:
            data = objects.get(number, (b"", None))[1]
            if data:
                text.append(_show(data, resources, fonts))
        pages.append("\n".join(text))
    return pages


def _entry(body: bytes, key: bytes) -> bytes:
    match = re.search(re.escape(key) + rb"\s*(\[[^\]]*\]|\d+ 0 R)", body)
    return match.group(1) if match else b""


def _font_names(page: bytes, objects: dict) -> dict[bytes, int]:
    """Font resource name (/F4) -> font object number, from the page's resources."""
    resources = page
    ref = re.search(rb"/Resources (\d+) 0 R", page)
    if ref:
        resources = objects.get(int(ref.group(1)), (b"", None))[0]
    font = re.search(rb"/Font\s*(<<.*?>>|\d+ 0 R)", resources, re.S)
    if not font:
        return {}
    table = font.group(1)
    if not table.startswith(b"<<"):
        table = objects.get(int(table.split()[0]), (b"", None))[0]
    return {name: int(num) for name, num in re.findall(rb"/(\w+) (\d+) 0 R", table)}


_TOKENS = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|\[(.*?)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj|\b(ET)\b", re.S)


def _show(data: bytes, names: dict[bytes, int], fonts: dict[int, dict[int, str]]) -> str:
    cmap: dict[int, str] = {}
    lines, line = [], []
    for match in _TOKENS.finditer(data):
        font, array, single, end = match.groups()
        if font:
            cmap = fonts.get(names.get(font, -1), {})
        elif end:
            if line:
                lines.append("".join(line))
                line = []
        else:
            for hexstr in (
                [single] if single is not None else re.findall(rb"<([0-9A-Fa-f]*)>", array)
            ):
                line.append(_decode(hexstr, cmap))
    if line:
        lines.append("".join(line))
    return "\n".join(lines)


def _decode(hexstr: bytes, cmap: dict[int, str]) -> str:
    raw = bytes.fromhex(hexstr.decode())
    codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
    return "".join(cmap.get(code, "") for code in codes)
