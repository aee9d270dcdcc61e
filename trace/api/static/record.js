// The record page: the event type's form built from its schema (forms.js); each submitted event goes into the
// device's outbox (outbox.js, IndexedDB), signed here with the person's device key when this device has one
// (sign-core.js; sent as POST /api/v1/events), else sent for the server-held key (POST /api/v1/me/events); the
// outbox syncs now, on every page load and when the connection returns, each entry showing its status. The
// server's verdict on this page's event is shown beside the field it names. The event id is made once per page,
// so a repeated submit is the same event. The page works offline once visited (the service worker, sw.js).
"use strict";
(async () => {
  const forms = globalThis.ginsengTraceForms;
  const outbox = globalThis.ginsengTraceOutbox;
  const signing = globalThis.ginsengTraceSign;
  const form = document.getElementById("record");
  const d = form.dataset;
  const lang = d.lang;
  const schemaUrl = `/api/v1/schemas/${encodeURIComponent(d.type)}`;
  if ("serviceWorker" in navigator) {  // installable, and this page opens offline next time (sw.js keeps it)
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app" }).catch(() => {});
    if (navigator.onLine && window.caches) caches.open("ginseng-trace-app-v1").then((c) => c.addAll([location.href, schemaUrl])).catch(() => {});
  }
  const answer = await fetch(schemaUrl);
  const schema = await answer.json();
  const built = forms.render(document.getElementById("payload"), schema, lang);
  for (const [path, value] of Object.entries(JSON.parse(d.prefill || "{}"))) {  // what the page knows already
    const input = document.getElementById(forms.idOf(path));
    if (input && !input.value) input.value = value;
  }
  const when = document.getElementById("occurred_at");
  const now = new Date();
  when.value = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const eventId = crypto.randomUUID();
  const reach = document.getElementById("reach");
  if (reach && navigator.onLine) {  // a hold or recall: what it would reach, before it is recorded
    const found = await (await fetch(`/api/v1/lots/${encodeURIComponent(reach.dataset.lot)}/reach`, { credentials: "same-origin" })).json();
    const list = document.getElementById("reach-list");
    const names = JSON.parse(reach.dataset.names);  // kinds and units in the page's language
    for (const lot of found.lots || []) {
      const item = document.createElement("li");
      item.className = "reached";
      const unit = names.units[lot.unit] || lot.unit || "";
      const holders = (lot.custodians || []).map((c) => `${c.organisation ? c.organisation.name : c.party}${c.amount === null ? "" : ` ${c.amount} ${unit}`}`);
      const moving = (lot.in_transit || []).map((s) => `→ ${s.to}`);
      item.textContent = [lot.lot_id, names.kinds[lot.kind] || lot.kind, ...holders, ...moving].join(" · ");
      list.append(item);
    }
  }

  // Who is signed in (remembered on the device for when there is no connection), and this device's key.
  const device = document.getElementById("device");
  const dd = device.dataset;
  let actor = localStorage.getItem("gt_actor") || "";
  try {
    const who = await fetch("/api/v1/session", { credentials: "same-origin" });
    if (who.ok) actor = (await who.json()).actor;
    if (who.ok) localStorage.setItem("gt_actor", actor);
  } catch (offline) { /* the remembered actor */ }
  const showKey = async () => {
    const key = actor ? await outbox.deviceKey(actor) : undefined;
    const state = document.getElementById("device-state");
    const make = document.getElementById("make-key");
    make.hidden = true;
    if (key && key.registered) {
      state.textContent = `${dd.signs} ${actor} (${key.keyId})`;
      device.className = "has-key";
    } else if (!actor) {
      state.textContent = dd.signin;
    } else if (await outbox.canSign()) {
      state.textContent = dd.held;
      make.hidden = false;
    } else {
      state.textContent = dd.unsupported;
    }
  };
  document.getElementById("make-key").addEventListener("click", async () => {
    const state = document.getElementById("device-state");
    try {
      await outbox.makeDeviceKey(actor);
      await showKey();
    } catch (failure) {
      state.textContent = `${dd.failed}: ${failure.message}`;
    }
  });
  await showKey();

  const list = document.getElementById("outbox");
  const status = { queued: list.dataset.queued, sent: list.dataset.sent, stored: list.dataset.stored, refused: list.dataset.refused };
  const showOutbox = (entries) => {
    list.replaceChildren(...entries.slice().reverse().map((e) => {
      const item = document.createElement("li");
      item.className = e.status;
      item.dataset.event = e.event_id;
      item.textContent = [e.lot_id, (e.titles && e.titles[lang]) || e.type, status[e.status], e.detail].filter(Boolean).join(" · ");
      return item;
    }));
    document.getElementById("outbox-h").hidden = !entries.length;
  };

  const verdict = document.getElementById("verdict");
  const clear = () => {
    verdict.textContent = "";
    verdict.className = "";
    for (const p of form.querySelectorAll(".field-error")) p.textContent = "";
  };
  const errorAt = (pointer) => {
    if (pointer === "/event/lot_id") return document.getElementById("lot_id-error");
    if (pointer === "/event/occurred_at") return document.getElementById("occurred_at-error");
    const path = forms.fieldOf(pointer);
    return path ? document.getElementById(forms.idOf(path) + "-error") : null;
  };
  const showVerdict = (entry) => {  // this page's event, as the outbox last saw it
    clear();
    if (!entry) return;
    if (entry.status === "stored") {
      verdict.className = "stored";
      const findings = (entry.findings || []).map((f) => `${d.finding}: ${lang === "zh" ? f.message_zh : f.message}`);
      verdict.textContent = [entry.repeat ? d.again : d.stored, ...findings].join(" · ") + " · ";
      const open = document.createElement("a");  // the lot as stored: its lineage, findings and state
      open.href = `/app/lot/${encodeURIComponent(entry.lot_id)}${lang === "zh" ? "" : "?lang=en"}`;
      open.textContent = d.open;
      verdict.append(open);
    } else if (entry.status === "refused") {
      verdict.className = "refused";
      const placed = [];
      for (const problem of entry.errors || []) {
        const at = errorAt(problem.pointer);
        if (at) at.textContent = problem.detail;
        else placed.push(problem.detail);
      }
      verdict.textContent = [d.refused, entry.detail, ...placed].filter(Boolean).join(": ");
    } else {
      verdict.className = "queued";
      verdict.textContent = entry.signer === "held" && entry.detail ? `${d.queued} ${d.signin}` : d.queued;
    }
  };
  const sync = async () => {
    const entries = await outbox.sync(lang, actor);
    showOutbox(entries);
    showVerdict(entries.find((e) => e.event_id === eventId));
  };
  window.addEventListener("online", sync);
  showOutbox(await outbox.entries());
  sync();

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear();
    const event = {
      event_id: eventId,
      lot_id: form.lot_id.value.trim(),
      type: d.type,
      occurred_at: new Date(when.value).toISOString().replace(/\.\d{3}Z$/, "Z"),
      payload: built.payload(),
    };
    if (d.inputs) event.inputs = d.inputs.split(",");
    try {
      const titles = { zh: schema["x-title-zh"] || schema.title, en: schema.title || schema["x-title-zh"] };
      await outbox.enqueue(event, actor, signing.privateOf(schema), titles);
    } catch (failure) {  // e.g. a value canonical JSON cannot hold
      verdict.className = "refused";
      verdict.textContent = [d.refused, failure.message].join(": ");
      return;
    }
    await sync();
  });
})();
