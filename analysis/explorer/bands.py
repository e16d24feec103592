"""The quartile band grid: each LA of a group by each indicator of a topic, its quartile band
letter in a year, and the grid as an HTML table coloured by band.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.data.catalogue import Indicator
from analysis.explorer.data import ExplorerData, ranked_indicator

#: Quartile band colours for the heat map, best to worst (colour-blind-safe blues; the band
#: letter is always written in the cell, so the colour never carries the meaning alone).
BAND_COLOURS: dict[str, str] = {"A": "#08519c", "B": "#4292c6", "C": "#9ecae1", "D": "#deebf7"}
BAND_TEXT: dict[str, str] = {"A": "#ffffff", "B": "#ffffff", "C": "#000000", "D": "#000000"}


def band_grid(data: ExplorerData, codes: Sequence[str], indicators: Sequence[Indicator],
              year: int) -> pd.DataFrame:
    """LAs (rows, in ``codes`` order) by indicators (columns, labels): each LA's quartile band
    letter in ``year``, "-" where it has none (no figure, no band, or not published)."""
    names = data.areas.drop_duplicates("old_code").set_index("old_code")["name"]
    out = pd.DataFrame({"LA": [str(names.get(c, c)) for c in codes]})
    for ind in indicators:
        bands = bands_by_year(data, ind.id).get(year, {})
        out[ind.label] = [bands.get(c, "-") for c in codes]
    return out


def bands_by_year(data: ExplorerData, indicator: str) -> dict[int, dict[str, str]]:
    """Each LA's quartile band letter in each year of one indicator (worked out once; LAs
    with no band left out)."""
    def make() -> dict[int, dict[str, str]]:
        ranked = ranked_indicator(data, indicator)
        out: dict[int, dict[str, str]] = {}
        if "quartile" not in ranked:
            return out
        rows = ranked.drop_duplicates(["year", "old_la_code"])
        for year, code, band in zip(rows["year"], rows["old_la_code"], rows["quartile"], strict=True):
            if pd.notna(band):
                out.setdefault(int(year), {})[str(code)] = str(band)
        return out

    return data.memo(("bands", indicator), make)


def band_grid_html(grid: pd.DataFrame) -> str:
    """The band grid as an HTML table: each cell its letter on its band's colour."""
    import html as html_lib

    head = "".join(f"<th>{html_lib.escape(str(c))}</th>" for c in grid.columns)
    body = []
    for row in grid.itertuples(index=False):
        cells = [f"<th>{html_lib.escape(str(row[0]))}</th>"]
        for band in row[1:]:
            style = (f' style="background:{BAND_COLOURS[band]};color:{BAND_TEXT[band]};'
                     f'text-align:center;font-weight:bold"' if band in BAND_COLOURS
                     else ' style="text-align:center"')
            cells.append(f"<td{style}>{html_lib.escape(str(band))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="explorer-grid explorer-bands"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")
