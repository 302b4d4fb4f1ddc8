// Remediation plans: the list by state, a plan's diff and permissions, and the decisions a
// person with the `remediate` scope takes on it (approve, reject, undo). The work itself is
// the server's worker's: while a plan is on its way (approved, running, done awaiting
// verification, undoing) the list and the open plan are read again until it settles.

import { api, describe } from "./api.js";
import { $, clickableRow, emptyRow, fill, h, kv, outLink } from "./dom.js";
import { exact, pill, when } from "./format.js";
import { changes, permissions } from "./diff.js";
import { openDrawer } from "./detail.js";

const PAGE = 100;
const REFRESH_MS = 2000;
/** States the worker still moves on its own. */
const MOVING = ["approved", "running", "done", "undoing"];
let cursor = null;
let generation = 0;
let visible = false;
let timer = null;
// The open remediation's own refresh.
let drawerTimer = null;

/**
 * Which decisions a remediation allows, as the server decides them (it checks again and
 * answers 409 otherwise): a dry run's plan is never approved; only a change that was made,
 * and that Confluence can take back (not purge_history, not notify), is undone.
 */
const DECISIONS = {
  approve: { label: "Approve", allows: (r) => r.state === "planned" && r.mode !== "dry_run" },
  reject: { label: "Reject", danger: true, allows: (r) => ["planned", "approved"].includes(r.state) },
  undo: {
    label: "Undo",
    danger: true,
    allows: (r) => ["done", "verified", "failed"].includes(r.state) && reversible(r) && r.result != null,
  },
};

/** Whether the action can be taken back; the plan says so (older plans: the action's kind). */
function reversible(r) {
  if (typeof r.plan?.reversible === "boolean") return r.plan.reversible;
  return !["purge_history", "notify"].includes(r.action);
}

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
    { dataset: { id: r.id, state: r.state } },
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
  const moving = body.querySelectorAll(MOVING.map((m) => `tr[data-state="${m}"]`).join(", ")).length;
  status.textContent =
    `${n} plan${n === 1 ? "" : "s"} shown${cursor ? ", more below" : ""}` + (moving ? ` · ${moving} in progress` : "");
  more.hidden = !cursor;
  clearTimeout(timer);
  if (moving && visible && !append) timer = setTimeout(() => visible && load(false), REFRESH_MS);
}

function decisions(r) {
  const reason = h("input", { id: "decision-reason", "aria-label": "Reason", placeholder: "reason (kept in the audit trail)", maxlength: 1000 });
  const message = h("p", { role: "status", class: "small", id: "decision-message" });
  const buttons = [];
  const allow = () => {
    for (const b of buttons) b.disabled = !DECISIONS[b.dataset.decision].allows(r);
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
  const notes = [];
  if (r.mode === "dry_run") notes.push("A dry run: this plan is shown, never carried out.");
  if (!reversible(r)) notes.push("Cannot be undone: Confluence keeps no way back once it is done.");
  return [
    h("div", { class: "actions" }, reason, buttons),
    message,
    notes.map((n) => h("p", { class: "small muted" }, n)),
  ];
}

function show(r, notice) {
  const t = r.target || {};
  const body = openDrawer(`${r.action.replaceAll("_", " ")} · ${targetText(t)}`);
  body.dataset.remediation = r.id;
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
      ["Reversible", reversible(r) ? "yes" : "no"],
      ["Not before", r.not_before ? exact(r.not_before) : null],
      ["Decided by", r.decided_by],
      ["Decided", r.decided_at ? exact(r.decided_at) : null],
      ["Reason", r.reason],
      ["Attempts", r.attempts ? r.attempts : null],
      ["Created", exact(r.created_at)],
      ["Updated", exact(r.updated_at)],
      ["Findings", (r.finding_ids || []).join(", ")],
    ]),
    r.error ? h("p", { class: "error", id: "remediation-error" }, r.error) : null,
    h("h3", null, "Decision"),
    decisions(r),
    h("h3", null, "Changes"),
    changes(plan.changes),
    permissions(plan.permissions_before, plan.permissions_after),
    r.result ? [h("h3", null, "Result"), h("pre", { class: "json", id: "remediation-result" }, JSON.stringify(r.result, null, 2))] : null,
  );
  follow(r);
}

/** While the worker moves the open remediation, reads it again and redraws it when it changed. */
function follow(r) {
  clearTimeout(drawerTimer);
  if (!MOVING.includes(r.state)) return;
  drawerTimer = setTimeout(async () => {
    if (!stillShown(r.id)) return;
    let now;
    try {
      now = await api(`/remediations/${encodeURIComponent(r.id)}`);
    } catch {
      return follow(r);
    }
    if (!stillShown(r.id)) return;
    if (now.state !== r.state || now.updated_at !== r.updated_at) {
      // A reason being typed survives the drawer being drawn again.
      const typed = $("#decision-reason")?.value;
      show(now, `Now ${now.state}.`);
      if (typed) $("#decision-reason").value = typed;
      if (visible) load(false);
    } else {
      follow(r);
    }
  }, REFRESH_MS);
}

function stillShown(id) {
  return !$("#drawer").hidden && $("#drawer-body").dataset.remediation === id;
}

export async function openRemediation(id) {
  clearTimeout(drawerTimer);
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

export function showRemediations() {
  visible = true;
  load(false);
}

export function hideRemediations() {
  visible = false;
  clearTimeout(timer);
  clearTimeout(drawerTimer);
}
