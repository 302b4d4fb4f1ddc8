// The findings table: a page of the API's list under the current filters, more on demand,
// and a row opens the finding's detail.

import { api, describe } from "./api.js";
import { $, clickableRow, emptyRow, h } from "./dom.js";
import { pill, severity, when, where } from "./format.js";
import { currentQuery, onFiltersChange, refreshChoices, refreshFacets } from "./filters.js";
import { openFinding } from "./detail.js";
import { refreshCounts } from "./header.js";

const PAGE = 100;
let cursor = null;
let shown = 0;
// A newer load makes the answers of older ones stale: only the latest is drawn.
let generation = 0;

function row(f) {
  const l = f.location || {};
  const tr = h(
    "tr",
    { dataset: { id: f.id } },
    h("td", null, severity(f.severity)),
    h("td", null, f.category),
    h("td", { class: "mono" }, f.detector),
    h("td", { class: "mono clip", title: f.masked }, f.masked),
    h("td", { class: "clip", title: where(f) }, where(f), f.in_history_only ? h("span", { class: "pill" }, " history only") : null),
    h("td", null, l.space_key),
    h("td", null, pill(f.exposure)),
    h("td", null, pill(f.status)),
    h("td", null, when(f.last_seen)),
  );
  return clickableRow(tr, () => {
    for (const other of $("#findings-table tbody").rows) other.removeAttribute("aria-selected");
    tr.setAttribute("aria-selected", "true");
    openFinding(f.id, {
      onChanged: () => {
        reloadFindings();
        refreshCounts();
      },
    });
  });
}

async function load(append) {
  const mine = ++generation;
  const table = $("#findings-table");
  const body = table.tBodies[0];
  const status = $("#findings-status");
  const more = $("#findings-more");
  if (!append) {
    cursor = null;
    shown = 0;
    status.textContent = "Loading…";
  }
  more.disabled = true;
  let page;
  try {
    page = await api("/findings", { query: { ...currentQuery(), limit: PAGE, cursor: append ? cursor : null } });
  } catch (error) {
    if (mine !== generation) return;
    body.replaceChildren(emptyRow(table, describe(error), true));
    status.textContent = "";
    more.hidden = true;
    return;
  }
  if (mine !== generation) return;
  if (!append) body.replaceChildren();
  for (const f of page.items) body.append(row(f));
  shown += page.items.length;
  cursor = page.next_cursor;
  if (!shown) body.append(emptyRow(table, "No finding matches these filters."));
  status.textContent = `${shown} finding${shown === 1 ? "" : "s"} shown${cursor ? ", more below" : ""}`;
  more.hidden = !cursor;
  more.disabled = false;
}

/** Reloads the table and the counts beside it (after a filter or a status change). */
export function reloadFindings() {
  load(false);
  refreshFacets();
}

export function initFindings() {
  onFiltersChange(reloadFindings);
  $("#findings-more").addEventListener("click", () => load(true));
}

export function showFindings() {
  refreshChoices();
  reloadFindings();
}
