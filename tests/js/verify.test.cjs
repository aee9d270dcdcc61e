// The browser's pure verifier (trace/api/static/verify-core.js) under Node's built-in test runner, on the
// vectors and worked examples the Python verifier is tested on: the RFC 6962 Merkle vectors
// (tests/test_merkle.py), the C2SP signed-note example (tests/test_note.py), docs/FORMAT.md's worked
// examples (tests/test_format_doc.py) and the demo box's proof bundle (tests/test_bundle_vector.py).
// Run: node --test tests/js/
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const core = require(path.join(ROOT, "trace", "api", "static", "verify-core.js"));
const VECTORS = path.join(ROOT, "tests", "vectors");

const read = (...parts) => fs.readFileSync(path.join(...parts), "utf8");
const fromHex = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
const enc = new TextEncoder();
const CONTEXT = "ginseng-trace/event/v1\n";

test("it runs as a classic script too: it attaches itself to globalThis", () => {
  assert.equal(globalThis.ginsengTraceCore, core);
  assert.equal(typeof core.verifyBundle, "function");
});

test.describe("RFC 6962 Merkle vectors (tests/vectors/merkle)", () => {
  const V = JSON.parse(read(VECTORS, "merkle", "rfc6962_vectors.json"));
  const fail = (pattern) => (e) => e instanceof core.Failure && pattern.test(e.message);

  test("leaf and node hashes", async () => {
    const leaves = await Promise.all(V.leaves_hex.map((x) => core.leafHash(fromHex(x))));
    assert.deepEqual(leaves.map(core.hex), V.node_hashes_by_level["0"]);
    const level1 = await Promise.all([0, 1, 2, 3].map((i) => core.nodeHash(leaves[2 * i], leaves[2 * i + 1])));
    assert.deepEqual(level1.map(core.hex), V.node_hashes_by_level["1"]);
  });

  for (const c of V.inclusion) {
    test(`inclusion ${c.leaf_index} of ${c.tree_size}`, async () => {
      const [leaf, root, proof] = [fromHex(c.leaf_hash), fromHex(c.root), c.proof.map(fromHex)];
      await core.verifyInclusion(leaf, c.leaf_index, c.tree_size, proof, root);
      const other = fromHex(c.leaf_hash);
      other[0] ^= 1;
      await assert.rejects(core.verifyInclusion(other, c.leaf_index, c.tree_size, proof, root), fail(/does not lead/));
      await assert.rejects(core.verifyInclusion(leaf, c.tree_size, c.tree_size, proof, root), fail(/outside/));
      await assert.rejects(core.verifyInclusion(leaf, c.leaf_index, c.tree_size, [...proof, root], root), fail(/too long/));
      if (proof.length) {
        await assert.rejects(core.verifyInclusion(leaf, c.leaf_index, c.tree_size, proof.slice(1), root), fail(/too short/));
        const bent = proof.map((p) => p.slice());
        bent[bent.length - 1][31] ^= 0x80;
        await assert.rejects(core.verifyInclusion(leaf, c.leaf_index, c.tree_size, bent, root), fail(/does not lead/));
      }
    });
  }

  for (const c of V.consistency) {
    test(`consistency ${c.size1} to ${c.size2}`, async () => {
      const [root1, root2, proof] = [fromHex(c.root1), fromHex(c.root2), c.proof.map(fromHex)];
      await core.verifyConsistency(c.size1, c.size2, proof, root1, root2);
      const other = fromHex(c.root2);
      other[5] ^= 1;
      await assert.rejects(core.verifyConsistency(c.size1, c.size2, proof, root1, other), fail(/second root|different roots/));
      await assert.rejects(core.verifyConsistency(c.size2 + 1, c.size2, proof, root1, root2), fail(/larger/));
      await assert.rejects(core.verifyConsistency(0, c.size2, proof, root1, root2), fail(/must not be empty/));
      if (proof.length) {
        await assert.rejects(core.verifyConsistency(c.size1, c.size2, proof.slice(0, -1), root1, root2), fail(/./));
        await assert.rejects(core.verifyConsistency(c.size1, c.size2, [...proof, root1], root1, root2), fail(/./));
        const bent = proof.map((p) => p.slice());
        bent[0][0] ^= 1;
        await assert.rejects(core.verifyConsistency(c.size1, c.size2, bent, root1, root2), fail(/root/));
      }
    });
  }
});

