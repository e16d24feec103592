"""HTML renderer: one self-contained document (no scripts, charts as data URIs).

Tables are real ``<table>``s with a caption and header cells; charts are PNG images with
their alt text; notes are shown where they arise. Everything that comes from a pack is
escaped (Jinja2 autoescape); Markdown is rendered with raw HTML turned off. The print
stylesheet lays the document out on A4 portrait without cutting a table or chart row, and
puts appendix sections after the core pack. The PDF renderer prints this document.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from analysis.core.blocks import META_LABELS, NOTEBOOK_HTML, Chart, Note, Pack, Section, Table, Text
from analysis.render.files import Drawing, draw_charts, page_image
from analysis.render.formats import formatted_rows, is_numeric

#: How each kind of note is introduced.
NOTE_LABELS: dict[str, str] = {"missing": "Not available", "left_out": "Left out",
                               "caveat": "Note", "stale": "Older figure"}

CSS = """
:root { --text: #1f1f1f; --muted: #4d4d4d; --rule: #c8c8c8; --accent: #0b4f8a; --note: #fff7e0; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--text);
       font-size: 11pt; line-height: 1.4; background: #fff; }
body { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.7rem; margin: 0 0 .6rem; color: var(--accent); }
h2, h3.section-heading { font-size: 1.3rem; margin: 2rem 0 .6rem; border-bottom: 2px solid var(--accent);
     padding-bottom: .15rem; }
h3 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; }
h1, h2, h3, h4, caption { break-after: avoid; page-break-after: avoid; break-inside: avoid; }
a { color: var(--accent); }
.title-block { border-bottom: 1px solid var(--rule); margin-bottom: 1rem; padding-bottom: .6rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
.facts dt { font-weight: bold; }
.facts dd { margin: 0; white-space: pre-line; }
nav.contents ol { margin: .2rem 0; padding-left: 1.4rem; list-style: none; }
nav.contents ol ol { padding-left: 1.6rem; }
nav.contents a { display: flex; align-items: baseline; }
nav.contents .toc-title { flex: 1 1 auto; }
nav.contents .toc-page:not(:empty) { flex: 0 0 auto; min-width: 2.2em; text-align: right; }
.table-wrap { overflow-x: auto; margin: .8rem 0 1.2rem; }
table { border-collapse: collapse; width: 100%; font-size: .86rem; }
.table-wrap.keep-whole, .table-wrap.keep-whole table { break-inside: avoid; page-break-inside: avoid; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: 0 0 .3rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .2rem .4rem; vertical-align: top;
         text-align: left; }
thead th { border-bottom: 2px solid var(--text); vertical-align: bottom; }
tbody th { font-weight: normal; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
figure { margin: 1rem 0 1.4rem; break-inside: avoid; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption, .source { font-size: .82rem; color: var(--muted); }
.table-wrap .source { break-before: avoid; page-break-before: avoid; }
.note { background: var(--note); border-left: 4px solid #b36b00; padding: .3rem .6rem;
        margin: .5rem 0; break-inside: avoid; page-break-inside: avoid; }
.appendix-start { break-before: page; page-break-before: always; }
@page { size: A4 portrait; margin: 20mm 14mm 18mm 14mm; }
@media print {
  html { font-size: 9.5pt; }
  body { max-width: none; padding: 0; }
  .table-wrap { overflow: visible; }
  table { font-size: .8rem; line-height: 1.25; }
  th, td { padding: .12rem .3rem; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  nav.contents a { gap: .4em; }
  /* a tall chart (every indicator against England) fits under the table before it */
  figure img { max-height: 135mm; width: auto; }
}
"""

_DOCUMENT = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ pack.title }}</title>
<style>{{ css }}</style>
</head>
<body>
{{ body }}
</body>
</html>
"""

_BODY = """<header class="title-block">
<h1>{{ pack.title }}</h1>
{% if facts %}<dl class="facts">
{% for label, value in facts %}<dt>{{ label }}</dt><dd>{{ value }}</dd>
{% endfor %}</dl>{% endif %}
</header>
{% macro entry(anchor, title) %}<a href="#{{ anchor }}"><span class="toc-title">{{ title }}</span><span class="toc-page" data-anchor="{{ anchor }}"></span></a>{% endmacro %}
{% set nav %}{% if contents|length > 1 %}<nav class="contents" aria-label="Contents">
<h2>Contents</h2>
<ol>
{% for s in core %}<li>{{ entry(s.anchor, loop.index ~ ". " ~ s.title) }}</li>
{% endfor %}{% if appendix %}<li>{{ entry(appendix_anchor, (core|length + 1) ~ ". Appendix") }}<ol>
{% for s in appendix %}<li>{{ entry(s.anchor, loop.index ~ ". " ~ s.title) }}</li>
{% endfor %}</ol></li>{% endif %}
</ol>
</nav>{% endif %}{% endset %}
<main>
{% for s in core %}{{ s.html }}
{% if loop.first %}{{ nav }}{% endif %}{% endfor %}{% if not core %}{{ nav }}{% endif %}{% if appendix %}<section class="appendix" id="{{ appendix_anchor }}" aria-labelledby="{{ appendix_anchor }}-h">
<h2 class="appendix-start" id="{{ appendix_anchor }}-h">Appendix</h2>
{% for s in appendix %}{{ s.html }}
{% endfor %}</section>{% endif %}
</main>
"""

_SECTION = """<section id="{{ anchor }}" aria-labelledby="{{ anchor }}-h">
{% if section.appendix %}<h3 class="section-heading" id="{{ anchor }}-h">{{ section.title }}</h3>{% else %}<h2 id="{{ anchor }}-h">{{ section.title }}</h2>{% endif %}
{% if section.intro %}{{ markdown(section.intro) }}{% endif %}
{% for block in blocks %}{{ block }}
{% endfor %}</section>"""

_TABLE = """<div class="table-wrap{% if keep_whole %} keep-whole{% endif %}" role="region" tabindex="0" aria-labelledby="table-{{ table.name }}-caption">
<table id="table-{{ table.name }}">
<caption id="table-{{ table.name }}-caption">{{ table.caption }}</caption>
<thead><tr>{% for c in columns %}<th scope="col"{% if numeric[loop.index0] %} class="num"{% endif %}>{{ c.label }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr>{% for cell in row %}{% if loop.first %}<th scope="row">{{ cell }}</th>{% else %}<td{% if numeric[loop.index0] %} class="num"{% endif %}>{{ cell }}</td>{% endif %}{% endfor %}</tr>
{% endfor %}</tbody>
</table>
{% if table.source or table.notes %}<p class="source">{% for n in table.notes %}{{ n }} {% endfor %}{{ table.source }}</p>{% endif %}
</div>"""

_CHART = """<figure id="chart-{{ chart.name }}">
<img src="data:image/png;base64,{{ png }}" alt="{{ chart.alt_text }}">
{% if chart.title or chart.source %}<figcaption>{% if chart.title %}{{ chart.title }}{% if chart.source %}. {% endif %}{% endif %}{{ chart.source }}</figcaption>{% endif %}
</figure>"""

_NOTE = """<p class="note note-{{ note.kind }}"><strong>{{ label }}:</strong> {{ note.message }}</p>"""


@functools.cache
def _env() -> Environment:
    env = Environment(autoescape=True, trim_blocks=False, lstrip_blocks=False)
    env.globals["markdown"] = markdown
    return env


@functools.cache
def _template(source: str) -> Any:
    """A compiled template (compiled once per source text)."""
    return _env().from_string(source)


@functools.cache
def markdown_parser() -> Any:
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off: "<script>" in a text is shown as text, never run.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def markdown(text: str) -> Markup:
    """Markdown as HTML with any raw HTML in it escaped."""
    return Markup(markdown_parser().render(text or ""))


#: The appendix's own anchor (a section's is ``section-<id>``, so the two never meet).
APPENDIX_ANCHOR = "appendix"

#: Tables of at most this many rows are kept whole on one page; a longer one may start under
#: its heading and continue on the next page, its header row repeated there.
KEEP_WHOLE_ROWS = 12


def anchor(section: Section) -> str:
    return f"section-{section.id}"


def _png_data(drawing: Drawing, name: str) -> str:
    """The chart's page picture (its source line is in the caption instead)."""
    return base64.b64encode(page_image(drawing, name)).decode("ascii")


def table_html(table: Table) -> Markup:
    columns = [c for c in table.columns if c.display]
    return Markup(_template(_TABLE).render(
        table=table, columns=columns, numeric=[is_numeric(c) for c in columns],
        rows=formatted_rows(table.frame, columns), keep_whole=len(table.frame) <= KEEP_WHOLE_ROWS))


def chart_html(chart: Chart, drawing: Drawing) -> Markup:
    return Markup(_template(_CHART).render(chart=chart, png=_png_data(drawing, chart.name)))


def note_html(note: Note) -> Markup:
    return Markup(_template(_NOTE).render(note=note, label=NOTE_LABELS.get(note.kind, "Note")))


def block_html(block: Text | Table | Chart | Note, drawings: Mapping[str, Drawing]) -> Markup:
    match block:
        case Text():
            return markdown(block.markdown)
        case Table():
            return table_html(block)
        case Chart():
            return chart_html(block, drawings[block.name])
        case Note():
            return note_html(block)
    raise TypeError(f"not a block: {type(block).__name__}")


def section_html(section: Section, drawings: Mapping[str, Drawing]) -> Markup:
    blocks = [block_html(b, drawings) for b in section.blocks]
    return Markup(_template(_SECTION).render(section=section, anchor=anchor(section),
                                                      blocks=blocks))


def facts(pack: Pack) -> list[tuple[str, str]]:
    """The first page's facts from ``pack.meta``: known keys first, in order."""
    meta = dict(pack.meta)
    out = [(label, str(meta.pop(key))) for key, label in META_LABELS.items() if meta.get(key)]
    out += [(key.replace("_", " ").capitalize(), str(value)) for key, value in meta.items() if value]
    return out


def body_html(pack: Pack, drawings: Mapping[str, Drawing]) -> Markup:
    parts = [{"anchor": anchor(s), "title": s.title, "html": section_html(s, drawings), "appendix": s.appendix}
             for s in pack.sections]
    core = [p for p in parts if not p["appendix"]]
    appendix = [p for p in parts if p["appendix"]]
    return Markup(_template(_BODY).render(pack=pack, facts=facts(pack), contents=parts,
                                                   core=core, appendix=appendix, appendix_anchor=APPENDIX_ANCHOR))


def document(pack: Pack, drawings: Mapping[str, Drawing] | None = None) -> str:
    """The whole pack as one HTML document."""
    if drawings is None:
        drawings = draw_charts(pack.charts())
    return _template(_DOCUMENT).render(pack=pack, css=Markup(CSS), body=body_html(pack, drawings))


def render(pack: Pack, *, drawings: Mapping[str, Drawing] | None = None,
           workers: int | None = None) -> dict[str, str | bytes]:
    """``report.html``: the pack as one self-contained document."""
    if drawings is None:
        drawings = draw_charts(pack.charts(), workers)
    return {"report.html": document(pack, drawings)}


# --- notebook display ------------------------------------------------------------------

#: Notebook display: a few rules scoped to the pack, leaving the notebook's own style alone.
_FRAGMENT_CSS = """
.csc-pack table { border-collapse: collapse; margin: .6rem 0 1rem; }
.csc-pack caption { caption-side: top; text-align: left; font-weight: bold; }
.csc-pack th, .csc-pack td { padding: .15rem .45rem; text-align: left; vertical-align: top; }
.csc-pack td.num, .csc-pack th.num { text-align: right; white-space: nowrap; }
.csc-pack figure img { max-width: 100%; height: auto; }
.csc-pack figcaption, .csc-pack .source { font-size: .85em; opacity: .8; }
.csc-pack .note { border-left: 4px solid #b36b00; padding: .2rem .6rem; }
.csc-pack .facts dt { font-weight: bold; }
"""


def _fragment(inner: Markup) -> str:
    return f'<div class="csc-pack"><style>{_FRAGMENT_CSS}</style>{inner}</div>'


def pack_fragment(pack: Pack) -> str:
    """The pack as an HTML fragment for a notebook (no document wrapper); the checks that
    stop it being saved are warnings here."""
    from analysis.render.output import validate_pack

    validate_pack(pack, strict=False)
    return _fragment(body_html(pack, draw_charts(pack.charts(), 0)))


def section_fragment(section: Section, drawings: Mapping[str, Drawing] | None = None) -> str:
    """One section as an HTML fragment for a notebook (``drawings``: its charts, if drawn)."""
    if drawings is None:
        drawings = draw_charts([b for b in section.blocks if isinstance(b, Chart)], 0)
    return _fragment(section_html(section, drawings))


_TITLE = """<header class="title-block"><h1>{{ pack.title }}</h1>
{% if facts %}<dl class="facts">{% for label, value in facts %}<dt>{{ label }}</dt><dd>{{ value }}</dd>{% endfor %}</dl>{% endif %}
</header>"""


def title_fragment(pack: Pack) -> str:
    """The pack's title block as an HTML fragment for a notebook."""
    return _fragment(Markup(_template(_TITLE).render(pack=pack, facts=facts(pack))))


# A pack or a section left at the end of a notebook cell shows itself as this HTML.
NOTEBOOK_HTML.update({Pack: pack_fragment, Section: section_fragment})
