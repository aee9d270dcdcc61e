// The device's part of the web app (issue 13), kept in IndexedDB so that it survives the app being closed:
//  - the person's device key: an Ed25519 CryptoKey pair made here, non-extractable (IndexedDB keeps the CryptoKey
//    objects themselves, never the private key's bytes), its public key registered for their own actor through
//    POST /api/v1/me/keys (a register_key membership event the operator signs);
//  - the outbox: every event recorded on this device, with its status: queued → sent → stored | refused (with the
//    ledger's reason). An event signed here is kept signed (its envelope), so each retry sends the same bytes and
//    the ledger answers a repeat with 200, never a second record; an event for the server-held key is kept
//    unsigned with its event id, which makes its retries the same event too.
// Sync runs on page load and whenever the browser comes back online (record.js calls it).
"use strict";

(function (root) {
  const sign = root.ginsengTraceSign;
  const DB = "ginseng-trace", VERSION = 1;

  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, VERSION);
      req.onupgradeneeded = () => {
        req.result.createObjectStore("keys", { keyPath: "actor" });
        req.result.createObjectStore("outbox", { keyPath: "event_id" }).createIndex("at", "at");
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function store(name, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const req = work(tx.objectStore(name));
      tx.oncomplete = () => { db.close(); resolve(req && req.result); };
      tx.onerror = tx.onabort = () => { db.close(); reject(tx.error); };
    });
  }
  const get = (name, key) => store(name, "readonly", (s) => s.get(key));
  const put = (name, value) => store(name, "readwrite", (s) => s.put(value));
  const all = (name) => store(name, "readonly", (s) => s.index("at").getAll());

  const csrf = () => sessionStorage.getItem("gt_csrf") || "";
  const canSign = async () => {
    try {
      await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
      return true;
    } catch (e) { return false; }
  };

  // This device's key for ``actor`` ({actor, keyId, vkey, privateKey, registered}), or undefined.
  const deviceKey = (actor) => get("keys", actor);

  // Make a key pair here, register its public key for the signed-in person's own actor, keep both CryptoKeys.
  async function makeDeviceKey(actor) {
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    const { keyId, text } = await sign.verifierKey(actor, raw);
    const entry = { actor, keyId, vkey: text, privateKey: pair.privateKey, publicKey: pair.publicKey, registered: false };
    await put("keys", entry);
    const answer = await fetch("/api/v1/me/keys", {
      method: "POST", credentials: "same-origin", body: JSON.stringify({ key: text }),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    });
    const body = await answer.json();
    if (answer.status !== 201 && answer.status !== 200) throw new Error(body.detail || answer.statusText);
    entry.registered = true;
    await put("keys", entry);
    return entry;
  }

  // Put an event in the outbox: signed here with the device key when there is one, else kept for the server-held
  // key (sent as the signed-in person's event). ``event`` has no actor or key_id yet.
  // ``titles`` ({zh, en}) name the event type in the outbox list.
  async function enqueue(event, actor, privateNames, titles) {
    const key = actor ? await deviceKey(actor) : undefined;
    const prior = await get("outbox", event.event_id);
    const entry = { event_id: event.event_id, lot_id: event.lot_id, type: event.type, titles, actor, at: Date.now(), status: "queued", detail: "", unsigned: event };
    if (prior && prior.envelope && sign.canonical(prior.unsigned) === sign.canonical(event)) {
      Object.assign(entry, { envelope: prior.envelope, signer: "device", at: prior.at });  // the same event: the same bytes
    } else if (key && key.registered) {
      const named = { ...event, actor, key_id: key.keyId };
      entry.envelope = (await sign.signEvent(named, sign.signer(key.privateKey), privateNames)).envelope;
      entry.signer = "device";
    } else {
      entry.event = event;
      entry.signer = "held";
    }
    await put("outbox", entry);
    return entry;
  }

  // Send one entry; its new status (sent while on its way; back to queued when the network fails or the
  // session is gone; stored or refused on the ledger's answer).
  async function send(entry, lang) {
    entry.status = "sent";
    await put("outbox", entry);
    const device = entry.signer === "device";
    let answer, body;
    try {
      answer = await fetch(device ? "/api/v1/events" : "/api/v1/me/events", {
        method: "POST", credentials: "same-origin", body: JSON.stringify(device ? entry.envelope : { event: entry.event }),
        headers: { "Content-Type": "application/json", "Accept-Language": lang === "zh" ? "zh-CN" : "en", "X-CSRF-Token": csrf() },
      });
      body = await answer.json();
    } catch (lost) {  // no connection (queued), or the answer was lost (sent): the same bytes go again next time
      if (!navigator.onLine) {
        entry.status = "queued";
        await put("outbox", entry);
      }
      return entry;
    }
    if (answer.status === 201 || answer.status === 200) {
      Object.assign(entry, { status: "stored", detail: "", repeat: answer.status === 200, findings: body.findings || [] });
    } else if (answer.status === 401 || answer.status === 429 || answer.status >= 500 || (body.type || "").endsWith("csrf")) {
      Object.assign(entry, { status: "queued", detail: body.detail || "" });  // not the event's fault: kept to retry
    } else {
      Object.assign(entry, { status: "refused", detail: body.detail || "", errors: body.errors || [] });
    }
    await put("outbox", entry);
    return entry;
  }

  let running = Promise.resolve();
  // Send every entry not yet stored or refused, oldest first; one pass at a time (a call during a pass runs
  // after it, so an entry queued meanwhile is not missed); the outbox after it. An entry left for the server-held
  // key goes only on a session of the actor who recorded it (the server signs as the session's actor); one
  // signed here goes whoever is signed in, or nobody (POST /api/v1/events needs no session).
  function sync(lang, actor) {
    const pass = async () => {
      for (const entry of await all("outbox")) {
        if (entry.signer === "held" && entry.actor !== actor) continue;
        if (entry.status === "queued" || entry.status === "sent") await send(entry, lang);
      }
      return all("outbox");
    };
    running = running.then(pass, pass);
    return running;
  }

  const outbox = { open, deviceKey, makeDeviceKey, enqueue, send, sync, entries: () => all("outbox"), canSign };
  root.ginsengTraceOutbox = outbox;
})(globalThis);
