"""The authority rule: the signer's organisation holds a role allowed to record the event, in the relation to
the lot that the event needs. Pure Python; settings in ``schemas/rules.yaml`` (``authority``).

It runs in the same rules engine as every other rule, so the ledger, ``ginseng-trace check`` and a bundle
verifier (``events.audit``) all re-judge it. A refusal names the role held and the role needed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .context import Context, rules_config
from .enrolment import check_membership
from .findings import Finding
from .holds import lifted
from .membership import MEMBERSHIP_TYPES, Signer, org_of_lot
from .state import Recorder

CREATING_TYPES = ("register_enterprise", "register_plot", "harvest", "process", "package", "aggregate", "split")


def settings() -> Mapping[str, Any]:
    return rules_config()["authority"]


def recorder_of(signer: Signer | str) -> Recorder | None:
    """How a lot's state remembers the signer of an event it admitted."""
    if isinstance(signer, str):
        return None
    return Recorder(signer.org or signer.actor, signer.holds(settings()["regulator_roles"]))


def _refuse(c: Context, where: str, needed: str, held: str, message: str, zh: str) -> Finding:
    return c.violation("authority", where, needed, held, message, zh)


def check_authority(c: Context) -> Iterator[Finding]:
    event, signer = c.event, c.signer
    if isinstance(signer, str):
        yield _refuse(
            c, "/key_id", "a valid key of a registered actor", event.key_id, signer, f"签名密钥无效：{signer}"
        )
        return
    config = settings()
    allowed = config["roles"].get(event.type, [])
    if not signer.holds(allowed):
        who = signer.org or f"trust anchor {signer.actor}"
        yield _refuse(
            c,
            "/actor",
            f"one of the roles {', '.join(allowed)}",
            signer.describe(),
            f"{event.actor} ({who}) holds the role {signer.describe()}; recording {event.type} needs one of "
            f"{', '.join(allowed)}",
            f"{event.actor}（{who}）的角色为 {signer.describe()}，"
            f"记录 {event.type} 需要以下角色之一：{'、'.join(allowed)}",
        )
        return
    membership_lot = org_of_lot(event.lot_id) is not None
    if event.type in MEMBERSHIP_TYPES or membership_lot:
        yield from check_membership(c, signer)
    else:
        yield from _relation(c, signer)


