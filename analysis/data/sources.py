"""The source line printed under a chart or table: which release a figure comes from."""

from __future__ import annotations

from analysis.core.config import Paths, load_sources
from analysis.data.catalogue import Indicator, LaitSource


def source_line(indicator: Indicator, period: str, paths: Paths) -> str:
    """The source line printed under a chart."""
    if indicator.source is None:
        return f"Source: local quarterly return, {period}."
    sources = load_sources(paths.config)
    if isinstance(indicator.source, LaitSource):
        pub = sources.files["dfe/lait/bds_long_0.parquet"].publication.split(",")[0:2]
        text = ", ".join(pub)
    else:
        text = sources.files[f"dfe/{indicator.source.file}"].publication
    return f"Source: {text}; data for {period}. Open Government Licence v3.0."
