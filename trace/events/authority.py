"""The authority rule: the signer's organisation holds a role allowed to record the event, in the relation to
the lot that the event needs. Pure Python; settings in ``schemas/rules.yaml`` (``authority``).

It runs in the same rules engine as every other rule, so the ledger, ``ginseng-trace check`` and a bundle
verifier (``events.audit``) all re-judge it. A refusal names the role held and the role needed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..chain.errors import MalformedError
from ..chain.keys import ALG_ED25519, VerifierKey
from ..chain.times import format_utc, parse_utc
from .context import Context, rules_config
from .findings import Finding
from .holds import lifted
from .membership import AGREEMENT_TYPES, MEMBERSHIP_TYPES, Membership, Signer, agreement_parties, org_of_lot
from .state import Recorder

CREATING_TYPES = ("register_enterprise", "register_plot", "harvest", "process", "package", "aggregate")


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
        yield from _membership(c, signer)
    else:
        yield from _relation(c, signer)


def _relation(c: Context, signer: Signer) -> Iterator[Finding]:
    event, lot, config = c.event, c.lot, settings()
    regulator = signer.holds(config["regulator_roles"])
    party = signer.org or signer.actor
    if lot is None and event.type in CREATING_TYPES:
        yield from _identifier_space(c, signer)
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


SPACES = (
    ("lot_prefixes", "lot-id prefix", "批次号前缀"),
    ("gs1_company_prefixes", "GS1 company prefix", "GS1 厂商识别代码"),
)
"""The identifier spaces an organisation owns: a lot id or a GTIN/SSCC under one names one creator."""


def _disjoint_spaces(c: Context, membership: Membership) -> Iterator[Finding]:
    """A new organisation's identifier spaces overlap no registered organisation's: neither prefix may begin
    the other, or one identifier would name lots of two creators."""
    for field, what, zh in SPACES:
        for i, prefix in enumerate(c.event.payload.get(field) or []):
            for other in membership.orgs.values():
                taken = next((q for q in getattr(other, field) if q.startswith(prefix) or prefix.startswith(q)), None)
                if taken is not None:
                    yield _refuse(
                        c,
                        f"/payload/{field}/{i}",
                        f"a {what} no other organisation's overlaps",
                        f"{prefix} (overlaps {other.org_id}'s {taken})",
                        f"the {what} {prefix} overlaps {other.org_id}'s {taken}: one identifier would name two "
                        f"organisations' lots",
                        f"{zh} {prefix} 与 {other.org_id} 的 {taken} 重叠，同一编号将指向两个组织的批次",
                    )
                    return


def _membership(c: Context, signer: Signer) -> Iterator[Finding]:
    event, membership, config = c.event, c.membership, settings()
    org_id = org_of_lot(event.lot_id)
    if event.type not in MEMBERSHIP_TYPES or org_id is None:
        yield _refuse(
            c,
            "/lot_id",
            "membership events on org:<organisation>, nothing else there",
            event.lot_id,
            f"lots named org:… hold an organisation's membership and only membership events; {event.type} on "
            f"{event.lot_id} is neither",
            f"org: 开头的批次只记录组织成员事件；{event.lot_id} 上的 {event.type} 不符合",
        )
        return
    if event.type in AGREEMENT_TYPES:
        yield from _agreement(c, signer, org_id)
        return
    payload = event.payload
    granted = payload.get("roles", []) if event.type == "register_organisation" else [payload.get("role")]
    if event.type in ("register_organisation", "grant_role") and not signer.holds(config["privileged_by"]):
        privileged = sorted(set(granted) & set(config["privileged_roles"]))
        if privileged:
            yield _refuse(
                c,
                "/payload/role" if event.type == "grant_role" else "/payload/roles",
                f"one of the roles {', '.join(config['privileged_by'])}",
                signer.describe(),
                f"only an operator may grant the role {', '.join(privileged)}",
                f"只有运营方才能授予 {'、'.join(privileged)} 角色",
            )
    org = membership.orgs.get(org_id)
    if event.type == "register_organisation":
        if org is not None:
            yield _refuse(
                c,
                "/type",
                "an organisation registered once",
                org_id,
                f"{org_id} is already registered",
                f"组织 {org_id} 已登记",
            )
        yield from _disjoint_spaces(c, membership)
        return
    if org is None:
        return  # the lifecycle rule refuses membership events before the organisation's registration
    guarded = sorted(set(org.roles) & set(config["privileged_roles"]))
    if guarded and not signer.holds(config["privileged_by"]):
        yield _refuse(
            c,
            "/lot_id",
            f"one of the roles {', '.join(config['privileged_by'])}",
            signer.describe(),
            f"{org_id} holds the role {', '.join(guarded)}: only an operator may change its membership",
            f"{org_id} 具有 {'、'.join(guarded)} 角色，只有运营方才能变更其成员信息",
        )
        return
    actor = payload.get("actor")
    if event.type == "register_actor":
        taken = membership.org_of(str(actor))
        if taken is not None or membership.is_anchor_name(str(actor)):
            yield _refuse(
                c,
                "/payload/actor",
                "an actor id not yet taken",
                str(actor),
                f"actor id {actor!r} is already taken ({taken.org_id if taken else 'a trust anchor'})",
                f"参与者编号 {actor} 已被占用",
            )
        return
    if actor is not None and actor not in org.actors:
        yield _refuse(
            c,
            "/payload/actor",
            f"an actor of {org_id}",
            actor,
            f"{actor!r} is not an actor of {org_id}",
            f"{actor} 不是 {org_id} 的成员",
        )
        return
    if event.type == "register_key":
        try:
            key = VerifierKey.parse(str(payload["key"]))
        except MalformedError as exc:
            yield _refuse(c, "/payload/key", "a verifier key", "malformed", exc.diagnostics(), "验证公钥格式错误")
            return
        until = payload.get("valid_until")
        try:
            ends = None if until is None else parse_utc(str(until))
        except ValueError as exc:
            yield _refuse(c, "/payload/valid_until", "an RFC 3339 UTC time", str(until), str(exc), "有效期格式错误")
            return
        if ends is not None and ends <= c.recorded:
            yield _refuse(
                c,
                "/payload/valid_until",
                f"after {format_utc(c.recorded)}",
                str(until),
                f"a key registered at {format_utc(c.recorded)} cannot expire at {until}",
                "密钥有效期须晚于登记时间",
            )
            return
        if key.alg != ALG_ED25519:
            yield _refuse(
                c,
                "/payload/key",
                "an Ed25519 (type 0x01) key",
                f"type {key.alg:#04x}",
                "an actor's key is an Ed25519 (type 0x01) verifier key",
                "参与者密钥须为 Ed25519 密钥",
            )
            return
        if key.name != actor or key.key_id_hex in org.actors[str(actor)].keys:
            yield _refuse(
                c,
                "/payload/key",
                f"a new key named {actor}",
                f"{key.name}/{key.key_id_hex}",
                f"a key registered for {actor} is named {actor} and registered once; this one is "
                f"{key.name}/{key.key_id_hex}",
                f"为 {actor} 登记的密钥须以其编号命名且只登记一次",
            )
    elif event.type == "revoke_key":
        grant = org.actors[str(actor)].keys.get(str(payload["key_id"]))
        if grant is None or grant.revoked_index is not None:
            state = "not registered" if grant is None else f"revoked at log position {grant.revoked_index}"
            yield _refuse(
                c,
                "/payload/key_id",
                "a registered key not yet revoked",
                state,
                f"key {actor}/{payload['key_id']} is {state}",
                f"密钥 {actor}/{payload['key_id']} 无法吊销（{state}）",
            )
    elif event.type == "withdraw_role" and payload["role"] not in org.roles:
        yield _refuse(
            c,
            "/payload/role",
            f"one of {org_id}'s roles ({', '.join(org.roles)})",
            payload["role"],
            f"{org_id} does not hold the role {payload['role']}",
            f"{org_id} 没有 {payload['role']} 角色",
        )


def _agreement(c: Context, signer: Signer, org_id: str) -> Iterator[Finding]:
    """A grower's agreement that a cooperative may read its plots, or its end: the grower's own consent (or an
    operator's record of it), with a registered cooperative other than itself, agreed once and ended once."""
    event, membership = c.event, c.membership
    org = membership.orgs.get(org_id)
    if org is None:
        return  # the lifecycle rule refuses membership events before the organisation's registration
    cooperative = str(event.payload["cooperative"])
    parties = sorted(agreement_parties(event), key=lambda party: (party != org_id, party))  # the owner first
    if not signer.holds(settings()["privileged_by"]) and signer.org not in parties:
        who = " or ".join(parties)
        yield _refuse(
            c,
            "/actor",
            f"{who}, or an operator",
            f"{signer.org} ({signer.describe()})",
            f"an agreement on {org_id}'s plots is {who}'s to record (or an operator's), not {signer.org}'s",
            f"{org_id} 地块的查阅协议只能由 {'或'.join(parties)}（或运营方）记录，{signer.org} 不能",
        )
        return
    if event.type == "agree_cooperative":
        other = membership.orgs.get(cooperative)
        if other is None or "cooperative" not in other.roles or cooperative == org_id:
            held = "itself" if cooperative == org_id else ", ".join(other.roles) if other else "not registered"
            yield _refuse(
                c,
                "/payload/cooperative",
                "another organisation with the role cooperative",
                f"{cooperative}: {held}",
                f"{org_id} may agree only with another organisation that holds the role cooperative, and "
                f"{cooperative} is {held}",
                f"{org_id} 只能与其他具备合作社角色的组织签订查阅协议，{cooperative} 不符合（{held}）",
            )
        elif cooperative in org.cooperatives:
            yield _refuse(
                c,
                "/payload/cooperative",
                "a cooperative without a standing agreement",
                cooperative,
                f"{org_id}'s agreement with {cooperative} already stands",
                f"{org_id} 与 {cooperative} 的查阅协议已生效",
            )
    elif cooperative not in org.cooperatives:
        standing = ", ".join(org.cooperatives) or "none"
        yield _refuse(
            c,
            "/payload/cooperative",
            f"a cooperative under a standing agreement ({standing})",
            cooperative,
            f"{org_id} has no standing agreement with {cooperative} to end",
            f"{org_id} 与 {cooperative} 没有生效中的查阅协议，无从终止",
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