def _relation(c: Context, signer: Signer) -> Iterator[Finding]:
    event, lot, config = c.event, c.lot, settings()
    regulator = signer.holds(config["regulator_roles"])
    party = signer.org or signer.actor
    if lot is None and event.type in CREATING_TYPES:
        yield from _identifier_space(c, signer)
    if event.type == "epcis_event" and (lot is None or lot.kind == "epcis_events"):
        yield from _own_epcis_chain(c, signer)
        return
    if lot is None:
        return
    custodian_only = event.type in config["custodian_only"] and not regulator and c.custody_known
    if custodian_only and event.actor not in lot.custodians():
        holders = ", ".join(sorted(lot.custodians())) or "nobody"
        yield _refuse(
            c,
            "/actor",
            "the lot's custodian, or a regulator",
            f"{signer.describe()}, not a custodian",
            f"{event.actor} is neither a custodian of lot {lot.lot_id} (held by {holders}) nor a regulator, "
            f"so it cannot record {event.type}",
            f"{event.actor} 既不是批次 {lot.lot_id} 的保管方（保管方：{holders}），"
            f"也不是监管部门，不能记录 {event.type}",
        )
        return
    target = lot.holds.get(lifted(lot.lot_id, lot.holds, event.payload) or "") if event.type == "release" else None
    if target is not None and target.regulator and not regulator:
        yield _refuse(
            c,
            "/actor",
            "a regulator (the hold was placed by one)",
            signer.describe(),
            f"lot {lot.lot_id} is held by a regulator ({target.by}); only a regulator may release it",
            f"批次 {lot.lot_id} 由监管部门（{target.by}）暂扣，只有监管部门才能解除",
        )
    elif target is not None and target.by != party and not regulator:
        yield _refuse(
            c,
            "/actor",
            f"{target.by} (who placed the hold), or a regulator",
            party,
            f"lot {lot.lot_id} is held by {target.by}; only {target.by} or a regulator may release it, not {party}",
            f"批次 {lot.lot_id} 由 {target.by} 暂扣，只有该组织或监管部门才能解除，{party} 不能",
        )
    elif event.type == "quality_test":
        sample = str(event.payload.get("sample_id", ""))
        lab = lot.samples.get(sample)
        registered = c.membership.orgs.get(party)
        if lab == party and registered is not None and event.payload.get("lab") != registered.name:
            yield _refuse(
                c,
                "/payload/lab",
                f"the recording lab's registered name, {registered.name}",
                str(event.payload.get("lab")),
                f"{party} is registered as {registered.name!r}; a test it records names it so, not "
                f"{event.payload.get('lab')!r}",
                f"{party} 登记名称为 {registered.name}，其检测记录须用此名称，不得写作 {event.payload.get('lab')}",
            )
        elif (
            lab == party
            and registered is not None
            and event.payload.get("accreditation")
            not in (
                None,
                *registered.accreditations,
            )
        ):
            held = ", ".join(registered.accreditations) or "none"
            yield _refuse(
                c,
                "/payload/accreditation",
                f"an accreditation registered to {party} ({held})",
                str(event.payload.get("accreditation")),
                f"{party} has the accreditations {held} on record; a test it records cites one of them, not "
                f"{event.payload.get('accreditation')!r}",
                f"{party} 登记的资质为 {held}，其检测记录只能引用这些资质，"
                f"不得写作 {event.payload.get('accreditation')}",
            )
        elif lab != party:
            sent = f"sample {sample} was sent to {lab}" if lab else f"no sample {sample} was sent for this lot"
            sent_zh = f"样品 {sample} 送交的是 {lab}" if lab else f"本批次没有送检样品 {sample}"
            yield _refuse(
                c,
                "/payload/sample_id",
                "a sample sent to the recording lab",
                f"{party}: {sent}",
                f"{party} may record tests only for samples sent to it, and {sent}",
                f"{party} 只能记录送交本机构的样品检测结果；{sent_zh}",
            )
    elif event.type == "sample" and str(event.payload["sample_id"]) in lot.samples:
        sample = str(event.payload["sample_id"])
        yield _refuse(
            c,
            "/payload/sample_id",
            "a sample id not yet used on this lot",
            sample,
            f"sample {sample} of lot {lot.lot_id} was already sent to {lot.samples[sample]}: a sample is sent once",
            f"批次 {lot.lot_id} 的样品 {sample} 已送交 {lot.samples[sample]}，同一样品编号不得再送",
        )
    elif event.type == "sample":
        lab_org = c.membership.orgs.get(str(event.payload["lab"]))
        if lab_org is None or "lab" not in lab_org.roles:
            held = ", ".join(lab_org.roles) if lab_org else "not a registered organisation"
            yield _refuse(
                c,
                "/payload/lab",
                "an organisation with the role lab",
                held,
                f"a sample goes to a laboratory, and {event.payload['lab']} is {held}",
                f"样品须送交检测机构，{event.payload['lab']} 的角色为 {held}",
            )
    elif event.type == "withdraw_certification":
        certificate = lot.certificates.get(str(event.payload["certificate"]))
        issuer = certificate.issued_by if certificate is not None else None
        if issuer is not None and issuer != party and not regulator:
            yield _refuse(
                c,
                "/actor",
                f"{issuer} (who issued it), or a regulator",
                f"{party} ({signer.describe()})",
                f"certificate {event.payload['certificate']} was issued by {issuer}; only {issuer} or a regulator "
                f"may withdraw it, not {party}",
                f"证书 {event.payload['certificate']} 由 {issuer} 颁发，只有该机构或监管部门可以撤销，{party} 不能",
            )
    elif event.type == "correct":
        original = lot.recorded_by.get(str(event.payload["supersedes"]))
        if original is None:
            yield _refuse(
                c,
                "/payload/supersedes",
                f"an event of lot {lot.lot_id}",
                event.payload["supersedes"],
                f"lot {lot.lot_id} has no event {event.payload['supersedes']!r} to correct",
                f"批次 {lot.lot_id} 没有事件 {event.payload['supersedes']}，无从更正",
            )
        elif original != party and not regulator:
            yield _refuse(
                c,
                "/actor",
                f"{original} (who recorded it), or a regulator",
                f"{party} ({signer.describe()})",
                f"event {event.payload['supersedes']} was recorded by {original}; only {original} or a regulator "
                f"may correct it, not {party}",
                f"事件 {event.payload['supersedes']} 由 {original} 记录，只有该组织或监管部门可以更正，{party} 不能",
            )


