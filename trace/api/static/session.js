// The workplace pages' session: the CSRF token the server put in the page (the session cookie is HttpOnly, so
// only the server can derive it) is kept for the tab's scripts, which send it with every change they make.
"use strict";
(() => {
  const meta = document.querySelector('meta[name="gt-csrf"]');
  if (meta && meta.content) sessionStorage.setItem("gt_csrf", meta.content);
})();
