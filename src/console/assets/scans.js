// Scans, newest first, with the progress of those still running; the list refreshes itself
// while any scan runs and the view is open.

import { api, describe } from "./api.js";
import { $, emptyRow, h } from "./dom.js";
import { number, pill, when } from "./format.js";

const PAGE = 50;
const REFRESH_MS = 5000;
let cursor = null;
let timer = null;
let visible = false;
let generation = 0;

function progress(p) {
  if (!p || !p.total) return h("span", { class: "muted" }, p?.queued ? `${p.queued} queued` : "—");
  const finished = p.done + p.unchanged + p.failed + p.not_extracted;
  const pct = Math.min(100, Math.round((finished / p.total) * 100));
  return h(
    "span",
    { title: `${finished} of ${p.total} items (${p.unchanged} unchanged, ${p.not_extracted} not extracted)` },
    h("span", { class: "bar", role: "progressbar", "aria-valuenow": pct, "aria-valuemin": 0, "aria-valuemax": 100 },
      h("i", { dataset: { pct } })),
    `${number(finished)} / ${number(p.total)}`,
  );
}

function row(s) {
  const p = s.progress || {};
  const tr = h(
    "tr",
    { dataset: { id: s.id, status: s.status } },
    h("td", null, pill(s.status)),
    h("td", null, s.all_spaces ? "all spaces" : s.space_key || (s.kind === "paths" ? "local paths" : "—")),
    h("td", null, s.mode),
    h("td", null, progress(p)),
    h("td", { class: "num" }, number(p.open_findings)),
    h("td", { class: p.failed ? "num error" : "num" }, number(p.failed)),
    h("td", null, s.actor),
    h("td", null, when(s.started_at)),
    h("td", null, s.finished_at ? when(s.finished_at) : s.error ? h("span", { class: "error" }, s.error) : "running"),
    h("td", { class: "mono", title: s.id }, s.id.slice(0, 12)),
  );
  if (s.error) tr.title = s.error;
  return tr;
}

// The CSP forbids inline styles set from markup; widths set through the CSSOM are allowed.
function drawBars(root) {
  for (const i of root.querySelectorAll(".bar > i[data-pct]")) i.style.width = `${i.dataset.pct}%`;
}

async function load(append) {
  const mine = ++generation;
  const table = $("#scans-table");
  const body = table.tBodies[0];
  const status = $("#scans-status");
  let page;
  try {
    page = await api("/scans", { query: { limit: PAGE, cursor: append ? cursor : null } });
  } catch (error) {
    if (mine !== generation) return;
    body.replaceChildren(emptyRow(table, describe(error), true));
    return;
  }
  if (mine !== generation) return;
  if (!append) body.replaceChildren();
  for (const s of page.items) body.append(row(s));
  drawBars(body);
  cursor = page.next_cursor;
  $("#scans-more").hidden = !cursor;
  const rows = body.querySelectorAll("tr[data-id]");
  if (!rows.length) body.append(emptyRow(table, "No scan yet."));
  const running = body.querySelectorAll('tr[data-status="running"]').length;
  status.textContent = `${rows.length} scan${rows.length === 1 ? "" : "s"} shown · ${running} in progress`;
  clearTimeout(timer);
  if (running && visible && !append) timer = setTimeout(() => visible && load(false), REFRESH_MS);
}

export function initScans() {
  $("#scans-more").addEventListener("click", () => load(true));
}

export function showScans() {
  visible = true;
  load(false);
}

export function hideScans() {
  visible = false;
  clearTimeout(timer);
}
