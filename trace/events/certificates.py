"""Certificates are records, not strings: a certification of a plot is a ``certify`` event of the organisation
that issues it (the role ``certifier``), with its scheme, number, issuer and validity; a certifier or a regulator
withdraws it (``withdraw_certification``). A grower's ``certifications`` strings stay claims: a claim that no
certificate valid at the harvest backs is "claimed, not certified". Pure Python; settings in
``schemas/rules.yaml`` (``certificates``; the brand rule's ``certificate_schemes``).

Who may record these events, and a withdrawal's relation to the certificate (its issuer, or a regulator), is
the authority rule's; this rule checks what the record says.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from ..chain.times import parse_utc
from .catalogue import enum_labels
from .context import Context, rules_config
from .findings import Finding
from .lot_facts import Certificate
from .origin import _protected, place

CERTIFICATE_TYPES = ("certify", "withdraw_certification")


def _settings() -> Mapping[str, Any]:
    return rules_config()["certificates"]


def backing(claim: str, certificates: Iterable[Certificate]) -> Certificate | None:
    """The certificate that backs a claimed certification string (by ``certificates.claim_names``), if any."""
    wanted = claim.casefold()
    for certificate in certificates:
        names = _settings()["claim_names"].get(certificate.scheme, [])
        if any(str(name).casefold() in wanted for name in names):
            return certificate
    return None


def check_certificates(c: Context) -> Iterator[Finding]:
    if c.event.type == "certify":
        yield from _certify(c)
    elif c.event.type == "withdraw_certification" and c.lot is not None:
        wanted = str(c.event.payload["certificate"])
        certificate = c.lot.certificates.get(wanted)
        if certificate is None or certificate.withdrawn_at is not None:
            why = "no certificate recorded" if certificate is None else "a certificate already withdrawn"
            why_zh = "没有此证书" if certificate is None else "该证书已撤销"
            yield c.violation(
                "certificates",
                "/payload/certificate",
                f"a standing certificate of lot {c.lot.lot_id} (the event id of its certify record)",
                wanted,
                f"{wanted} is {why} on lot {c.lot.lot_id}: only a standing certificate can be withdrawn",
                f"批次 {c.lot.lot_id} 的 {wanted}：{why_zh}，只能撤销有效的证书",
            )


def _certify(c: Context) -> Iterator[Finding]:
    payload, lot, settings = c.event.payload, c.lot, _settings()
    starts, ends = date.fromisoformat(str(payload["valid_from"])), date.fromisoformat(str(payload["valid_until"]))
    most = int(settings["max_validity_years"])
    if ends < starts or (ends - starts).days > most * 366:
        yield c.violation(
            "certificates",
            "/payload/valid_until",
            f"on or after valid_from ({starts}), within {most} years",
            str(ends),
            f"a certificate valid from {starts} runs until a later day, at most {most} years on; not until {ends}",
            f"证书有效期自 {starts} 起，截止日期须在其后且不超过 {most} 年，不能是 {ends}",
        )
    number = str(payload["number"])
    standing = [] if lot is None else [cert for cert in lot.certificates.values() if cert.withdrawn_at is None]
    if lot is not None and any(cert.number == number for cert in standing):
        yield c.violation(
            "certificates",
            "/payload/number",
            "a certificate number not yet standing on this plot",
            number,
            f"certificate {number} already stands on lot {lot.lot_id}; withdraw it before recording it again",
            f"证书 {number} 已在批次 {lot.lot_id} 上有效，须先撤销才能重新记录",
        )
    signer = c.signer
    registered = c.membership.orgs.get(signer.org) if not isinstance(signer, str) and signer.org else None
    if registered is not None and payload["issuer"] != registered.name:
        yield c.violation(
            "certificates",
            "/payload/issuer",
            f"the issuing organisation's registered name, {registered.name}",
            str(payload["issuer"]),
            f"{registered.org_id} is registered as {registered.name!r}; a certificate it records names it so, "
            f"not {payload['issuer']!r}",
            f"{registered.org_id} 登记名称为 {registered.name}，其颁发的证书须用此名称，不得写作 {payload['issuer']}",
        )
    protected = rules_config()["geographical_indication"]["prefecture_codes"].values()
    area_scheme = str(payload["scheme"]) in settings["area_schemes"]
    county = (lot.county or lot.county_code) if lot is not None and area_scheme else None
    if lot is not None and county is not None and not _protected(place(lot.county_code, lot.county, lot.prefecture)):
        areas = "、".join(protected)
        yield c.violation(
            "geographical_indication",
            "/payload/scheme",
            f"a plot in {areas}",
            county,
            f"a geographical-indication certificate needs a plot inside the protected areas ({areas}); "
            f"{county} is outside",
            f"地理标志认证须针对保护范围（{areas}）内的地块，{county} 不在其内",
        )


# -- the public page ---------------------------------------------------------------


def fold_certificate(
    found: dict[str, Certificate], event: Mapping[str, Any], organisations: Mapping[str, tuple[str, str]]
) -> None:
    """Fold a plot's ``certify`` or ``withdraw_certification`` event into ``found`` (its certificates by event
    id) as the rules fold them; ``issued_by`` is the recorder's organisation id where known."""
    kind, payload = event["type"], event.get("payload") or {}
    if kind == "certify":
        actor, event_id = str(event.get("actor")), str(event.get("event_id"))
        found[event_id] = Certificate.granted(event_id, payload, organisations.get(actor, (actor, ""))[0])
    elif kind == "withdraw_certification" and str(payload.get("certificate")) in found:
        found[str(payload["certificate"])].withdrawn_at = str(event["occurred_at"])


def certificate_facts(
    certificates: Sequence[Certificate], claims: Sequence[str], harvested_at: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the page shows of an origin's certificates (those valid at the harvest) and of the grower's claims
    (each backed by one of them, or not)."""
    moment = parse_utc(harvested_at)
    valid = [cert for cert in certificates if cert.valid_at(moment)]
    labels = enum_labels("certificate_scheme")
    shown = [
        {
            "scheme": cert.scheme,
            "name": labels.get(cert.scheme, {}).get("zh", cert.scheme),
            "name_en": labels.get(cert.scheme, {}).get("en", cert.scheme),
            "number": cert.number,
            "issuer": cert.issuer,
            "issued_by": cert.issued_by,
            "valid_from": cert.valid_from,
            "valid_until": cert.valid_until,
            "event_id": cert.event,
        }
        for cert in valid
    ]
    claimed = [{"claim": claim, "certified": backing(claim, valid) is not None} for claim in claims]
    return shown, claimed
