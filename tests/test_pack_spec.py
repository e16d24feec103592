"""config/packs/*.yaml: what a pack holds, checked when loaded (analysis.quarterly_pack.spec)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from analysis.core.errors import InputDataError
from analysis.data.geography import load_areas, resolve_la
from analysis.data.periods import parse_quarter
from analysis.quarterly_pack import report
from analysis.quarterly_pack.sections.spc import spc_section
from analysis.quarterly_pack.spec import PackSpec, SectionOverride, load_pack_spec


def _write(tmp_path: Path, paths, **changes) -> Path:
    data = yaml.safe_load((paths.config / "packs" / "quarterly.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    target = tmp_path / "quarterly.yaml"
    target.write_text(yaml.safe_dump(data), encoding="utf-8")
    return target


def test_every_pack_spec_loads(paths, catalogue):
    files = sorted((paths.config / "packs").glob("*.yaml"))
    assert [f.name for f in files] == ["quarterly.yaml"]
    spec = load_pack_spec(files[0], report.QUARTERLY_SECTIONS, catalogue)
    assert isinstance(spec, PackSpec)
    assert spec.sections[0] == "cover" and spec.headline == "re_referrals"
    assert spec.indicators[:3] == ["re_referrals", "referral_rate", "assessed_not_in_need"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"sections": ["cover", "profle"]}, "entry 'sections' names 'profle'"),
    ({"indicators": ["re_referrals", "rereferrals"]}, "entry 'indicators' names 'rereferrals'"),
    ({"headline": "cin_rate", "indicators": ["re_referrals"]}, "entry 'headline' names 'cin_rate'"),
    ({"overrides": {"nope": {"title": "x"}}}, "entry 'overrides' names 'nope'"),
    ({"overrides": {"cover": {"titel": "x"}}}, "entry 'overrides.cover.titel'"),
    ({"sectons": ["cover"]}, "entry 'sectons'"),
    ({"sections": ["cover", "cover"]}, "lists 'cover' more than once"),
])
def test_a_misspelt_entry_names_file_and_entry(tmp_path, paths, catalogue, changes, message):
    path = _write(tmp_path, paths, **changes)
    with pytest.raises(InputDataError, match=message) as err:
        load_pack_spec(path, report.QUARTERLY_SECTIONS, catalogue)
    assert "quarterly.yaml" in str(err.value)


def test_overrides_replace_a_section_title_and_intro(bench_table, paths, catalogue):
    ctx = report.build_pack_context(resolve_la("Doncaster", load_areas(paths.root)), parse_quarter("2017-18 Q4"),
                                    paths=paths)
    ctx.spec = ctx.spec.model_copy(update={"overrides": {
        "spc": SectionOverride(title="Variation", intro="Signals and noise.")}})
    section = spc_section(ctx)
    assert (section.title, section.intro) == ("Variation", "Signals and noise.")
