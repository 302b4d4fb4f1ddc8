// The audit trail, newest first. The API pages it oldest first by id, so the console bounds
// the time window (the last 7 days unless told) and reads up to MAX_EVENTS of it, saying so
// when the window held more.

import { api, describe } from "./api.js";
import { $, emptyRow, h } from "./dom.js";
import { detailText, exact } from "./format.js";

const PAGE = 1000;
const MAX_EVENTS = 5000;
let generation = 0;

function row(e) {
  return h(
    "tr",
    { dataset: { id: e.id } },
    h("td", null, exact(e.at)),
    h("td", null, e.actor),
    h("td", { class: "mono" }, e.action),
    h("td", { class: "mono clip", title: e.subject || "" }, e.subject || ""),
    h("td", { class: "mono" }, e.scan_id ? e.scan_id.slice(0, 12) : ""),
    h("td", { class: "clip", title: detailText(e.detail) }, detailText(e.detail)),
  );
}

function filters() {
  const query = {};
  for (const [name, value] of new FormData($("#audit-filters"))) {
    if (value.trim() !== "") query[name] = value.trim();
  }
  if (query.since) query.since = new Date(Date.now() - Number(query.since) * 3600_000).toISOString();
  return query;
}

async function load() {
  const mine = ++generation;
  const table = $("#audit-table");
  const body = table.tBodies[0];
  const status = $("#audit-status");
  status.textContent = "Loading…";
  const events = [];
  let cursor = null;
  try {
    do {
      const page = await api("/audit", { query: { ...filters(), limit: PAGE, cursor } });
      if (mine !== generation) return;
      events.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && events.length < MAX_EVENTS);
  } catch (error) {
    if (mine !== generation) return;
    body.replaceChildren(emptyRow(table, describe(error), true));
    status.textContent = "";
    return;
  }
  events.reverse();
  body.replaceChildren(...events.map(row));
  if (!events.length) body.append(emptyRow(table, "No event matches."));
  status.textContent = cursor
    ? `The oldest ${events.length} events of the window, newest first; narrow it to see later ones.`
    : `${events.length} event${events.length === 1 ? "" : "s"}, newest first`;
}

export function initAudit() {
  $("#audit-filters").addEventListener("change", load);
  $("#audit-filters").addEventListener("submit", (e) => {
    e.preventDefault();
    load();
  });
}

export const showAudit = load;
