"""Small hand-written CIN census returns for the staging tests."""

from __future__ import annotations

from pathlib import Path


def details(ref: str, *, closed: str | None = None, reason: str = "RC7", source: str = "6",
            nfa: str = "false", extra: str = "") -> str:
    """One CINdetails; ``extra`` goes after ReasonForClosure (assessments, s47, plans...)."""
    close = (f"<CINclosureDate>{closed}</CINclosureDate><ReasonForClosure>{reason}"
             "</ReasonForClosure>") if closed else ""
    plans = ""
    if "<ChildProtectionPlans>" in extra:
        extra, plans = extra.split("<ChildProtectionPlans>", 1)
        plans = "<ChildProtectionPlans>" + plans
    return (f"<CINdetails><CINreferralDate>{ref}</CINreferralDate><ReferralSource>{source}"
            f"</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>{close}{extra}"
            f"<ReferralNFA>{nfa}</ReferralNFA>{plans}</CINdetails>")


def child(child_id: str, *episodes: str, birth: str = "2012-05-01") -> str:
    return (f"<Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID>"
            f"<PersonBirthDate>{birth}</PersonBirthDate><GenderCurrent>1</GenderCurrent>"
            "</ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity>"
            "</ChildCharacteristics>" + "".join(episodes) + "</Child>")


def write_return(path: Path, year: int, *children: str, reference: str | None = None,
                 made: str | None = None, lea: str = "999") -> Path:
    """A return of census ``year`` (header Year), census date ``reference`` (default
    31 March) made at ``made`` (the header's DateTime)."""
    ref = reference or f"{year}-03-31"
    when = f"<DateTime>{made}</DateTime>" if made else ""
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails>'
        f"<Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{ref}</ReferenceDate>"
        f"</CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>{lea}</LEA>{when}"
        "</Source></Header><Children>" + "".join(children) + "</Children></Message>\n",
        encoding="utf-8")
    return path
