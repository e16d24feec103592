"""Each LA's own local measures: ``config/local/<la-slug>.yaml``.

A council's quarterly return uses its own codes (Doncaster's ``A1`` is its re-referral
measure; another LA's ``A1`` may be something else), so the definitions live per LA, not in
the national indicator catalogue. A definition file names the LA and lists its measures by
code: name, unit, polarity, area, measure type, the DfE indicator it pairs with (if any) and
decimals. A measure's id is namespaced by the LA (``doncaster:A1``).

A return belongs to the LA whose slug begins its file name (``rotherham_quarterly_return.csv``
is Rotherham's), so a pack reads only its own LA's return: a broken file of one LA never
stops another LA's pack.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from analysis.core.config import parse_model, read_yaml
from analysis.core.errors import InputDataError, ParameterError
from analysis.data.catalogue import Catalogue, Polarity, Unit

#: Folder of the per-LA definition files, under the config folder.
LOCAL_DIR = "local"


class LocalMeasure(BaseModel):
    """One local measure of one LA."""

    model_config = ConfigDict(extra="forbid")

    code: str = ""
    name: str
    unit: Unit
    polarity: Polarity
    measure_type: Literal["contract", "volumetric"] = "contract"
    area: str | None = None
    #: The DfE indicator (an id in config/indicators.yaml) this measure is set beside, if any.
    pairs_with: str | None = None
    decimals: int = Field(default=0, ge=0, le=4)
    definition: str | None = None
    #: False for a code this toolkit gave a measure the papers list without one (FS1, FS2).
    code_published: bool = True

    @property
    def label(self) -> str:
        return self.name

    @model_validator(mode="after")
    def _contract_has_area(self) -> LocalMeasure:
        if self.measure_type == "contract" and not self.area:
            raise ValueError(f"contract measure {self.code or self.name!r} needs an area")
        return self


class LocalMeasures(BaseModel):
    """The local measures of one LA (one ``config/local/<la-slug>.yaml``)."""

    model_config = ConfigDict(extra="forbid")

    slug: str = ""
    la_code: str = Field(pattern=r"^E\d{8}$")
    la_name: str
    measures: dict[str, LocalMeasure]
    #: Figures the LA's papers quote with no code of their own (context codes in the return),
    #: and the DfE indicator each is quoted beside (for the quoted benchmarks).
    context_pairs: dict[str, str] = Field(default_factory=dict)
    #: The papers the figures come from, as a pack's source line names them
    #: ("Doncaster quarterly performance report"); empty: "<LA> quarterly performance return".
    document: str = ""
    #: What the papers call the measures with a status: "contract measure" (Doncaster's
    #: contract with its Children's Services Trust), or "measure" where there is no contract.
    measure_noun: str = "measure"
    #: Whether the codes are the council's own published codes (A1, E34); false where they are
    #: this toolkit's names for figures the papers give no code (they are then never shown).
    codes_published: bool = True

    @model_validator(mode="before")
    @classmethod
    def _fill_codes(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("measures"), dict):
            data = dict(data)
            data["measures"] = {str(code): ({**m, "code": str(code)} if isinstance(m, dict) else m)
                                for code, m in data["measures"].items()}
        return data

    def measure_id(self, code: str) -> str:
        """The namespaced id of a code: ``doncaster:A1``."""
        return f"{self.slug}:{code}"

    def published_code(self, code: str) -> str:
        """The code as a reader may see it: the council's own (A1, E34), or "" for a code this
        toolkit made up (context figures' ``P01_...``, Rotherham's ``SWV``, ``FS1``)."""
        m = self.measures.get(code)
        return code if self.codes_published and m is not None and m.code_published else ""

    def indicator_of(self, code: str) -> str:
        """What the tidy table's ``indicator`` holds for a code: the paired DfE indicator,
        or the namespaced local id."""
        return self.measures[code].pairs_with or self.measure_id(code)

    def check_pairs(self, catalogue: Catalogue, path: Path) -> LocalMeasures:
        """Every ``pairs_with`` names a DfE indicator of the national catalogue."""
        for code, m in self.measures.items():
            if m.pairs_with is not None and (m.pairs_with not in catalogue.indicators
                                             or catalogue.indicators[m.pairs_with].source is None):
                raise InputDataError(
                    f"measure {code} pairs with '{m.pairs_with}', which is not a DfE indicator",
                    file=path, column="pairs_with", found=m.pairs_with,
                    expected="an indicator id from config/indicators.yaml with a DfE source",
                    fix="correct pairs_with (`python -m analysis indicators` lists the ids) or remove it")
        return self


def measures_path(config_dir: Path, slug: str) -> Path:
    return config_dir / LOCAL_DIR / f"{slug}.yaml"


def defined_slugs(config_dir: Path) -> list[str]:
    """Slugs of every LA with its own local measures."""
    folder = config_dir / LOCAL_DIR
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.exists() else []


@lru_cache(maxsize=32)
def _load(path: Path, mtime_ns: int) -> LocalMeasures:
    model = parse_model(LocalMeasures, read_yaml(path), path)
    return model.model_copy(update={"slug": path.stem})


def load_local_measures(config_dir: Path, slug: str, catalogue: Catalogue | None = None) -> LocalMeasures:
    """The local measures of the LA with this slug, or a one-line error saying none are defined."""
    path = measures_path(config_dir, slug)
    if not path.exists():
        have = defined_slugs(config_dir)
        raise ParameterError(
            f"no local measures are defined for '{slug}'", parameter="la",
            expected=f"an LA with a config/local/<la>.yaml ({', '.join(have) or 'none yet'})",
            found=slug, fix=f"write config/local/{slug}.yaml (see docs/data-formats/local-return.md)")
    measures = _load(path, path.stat().st_mtime_ns)
    return measures.check_pairs(catalogue, path) if catalogue is not None else measures


def slug_of_return(path: Path, config_dir: Path) -> str | None:
    """The LA slug a return file belongs to: the longest defined slug its name starts with
    (followed by ``_``), or None."""
    name = Path(path).name.lower()
    hits = [s for s in defined_slugs(config_dir) if name.startswith(f"{s}_")]
    return max(hits, key=len) if hits else None
