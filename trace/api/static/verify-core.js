// Ginseng Trace: the pure part of the on-device verifier (docs/FORMAT.md §7). No
// window, location or document: the page code (verify.js) hands in the page's address and document. It
// runs as a classic <script> before verify.js (as globalThis.ginsengTraceCore) and under Node (as a
// CommonJS module: tests/js/, `node --test tests/js/`, on the same vectors as the Python verifier).
// Hand-auditable on purpose: no library, no network; SHA-256 and Ed25519 are verify-crypto.js's (WebCrypto's,
// or the vendored fallback's where the browser lacks them). It re-does every check of
// ginseng_trace.chain.bundle.verify_bundle:
//   0. the bundle's shape, member by member, nothing coerced; times strictly RFC 3339 UTC and real;
//   1. the checkpoint note is signed by a trusted log key (and cosigned by each trusted witness key;
//      each cosignature is verified), and its origin is the log key's name;
//   2. every record's leaf hash is in the checkpoint's tree (RFC 9162 inclusion proofs);
//   3. every record chains: record and event hashes, the actor's Ed25519 signature under a key that a
//      membership record of the bundle registers (or a trust anchor's), seq and prev per lot, input links
//      to each input lot's head at that point;
//   4. the bundle holds its own lot and every lot consumed, and the checkpoint's lot-heads map shows
//      that each lot's last record in the bundle is its latest (with both neighbours in the map), the
//      organisations' membership chains included;
//   4a. authority (verify-authority.js): each record's key was valid and its signer allowed at its position;
//   5. beyond verify_bundle (checkScanned, checkPage): the scanned code (the page's address) names the
//      bundle's lot and, for a GS1 label, a GTIN and serial that the lot's verified packaging record
//      covers; and the history the page shows is the verified one (each fact, nothing left out, every
//      recall or hold standing over the lot shown, its own or an upstream lot's, naming that lot and who
//      recorded it: checkPage returns them, for the page to say).
// Every check that fails throws a Failure whose message says what failed.
"use strict";

