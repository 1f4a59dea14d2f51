"""The notice as a printable A4 page (HTML with print CSS): one page per notice, so a village or a
township prints every notice open there at once. Pure: the text is domain/notice_text.py's, escaped."""

from html import escape

from domain.case import CaseState
from domain.notice_text import notice_body

_CSS = """
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 14pt; line-height: 1.7; color: #000; }
.notice { page-break-after: always; break-after: page; }
.notice:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 20pt; text-align: center; margin: 0 0 12pt; letter-spacing: 2pt; }
p { margin: 0 0 4pt; }
.case { font-size: 9pt; color: #444; margin-top: 18pt; }
@media screen { body { max-width: 210mm; margin: 0 auto; padding: 10mm; } .notice { border-bottom: 1px dashed #999; padding-bottom: 10mm; margin-bottom: 10mm; } }
"""


def notice_section(case: CaseState) -> str:
    window = case.current_notice() or (case.notices[-1] if case.notices and case.notices[-1].stage == case.stage else None)
    title, *lines = notice_body(case, window).splitlines()
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return (f'<section class="notice"><h1>{escape(title)}</h1>{body}'
            f'<p class="case">案号 {escape(case.case_id)}</p></section>')


def notice_page(cases: list[CaseState], title: str) -> str:
    sections = "".join(notice_section(c) for c in cases) or "<p>（无正在公示的对象）</p>"
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>{sections}</body></html>")
