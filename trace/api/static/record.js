// The record page: the event type's form built from its schema (forms.js), submitted as the signed-in
// person's event (POST /api/v1/me/events, signed with their server-held key), the server's verdict shown
// beside the field it names. The event id is made once per page, so a repeated submit is the same event.
"use strict";
(async () => {
  const forms = globalThis.ginsengTraceForms;
  const form = document.getElementById("record");
  const d = form.dataset;
  const lang = d.lang;
  const answer = await fetch(`/api/v1/schemas/${encodeURIComponent(d.type)}`);
  const schema = await answer.json();
  const built = forms.render(document.getElementById("payload"), schema, lang);
  const when = document.getElementById("occurred_at");
  const now = new Date();
  when.value = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const eventId = crypto.randomUUID();
  const reach = document.getElementById("reach");
  if (reach) {  // a hold or recall: what it would reach, before it is recorded
    const found = await (await fetch(`/api/v1/lots/${encodeURIComponent(reach.dataset.lot)}/reach`, { credentials: "same-origin" })).json();
    const list = document.getElementById("reach-list");
    for (const lot of found.lots || []) {
      const item = document.createElement("li");
      item.className = "reached";
      const holders = (lot.custodians || []).map((c) => `${c.organisation ? c.organisation.name : c.party}${c.amount === null ? "" : ` ${c.amount}`}`);
      const moving = (lot.in_transit || []).map((s) => `→ ${s.to}`);
      item.textContent = [lot.lot_id, lot.kind, ...holders, ...moving].join(" · ");
      list.append(item);
    }
  }
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
    let reply;
    try {
      reply = await fetch("/api/v1/me/events", {
        method: "POST", credentials: "same-origin", body: JSON.stringify({ event }),
        headers: {
          "Content-Type": "application/json", "Accept-Language": lang === "zh" ? "zh-CN" : "en",
          "X-CSRF-Token": sessionStorage.getItem("gt_csrf") || "",
        },
      });
    } catch (failure) {
      verdict.className = "refused";
      verdict.textContent = d.offline;
      return;
    }
    const body = await reply.json();
    if (reply.status === 201 || reply.status === 200) {
      verdict.className = "stored";
      const findings = (body.findings || []).map((f) => `${d.finding}: ${lang === "zh" ? f.message_zh : f.message}`);
      verdict.textContent = [reply.status === 201 ? d.stored : d.again, ...findings].join(" · ");
      return;
    }
    verdict.className = "refused";
    const placed = [];
    for (const problem of body.errors || []) {
      const at = errorAt(problem.pointer);
      if (at) at.textContent = problem.detail;
      else placed.push(problem.detail);
    }
    const why = reply.status === 401 || (reply.status === 403 && body.type && body.type.endsWith("csrf")) ? d.signin : body.detail;
    verdict.textContent = [d.refused, why, ...placed].filter(Boolean).join(": ");
  });
})();