(function (root) {
  const enc = new TextEncoder();
  const GENESIS = "0".repeat(64);
  const CONTEXT = enc.encode("ginseng-trace/event/v1\n");
  const authority = typeof module !== "undefined" && module.exports ? require("./verify-authority.js") : root.ginsengTraceAuthority;
  const primitives = typeof module !== "undefined" && module.exports ? require("./verify-crypto.js") : root.ginsengTraceCrypto;

  class Failure extends Error {}
  const fail = (why) => { throw new Failure(why); };

  function b64(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4) fail("not base64: " + text);
    const raw = atob(text);
    if (btoa(raw) !== text) fail("not canonical base64: " + text);  // one text for each byte string, as the server
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sha256 = (bytes) => primitives.sha256(bytes);
  const leafHash = (data) => sha256(concat(Uint8Array.of(0), data));
  const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));
  // RFC 3339 UTC (YYYY-MM-DDTHH:MM:SS[.frac]Z, a real date and time) as microseconds since 1970, a BigInt,
  // fractions beyond microseconds truncated: exactly what ginseng_trace.chain.times.parse_utc accepts and
  // compares. Anything else fails (an unparsable validity bound must never count as "no bound").
  const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;
  function micros(t, what) {
    const m = typeof t === "string" ? TIME.exec(t) : null;
    if (!m) fail(what + ": not an RFC 3339 UTC time: " + t);
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    date.setUTCHours(h, mi, s, 0);
    if (y < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d ||
        date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) {
      fail(what + ": not a real date and time: " + t);
    }
    return BigInt(date.getTime()) * 1000n + BigInt((m[7] || "").padEnd(6, "0").slice(0, 6));
  }

  const ed25519 = (publicKey, signature, message) => primitives.ed25519(publicKey, signature, message);

  // C2SP vkey: <name>+<hex key id>+<base64(alg || 32-byte public key)>; key id = SHA-256(name\nalg||pk)[:4]
  async function parseVkey(text) {
    const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(text);  // base64 may hold "+"
    if (!m) fail("malformed verifier key " + text);
    const [, name, id, material] = m;
    const raw = b64(material);
    if (raw.length !== 33) fail("verifier key " + name + " is not an Ed25519 key");
    const keyId = (await sha256(concat(enc.encode(name + "\n"), raw))).slice(0, 4);
    if (hex(keyId) !== id) fail("verifier key " + name + ": key id does not match");
    return { name, id: keyId, alg: raw[0], publicKey: raw.slice(1) };
  }

  // RFC 9162 §2.1.3.2
  async function verifyInclusion(leaf, index, size, proof, root) {
    if (index >= size) fail("leaf index " + index + " is outside a tree of " + size);
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (p.length !== 32) fail("a proof hash is not 32 bytes");
      if (sn === 0) fail("inclusion proof too long");
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail("inclusion proof too short");
    if (!equal(r, root)) fail("inclusion proof does not lead to the checkpoint root");
  }

  // RFC 9162 §2.1.4.2: the tree of size1 leaves with root1 is a prefix of the tree of size2 leaves with
  // root2 (as ginseng_trace.chain.merkle.verify_consistency; the page itself has no use for it yet).
  async function verifyConsistency(size1, size2, proof, root1, root2) {
    if ([root1, root2, ...proof].some((p) => p.length !== 32)) fail("a proof or root hash is not 32 bytes");
    if (size1 <= 0) fail("no consistency proof from size " + size1 + ": the first tree must not be empty");
    if (size1 > size2) fail("first size " + size1 + " is larger than second size " + size2);
    if (size1 === size2) {
      if (proof.length) fail("a consistency proof between equal sizes must be empty");
      if (!equal(root1, root2)) fail("trees of equal size " + size1 + " have different roots");
      return;
    }
    if (!proof.length) fail("consistency proof is empty");
    let power = 1;
    while (power < size1) power *= 2;  // not size1 & (size1 - 1): that is 32-bit
    const path = power === size1 ? [root1, ...proof] : [...proof];
    let fn = size1 - 1, sn = size2 - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) fail("consistency proof is too long");
      if (fn % 2 === 1 || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail("consistency proof is too short");
    if (!equal(fr, root1)) fail("consistency proof does not lead to the first root");
    if (!equal(sr, root2)) fail("consistency proof does not lead to the second root");
  }

  // C2SP signed note: text, a blank line, then "— <name> <base64(key id || signature)>" lines.
  function parseNote(note) {
    const split = note.indexOf("\n\n");
    if (split < 0 || !note.endsWith("\n")) fail("the checkpoint is not a signed note");
    const text = note.slice(0, split + 1);
    const lines = note.slice(split + 2, -1).split("\n");
    const sigs = lines.map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) fail("malformed signature line in the checkpoint");
      return { name: m[1], raw: b64(m[2]) };
    });
    return { text, sigs };
  }

  // The note's signature by one of logKeys (every signature by a given key must verify): that key.
  async function checkNoteSignature(note, logKeys) {
    let logged = null;
    for (const key of logKeys) {
      for (const s of note.sigs) {
        if (s.name === key.name && equal(s.raw.slice(0, 4), key.id)) {
          if (!(await ed25519(key.publicKey, s.raw.slice(4), enc.encode(note.text)))) fail("the log's signature on the checkpoint does not verify");
          logged = key;
        }
      }
    }
    if (!logged) fail("the checkpoint carries no signature by the log's key");
    return logged;
  }

  // C2SP tlog-cosignature/v1: a cosignature by each of witnessKeys, each verified; their names.
  async function checkCosignatures(note, witnessKeys) {
    const witnessed = [];
    for (const key of witnessKeys) {
      const s = note.sigs.find((x) => x.name === key.name && equal(x.raw.slice(0, 4), key.id));
      if (!s || s.raw.length !== 76) fail("no cosignature by witness " + key.name);
      const time = new DataView(s.raw.buffer, s.raw.byteOffset + 4, 8).getBigUint64(0);
      const message = enc.encode("cosignature/v1\ntime " + time + "\n" + note.text);
      if (!(await ed25519(key.publicKey, s.raw.slice(12), message))) fail("witness " + key.name + "'s cosignature does not verify");
      witnessed.push(key.name);
    }
    return witnessed;
  }

  // C2SP tlog-checkpoint body: origin (which must be the signing log key's name), tree size, base64
  // root hash, then extension lines.
  function parseCheckpointText(text, origin) {
    const body = text.slice(0, -1).split("\n");
    if (body.length < 3 || !/^(0|[1-9][0-9]*)$/.test(body[1])) fail("malformed checkpoint text");
    if (body[0] !== origin) fail("checkpoint origin " + body[0] + " is not the log key's name");
    return { origin: body[0], size: Number(body[1]), root: b64(body[2]), extensions: body.slice(3) };
  }

  async function openCheckpoint(text, logKeys, witnessKeys) {
    const note = parseNote(text);
    const logged = await checkNoteSignature(note, logKeys);
    const witnessed = await checkCosignatures(note, witnessKeys);
    return { ...parseCheckpointText(note.text, logged.name), witnessed };
  }

  // Keys come from the bundle's membership records and the trust anchors; whether a key was valid at a
  // record's position is the authority check's question (verify-authority.js).
  async function verifyChains(bundle, anchorKeys) {
    const parsed = bundle.entries.map((e) => ({ log_index: e.log_index, event: JSON.parse(e.event) }));
    const keys = new Map();
    for (const [id, text] of authority.keys(parsed, anchorKeys)) keys.set(id, { v: await parseVkey(text) });
    const heads = new Map();
    for (const [i, entry] of bundle.entries.entries()) {
      const where = "record " + (i + 1) + " (log index " + entry.log_index + ")";
      const recordBytes = enc.encode(entry.record), eventBytes = enc.encode(entry.event);
      const record = JSON.parse(entry.record), event = JSON.parse(entry.event);
      if (record.event !== hex(await sha256(eventBytes))) fail(where + ": the event does not match its hash");
      if (record.lot !== event.lot_id) fail(where + ": record and event name different lots");
      const key = keys.get(event.actor + "/" + event.key_id);
      if (!key) fail(where + ": no key for actor " + event.actor);
      if (!(await ed25519(key.v.publicKey, b64(record.sig), concat(CONTEXT, eventBytes)))) fail(where + ": the signature by " + event.actor + " does not verify");
      const head = heads.get(record.lot);
      const [seq, prev] = head ? [head.seq + 1, head.hash] : [1, GENESIS];
      if (record.seq !== seq || record.prev !== prev) fail(where + ": breaks the chain of lot " + record.lot);
      const inputs = event.inputs || [];
      if (record.inputs.length !== inputs.length) fail(where + ": input lots differ from the event's");
      record.inputs.forEach((link, j) => {
        if (link.lot !== inputs[j]) fail(where + ": input lots differ from the event's");
        const h = heads.get(link.lot);
        if (!h || h.hash !== link.head) fail(where + ": input link to lot " + link.lot + " is wrong or its history is missing");
      });
      heads.set(record.lot, { seq: record.seq, hash: hex(await sha256(recordBytes)) });
    }
    return heads;
  }

  async function verifyHead(proof, lot, size, root) {
    const leaf = (e) => leafHash(enc.encode(JSON.stringify({ head: e.head, lot: e.lot, seq: e.seq })));
    if (!proof || proof.lot !== lot) fail("no lot-heads proof for lot " + lot);
    await verifyInclusion(await leaf(proof), proof.index, size, proof.proof.map(b64), root);
    for (const [side, offset] of [["left", -1], ["right", 1]]) {
      const n = proof[side];
      const atEnd = offset < 0 ? proof.index === 0 : proof.index === size - 1;
      if (n === null) { if (!atEnd) fail("lot " + lot + ": a lot-heads neighbour is missing"); continue; }
      if (n.index !== proof.index + offset || n.lot === lot || (n.lot < lot) !== (offset < 0)) fail("lot " + lot + ": lot-heads neighbours out of order");
      await verifyInclusion(await leaf(n), n.index, size, n.proof.map(b64), root);
    }
    return proof;
  }

  // The bundle's shape, member by member, as ginseng_trace.chain.bundle.Bundle.parse checks it: nothing is
  // coerced (a log index "7" or an event in a list is refused, not read as 7 or as its text).
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const isWhole = (v) => Number.isSafeInteger(v) && v >= 0;
  const hasExactly = (v, names) => isObject(v) && Object.keys(v).sort().join() === [...names].sort().join();
  function checkShape(bundle) {
    if (!hasExactly(bundle, ["format", "lot", "checkpoint", "entries", "lot_heads"])) fail("a bundle has exactly the members format, lot, checkpoint, entries, lot_heads");
    if (bundle.format !== "ginseng-trace/bundle/v2") fail("unknown bundle format");
    if (typeof bundle.lot !== "string" || typeof bundle.checkpoint !== "string") fail("bundle members lot and checkpoint must be strings");
    if (!Array.isArray(bundle.entries) || !isObject(bundle.lot_heads)) fail("bundle members entries and lot_heads have the wrong type");
    bundle.entries.forEach((e, i) => {
      if (!hasExactly(e, ["log_index", "event", "record", "proof"])) fail("entry " + i + " must have exactly log_index, event, record, proof");
      if (!isWhole(e.log_index)) fail("entry " + i + ": log_index must be a whole number >= 0");
      if (typeof e.event !== "string" || typeof e.record !== "string") fail("entry " + i + ": event and record must be strings");
      if (!Array.isArray(e.proof)) fail("entry " + i + ": proof must be an array of base64 hashes");
    });
    for (const [lot, proof] of Object.entries(bundle.lot_heads)) {
      const entries = [proof, ...(isObject(proof) ? [proof.left, proof.right].filter((n) => n !== null) : [])];
      if (!isObject(proof) || !("left" in proof) || !("right" in proof)) fail("lot-heads proof for " + lot + " must have left and right neighbours");
      for (const e of entries) {
        if (!isObject(e) || typeof e.lot !== "string" || !Number.isSafeInteger(e.seq) || typeof e.head !== "string" || !/^[0-9a-f]{64}$/.test(e.head) || !Number.isSafeInteger(e.index) || !Array.isArray(e.proof)) fail("lot-heads proof for " + lot + " has a member of the wrong type");
      }
    }
  }

  // anchorKeyTexts: the membership trust anchors' verifier keys; policy: the authority rule's settings (who
  // may record what), as the ledger publishes them (GET /api/v1/authority-policy).
  async function verifyBundle(bundle, logKeyTexts, witnessKeyTexts, anchorKeyTexts, policy) {
    checkShape(bundle);
    if (!Array.isArray(anchorKeyTexts) || !anchorKeyTexts.length) fail("no membership trust anchor to verify against");
    if (!isObject(policy) || !isObject(policy.roles)) fail("no authority policy to verify against");
    for (const a of anchorKeyTexts) await parseVkey(a);
    const logKeys = await Promise.all(logKeyTexts.map(parseVkey));
    const witnessKeys = await Promise.all(witnessKeyTexts.map(parseVkey));
    const cp = await openCheckpoint(bundle.checkpoint, logKeys, witnessKeys);
    let previous = -1;
    for (const entry of bundle.entries) {
      if (!(entry.log_index > previous)) fail("records out of log order");
      previous = entry.log_index;
      await verifyInclusion(await leafHash(enc.encode(entry.record)), entry.log_index, cp.size, entry.proof.map(b64), cp.root);
    }
    const heads = await verifyChains(bundle, anchorKeyTexts);
    if (!heads.has(bundle.lot)) fail("the bundle holds no record of its own lot");
    const line = cp.extensions.find((x) => x.startsWith("lot-heads "));
    const m = line && /^lot-heads (0|[1-9][0-9]*) ([A-Za-z0-9+/]{43}=)$/.exec(line);
    if (!m) fail("the checkpoint commits to no lot-heads map");
    const lots = Object.keys(bundle.lot_heads).sort();
    if (lots.join("\n") !== Array.from(heads.keys()).sort().join("\n")) fail("lot-heads proofs do not cover exactly the bundle's lots");
    for (const lot of lots) {
      const entry = await verifyHead(bundle.lot_heads[lot], lot, Number(m[1]), b64(m[2]));
      const mine = heads.get(lot);
      if (entry.seq !== mine.seq || entry.head !== mine.hash) fail("lot " + lot + ": records are missing from the bundle");
    }
    const parsed = bundle.entries.map((e) => ({ log_index: e.log_index, event: JSON.parse(e.event), record: JSON.parse(e.record) }));
    const organisations = authority.judge(parsed, anchorKeyTexts, policy, fail, micros);
    const products = lots.filter((lot) => !lot.startsWith("org:")).length;
    return { records: bundle.entries.length, lots: products, organisations: organisations.length, size: cp.size, witnessed: cp.witnessed };
  }

  // The scanned code itself (the page's address: what the phone read off the label) must name the
  // bundle's lot and, for a GS1 label, its GTIN and a serial that a verified packaging record covers; so a
  // genuine page and bundle shown for a code they do not belong to (a copied page behind a fake label) fail.
  // A GS1 serial (AI 21) is a string, compared exactly (events/serials.py): a run {first, last} holds the
  // ASCII-digit strings of exactly its ends' width between them (so 7 is not 0007), a run {list} its list.
  const DIGITS = /^[0-9]{1,20}$/, SERIAL = /^[!"%-?A-Z_a-z]{1,20}$/;  // GS1 character set 82, ASCII only
  function inRun(serial, run) {
    if (typeof serial !== "string" || !isObject(run)) return false;
    const keys = Object.keys(run).sort().join(",");
    if (keys === "list") {
      const list = run.list;
      if (!Array.isArray(list) || !list.length || !list.every((s) => typeof s === "string" && SERIAL.test(s))) return false;
      return new Set(list).size === list.length && list.includes(serial);
    }
    if (keys !== "first,last") return false;
    const { first, last } = run;
    if (typeof first !== "string" || typeof last !== "string" || !DIGITS.test(first) || !DIGITS.test(last) || first.length !== last.length) return false;
    return DIGITS.test(serial) && serial.length === first.length && first <= serial && serial <= last;
  }
  function checkScanned(bundle, path) {
    let seg;  // "", "01", gtin, "10", lot, "21", serial
    try { seg = path.split("/").map(decodeURIComponent); } catch (e) { fail("the scanned code is not a valid address: " + path); }
    const ai = {};
    if (seg[1] === "lot" && seg.length === 3) ai["10"] = seg[2];
    else if (seg[1] === "01") for (let i = 1; i + 1 < seg.length; i += 2) ai[seg[i]] = seg[i + 1];
    else return false;  // not a scanned code's page: nothing to bind
    const events = bundle.entries.map((e) => JSON.parse(e.event));
    // a unit split off from the scanned lot (events/movements.py): the bundle is of the lot that holds its
    // serial now, reached from the scanned lot by verified splits that each name that serial
    for (let lot = bundle.lot, seen = new Set(); lot !== ai["10"]; ) {
      const split = events.find((ev) => ev.lot_id === lot && ev.type === "split");
      if (seen.has(lot) || !split || ai["21"] === undefined || !inRun(ai["21"], split.payload.serials) || !Array.isArray(split.inputs))
        fail("this proof bundle is of lot " + bundle.lot + ", not of the scanned lot " + ai["10"]);
      seen.add(lot);
      lot = split.inputs[0];
    }
    if (ai["01"] === undefined) return true;
    const covers = events.some((ev) =>
      ev.lot_id === ai["10"] && ev.type === "package" && ev.payload.gtin === ai["01"] && (ai["21"] === undefined ||
        inRun(ai["21"], ev.payload.serials)));
    if (!covers) fail("no verified packaging record of lot " + ai["10"] + " covers the scanned GTIN " + ai["01"] + (ai["21"] === undefined ? "" : " and serial " + ai["21"]));
    return true;
  }

  // What the page shows must be what the bundle verified: each fact marked data-event names a verified
  // event and shows its date and its actor (or, for a test, its lab; for an origin, its plot's county);
  // every verified harvest, processing, test and custody event logged before the page was rendered (its
  // data-log-size) is shown; a verified recall or hold that was not released is shown as a banner, however
  // recent. So a page that changes, hides or invents a fact fails here.
  const SHOWN = ["harvest", "process", "package", "quality_test", "ship", "receive", "store", "sell"];
  function checkPage(bundle, doc, renderedAt) {
    const events = new Map(bundle.entries.map((e) => [JSON.parse(e.event), e.log_index]).map(([ev, i]) => [ev.event_id, { ...ev, index: i }]));
    const shown = new Set();
    for (const el of doc.querySelectorAll("[data-event]")) {
      const ev = events.get(el.dataset.event), text = el.textContent;
      if (!ev) fail("the page shows an event the bundle does not hold (" + el.dataset.event + ")");
      if (el.dataset.who === "issuer") {  // a certificate: its scheme's record as its issuer signed it
        const p = ev.payload;
        if (ev.type !== "certify" || ![p.number, p.issuer, p.valid_from, p.valid_until].every((v) => text.includes(String(v)))) fail("the page misstates certificate " + ev.event_id);
        shown.add(ev.event_id);
        continue;
      }
      const who = el.dataset.who === "lab" ? String(ev.payload.lab) : ev.actor;
      if (!text.includes(ev.occurred_at.slice(0, 10)) || !text.includes(who)) fail("the page misstates event " + ev.event_id);
      if (el.dataset.plotEvent !== undefined) {
        // the plot's county as registered: its GB/T 2260 code and its name, whichever it states (both: the code's)
        const plot = events.get(el.dataset.plotEvent);
        const place = plot ? [plot.payload.county_code, plot.payload.county].filter((v) => v !== undefined) : [];
        if (!plot || plot.type !== "register_plot" || !place.length || !place.every((v) => text.includes(String(v)))) fail("the page misstates the origin of " + ev.event_id);
      }
      shown.add(ev.event_id);
    }
    // the holds and recalls standing over the lot (its own and its ancestors', all of which the bundle
    // carries): each release lifts the one hold of its own lot it names (authority.lifted); a recall stays
    const standing = new Map(), own = new Map();
    for (const ev of events.values()) {
      if (SHOWN.includes(ev.type) && ev.index < renderedAt && !shown.has(ev.event_id)) fail("the page leaves out the verified " + ev.type + " of " + ev.occurred_at.slice(0, 10));
      if (!own.has(ev.lot_id)) own.set(ev.lot_id, { holds: new Map() });
      if (ev.type === "hold" || ev.type === "recall") {
        standing.set(ev.event_id, ev);
        own.get(ev.lot_id).holds.set(ev.event_id, { type: ev.type });
      } else if (ev.type === "release") {
        const target = authority.lifted(own.get(ev.lot_id), ev.payload);
        own.get(ev.lot_id).holds.delete(target);
        standing.delete(target);
      }
    }
    const status = [...standing.values()].some((ev) => ev.type === "recall") ? "recall" : standing.size ? "hold" : null;
    if (status !== null && !doc.querySelector(".banner." + status)) fail("the page does not show the verified " + status);
    // each standing hold logged before the page was rendered is shown, naming the lot it was placed on, when,
    // and who recorded it (the recorder's organisation, from the bundle's verified membership records)
    const orgName = new Map(), actorOrg = new Map();
    for (const ev of events.values()) {
      if (!String(ev.lot_id).startsWith("org:")) continue;
      if (ev.type === "register_organisation") orgName.set(ev.lot_id.slice(4), String(ev.payload.name));
      else if (ev.type === "register_actor") actorOrg.set(String(ev.payload.actor), ev.lot_id.slice(4));
    }
    const holds = [];
    for (const ev of standing.values()) {
      const org = actorOrg.get(ev.actor), by = org === undefined ? ev.actor : orgName.get(org) || org;
      holds.push({ type: ev.type, lot: ev.lot_id, by, on: ev.occurred_at.slice(0, 10), upstream: ev.lot_id !== bundle.lot });
      if (ev.index >= renderedAt) continue;
      const el = [...doc.querySelectorAll(".banner[data-hold]")].find((x) => x.dataset.hold === ev.event_id);
      if (!el || !el.classList.contains(ev.type)) fail("the page does not show the verified " + ev.type + " " + ev.event_id + " of lot " + ev.lot_id);
      const text = el.textContent;
      if (!text.includes(ev.lot_id) || !text.includes(by) || !text.includes(ev.occurred_at.slice(0, 10))) fail("the page misstates the " + ev.type + " " + ev.event_id + " (lot " + ev.lot_id + ", recorded by " + by + ")");
    }
    return holds.sort((a, b) => (a.type !== "recall") - (b.type !== "recall"));
  }

  const core = {
    Failure, fail, b64, hex, concat, equal, sha256, leafHash, nodeHash, micros, ed25519, parseVkey,
    verifyInclusion, verifyConsistency, parseNote, checkNoteSignature, checkCosignatures, parseCheckpointText,
    openCheckpoint, verifyChains, verifyHead, checkShape, verifyBundle, inRun, checkScanned, checkPage,
  };
  root.ginsengTraceCore = core;
  if (typeof module !== "undefined" && module.exports) module.exports = core;
})(globalThis);
