"""Text of PDF and DOCX documents, page by page or paragraph by paragraph.

PDF uses `pypdf` (pure Python, an optional dependency of the ``text``
extra); without it the result is empty with a warning. DOCX is read with the
standard library only: ``word/document.xml`` from the ZIP (size-checked
before it is inflated), its ``<w:t>`` runs joined per ``<w:p>`` paragraph by
regular expressions. No XML parser is involved, so DTD entity expansion
cannot happen. Both are bounded in pages, bytes and characters and never
raise for bad input.
"""

from __future__ import annotations

import html
import io
import re
import warnings as warnings_module
import zipfile
from dataclasses import dataclass

__all__ = ["DocumentText", "docx_text", "pdf_text"]

MAX_PAGES = 200
MAX_CHARS = 1_000_000
MAX_XML_BYTES = 32 << 20

_RUN_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:(tab|br|cr)\b[^>]*/>")


@dataclass(frozen=True, slots=True)
class DocumentText:
    pages: tuple[str, ...]
    """Per page (PDF) or one entry holding every paragraph (DOCX)."""
    warnings: tuple[str, ...] = ()
    truncated: bool = False


def pdf_text(data: bytes, max_pages: int = MAX_PAGES, max_chars: int = MAX_CHARS) -> DocumentText:
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return DocumentText((), ("pypdf is not installed: pip install 'vigil-forensics[text]'",))
    with warnings_module.catch_warnings():
        warnings_module.simplefilter("ignore")  # PdfReadWarning on repaired files
        return _read_pdf(data, max_pages, max_chars)


def _read_pdf(data: bytes, max_pages: int, max_chars: int) -> DocumentText:
    from pypdf import PdfReader

    pages: list[str] = []
    warnings: list[str] = []
    size = 0
    truncated = False
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:  # pypdf raises many kinds for bad crypto
                return DocumentText((), ("the PDF is encrypted",))
        count = len(reader.pages)
        for number in range(min(count, max_pages)):
            try:
                text = reader.pages[number].extract_text() or ""
            except Exception as exc:  # one bad page must not lose the rest
                warnings.append(f"page {number + 1}: text not extractable ({type(exc).__name__})")
                text = ""
            if size + len(text) > max_chars:
                text, truncated = text[: max_chars - size], True
            pages.append(text)
            size += len(text)
            if truncated:
                break
        if count > max_pages:
            truncated = True
            warnings.append(f"{count} pages; only the first {max_pages} read")
    except Exception as exc:  # pypdf raises many kinds for malformed files
        warnings.append(f"PDF not readable ({type(exc).__name__})")
    return DocumentText(tuple(pages), tuple(warnings), truncated)


def docx_text(data: bytes, max_chars: int = MAX_CHARS) -> DocumentText:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                info = archive.getinfo("word/document.xml")
            except KeyError:
                return DocumentText((), ("no word/document.xml: not a Word document",))
            if info.file_size > MAX_XML_BYTES:
                return DocumentText((), (f"document.xml declares {info.file_size} bytes",))
            with archive.open(info) as member:
                xml_bytes = member.read(MAX_XML_BYTES + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        return DocumentText((), (f"DOCX not readable ({type(exc).__name__})",))
    if len(xml_bytes) > MAX_XML_BYTES:
        return DocumentText((), ("document.xml inflates past its declared size",))
    xml = xml_bytes.decode("utf-8", "replace")
    if "<!ENTITY" in xml[:65_536] or "<!DOCTYPE" in xml[:65_536]:
        return DocumentText((), ("document.xml declares a DTD; refused",))
    paragraphs: list[str] = []
    size = 0
    truncated = False
    for paragraph in xml.split("</w:p>"):
        runs = []
        for run in _RUN_TEXT.finditer(paragraph):
            runs.append(html.unescape(run.group(1)) if run.group(1) is not None else "\t")
        text = "".join(runs)
        if size + len(text) > max_chars:
            text, truncated = text[: max_chars - size], True
        paragraphs.append(text)
        size += len(text) + 1
        if truncated:
            break
    return DocumentText(("\n".join(paragraphs),), (), truncated)
