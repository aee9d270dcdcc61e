// The lot page: on a narrow screen the drawing scrolls sideways to bring the lot itself into view (its
// ancestors are to its left). For regulators, the release: the standing hold picked from the list, signed as
// the signed-in person's event (POST /api/v1/me/events with their server-held key); the server's verdict shown
// below. The event id is made once per page, so a repeated submit is the same event, not a second release.
"use strict";
(() => {
  const wrap = document.querySelector(".graph-wrap");
  const own = wrap && wrap.querySelector(`a.node[data-lot="${CSS.escape(wrap.dataset.lot)}"] rect`);
  if (own && wrap.scrollWidth > wrap.clientWidth) {
    const x = Number(own.getAttribute("x")) + Number(own.getAttribute("width")) / 2;
    wrap.scrollLeft = Math.max(0, x - wrap.clientWidth / 2);
  }
  const form = document.getElementById("release");
  if (!form) return;
  const d = form.dataset;
  const verdict = document.getElementById("release-verdict");
  const eventId = crypto.randomUUID();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const payload = { hold: form.hold.value, reason: form.reason.value.trim() };
    for (const name of ["authority", "reference"]) if (form[name].value.trim()) payload[name] = form[name].value.trim();
    const event = {
      event_id: eventId, lot_id: d.lot, type: "release", payload,
      occurred_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
    verdict.className = "";
    verdict.textContent = "";
    let reply;
    try {
      reply = await fetch("/api/v1/me/events", {
        method: "POST", credentials: "same-origin", body: JSON.stringify({ event }),
        headers: {
          "Content-Type": "application/json", "Accept-Language": d.lang === "zh" ? "zh-CN" : "en",
          "X-CSRF-Token": sessionStorage.getItem("gt_csrf") || "",
        },
      });
    } catch (failure) {
      verdict.className = "refused";
      verdict.textContent = d.offline;
      return;
    }
    const body = await reply.json();
    if (reply.ok) {
      verdict.className = "stored";
      verdict.textContent = `${d.stored}: ${body.event_id || eventId}`;
      return;
    }
    verdict.className = "refused";
    const details = (body.errors || []).map((p) => p.detail);
    verdict.textContent = [d.refused, ...(details.length ? details : [body.detail || body.title])].join(" · ");
  });
})();
