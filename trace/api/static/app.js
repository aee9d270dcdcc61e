// The workplace page's sign-in and sign-out: the JSON API's session endpoints (POST and DELETE
// /api/v1/session); the page itself is rendered by the server from the session cookie.
"use strict";
(() => {
  const script = document.currentScript;
  const form = document.getElementById("sign-in");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = document.getElementById("error");
      error.textContent = "";
      const body = JSON.stringify({ login: form.login.value.trim(), password: form.password.value });
      const answer = await fetch("/api/v1/session", {
        method: "POST", headers: { "Content-Type": "application/json" }, body, credentials: "same-origin",
      });
      if (answer.status === 201) {
        const session = await answer.json();
        sessionStorage.setItem("gt_csrf", session.csrf_token);
        location.reload();
      } else {
        error.textContent = answer.status === 429 ? script.dataset.busy : script.dataset.failed;
        form.password.value = "";
        form.password.focus();
      }
    });
  }
  const out = document.getElementById("sign-out");
  if (out) {
    out.addEventListener("click", async () => {
      await fetch("/api/v1/session", {
        method: "DELETE", credentials: "same-origin",
        headers: { "X-CSRF-Token": sessionStorage.getItem("gt_csrf") || "" },
      });
      sessionStorage.removeItem("gt_csrf");
      location.reload();
    });
  }
})();
