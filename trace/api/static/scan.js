// The scan page: a lot's QR decoded in the browser from the rear camera (getUserMedia) or a chosen photo,
// with the BarcodeDetector API where the browser has it and the vendored jsQR otherwise (loaded only then,
// pinned by Subresource Integrity); or the code typed. The code is resolved through the resolver's JSON
// (Accept: application/json on the scanned path, on this service), then GET /api/v1/me/lots/{lot} tells what
// the person's organisation may record for it. A code that is not one of ours is shown as such; nothing is
// recorded here: each action opens /app/record.
"use strict";
(() => {
  const root = document.getElementById("scanner");
  const d = root.dataset;
  const zh = d.lang === "zh";
  const names = JSON.parse(d.eventNames);
  const kinds = JSON.parse(d.kindNames);
  const units = JSON.parse(d.unitNames);
  const unit = (name) => (name ? units[name] || name : "");
  const status = document.getElementById("status");
  const result = document.getElementById("result");
  const video = document.getElementById("camera");
  const canvas = document.getElementById("frame");
  let stream = null;
  let busy = false;

  const el = (tag, text, cls) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };
  const say = (text) => { status.textContent = text; };
  const alarm = (text) => { result.replaceChildren(el("p", text, "alarm")); say(""); };

  // Decoding: BarcodeDetector when it reads QR codes here, else jsQR on the pixels
  let detector;
  const barcodeDetector = async () => {
    if (detector !== undefined) return detector;
    detector = null;
    if ("BarcodeDetector" in globalThis) {
      try {
        const formats = await globalThis.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) detector = new globalThis.BarcodeDetector({ formats: ["qr_code"] });
      } catch (_) { detector = null; }
    }
    return detector;
  };
  let decoder;
  const jsQR = () => decoder || (decoder = new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = d.decoder;
    script.integrity = d.decoderIntegrity;
    script.onload = () => resolve(globalThis.jsQR);
    script.onerror = reject;
    document.head.append(script);
  }));
  const decode = async (source, width, height, photo) => {
    const found = await barcodeDetector();
    if (found) {
      const codes = await found.detect(source);
      return codes.length ? codes[0].rawValue : null;
    }
    const scale = Math.min(1, 1280 / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    const read = (await jsQR())(pixels.data, pixels.width, pixels.height, { inversionAttempts: photo ? "attemptBoth" : "dontInvert" });
    return read ? read.data : null;
  };

  // The code: one of ours (this service's or the labels' public base), a Digital Link or a /lot/ path
  const ours = (text) => {
    let url;
    try { url = new URL(text.trim(), location.href); } catch (_) { return { problem: d.notLink }; }
    if (!/^\/(01|lot)\//.test(url.pathname)) return { problem: d.notLink };
    const base = new URL(d.base, location.href);
    if (url.origin !== location.origin && url.origin !== base.origin) return { problem: d.foreign + url.host };
    return { path: url.pathname + url.search };
  };
  const fetchJson = (path) => fetch(path, {
    credentials: "same-origin", headers: { Accept: "application/json", "Accept-Language": zh ? "zh-CN" : "en" },
  });

  const show = (scanned, mine) => {
    const lot = scanned.lot;
    const card = el("article", undefined, "lot");
    card.id = "scanned-lot";
    card.dataset.lot = lot.lot_id;
    card.append(el("h2", `${d.scanned}: ${lot.lot_id}`));
    for (const hold of lot.holds || []) {
      const kind = hold.type === "recall" ? d.recall : d.hold;
      const who = hold.organisation ? hold.organisation.name : hold.by;
      card.append(el("p", `${kind}: ${hold.reason} · ${d.heldBy} ${hold.lot} · ${hold.on} · ${who} · ${d.noShip}`, "alarm hold"));
    }
    if (!scanned.server_verified) card.append(el("p", d.unverified, "alarm"));
    const facts = el("dl");
    const fact = (term, value) => { if (value) facts.append(el("dt", term), el("dd", value)); };
    fact(d.product, lot.product ? lot.product[zh ? "zh" : "en"] : "");
    fact(d.kind, kinds[mine.kind] || mine.kind);
    fact(d.origin, [...new Set((lot.origins || []).map((o) => o.county))].join("、"));
    const holders = mine.custodians === null ? d.withheld
      : mine.custodians.map((c) => `${c.organisation ? c.organisation.name : c.party}${c.amount === null ? "" : ` ${c.amount} ${unit(mine.unit)}`}`).join("、");
    fact(d.custodians, holders);
    fact(d.incoming, mine.incoming.map((s) => `${s.from}: ${s.amount} ${unit(s.unit)}`).join("、"));
    if (mine.on_hand > 0) fact(d.onHand, `${mine.on_hand} ${unit(mine.unit)}`);
    const findings = scanned.findings || [];
    fact(d.findings, findings.length ? findings.map((f) => (zh ? f.message_zh : f.message)).join("；") : d.noFindings);
    card.append(facts);
    card.append(el("h3", d.actions));
    if (mine.actions.length) {
      const actions = el("div", undefined, "actions");
      for (const action of mine.actions) {
        const query = new URLSearchParams({ type: action.type, [action.mode === "on" ? "lot" : "from"]: lot.lot_id });
        if (!zh) query.set("lang", "en");
        const link = el("a", names[action.type] || action.type);
        link.href = `/app/record?${query}`;
        link.dataset.action = `${action.type}:${action.mode}`;
        actions.append(link);
      }
      card.append(actions);
    } else card.append(el("p", mine.hold ? d.heldNothing : d.noActions, "note"));
    result.replaceChildren(card);
    say("");
  };

  const resolve = async (text) => {
    const found = ours(text);
    if (found.problem) return alarm(found.problem);
    say(d.resolving);
    try {
      const answer = await fetchJson(found.path);
      if (answer.status === 404) return alarm(d.unknown);
      if (answer.status === 503) return alarm(d.again);
      const scanned = await answer.json();
      if (!answer.ok) return alarm(`${d.invalid}: ${scanned.detail || answer.status}`);
      const reply = await fetchJson(`/api/v1/me/lots/${encodeURIComponent(scanned.lot.lot_id)}`);
      if (reply.status === 401) return alarm(d.signin);
      const mine = await reply.json();
      if (!reply.ok) return alarm(mine.detail || String(reply.status));
      return show(scanned, mine);
    } catch (_) {
      return alarm(d.offline);
    }
  };

  const stop = () => {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.hidden = true;
  };
  const look = async () => {
    if (!stream) return;
    if (!busy && video.readyState >= 2 && video.videoWidth) {
      busy = true;
      try {
        const text = await decode(video, video.videoWidth, video.videoHeight, false);
        if (text) { stop(); await resolve(text); }
      } catch (_) {  // the decoder could not be loaded (offline): say so, once
        stop();
        alarm(d.offline);
      } finally { busy = false; }
    }
    if (stream) setTimeout(look, 150);
  };
  document.getElementById("start-camera").addEventListener("click", async () => {
    stop();
    result.replaceChildren();
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
    } catch (_) { return alarm(d.noCamera); }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    say(d.looking);
    look();
  });
  document.getElementById("photo").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    stop();
    say(d.looking);
    let text = null;
    try {
      const image = await createImageBitmap(file);
      text = await decode(image, image.width, image.height, true);
    } catch (_) { text = null; }
    if (text) await resolve(text); else alarm(d.noCode);
  });
  document.getElementById("typed").addEventListener("submit", (event) => {
    event.preventDefault();
    stop();
    resolve(document.getElementById("code").value);
  });
})();
