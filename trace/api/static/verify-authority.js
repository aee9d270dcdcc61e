// Ginseng Trace: who was allowed to record what, re-judged on the device from the bundle's own membership
// records (docs/FORMAT.md §7, §8). The same steps as ginseng_trace.events.audit (the authority rule of
// schemas/rules.yaml, given here as `policy`), with no library and no network. It runs as a classic
// <script> before verify-core.js (as globalThis.ginsengTraceAuthority) and under Node (CommonJS).
//   keys(entries, anchors): every key a membership record registers, and the trust anchors' keys;
//   judge(entries, anchors, policy, fail, micros): in log order, each record's key was registered before
//     its position, not revoked before it and not expired when it was sealed; its organisation and actor
//     were not suspended; its organisation held a role the policy allows for the event's type; and the
//     relation to the lot the bundle can show holds (a lab's sample, a regulator's hold, a correction's
//     original recorder, the creator's lot-id and GS1 prefixes, membership only on org:<id> lots, a grower's
//     agreement with a cooperative recorded by the grower, the cooperative ending it, or an operator).
//     Custody is not re-judged: it depends on sibling lots a bundle does not carry.
"use strict";

(function (root) {
  const ORG = "org:";
  const HOLDS = ["hold", "recall"];
  const AGREEMENTS = ["agree_cooperative", "end_cooperative"];

  // The hold a release lifts (ginseng_trace.events.holds.lifted): the standing hold of the lot its "hold"
  // member names, else the lot's only standing hold; a recall is never lifted.
  function lifted(lot, payload) {
    const own = [...lot.holds].filter(([, h]) => h.type === "hold").map(([id]) => id);
    if (payload.hold !== undefined) return own.includes(String(payload.hold)) ? String(payload.hold) : null;
    return own.length === 1 ? own[0] : null;
  }

  function keyId(text) {  // "<name>+<8 hex>+<base64>", and base64 may hold "+"
    const m = /^[^+\s]+\+([0-9a-f]{8})\+/.exec(String(text));
    return m ? m[1] : null;
  }

  // The registered keys' texts by "actor/keyid": what signatures are checked under (the anchors' too).
  function keys(entries, anchors) {
    const found = new Map(anchors.map((a) => [a.split("+")[0] + "/" + keyId(a), a]));
    for (const e of entries) {
      if (e.event.type === "register_key" && String(e.event.lot_id).startsWith(ORG)) {
        const text = String(e.event.payload.key);
        const name = text.split("+")[0];
        if (!found.has(name + "/" + keyId(text))) found.set(name + "/" + keyId(text), text);
      }
    }
    return found;
  }

  function judge(entries, anchors, policy, fail, micros) {
    const anchorIds = new Set(anchors.map((a) => a.split("+")[0] + "/" + keyId(a)));
    const anchorNames = new Set(anchors.map((a) => a.split("+")[0]));
    const orgs = new Map(), actorOrg = new Map(), lots = new Map();
    const holds = (signer, roles) => roles.some((r) => signer.roles.has(r));
    const list = (roles) => [...roles].sort().join(", ") || "no role";

    function signerOf(ev, index, at) {
      if (anchorIds.has(ev.actor + "/" + ev.key_id)) return { actor: ev.actor, org: null, roles: new Set(["operator"]) };
      const org = orgs.get(actorOrg.get(ev.actor));
      if (!org) return "actor " + ev.actor + " is a member of no registered organisation";
      const member = org.actors.get(ev.actor), grant = member.keys.get(ev.key_id);
      if (!grant) return "actor " + ev.actor + " of " + org.id + " has no registered key " + ev.key_id;
      if (index <= grant.from) return "key " + ev.actor + "/" + ev.key_id + " is registered at log position " + grant.from + ", not before position " + index;
      if (grant.revoked !== null && index > grant.revoked) return "key " + ev.actor + "/" + ev.key_id + " was revoked at log position " + grant.revoked;
      if (grant.until !== null && at >= grant.until) return "key " + ev.actor + "/" + ev.key_id + " expired";
      if (org.suspended) return "organisation " + org.id + " is suspended";
      if (member.suspended) return "actor " + ev.actor + " of " + org.id + " is suspended";
      return { actor: ev.actor, org: org.id, roles: new Set(org.roles) };
    }

    // a new organisation's lot-id and GS1 prefixes overlap nobody's: neither may begin the other
    function overlap(p) {
      for (const [field, key] of [["lot_prefixes", "lot_prefixes"], ["gs1_company_prefixes", "gs1"]]) {
        for (const prefix of p[field] || []) {
          for (const other of orgs.values()) {
            const taken = other[key].find((q) => q.startsWith(prefix) || prefix.startsWith(q));
            if (taken !== undefined) return "the prefix " + prefix + " overlaps " + other.id + "'s " + taken;
          }
        }
      }
      return null;
    }

    function membershipRefusal(ev, signer, at) {
      const orgId = String(ev.lot_id).startsWith(ORG) ? ev.lot_id.slice(ORG.length) : null;
      if (!policy.membership_types.includes(ev.type) || orgId === null) return "membership events go on org:<organisation> lots, and nothing else does";
      const p = ev.payload;
      if (AGREEMENTS.includes(ev.type)) return agreementRefusal(ev, signer, orgId);
      const granted = ev.type === "register_organisation" ? p.roles || [] : [p.role];
      if ((ev.type === "register_organisation" || ev.type === "grant_role") && !holds(signer, policy.privileged_by) &&
          granted.some((r) => policy.privileged_roles.includes(r))) return "only an operator may grant the roles " + policy.privileged_roles.join(", ");
      const org = orgs.get(orgId);
      if (ev.type === "register_organisation") return org ? orgId + " is already registered" : overlap(p);
      if (!org) return null;  // no such organisation yet: the lifecycle rule's refusal, which the ledger applied
      const guarded = org.roles.filter((r) => policy.privileged_roles.includes(r));
      if (guarded.length && !holds(signer, policy.privileged_by)) return orgId + " holds the role " + guarded.join(", ") + ": only an operator may change its membership";
      if (ev.type === "register_actor") return actorOrg.has(p.actor) || anchorNames.has(p.actor) ? "actor id " + p.actor + " is already taken" : null;
      if (p.actor !== undefined && !org.actors.has(p.actor)) return p.actor + " is not an actor of " + orgId;
      if (ev.type === "register_key") {
        const text = String(p.key);
        if (p.valid_until !== undefined) {
          let ends;
          try { ends = micros(p.valid_until, "valid_until"); } catch (e) { return "valid_until " + p.valid_until + " is not an RFC 3339 UTC time"; }
          if (ends <= at) return "a key cannot expire before it is registered (" + p.valid_until + ")";
        }
        const material = text.split("+").slice(2).join("+");
        if (!/^[A-Za-z0-9+/]{44}$/.test(material) || atob(material).charCodeAt(0) !== 1) return "an actor's key is an Ed25519 (type 0x01) verifier key";
        if (text.split("+")[0] !== p.actor || org.actors.get(p.actor).keys.has(keyId(text))) return "a key registered for " + p.actor + " is named " + p.actor + " and registered once";
      } else if (ev.type === "revoke_key") {
        const grant = org.actors.get(p.actor).keys.get(p.key_id);
        if (!grant || grant.revoked !== null) return "key " + p.actor + "/" + p.key_id + " is not registered or already revoked";
      } else if (ev.type === "withdraw_role" && !org.roles.includes(p.role)) return orgId + " does not hold the role " + p.role;
      return null;
    }

    // a grower's consent that a cooperative may read its plots: its own (or an operator's record of it), with
    // another registered cooperative, agreed once; ended by the grower, the cooperative or an operator, once
    function agreementRefusal(ev, signer, orgId) {
      const org = orgs.get(orgId);
      if (!org) return null;  // no such organisation yet: the lifecycle rule's refusal, which the ledger applied
      const coop = String(ev.payload.cooperative);
      const parties = ev.type === "end_cooperative" ? [orgId, coop] : [orgId];
      if (!holds(signer, policy.privileged_by) && !parties.includes(signer.org)) return "an agreement on " + orgId + "'s plots is " + parties.join(" or ") + "'s to record (or an operator's), not " + signer.org + "'s";
      if (ev.type === "agree_cooperative") {
        const other = orgs.get(coop);
        if (!other || !other.roles.includes("cooperative") || coop === orgId) return orgId + " may agree only with another organisation that holds the role cooperative, and " + coop + " is not one";
        if (org.cooperatives.has(coop)) return orgId + "'s agreement with " + coop + " already stands";
      } else if (!org.cooperatives.has(coop)) return orgId + " has no standing agreement with " + coop + " to end";
      return null;
    }

    function relationRefusal(ev, signer, lot) {
      const regulator = holds(signer, policy.regulator_roles);
      const party = signer.org || signer.actor;
      if (!lot) {
        if (!policy.creating_types.includes(ev.type) || signer.org === null) return null;
        const org = orgs.get(signer.org);
        if (!org.lot_prefixes.some((x) => ev.lot_id.startsWith(x))) return signer.org + " creates lots only under " + org.lot_prefixes.join(", ") + ", not " + ev.lot_id;
        // a GTIN-14 and an SSCC-18 both hold the company prefix after their first digit
        const member = { package: "gtin", aggregate: "sscc" }[ev.type];
        const code = member ? ev.payload[member] : undefined;
        if (typeof code === "string" && !org.gs1.some((x) => code.slice(1).startsWith(x))) return member.toUpperCase() + " " + code + " is not under " + signer.org + "'s GS1 company prefixes";
        return null;
      }
      const target = ev.type === "release" ? lot.holds.get(lifted(lot, ev.payload)) : undefined;
      if (target && target.regulator && !regulator) return "lot " + ev.lot_id + " is held by a regulator (" + target.by + "); only a regulator may release it";
      if (target && target.by !== party && !regulator) return "lot " + ev.lot_id + " is held by " + target.by + "; only " + target.by + " or a regulator may release it";
      if (ev.type === "quality_test") {
        if (lot.samples.get(String(ev.payload.sample_id)) !== party) return party + " may record tests only for samples sent to it";
        const registered = orgs.get(party);
        if (registered && ev.payload.lab !== registered.name) return party + " is registered as " + registered.name + "; a test it records names it so, not " + ev.payload.lab;
        if (registered && ev.payload.accreditation !== undefined && !registered.accreditations.includes(ev.payload.accreditation)) return party + " has the accreditations " + (registered.accreditations.join(", ") || "none") + " on record, not " + ev.payload.accreditation;
      }
      if (ev.type === "sample" && lot.samples.has(String(ev.payload.sample_id))) return "sample " + ev.payload.sample_id + " of lot " + ev.lot_id + " was already sent to " + lot.samples.get(String(ev.payload.sample_id)) + ": a sample is sent once";
      if (ev.type === "sample") {
        const lab = orgs.get(String(ev.payload.lab));
        if (!lab || !lab.roles.includes("lab")) return "a sample goes to a laboratory, and " + ev.payload.lab + " is not one";
      }
      if (ev.type === "withdraw_certification") {
        const issuer = lot.certificates.has(String(ev.payload.certificate)) ? lot.recordedBy.get(String(ev.payload.certificate)) : undefined;
        if (issuer !== undefined && issuer !== party && !regulator) return "only " + issuer + " or a regulator may withdraw certificate " + ev.payload.certificate;
      }
      if (ev.type === "correct") {
        const original = lot.recordedBy.get(String(ev.payload.supersedes));
        if (original === undefined) return "lot " + ev.lot_id + " has no event " + ev.payload.supersedes + " to correct";
        if (original !== party && !regulator) return "only " + original + " or a regulator may correct " + ev.payload.supersedes;
      }
      return null;
    }

    function foldLot(ev, signer) {
      const party = signer.org || signer.actor, regulator = holds(signer, policy.regulator_roles);
      let lot = lots.get(ev.lot_id);
      if (!lot) lots.set(ev.lot_id, lot = { holds: new Map(), samples: new Map(), recordedBy: new Map(), certificates: new Set() });
      if (ev.type === "sample") lot.samples.set(String(ev.payload.sample_id), String(ev.payload.lab));
      if (ev.type === "certify") lot.certificates.add(ev.event_id);
      // the holds placed on this lot itself (a release lifts one of those, never an upstream one)
      if (HOLDS.includes(ev.type)) lot.holds.set(ev.event_id, { type: ev.type, by: party, regulator });
      else if (ev.type === "release") lot.holds.delete(lifted(lot, ev.payload));
      lot.recordedBy.set(ev.event_id, party);
    }

    function foldMembership(ev, index) {
      if (!String(ev.lot_id).startsWith(ORG) || !policy.membership_types.includes(ev.type)) return;
      const id = ev.lot_id.slice(ORG.length), p = ev.payload;
      if (ev.type === "register_organisation") {
        orgs.set(id, { id, name: p.name, roles: [...p.roles], lot_prefixes: [...p.lot_prefixes], gs1: [...(p.gs1_company_prefixes || [])], accreditations: [...(p.accreditations || [])], suspended: false, actors: new Map(), cooperatives: new Set() });
        return;
      }
      const org = orgs.get(id);
      if (!org) return;
      const member = p.actor === undefined ? undefined : org.actors.get(p.actor);
      if (ev.type === "register_actor") { org.actors.set(p.actor, { suspended: false, keys: new Map() }); actorOrg.set(p.actor, id); }
      else if (ev.type === "register_key" && member) member.keys.set(keyId(p.key), { from: index, revoked: null, until: p.valid_until === undefined ? null : micros(p.valid_until, "valid_until") });
      else if (ev.type === "revoke_key" && member) { const g = member.keys.get(p.key_id); if (g && g.revoked === null) g.revoked = index; }
      else if (ev.type === "grant_role") org.roles = [...new Set([...org.roles, p.role])];
      else if (ev.type === "withdraw_role") org.roles = org.roles.filter((r) => r !== p.role);
      else if (ev.type === "agree_cooperative") org.cooperatives.add(String(p.cooperative));
      else if (ev.type === "end_cooperative") org.cooperatives.delete(String(p.cooperative));
      else if (ev.type === "suspend" || ev.type === "reinstate") {
        const suspended = ev.type === "suspend";
        if (p.actor === undefined) org.suspended = suspended; else if (member) member.suspended = suspended;
      }
    }

    for (const e of entries) {
      const ev = e.event;
      const where = "the record at log index " + e.log_index + " (" + ev.type + " of lot " + ev.lot_id + " by " + ev.actor + ")";
      const at = micros(e.record.recorded_at, where + ": recorded_at");
      const signer = signerOf(ev, e.log_index, at);
      if (typeof signer === "string") fail(where + ": " + signer);
      const allowed = policy.roles[ev.type] || [];
      if (!holds(signer, allowed)) fail(where + ": not allowed: " + ev.actor + " holds the role " + list(signer.roles) + "; recording " + ev.type + " needs one of " + allowed.join(", "));
      const isMembership = policy.membership_types.includes(ev.type) || String(ev.lot_id).startsWith(ORG);
      const refusal = isMembership ? membershipRefusal(ev, signer, at) : relationRefusal(ev, signer, lots.get(ev.lot_id));
      if (refusal) fail(where + ": not allowed: " + refusal);
      foldLot(ev, signer);
      foldMembership(ev, e.log_index);
    }
    return [...orgs.keys()].sort();
  }

  const authority = { keys, judge, lifted };
  root.ginsengTraceAuthority = authority;
  if (typeof module !== "undefined" && module.exports) module.exports = authority;
})(globalThis);
