/**
 * The console's only static files, served by the API Lambda itself (no CDN, no front-end build).
 * They are readable strings here; ./packed.ts gzips them for sending, and the Lambda bundle holds
 * them minified and gzipped (scripts/bundle.ts). The strict CSP allows scripts and styles only
 * from these routes.
 */

export const css = `
:root {
  --bg: #f6f7f9;
  --surface: #ffffff;
  --border: #e2e5ea;
  --border-strong: #c9ced6;
  --text: #161a1f;
  --muted: #5b6472;
  --accent: #5b3fd6;
  --accent-hover: #4a30bd;
  --accent-soft: #efebff;
  --focus: #7c5cff;
  --ok: #17663a;
  --ok-bg: #e5f4ea;
  --warn: #7a4d00;
  --warn-bg: #fff3d6;
  --bad: #a8261a;
  --bad-bg: #fde9e7;
  --radius: 8px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.05);
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial,
    sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 var(--font); }
a { color: var(--accent); text-underline-offset: 2px; }
a:hover { color: var(--accent-hover); }
h1, h2, h3 { line-height: 1.25; margin: 0; }
h1 { font-size: 24px; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 17px; font-weight: 620; }
h3 { font-size: 15px; font-weight: 620; }
p { margin: 0; }
code, .mono { font-family: var(--mono); font-size: 13px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;
}
.skip-link { position: absolute; left: 12px; top: -48px; background: var(--surface); padding: 8px 12px;
  border-radius: var(--radius); z-index: 10; }
.skip-link:focus { top: 12px; }

/* frame */
.topbar { background: var(--surface); border-bottom: 1px solid var(--border); }
.topbar-inner { max-width: 1200px; margin: 0 auto; padding: 12px 24px; display: flex; align-items: center; gap: 16px; }
.brand { display: flex; align-items: center; gap: 10px; color: var(--text); text-decoration: none; font-weight: 650; }
.brand:hover { color: var(--text); }
.brand-mark { width: 28px; height: 28px; display: block; }
.topnav { display: flex; gap: 4px; }
.topnav a { color: var(--muted); text-decoration: none; padding: 6px 10px; border-radius: var(--radius); font-weight: 560;
  font-size: 14px; }
.topnav a:hover { color: var(--text); background: #eef0f3; }
.topnav a[aria-current="page"] { color: var(--text); background: var(--accent-soft); }
.secret-value { font-family: var(--mono); font-size: 13px; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 48ch; }
.folders { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; margin: 0; padding: 0; }
.topbar-meta { margin-left: auto; display: flex; align-items: center; gap: 14px; color: var(--muted); font-size: 13px; }
main { max-width: 1200px; margin: 0 auto; padding: 32px 24px 64px; }
.page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 16px; margin-bottom: 24px; }
.page-head p { color: var(--muted); margin-top: 6px; }
.page-head > div, .crumbs { min-width: 0; overflow-wrap: anywhere; }
.crumbs { font-size: 13px; color: var(--muted); margin-bottom: 10px; }
.crumbs a { color: var(--muted); }
.stack > * + * { margin-top: 24px; }

/* surfaces */
.card { background: var(--surface); border: 1px solid var(--border); border-radius: 12px; box-shadow: var(--shadow); }
.card-body { padding: 20px 24px; }
.card-head { padding: 16px 24px; border-bottom: 1px solid var(--border); display: flex; align-items: center;
  justify-content: space-between; gap: 12px; }
.card-head p { color: var(--muted); font-size: 13px; margin-top: 2px; }
.muted { color: var(--muted); }
.small { font-size: 13px; }

/* buttons */
.button { display: inline-flex; align-items: center; justify-content: center; gap: 6px; min-height: 36px;
  padding: 0 14px; border-radius: var(--radius); border: 1px solid var(--border-strong); background: var(--surface);
  color: var(--text); font: inherit; font-weight: 560; font-size: 14px; text-decoration: none; cursor: pointer;
  white-space: nowrap; }
.button:hover { background: #f1f3f6; color: var(--text); }
.button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.button.primary:hover { background: var(--accent-hover); border-color: var(--accent-hover); color: #fff; }
.button.danger { color: var(--bad); border-color: #efb4ad; }
.button.danger:hover { background: var(--bad-bg); }
.button.danger.solid { background: var(--bad); border-color: var(--bad); color: #fff; }
.button.danger.solid:hover { background: #8c1f15; }
.button.quiet { border-color: transparent; background: transparent; color: var(--muted); padding: 0 8px; }
.button.quiet:hover { color: var(--text); background: #eef0f3; }
.button[disabled] { opacity: 0.6; cursor: progress; }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; }
form.inline { display: inline; }

/* notices */
.notice { display: flex; gap: 10px; align-items: flex-start; padding: 12px 16px; border-radius: var(--radius);
  border: 1px solid; margin-bottom: 20px; }
.notice.info { background: var(--accent-soft); border-color: #d7ceff; }
.notice.error { background: var(--bad-bg); border-color: #f3bcb5; color: #6f1710; }
.notice.ok { background: var(--ok-bg); border-color: #b6dfc3; color: #0f4727; }

/* status */
.badge { display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px 2px 8px; border-radius: 999px;
  font-size: 13px; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.badge-icon { font-size: 12px; line-height: 1; }
.badge.active { background: var(--ok-bg); color: var(--ok); border-color: #b6dfc3; }
.badge.pending { background: var(--warn-bg); color: var(--warn); border-color: #f2d58f; }
.badge.failed { background: var(--bad-bg); color: var(--bad); border-color: #f3bcb5; }
.badge.pending .badge-icon { display: inline-block; animation: spin 1.2s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .badge.pending .badge-icon { animation: none; } }
.status-message { margin-top: 6px; font-size: 13px; color: var(--bad); max-width: 46ch; }
.status-message.note { color: var(--muted); }

/* table */
.table-wrap { overflow-x: auto; border-radius: 12px 12px 0 0; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em;
  color: var(--muted); padding: 10px 16px; border-bottom: 1px solid var(--border); background: #fafbfc; }
td { padding: 14px 16px; border-bottom: 1px solid var(--border); vertical-align: top; font-size: 14px; }
tbody tr:last-child td, tbody tr:last-child th { border-bottom: 0; }
tbody tr:target td, tbody tr.fresh td { background: #faf8ff; }
th:first-child, td:first-child { padding-left: 24px; }
th:last-child, td:last-child { padding-right: 24px; }
.conn-name { font-weight: 600; text-decoration: none; }
.conn-name:hover { text-decoration: underline; }
.conn-desc { color: var(--muted); font-size: 13px; margin-top: 2px; max-width: 30ch; }
ul.reach { font-size: 13px; list-style: none; margin: 0; padding: 0; }
td, .status-message { overflow-wrap: anywhere; }
.col-name { min-width: 14ch; }
.col-status { min-width: 210px; }
.col-reach { min-width: 170px; }
/* A phone: headings above their buttons; each connection a block of its cells, the dates saying which they are. */
@media (max-width: 720px) {
  .topbar-inner { flex-wrap: wrap; padding: 10px 16px; gap: 8px 12px; }
  .topnav { order: 3; flex-basis: 100%; }
  .page-head { flex-wrap: wrap; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0, 0, 0, 0); }
  table, tbody, tr, td { display: block; min-width: 0; }
  tr { padding: 10px 0; border-bottom: 1px solid var(--border); }
  td, td:first-child, td:last-child { border: 0; padding: 4px 16px; }
  td:nth-child(n + 4) { display: inline-block; }
  td:nth-child(6)::before { content: "Created "; }
  td:nth-child(7)::before { content: "Updated "; }
  td::before, td:nth-child(n + 6) time > span { color: var(--muted); display: inline; margin-right: 4px; }
}
/* The environments grid: each cell says, in words and a sign, where a key is and whether it differs. */
/* A row's heading (a key, a project) reads as written: not in a column heading's capitals. */
th[scope="row"] { text-transform: none; letter-spacing: normal; font-size: 14px; font-weight: 600; color: var(--text);
  background: none; padding-top: 14px; padding-bottom: 14px; vertical-align: top; }
.grid th, th[scope="row"] { overflow-wrap: anywhere; }
.grid .cell-differs a { color: var(--warn); font-weight: 600; }
.grid .cell-missing a { color: var(--muted); }
.folders .button { white-space: normal; overflow-wrap: anywhere; max-width: 100%; }
@media (max-width: 720px) {
  th[scope="row"] { display: block; border: 0; background: none; padding: 4px 16px; }
  .grid td, .grid td:nth-child(n + 4) { display: block; }
  .grid td::before, .grid td:nth-child(n + 4)::before { content: attr(data-env) ": "; color: var(--muted); }
}
.inline-form { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 8px 12px; }
.inline-form .field { margin: 0; flex: 1 1 220px; }
time.stacked > span { display: block; }
time.stacked > span + span { color: var(--muted); font-size: 12px; }
.nowrap { white-space: nowrap; }
time { white-space: nowrap; }
.empty { padding: 56px 24px; text-align: center; }
.empty h2 { margin-bottom: 6px; }
.empty p { color: var(--muted); margin-bottom: 18px; }
.pager { padding: 12px 24px; border-top: 1px solid var(--border); display: flex; justify-content: flex-end; gap: 8px; }

/* forms */
.form { max-width: 640px; }
.form-layout { display: grid; grid-template-columns: minmax(0, 640px) minmax(0, 1fr); gap: 24px; align-items: start; }
.form-layout .form { max-width: none; }
.aside h2 { font-size: 15px; margin-bottom: 10px; }
.aside ol { margin: 0; padding-left: 20px; color: var(--muted); font-size: 14px; }
.aside li + li { margin-top: 8px; }
.aside li strong { color: var(--text); font-weight: 600; }
@media (max-width: 960px) { .form-layout { grid-template-columns: 1fr; } }
.field { margin-bottom: 20px; }
.field > label, fieldset legend { display: block; font-weight: 600; font-size: 14px; margin-bottom: 6px; padding: 0; }
.optional { color: var(--muted); font-weight: 400; }
.hint { color: var(--muted); font-size: 13px; margin-top: 4px; }
input[type="text"], input[type="password"], textarea, select {
  width: 100%; font: inherit; color: var(--text); background: var(--surface); border: 1px solid var(--border-strong);
  border-radius: var(--radius); padding: 8px 12px; min-height: 40px; }
textarea { min-height: 76px; resize: vertical; }
input:focus-visible, textarea:focus-visible, select:focus-visible { outline: 3px solid var(--focus); outline-offset: 0;
  border-color: var(--accent); }
[aria-invalid="true"] { border-color: var(--bad) !important; }
.field-error { color: var(--bad); font-size: 13px; margin-top: 6px; font-weight: 500; }
.field-error:empty { display: none; }
.field-error:not(:empty)::before { content: "⚠ "; }
fieldset { border: 0; margin: 0 0 20px; padding: 0; min-width: 0; }
.choices { display: grid; gap: 10px; }
.choice { display: flex; gap: 12px; align-items: flex-start; padding: 12px 14px; border: 1px solid var(--border-strong);
  border-radius: var(--radius); background: var(--surface); cursor: pointer; }
.choice:hover { border-color: var(--accent); }
.choice:has(input:checked) { border-color: var(--accent); background: var(--accent-soft);
  box-shadow: inset 0 0 0 1px var(--accent); }
.choice input { margin: 3px 0 0; accent-color: var(--accent); width: 16px; height: 16px; flex: none; }
.choice strong { display: block; font-size: 14px; }
.choice span { display: block; color: var(--muted); font-size: 13px; }
.form-actions { display: flex; gap: 10px; align-items: center; padding-top: 4px; }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 24px; align-items: start; }
@media (max-width: 860px) { .split { grid-template-columns: 1fr; } }

/* integrations */
.integrations { list-style: none; margin: 0; padding: 0; display: grid;
  grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 16px; }
.integration { display: flex; gap: 14px; align-items: flex-start; padding: 18px 20px; text-decoration: none;
  color: var(--text); height: 100%; }
.integration:hover { border-color: var(--accent); color: var(--text); }
.integration p { color: var(--muted); font-size: 13px; margin-top: 4px; }
.integration-logo { width: 40px; height: 40px; border-radius: 10px; background: #13111c; color: #fff; display: grid;
  place-items: center; flex: none; }

/* detail */
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 10px 24px; margin: 0; font-size: 14px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.summary { display: flex; gap: 16px; align-items: flex-start; justify-content: space-between; flex-wrap: wrap; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; list-style: none; margin: 4px 0 0; padding: 0; }
.chip { font-size: 13px; padding: 2px 10px; border-radius: 999px; background: #eef0f3; border: 1px solid var(--border); }
.projects { display: grid; gap: 16px; }
.project h3 { display: flex; gap: 8px; align-items: baseline; }

/* sign in */
.signin { min-height: 100vh; display: grid; place-items: center; padding: 24px; }
.signin .card { width: 100%; max-width: 420px; }
.signin .card-body { padding: 32px; }
.signin .brand { margin-bottom: 24px; }
.signin h1 { font-size: 22px; margin-bottom: 6px; }
.signin p.lead { color: var(--muted); margin-bottom: 24px; }
.signin .button { width: 100%; min-height: 40px; }
`;