test("the C2SP signed-note example verifies with its vkey, and not once changed", async () => {
  const note = read(VECTORS, "checkpoint", "c2sp_signed_note_example.note");
  const key = await core.parseVkey(read(VECTORS, "checkpoint", "c2sp_signed_note_example.vkey").trim());
  assert.equal(key.name, "example.com/foo");
  assert.equal(core.hex(key.id), "530d903a");
  const parsed = core.parseNote(note);
  assert.equal(parsed.text, "This is an example message.\n");
  assert.equal(await core.checkNoteSignature(parsed, [key]), key);
  const changed = core.parseNote(note.replace("example message", "exemplary message"));
  await assert.rejects(core.checkNoteSignature(changed, [key]), /does not verify/);
  const stranger = { ...key, name: "example.com/bar" };
  await assert.rejects(core.checkNoteSignature(parsed, [stranger]), /no signature by the log's key/);
  assert.throws(() => core.parseNote(note.slice(0, -1)), /not a signed note/);
  await assert.rejects(core.parseVkey(read(VECTORS, "checkpoint", "c2sp_signed_note_example.vkey").trim().replace("+530d903a+", "+530d903b+")), /key id/);
});

test.describe("docs/FORMAT.md's worked examples", () => {
  const doc = read(ROOT, "docs", "FORMAT.md");
  const block = (name) => {
    const section = doc.slice(doc.indexOf(`<!-- ${name}:begin -->`), doc.indexOf(`<!-- ${name}:end -->`));
    const m = /```json\n([\s\S]*?)\n```/.exec(section);
    assert.ok(m, `FORMAT.md has no JSON ${name}`);
    return { section, json: m[1] };
  };

  test("the event and record example re-derives with verify-core.js's helpers", async () => {
    const ex = JSON.parse(block("worked-example").json);
    const key = await core.parseVkey(ex["verifier key (vkey text)"]);
    assert.equal(core.hex(key.publicKey), ex["public key (hex)"]);
    assert.equal(core.hex(key.id), ex["key id (hex)"]);
    const event = enc.encode(ex["event (canonical signed bytes, UTF-8)"]);
    assert.equal(core.hex(await core.sha256(event)), ex["event hash = SHA-256(signed bytes) (hex)"]);
    const message = core.concat(enc.encode(CONTEXT), event);
    assert.equal(core.hex(message), ex["signed message = 'ginseng-trace/event/v1\\n' || signed bytes (hex)"]);
    const signature = core.b64(ex["signature (base64, as in the envelope and the record)"]);
    assert.equal(core.hex(signature), ex["signature (hex)"]);
    assert.equal(await core.ed25519(key.publicKey, signature, message), true);
    const changed = message.slice();
    changed[changed.length - 2] ^= 1;
    assert.equal(await core.ed25519(key.publicKey, signature, changed), false);
    const recordText = ex["record (canonical bytes, UTF-8)"];
    assert.equal(core.hex(await core.sha256(enc.encode(recordText))), ex["record hash = SHA-256(record bytes) (hex)"]);
    const record = JSON.parse(recordText);
    assert.equal(record.event, ex["event hash = SHA-256(signed bytes) (hex)"]);
    assert.equal(core.micros(record.recorded_at, "recorded_at"), 1758187800123456n);  // 2025-09-18T09:30:00.123456Z
  });

  test("the private-members example's envelope signature covers the digests", async () => {
    const ex = JSON.parse(block("private-example").json);
    const key = await core.parseVkey(JSON.parse(block("worked-example").json)["verifier key (vkey text)"]);
    const event = enc.encode(ex["event (canonical signed bytes, UTF-8)"]);
    assert.equal(core.hex(await core.sha256(event)), ex["event hash (hex)"]);
    const message = core.concat(enc.encode(CONTEXT), event);
    assert.equal(await core.ed25519(key.publicKey, core.b64(ex.envelope.signature), message), true);
  });

  test("the documented bundle verifies with the documented log key and trust anchor", async () => {
    const { section, json } = block("bundle-example");
    const logKey = /The log's verifier key: `([^`]+)`/.exec(section)[1];
    const anchor = /The trust anchor's verifier key: `([^`]+)`/.exec(section)[1];
    const policy = JSON.parse(read(VECTORS, "bundle", "demo-keys.json")).policy;
    const bundle = JSON.parse(json);
    assert.deepEqual(await core.verifyBundle(bundle, [logKey], [], [anchor], policy), { records: 5, lots: 2, organisations: 1, size: 6, witnessed: [] });
    assert.equal(core.checkScanned(bundle, "/lot/HV-EX-1"), true);
    assert.throws(() => core.checkScanned(bundle, "/lot/PLOT-EX-1"), /not of the scanned lot PLOT-EX-1/);
    await assert.rejects(core.verifyBundle(bundle, [logKey], [], [logKey], policy), /no key for actor operator/);
    await assert.rejects(core.verifyBundle(bundle, [logKey], [], [], policy), /no membership trust anchor/);
    await assert.rejects(core.verifyBundle(bundle, [logKey], [], [anchor], null), /no authority policy/);
    const lab = { ...policy, roles: { ...policy.roles, register_plot: ["lab"] } };  // a policy the grower does not meet
    await assert.rejects(core.verifyBundle(bundle, [logKey], [], [anchor], lab), /register_plot of lot PLOT-EX-1 by fusong-wang-farm\): not allowed: fusong-wang-farm holds the role grower; recording register_plot needs one of lab/);
    bundle.entries[0].proof.reverse();
    await assert.rejects(core.verifyBundle(bundle, [logKey], [], [anchor], policy), /inclusion proof/);
  });
});

