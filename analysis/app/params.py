"""The parameters each notebook takes: a typed model per notebook, checked before it runs.

Unknown parameters and values of the wrong type are refused with a :class:`ParameterError`
saying what the parameter should be, in words.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from analysis.core.errors import ParameterError


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class QuarterlyPackParams(_Params):
    la: str
    period: str
    neighbours: str | None = None
    indicators: list[str] | None = None
    #: a folder of the LA's CIN census and SSDA903 returns: the measures computed from them
    #: join the local sections
    records: str | None = None


class BenchmarkExplorerParams(_Params):
    la: str
    years: list[int] | None = None
    indicators: list[str] | None = None
    neighbours: str | None = None
    level: float = 0.95  # confidence of better / similar / worse: 0.95 or 0.998
    overdispersion: Literal["none", "multiplicative", "additive"] = "none"  # funnel limits

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: float) -> float:
        if value not in (0.95, 0.998):
            raise PydanticCustomError("literal_error", "Input should be {expected}",
                                      {"expected": "0.95 or 0.998"})
        return value


class DeepDiveParams(_Params):
    la: str = "Doncaster"
    records: str = "data/raw/synthetic/synthetic_referrals.csv"
    period: str | None = None
    history_start: str | None = None
    #: go on when more than 10% of the rows cannot be used (refused otherwise)
    allow_rows_left_out: bool = False


PARAM_MODELS: dict[str, type[_Params]] = {
    "quarterly_pack": QuarterlyPackParams,
    "benchmark_explorer": BenchmarkExplorerParams,
    "rereferrals_deep_dive": DeepDiveParams,
}


def validate_parameters(notebook: str, params: dict[str, Any]) -> _Params:
    """Check a notebook's parameters against its model: names, types. Raises ParameterError."""
    if notebook not in PARAM_MODELS:
        raise ParameterError(f"unknown notebook '{notebook}'", parameter="notebook",
                             expected=", ".join(PARAM_MODELS), found=notebook)
    model = PARAM_MODELS[notebook]
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise ParameterError(
                f"unknown parameter '{name}' for {notebook}", parameter=name,
                expected=", ".join(model.model_fields), found=name,
                fix="remove it or correct its spelling",
            ) from None
        raise ParameterError(
            f"bad value for {notebook}: {first['msg']}", parameter=name,
            found=repr(first.get("input"))[:80], expected=expected_text(first, model, name),
        ) from None


_TYPE_NAMES = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}


def _type_text(annotation: Any) -> str:
    """How a person says what a parameter's type is: int -> 'a whole number' ..."""
    import types
    import typing

    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " or ".join(repr(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_text(a) for a in args) + " (or nothing)"
    if origin is list and args:
        return f"a list of {_type_text(args[0]).removeprefix('a ')}"
    return _TYPE_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def expected_text(error: Any, model: type[BaseModel], name: str) -> str | None:
    """What a parameter should be, in words, from a pydantic error: the allowed values, the
    bounds, or its type ('0.95 or 0.998', 'a whole number at least 0', ...)."""
    ctx = error.get("ctx") or {}
    if error.get("type") == "literal_error" and "expected" in ctx:
        return str(ctx["expected"]).replace("'", "")
    field_info = model.model_fields.get(name)
    base = _type_text(field_info.annotation) if field_info is not None else None
    bounds = [f"{word} {ctx[key]}" for key, word in (("ge", "at least"), ("gt", "more than"),
                                                    ("le", "at most"), ("lt", "less than")) if key in ctx]
    return " ".join(b for b in [base, " and ".join(bounds)] if b) or None
