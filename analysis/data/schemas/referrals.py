"""The tidy referral table: one row per referral to children's social care.

Code lists follow the DfE children in need (CIN) census XML schema (XSD) for 2017 to 2024:
``ReferralSource`` (1A..10, 5D from 2023), ``PrimaryNeedCode`` (N0..N9),
``ReasonForClosure`` (RC1..RC8, RC9 from 2023) and ``AssessmentFactors``. Labels are short
plain-English versions of the XSD's own descriptions.

Columns (see ``docs/data-formats/referral-records.md``):

=================== ======================= ==============================================
column              type                    meaning
=================== ======================= ==============================================
child_id            str, not null           the LA's child identifier (LAchildID)
referral_id         str, unique             one id per referral
referral_date       datetime64 (a date)     CINreferralDate
referral_source     str                     label of the ReferralSource code, or "unknown"
referral_nfa        bool                    ReferralNFA: no further action at referral
assessment_outcome  str or NA               one of ``ASSESSMENT_OUTCOMES``
closure_date        datetime64 or NaT       CINclosureDate
closure_reason      str or NA               RC1..RC9
prior_early_help    boolean or NA           an early help episode before the referral
locality            str or NA               the LA's own locality / area team
primary_need        str or NA               N0..N9
assessment_factors  str or NA               factor codes joined by ";" (e.g. "3A;4B")
=================== ======================= ==============================================
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

#: ReferralSource code -> label (CIN census; "5D" added in the 2023 schema).
REFERRAL_SOURCES: dict[str, str] = {
    "1A": "Individual: family member, relative or carer",
    "1B": "Individual: acquaintance",
    "1C": "Individual: self",
    "1D": "Individual: other",
    "2A": "Schools",
    "2B": "Education services",
    "3A": "Health: GP",
    "3B": "Health: health visitor",
    "3C": "Health: school nurse",
    "3D": "Health: other primary health services",
    "3E": "Health: A&E",
    "3F": "Health: other",
    "4": "Housing",
    "5A": "LA services: social care",
    "5B": "LA services: other internal",
    "5C": "LA services: external",
    "5D": "LA services: early help",
    "6": "Police",
    "7": "Other legal agency",
    "8": "Other",
    "9": "Anonymous",
    "10": "unknown",
}

#: The label used for a missing, unrecognised or "10 UNKNOWN" referral source.
UNKNOWN_SOURCE = "unknown"

#: Broad groups of referral source labels, for charts with few bars.
REFERRAL_SOURCE_GROUPS: dict[str, str] = {
    label: (
        "unknown" if code == "10"  # tested first: "10" also starts with "1"
        else "Individual" if code[0] == "1"
        else "Schools and education" if code[0] == "2"
        else "Health" if code[0] == "3"
        else "Housing" if code == "4"
        else "LA services" if code[0] == "5"
        else "Police" if code == "6"
        else "Other legal agency" if code == "7"
        else "Other"
    )
    for code, label in REFERRAL_SOURCES.items()
}

#: PrimaryNeedCode -> label.
PRIMARY_NEEDS: dict[str, str] = {
    "N0": "Not stated",
    "N1": "Abuse or neglect",
    "N2": "Child's disability",
    "N3": "Parental disability or illness",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour",
    "N7": "Low income",
    "N8": "Absent parenting",
    "N9": "Cases other than children in need",
}

#: ReasonForClosure -> label ("RC9" added in the 2023 schema).
CLOSURE_REASONS: dict[str, str] = {
    "RC1": "Adopted",
    "RC2": "Died",
    "RC3": "Child arrangements order",
    "RC4": "Special guardianship order",
    "RC5": "Transferred to another local authority",
    "RC6": "Transferred to adult social care",
    "RC7": "Services ceased for any other reason, including no longer in need",
    "RC8": "Closed after assessment, no further action",
    "RC9": "Closed after assessment, referred to early help",
}

#: AssessmentFactors code -> label (union of the 2017-2024 schemas).
ASSESSMENT_FACTORS: dict[str, str] = {
    "1A": "Alcohol misuse: child",
    "1B": "Alcohol misuse: parent/carer",
    "1C": "Alcohol misuse: other person in household",
    "2A": "Drug misuse: child",
    "2B": "Drug misuse: parent/carer",
    "2C": "Drug misuse: other person in household",
    "3A": "Domestic abuse: child subject",
    "3B": "Domestic abuse: parent/carer subject",
    "3C": "Domestic abuse: other person in household subject",
    "4A": "Mental health: child",
    "4B": "Mental health: parent/carer",
    "4C": "Mental health: other person in household",
    "5A": "Learning disability: child",
    "5B": "Learning disability: parent/carer",
    "5C": "Learning disability: other person in household",
    "6A": "Physical disability or illness: child",
    "6B": "Physical disability or illness: parent/carer",
    "6C": "Physical disability or illness: other person in household",
    "7A": "Young carer",
    "8B": "Privately fostered: overseas, intend to return",
    "8C": "Privately fostered: overseas, intend to stay",
    "8D": "Privately fostered: UK, educational placement",
    "8E": "Privately fostered: UK, alternative family arrangement",
    "8F": "Privately fostered: other",
    "9A": "Unaccompanied asylum-seeking child",
    "10A": "Going or being missing",
    "11A": "Child sexual exploitation",
    "12A": "Trafficking",
    "13A": "Gangs",
    "14A": "Socially unacceptable behaviour",
    "15A": "Self-harm",
    "16A": "Neglect",
    "17A": "Emotional abuse",
    "18A": "Physical abuse",
    "18B": "Physical abuse: child on child",
    "18C": "Physical abuse: adult on child",
    "19A": "Sexual abuse",
    "19B": "Sexual abuse: child on child",
    "19C": "Sexual abuse: adult on child",
    "20": "Other",
    "21": "No factors identified",
    "22A": "Female genital mutilation",
    "23A": "Abuse linked to faith or belief",
    "24A": "Child criminal exploitation",
}

#: What the referral led to. ``early_help``: assessed, not in need, stepped down to early help.
#: ``cin_plan``: assessed in need (a CIN plan or other CIN services). NA: not yet known.
ASSESSMENT_OUTCOMES: dict[str, str] = {
    "no_assessment": "No assessment",
    "not_in_need": "Assessed: not in need",
    "early_help": "Assessed: not in need, stepped down to early help",
    "cin_plan": "Assessed: child in need",
    "cp_plan": "Child protection plan",
}

#: The columns of the tidy table, in order.
COLUMNS: tuple[str, ...] = (
    "child_id",
    "referral_id",
    "referral_date",
    "referral_source",
    "referral_nfa",
    "assessment_outcome",
    "closure_date",
    "closure_reason",
    "prior_early_help",
    "locality",
    "primary_need",
    "assessment_factors",
)

_FACTOR_LIST = r"^[0-9]{1,2}[A-F]?(;[0-9]{1,2}[A-F]?)*$"


def _factors_known(values: pd.Series) -> pd.Series:
    """True where every ';'-joined code is a known assessment factor (NA passes)."""
    known = set(ASSESSMENT_FACTORS)
    return values.map(lambda v: pd.isna(v) or all(c in known for c in str(v).split(";")))


REFERRALS_SCHEMA = pa.DataFrameSchema(
    {
        "child_id": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "referral_id": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False,
                                 unique=True),
        "referral_date": pa.Column("datetime64[ns]", nullable=False),
        "referral_source": pa.Column(
            str, pa.Check.isin(sorted(set(REFERRAL_SOURCES.values()) | {UNKNOWN_SOURCE})),
            nullable=False),
        "referral_nfa": pa.Column(bool, nullable=False),
        "assessment_outcome": pa.Column(str, pa.Check.isin(list(ASSESSMENT_OUTCOMES)),
                                        nullable=True),
        "closure_date": pa.Column("datetime64[ns]", nullable=True),
        "closure_reason": pa.Column(str, pa.Check.isin(list(CLOSURE_REASONS)), nullable=True),
        "prior_early_help": pa.Column("boolean", nullable=True),
        "locality": pa.Column(str, nullable=True),
        "primary_need": pa.Column(str, pa.Check.isin(list(PRIMARY_NEEDS)), nullable=True),
        "assessment_factors": pa.Column(
            str,
            [pa.Check.str_matches(_FACTOR_LIST),
             pa.Check(_factors_known, element_wise=False,
                      error="unknown assessment factor code")],
            nullable=True),
    },
    checks=[
        pa.Check(lambda df: ~(df["closure_date"] < df["referral_date"]),
                 error="closure_date before referral_date"),
    ],
    strict=False,
    ordered=False,
    coerce=False,
    name="referrals",
)


def empty_referrals() -> pd.DataFrame:
    """An empty tidy referral table with the right column types."""
    return pd.DataFrame({
        "child_id": pd.Series([], dtype="str"),
        "referral_id": pd.Series([], dtype="str"),
        "referral_date": pd.Series([], dtype="datetime64[ns]"),
        "referral_source": pd.Series([], dtype="str"),
        "referral_nfa": pd.Series([], dtype=bool),
        "assessment_outcome": pd.Series([], dtype="str"),
        "closure_date": pd.Series([], dtype="datetime64[ns]"),
        "closure_reason": pd.Series([], dtype="str"),
        "prior_early_help": pd.Series([], dtype="boolean"),
        "locality": pd.Series([], dtype="str"),
        "primary_need": pd.Series([], dtype="str"),
        "assessment_factors": pd.Series([], dtype="str"),
    })


def source_label(code: object) -> str:
    """Label for a ReferralSource code, or an exact label (any case); else ``"unknown"``."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return UNKNOWN_SOURCE
    text = str(code).strip()
    if text.upper() in REFERRAL_SOURCES:
        return REFERRAL_SOURCES[text.upper()]
    if text.endswith(".0") and text[:-2] in REFERRAL_SOURCES:  # "6.0" from a numeric column
        return REFERRAL_SOURCES[text[:-2]]
    by_label = {label.lower(): label for label in REFERRAL_SOURCES.values()}
    return by_label.get(text.lower(), UNKNOWN_SOURCE)


def source_code(label: str) -> str:
    """The ReferralSource code for a label (``"unknown"`` -> ``"10"``)."""
    for code, lab in REFERRAL_SOURCES.items():
        if lab == label:
            return code
    return "10"


def validate_referrals(df: pd.DataFrame) -> pd.DataFrame:
    """Validate a tidy referral table against :data:`REFERRALS_SCHEMA` (all errors at once).

    Raises pandera's ``SchemaErrors``; the readers turn problems into ``InputDataError``
    before they get here, so this is a last check on what they produce.
    """
    return REFERRALS_SCHEMA.validate(df, lazy=True)