test.describe("the demo box's proof bundle (tests/vectors/bundle)", () => {
  const text = read(VECTORS, "bundle", "demo-bundle.json");
  const keys = JSON.parse(read(VECTORS, "bundle", "demo-keys.json"));
  const fresh = () => JSON.parse(text);
  const refused = async (bundle, pattern, witnessKeys = keys.witness_keys, logKeys = keys.log_keys) => {
    await assert.rejects(core.verifyBundle(bundle, logKeys, witnessKeys, keys.anchor_keys, keys.policy), (e) => {
      assert.ok(e instanceof core.Failure, String(e));
      assert.match(e.message, pattern);
      return true;
    });
  };
  const flipDigit = (entry, member) => {  // one byte of the exact JSON text, as tests/test_browser.py's _flip
    const s = entry[member];
    let at = Math.floor(s.length / 2) + 1;
    while (!/[0-9]/.test(s[at])) at += 1;
    entry[member] = s.slice(0, at) + String((Number(s[at]) + 1) % 10) + s.slice(at + 1);
  };
  const flipSignatureByte = (note, name, at) => note.replace(new RegExp("^\u2014 " + name.replace(/[/.]/g, "\\$&") + " (\\S+)$", "m"), (line, sig) => {
    const raw = core.b64(sig);
    raw[at] ^= 1;
    return "\u2014 " + name + " " + Buffer.from(raw).toString("base64");
  });

  test("it verifies, with and without the witness's key, as the Python verifier reports", async () => {
    assert.deepEqual(await core.verifyBundle(fresh(), keys.log_keys, keys.witness_keys, keys.anchor_keys, keys.policy), keys.report);
    assert.deepEqual(await core.verifyBundle(fresh(), keys.log_keys, [], keys.anchor_keys, keys.policy), { ...keys.report, witnessed: [] });
  });

  test("a changed byte of the log's signature on the checkpoint", async () => {
    const b = fresh();
    b.checkpoint = flipSignatureByte(b.checkpoint, "ginseng.test/log", 40);
    assert.notEqual(b.checkpoint, fresh().checkpoint);
    await refused(b, /the log's signature on the checkpoint does not verify/);
  });

  test("a changed byte of the witness's cosignature", async () => {
    const b = fresh();
    b.checkpoint = flipSignatureByte(b.checkpoint, "regulator.test/witness", 50);
    await refused(b, /witness regulator\.test\/witness's cosignature does not verify/);
    await core.verifyBundle(b, keys.log_keys, [], keys.anchor_keys, keys.policy);  // not asked for, not checked (as verify_bundle)
  });

  test("a changed cosignature time", async () => {
    const b = fresh();
    b.checkpoint = flipSignatureByte(b.checkpoint, "regulator.test/witness", 11);
    await refused(b, /cosignature does not verify/);
  });

  const vkey = async (name, alg) => {  // a new, valid verifier key text
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    const raw = core.concat(Uint8Array.of(alg), new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey)));
    const id = (await core.sha256(core.concat(enc.encode(name + "\n"), raw))).slice(0, 4);
    return name + "+" + core.hex(id) + "+" + Buffer.from(raw).toString("base64");
  };

  test("another log key of the same name, or a witness that did not cosign", async () => {
    await refused(fresh(), /no signature by the log's key/, keys.witness_keys, [await vkey("ginseng.test/log", 1)]);
    await refused(fresh(), /no cosignature by witness regulator\.test\/witness/, [await vkey("regulator.test/witness", 4)]);
    await refused(fresh(), /no cosignature by witness another\.test\/witness/, [...keys.witness_keys, await vkey("another.test/witness", 4)]);
  });

  test("a changed byte of an actor's signature on an event", async () => {
    const b = fresh();
    const record = JSON.parse(b.entries[3].record);
    const sig = core.b64(record.sig);
    sig[17] ^= 1;
    record.sig = Buffer.from(sig).toString("base64");
    b.entries[3].record = JSON.stringify(record);  // the record's keys are already in canonical order
    await refused(b, /inclusion proof/);  // the log proved the record as it was sealed
    const event = JSON.parse(b.entries[3].event);
    // the chain check on its own (verifyBundle runs it after the log proofs): the signature itself
    await assert.rejects(core.verifyChains(b, keys.anchor_keys), new RegExp("record 4 \\(log index \\d+\\): the signature by " + event.actor + " does not verify"));
    await core.verifyChains(fresh(), keys.anchor_keys);
  });

  test("a changed checkpoint text", async () => {
    const b = fresh();
    const lines = b.checkpoint.split("\n");  // origin, tree size, root hash, ...: the size one smaller
    lines[1] = String(Number(lines[1]) - 1);
    b.checkpoint = lines.join("\n");
    await refused(b, /signature/);
  });

  test("a changed record", async () => {
    const b = fresh();
    flipDigit(b.entries[5], "record");
    await refused(b, /inclusion proof|breaks the chain/);
  });

  test("a changed event", async () => {
    const b = fresh();
    flipDigit(b.entries[3], "event");
    await refused(b, /does not match its hash/);
  });

  test("a dropped entry: the last, or one in the middle", async () => {
    const last = fresh();
    last.entries.pop();
    await refused(last, /missing|chain|no record/);
    const middle = fresh();
    middle.entries.splice(10, 1);
    await refused(middle, /breaks the chain|input link|missing/);
  });

  test("entries out of log order, and a log proof changed", async () => {
    const swapped = fresh();
    [swapped.entries[1], swapped.entries[2]] = [swapped.entries[2], swapped.entries[1]];
    await refused(swapped, /out of log order/);
    const bent = fresh();
    bent.entries[2].proof.reverse();
    await refused(bent, /inclusion proof/);
  });

  test("a bundle whose event was signed by a key without the role: every record and proof genuine", async () => {
    const forbidden = JSON.parse(read(VECTORS, "bundle", "forbidden-bundle.json"));
    await refused(forbidden, /recall of lot PK-2025-0931 by changchun-herb-shop\): not allowed: changchun-herb-shop holds the role retailer; recording recall needs one of regulator/, []);
  });

  test("an organisation's membership left out, or one of its records", async () => {
    const isLab = (e) => JSON.parse(e.record).lot === "org:jilin-quality-lab";
    const without = fresh();
    without.entries = without.entries.filter((e) => !isLab(e));
    delete without.lot_heads["org:jilin-quality-lab"];
    await refused(without, /no key for actor jilin-quality-lab/);
    const keyless = fresh();
    keyless.entries.splice(keyless.entries.findIndex((e) => isLab(e) && JSON.parse(e.event).type === "register_key"), 1);
    await refused(keyless, /no key for actor jilin-quality-lab|breaks the chain/);
    const unproven = fresh();
    delete unproven.lot_heads["org:jilin-quality-lab"];
    await refused(unproven, /do not cover exactly/);
  });

  test("another trust anchor: nobody was allowed to register anyone", async () => {
    await assert.rejects(core.verifyBundle(fresh(), keys.log_keys, [], keys.log_keys, keys.policy), /no key for actor operator/);
  });

  test("a lot-heads proof changed or missing", async () => {
    const b = fresh();
    const lot = Object.keys(b.lot_heads)[0];
    b.lot_heads[lot].proof.reverse();
    await refused(b, /inclusion proof/);
    const missing = fresh();
    delete missing.lot_heads[lot];
    await refused(missing, /do not cover exactly/);
  });

  test("a shape the Python parser refuses: nothing is coerced", async () => {
    const index = fresh();
    index.entries[0].log_index = String(index.entries[0].log_index);
    await refused(index, /log_index must be a whole number/);
    const listed = fresh();
    listed.entries[0].event = [listed.entries[0].event];
    await refused(listed, /must be strings/);
    const extra = fresh();
    extra.note = "hello";
    await refused(extra, /exactly the members/);
    const v1 = fresh();
    v1.actor_keys = [];  // version 1 carried the keys on the operator's word
    await refused(v1, /exactly the members/);
  });

  test("checkScanned binds the bundle to the scanned code", () => {
    const b = fresh();
    assert.equal(core.checkScanned(b, keys.scanned), true);
    assert.equal(core.checkScanned(b, "/api/v1/lots/" + b.lot), false);
    assert.throws(() => core.checkScanned(b, keys.scanned.replace("/10/PK-2025-0931/", "/10/RG-2025-0931/")), /not of the scanned lot RG-2025-0931/);
    assert.throws(() => core.checkScanned(b, keys.scanned.replace("/01/06975123400010/", "/01/06975123400027/")), /covers the scanned GTIN 06975123400027 and serial 0007/);
    assert.throws(() => core.checkScanned(b, keys.scanned.replace("/21/0007", "/21/0201")), /serial 0201/);
    // a serial is a string: /21/7 is not the box /21/0007 of the run 0001-0200, nor is /21/00007
    assert.throws(() => core.checkScanned(b, keys.scanned.replace("/21/0007", "/21/7")), /and serial 7$/);
    assert.throws(() => core.checkScanned(b, keys.scanned.replace("/21/0007", "/21/00007")), /and serial 00007$/);
    assert.throws(() => core.checkScanned(b, keys.scanned.replace("/21/0007", "/21/%D9%A0%D9%A0%D9%A0%D9%A7")), /serial ٠٠٠٧/);
    assert.throws(() => core.checkScanned(b, keys.scanned.replace("/21/0007", "/21/%E0%A4")), /not a valid address/);
  });

  test("checkScanned follows a unit split off from the scanned lot to the lot that holds its serial", () => {
    const b = fresh();
    const pack = { lot_id: b.lot, type: "package", payload: { gtin: "06975123400010", serials: { first: "0001", last: "0200" } } };
    const split = { lot_id: "PK-9", type: "split", inputs: [b.lot], payload: { kind: "packaged_product", units: 50, serials: { first: "0151", last: "0200" } } };
    const child = { lot: "PK-9", entries: [pack, split].map((ev) => ({ event: JSON.stringify(ev) })) };
    const scanned = "/01/06975123400010/10/" + b.lot + "/21/";
    assert.equal(core.checkScanned(child, scanned + "0160"), true);
    // a serial the split did not take, or no serial at all: the child's bundle is not the scanned unit's
    assert.throws(() => core.checkScanned(child, scanned + "0007"), /not of the scanned lot/);
    assert.throws(() => core.checkScanned(child, "/01/06975123400010/10/" + b.lot), /not of the scanned lot/);
  });

  test("inRun compares serials exactly, on the vectors the Python run is tested on", () => {
    const V = JSON.parse(read(VECTORS, "serials", "runs.json"));
    for (const c of V.cases) assert.equal(core.inRun(c.serial, c.run), c.in, JSON.stringify(c));
  });

  test("checkPage compares the page's facts with the verified events", () => {
    const b = fresh();
    const events = b.entries.map((e) => JSON.parse(e.event));
    const shown = events.filter((ev) => ["harvest", "process", "package", "quality_test", "ship", "receive", "store", "sell"].includes(ev.type));
    assert.ok(shown.length > 5);
    const page = (items) => ({
      querySelectorAll: (selector) => (assert.equal(selector, "[data-event]"), items),
      querySelector: () => null,
    });
    const item = (ev, date = ev.occurred_at.slice(0, 10)) => ({ dataset: { event: ev.event_id }, textContent: date + " · " + ev.actor });
    core.checkPage(b, page(shown.map((ev) => item(ev))), Infinity);
    assert.throws(() => core.checkPage(b, page(shown.slice(1).map((ev) => item(ev))), Infinity), /leaves out the verified/);
    core.checkPage(b, page(shown.slice(1).map((ev) => item(ev))), b.entries.find((e) => JSON.parse(e.event).event_id === shown[0].event_id).log_index);
    assert.throws(() => core.checkPage(b, page(shown.map((ev, i) => item(ev, i === 2 ? "1999-01-01" : undefined))), Infinity), /misstates event/);
    const invented = { dataset: { event: "made-up-0001" }, textContent: "" };
    assert.throws(() => core.checkPage(b, page([...shown.map((ev) => item(ev)), invented]), Infinity), /does not hold/);
  });
  test("checkPage needs an origin to state its plot's GB/T 2260 code and county name as registered", () => {
    const b = fresh();
    const events = b.entries.map((e) => JSON.parse(e.event));
    const shown = events.filter((ev) => ["harvest", "process", "package", "quality_test", "ship", "receive", "store", "sell"].includes(ev.type));
    const harvest = shown.find((ev) => ev.type === "harvest");
    const plot = events.find((ev) => ev.type === "register_plot" && ev.lot_id === harvest.inputs[0]);
    assert.equal(plot.payload.county_code, "220621");
    const page = (origin) => ({
      querySelectorAll: () => shown.map((ev) => ({
        dataset: ev === harvest ? { event: ev.event_id, plotEvent: plot.event_id } : { event: ev.event_id },
        textContent: ev.occurred_at.slice(0, 10) + " · " + ev.actor + (ev === harvest ? " " + origin : ""),
      })),
      querySelector: () => null,
    });
    core.checkPage(b, page("吉林省白山市抚松县 (220621)"), Infinity);
    assert.throws(() => core.checkPage(b, page("吉林省白山市靖宇县 (220621)"), Infinity), /misstates the origin/);
    assert.throws(() => core.checkPage(b, page("吉林省白山市抚松县 (220622)"), Infinity), /misstates the origin/);
  });
  test("checkPage needs every standing recall or hold, its own or an upstream lot's, shown naming that lot and who recorded it", () => {
    const b = fresh();
    const events = b.entries.map((e) => JSON.parse(e.event));
    const harvest = events.find((ev) => ev.type === "harvest");
    const shown = events.filter((ev) => ["harvest", "process", "package", "quality_test", "ship", "receive", "store", "sell"].includes(ev.type));
    const grower = events.find((ev) => ev.type === "register_actor" && ev.payload.actor === harvest.actor);
    const org = events.find((ev) => ev.type === "register_organisation" && ev.lot_id === grower.lot_id);
    const last = b.entries[b.entries.length - 1].log_index;
    const add = (ev, i) => b.entries.push({ log_index: last + i, event: JSON.stringify(ev), record: "{}", proof: [] });
    // checkPage reads only the events (verifyBundle has checked them): an extra recall of the harvest upstream
    const recall = { event_id: "upstream-recall", lot_id: harvest.lot_id, type: "recall", occurred_at: "2025-12-01T00:00:00Z", actor: harvest.actor, key_id: harvest.key_id, payload: { reason: "Cd" } };
    add(recall, 1);
    const item = (ev) => ({ dataset: { event: ev.event_id }, textContent: ev.occurred_at.slice(0, 10) + " · " + ev.actor });
    const banner = (text, type = "recall") => ({ dataset: { hold: "upstream-recall" }, textContent: text, classList: { contains: (c) => c === type } });
    const page = (banners) => ({
      querySelectorAll: (selector) => (selector === "[data-event]" ? shown.map(item) : banners),
      querySelector: (selector) => (banners.some((x) => selector === ".banner." + (x.classList.contains("recall") ? "recall" : "hold")) ? banners[0] : null),
    });
    assert.throws(() => core.checkPage(b, page([]), Infinity), /does not show the verified recall/);
    assert.throws(() => core.checkPage(b, page([banner("RECALLED 2025-12-01 " + org.payload.name)]), Infinity), /misstates the recall upstream-recall/);
    assert.throws(() => core.checkPage(b, page([banner("RECALLED " + harvest.lot_id + " 2025-12-01 someone")]), Infinity), /misstates/);
    const holds = core.checkPage(b, page([banner("RECALLED " + harvest.lot_id + " · 2025-12-01 · " + org.payload.name)]), Infinity);
    assert.deepEqual(holds, [{ type: "recall", lot: harvest.lot_id, by: org.payload.name, on: "2025-12-01", upstream: true }]);
    // a release lifts a hold it names, never a recall
    add({ ...recall, event_id: "release-1", type: "release", payload: { reason: "r", hold: "upstream-recall" } }, 2);
    assert.equal(core.checkPage(b, page([banner("RECALLED " + harvest.lot_id + " · 2025-12-01 · " + org.payload.name)]), Infinity).length, 1);
    const held = fresh();
    held.entries.push({ log_index: last + 1, event: JSON.stringify({ ...recall, type: "hold" }), record: "{}", proof: [] });
    held.entries.push({ log_index: last + 2, event: JSON.stringify({ ...recall, event_id: "release-2", type: "release", payload: { reason: "r", hold: "upstream-recall" } }), record: "{}", proof: [] });
    assert.deepEqual(core.checkPage(held, page([]), Infinity), []);
  });
});
