"""PDF of a rendered page through WeasyPrint, so a centre prints prefilled forms without a browser.

WeasyPrint is the optional extra ``onething[pdf]``; it needs pango and harfbuzz from the system
and a CJK font (Debian: fonts-noto-cjk) or the Chinese text comes out as empty boxes. The PDF
is deterministic: the same HTML gives the same bytes (no creation date, stable subsetting).
"""

from __future__ import annotations

import logging

from onething.dsl.i18n import _

PDF_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans", sans-serif'
"""Font families tried for the PDF when the page names none that is installed."""


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or a system library it loads) is not installed; the message says what to install."""


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """The page printed on A4 by WeasyPrint, with the page's own print stylesheet."""
    try:
        from weasyprint import CSS, HTML
    except ImportError as exc:
        raise PdfUnavailable(_(
            "PDF output needs WeasyPrint: pip install 'onething[pdf]' (and the system's pango and a CJK "
            "font such as fonts-noto-cjk): {reason}").format(reason=exc)) from exc
    except OSError as exc:  # WeasyPrint is there but pango/harfbuzz are not
        raise PdfUnavailable(_("WeasyPrint cannot load its system libraries (pango, harfbuzz): {reason}").format(
            reason=exc)) from exc
    # WeasyPrint reports CSS it does not support (screen-only properties) as warnings: noise here
    log = logging.getLogger("weasyprint")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        fallback = CSS(string=f"@page {{ size: A4 }} html {{ font-family: {PDF_FONTS} }}")
        # the fallback first: the page's own stylesheet overrides it where it says more
        return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[fallback])
    finally:
        log.setLevel(level)