def _own_epcis_chain(c: Context, signer: Signer) -> Iterator[Finding]:
    """Captured EPCIS events naming none of our lots go on the submitter's organisation's own chain only."""
    own = f"epcis:{signer.org or signer.actor}"
    if c.event.lot_id != own:
        yield _refuse(
            c,
            "/lot_id",
            own,
            c.event.lot_id,
            f"{c.event.actor} records captured EPCIS events on lots it holds or on its own chain {own}, "
            f"not on {c.event.lot_id}",
            f"{c.event.actor} 只能把 EPCIS 事件记录在其保管的批次或本组织的 {own} 上，不能记录在 {c.event.lot_id} 上",
        )


def _identifier_space(c: Context, signer: Signer) -> Iterator[Finding]:
    event = c.event
    org = c.membership.orgs.get(signer.org) if signer.org else None
    if org is None:
        return  # a trust anchor records no lots of ginseng (its role is operator)
    if not org.may_create(event.lot_id):
        prefixes = ", ".join(org.lot_prefixes) or "none: it creates no lots"
        yield _refuse(
            c,
            "/lot_id",
            f"a lot id starting with {prefixes}",
            event.lot_id,
            f"{org.org_id} creates lots only in its own identifier space ({prefixes}); {event.lot_id} is not in it",
            f"{org.org_id} 只能在其批次编号空间（{prefixes}）内创建批次，{event.lot_id} 不在其中",
        )
    # a GTIN-14 and an SSCC-18 both hold the company prefix after their first digit (indicator, extension)
    member = {"package": "gtin", "aggregate": "sscc"}.get(event.type)
    code = event.payload.get(member) if member else None
    if member and isinstance(code, str) and not org.owns_gtin(code):
        prefixes = ", ".join(org.gs1_company_prefixes) or "none registered"
        name, zh = ("GTIN", "商品条码") if member == "gtin" else ("SSCC", "物流单元代码")
        yield _refuse(
            c,
            f"/payload/{member}",
            f"a {name} under {org.org_id}'s GS1 company prefixes ({prefixes})",
            code,
            f"{name} {code} is not under {org.org_id}'s GS1 company prefixes ({prefixes})",
            f"{zh} {code} 不属于 {org.org_id} 的厂商识别代码（{prefixes}）",
        )


def policy() -> dict[str, Any]:
    """The authority rule's settings as the browser verifier reads them (``verify-authority.js``): who may
    record each event type, which roles act as a regulator, which roles only an operator grants, which event
    types create lots and which are membership events."""
    config = settings()
    return {
        "roles": {kind: list(roles) for kind, roles in config["roles"].items()},
        "regulator_roles": list(config["regulator_roles"]),
        "privileged_roles": list(config["privileged_roles"]),
        "privileged_by": list(config["privileged_by"]),
        "creating_types": list(CREATING_TYPES),
        "membership_types": sorted(MEMBERSHIP_TYPES),
    }
