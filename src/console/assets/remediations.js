// Remediation plans: the list by state, a plan's diff and permissions, and the decisions a
// person with the `remediate` scope takes on it (approve, reject, undo).

import { api, describe } from "./api.js";
import { $, clickableRow, emptyRow, fill, h, kv, outLink } from "./dom.js";
import { exact, pill, when } from "./format.js";
import { changes, permissions } from "./diff.js";
import { openDrawer } from "./detail.js";

const PAGE = 100;
let cursor = null;
let generation = 0;

/** Which decisions a state allows; the server checks again and answers 409 otherwise. */
const DECISIONS = {
  approve: { label: "Approve", states: ["planned"] },
  reject: { label: "Reject", states: ["planned", "approved"], danger: true },
  undo: { label: "Undo", states: ["done", "verified"], danger: true },
};

function query(append) {
  const query = { limit: PAGE, cursor: append ? cursor : null };
  for (const [name, value] of new FormData($("#rem-filters"))) {
    if (value !== "") query[name] = value.trim();
  }
  return query;
}

function targetText(t) {
  if (!t) return "—";
  const what = t.title || (t.page_id ? `page ${t.page_id}` : t.space_key || "—");
  if (t.attachment_id) return `${what} › attachment ${t.attachment_id}`;
  if (t.comment_id) return `${what} › comment ${t.comment_id}`;
  return what;
}

function row(r) {
  const tr = h(
    "tr",
    { dataset: { id: r.id } },
    h("td", null, pill(r.state)),
    h("td", { class: "mono" }, r.action),
    h("td", null, r.mode?.replaceAll("_", " ")),
    h("td", { class: "clip", title: targetText(r.target) }, targetText(r.target)),
    h("td", null, r.target?.space_key),
    h("td", { class: "num" }, (r.finding_ids || []).length),
    h("td", null, r.policy),
    h("td", null, when(r.updated_at)),
  );
  return clickableRow(tr, () => openRemediation(r.id));
}

async function load(append) {
  const mine = ++generation;
  const table = $("#remediations-table");
  const body = table.tBodies[0];
  const status = $("#rem-status");
  const more = $("#rem-more");
  if (!append) status.textContent = "Loading…";
  let page;
  try {
    page = await api("/remediations", { query: query(append) });
  } catch (error) {
    if (mine !== generation) return;
    body.replaceChildren(emptyRow(table, describe(error), true));
    status.textContent = "";
    more.hidden = true;
    return;
  }
  if (mine !== generation) return;
  if (!append) body.replaceChildren();
  for (const r of page.items || []) body.append(row(r));
  cursor = page.next_cursor;
  const n = body.querySelectorAll("tr[data-id]").length;
  if (!n) body.append(emptyRow(table, "No remediation in this state."));
  status.textContent = `${n} plan${n === 1 ? "" : "s"} shown${cursor ? ", more below" : ""}`;
  more.hidden = !cursor;
}

function decisions(r) {
  const reason = h("input", { id: "decision-reason", "aria-label": "Reason", placeholder: "reason (kept in the audit trail)", maxlength: 1000 });
  const message = h("p", { role: "status", class: "small", id: "decision-message" });
  const buttons = [];
  const allow = () => {
    for (const b of buttons) b.disabled = !DECISIONS[b.dataset.decision].states.includes(r.state);
  };
  const decide = async (verb) => {
    for (const b of buttons) b.disabled = true;
    try {
      const body = reason.value.trim() ? { reason: reason.value.trim() } : {};
      const updated = await api(`/remediations/${encodeURIComponent(r.id)}/${verb}`, { method: "POST", body });
      load(false);
      show(updated, `Now ${updated.state}.`);
    } catch (error) {
      message.className = "small error";
      message.textContent = describe(error);
      allow();
    }
  };
  for (const [verb, d] of Object.entries(DECISIONS)) {
    buttons.push(h("button", { type: "button", class: d.danger ? "danger" : null, dataset: { decision: verb }, onclick: () => decide(verb) }, d.label));
  }
  allow();
  return [h("div", { class: "actions" }, reason, buttons), message];
}

function show(r, notice) {
  const t = r.target || {};
  const body = openDrawer(`${r.action.replaceAll("_", " ")} · ${targetText(t)}`);
  const plan = r.plan || {};
  fill(
    body,
    notice ? h("p", { role: "status", class: "small" }, notice) : null,
    h("p", null, plan.summary || ""),
    kv([
      ["State", pill(r.state)],
      ["Mode", r.mode?.replaceAll("_", " ")],
      ["Policy", r.policy],
      ["Space", t.space_key],
      ["Content", t.content_type],
      ["Page", t.page_id],
      ["Link", t.web_link ? outLink(t.web_link, "Open in Confluence ↗") : null],
      ["Base version", plan.base_version],
      ["Not before", r.not_before ? exact(r.not_before) : null],
      ["Decided by", r.decided_by],
      ["Created", exact(r.created_at)],
      ["Updated", exact(r.updated_at)],
      ["Findings", (r.finding_ids || []).join(", ")],
    ]),
    r.error ? h("p", { class: "error" }, r.error) : null,
    h("h3", null, "Decision"),
    decisions(r),
    h("h3", null, "Changes"),
    changes(plan.changes),
    permissions(plan.permissions_before, plan.permissions_after),
    r.result ? [h("h3", null, "Result"), h("pre", { class: "json" }, JSON.stringify(r.result, null, 2))] : null,
  );
}

export async function openRemediation(id) {
  const body = openDrawer("Remediation");
  try {
    show(await api(`/remediations/${encodeURIComponent(id)}`));
  } catch (error) {
    fill(body, h("p", { class: "error" }, describe(error)));
  }
}

export function initRemediations() {
  const form = $("#rem-filters");
  form.addEventListener("change", () => load(false));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    load(false);
  });
  $("#rem-more").addEventListener("click", () => load(true));
}

export const showRemediations = () => load(false);