export const js = `"use strict";
(() => {
  const announcer = document.getElementById("announcer");
  const announce = (text) => {
    if (!announcer) return;
    announcer.textContent = "";
    setTimeout(() => { announcer.textContent = text; }, 50);
  };

  // Inline validation from the same constraints the server renders (required, maxlength, pattern).
  const messageFor = (field) => {
    const v = field.validity;
    if (v.valid) return "";
    if (v.valueMissing) return field.dataset.required || "Required";
    if (v.patternMismatch && field.dataset.pattern) return field.dataset.pattern;
    return field.validationMessage;
  };
  const check = (form, field) => {
    if (!field.name || !field.willValidate) return true;
    const error = form.querySelector('[data-error-for="' + field.name + '"]');
    const message = messageFor(field);
    if (error) error.textContent = message;
    for (const f of form.querySelectorAll('[name="' + field.name + '"]')) {
      if (message) f.setAttribute("aria-invalid", "true");
      else f.removeAttribute("aria-invalid");
    }
    return !message;
  };
  for (const form of document.querySelectorAll("form[data-validate]")) {
    form.noValidate = true;
    form.addEventListener("focusout", (e) => {
      const field = e.target;
      if (field.type === "radio") return;
      if (field.value !== "" || field.getAttribute("aria-invalid") === "true") check(form, field);
    });
    form.addEventListener("input", (e) => {
      if (e.target.getAttribute("aria-invalid") === "true" || e.target.type === "radio") check(form, e.target);
    });
    form.addEventListener("submit", (e) => {
      let first = null;
      for (const field of form.elements) if (!check(form, field) && !first) first = field;
      if (first) {
        e.preventDefault();
        first.focus();
        return;
      }
      const button = form.querySelector("button[type=submit][data-busy]");
      if (button) {
        button.textContent = button.dataset.busy;
        setTimeout(() => { button.disabled = true; }, 0);
      }
    });
  }

  // Anything still settling (pending, rotating, re-verifying) polls its own fragment until it settles.
  const poll = (element, attempt) => {
    const url = element.dataset.poll;
    if (!url) return;
    const delay = attempt < 20 ? 500 : attempt < 80 ? 1500 : 5000;
    setTimeout(async () => {
      if (!element.isConnected) return;
      let res;
      try {
        res = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" });
      } catch {
        return poll(element, attempt + 1);
      }
      if (res.status === 401) return location.reload();
      if (!res.ok) return;
      const template = document.createElement("template");
      template.innerHTML = (await res.text()).trim();
      const next = template.content.firstElementChild;
      if (!next) return;
      const hadFocus = element.contains(document.activeElement);
      element.replaceWith(next);
      if (hadFocus) next.querySelector("a, button")?.focus();
      if (next.dataset.poll) poll(next, attempt + 1);
      else if (next.dataset.announce) announce(next.dataset.announce);
    }, delay);
  };
  for (const element of document.querySelectorAll("[data-poll]")) poll(element, 0);
})();
`;

/** A small mark for the tab and the header (rails). */
export const icon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#161a1f"/><path d="M9 10h14M9 16h14M9 22h14" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/><path d="M12 8v16M20 8v16" stroke="#a996ff" stroke-width="2.4" stroke-linecap="round"/></svg>`;

export const sources = {
  "console.css": { body: css, type: "text/css; charset=utf-8" },
  "console.js": { body: js, type: "text/javascript; charset=utf-8" },
  "icon.svg": { body: icon, type: "image/svg+xml" },
};
export type AssetName = keyof typeof sources;
