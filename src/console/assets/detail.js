// The drawer: one finding in full (its location, a link to the page, its history) and the
// triage a person with `findings:write` can make. Also the frame the remediation detail uses.

import { api, describe } from "./api.js";
import { $, fill, h, kv, outLink } from "./dom.js";
import { detailText, exact, pill, severity } from "./format.js";

const STATUSES = ["open", "resolved", "false_positive", "accepted_risk"];

/** Opens the drawer with a title and content, and returns its body. */
export function openDrawer(title) {
  const drawer = $("#drawer");
  fill($("#drawer-title"), title);
  const body = fill($("#drawer-body"), h("p", { class: "muted" }, "Loading…"));
  // Whatever the drawer showed before (a remediation it follows) is not shown any more.
  for (const key of Object.keys(body.dataset)) delete body.dataset[key];
  drawer.hidden = false;
  return body;
}

export function closeDrawer() {
  $("#drawer").hidden = true;
  for (const row of document.querySelectorAll("tr[aria-selected]")) row.removeAttribute("aria-selected");
}

export function initDrawer() {
  $("#drawer-close").addEventListener("click", closeDrawer);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !$("#drawer").hidden) closeDrawer();
  });
}

function location(f) {
  const l = f.location || {};
  return kv([
    ["Space", l.space_key],
    ["Content", l.content_type],
    ["Page", f.page_title ? `${f.page_title} (${l.page_id})` : l.page_id],
    ["Version", l.page_version],
    ["Comment", l.comment_id],
    ["Attachment", l.attachment_title ? `${l.attachment_title} (${l.attachment_id})` : l.attachment_id],
    ["Path", l.path],
    ["Sheet", l.sheet ? `${l.sheet}${l.cell ? " " + l.cell : ""}` : null],
    ["PDF page", l.pdf_page],
    ["Line", l.line],
    ["Offsets", l.start !== null && l.start !== undefined ? `${l.start}–${l.end}` : null],
  ]);
}

function historyTable(events) {
  if (!events.length) return h("p", { class: "muted" }, "No events.");
  return h(
    "table",
    { class: "grid", id: "drawer-events" },
    h("thead", null, h("tr", null, h("th", null, "When"), h("th", null, "Actor"), h("th", null, "Event"), h("th", null, "Detail"))),
    h(
      "tbody",
      null,
      events.map((e) =>
        h("tr", null, h("td", null, exact(e.at)), h("td", null, e.actor), h("td", { class: "mono" }, e.action), h("td", null, detailText(e.detail))),
      ),
    ),
  );
}

function scansTable(scans) {
  if (!scans.length) return h("p", { class: "muted" }, "No scan recorded.");
  return h(
    "table",
    { class: "grid", id: "drawer-scans" },
    h("thead", null, h("tr", null, h("th", null, "Scan"), h("th", null, "Status"), h("th", null, "By"), h("th", null, "Started"))),
    h(
      "tbody",
      null,
      scans.map((s) =>
        h("tr", null, h("td", { class: "mono" }, s.scan_id.slice(0, 12)), h("td", null, pill(s.status)), h("td", null, s.actor), h("td", null, exact(s.started_at))),
      ),
    ),
  );
}

/** The triage form: a status, a reason (needed for a suppression), and the API's answer. */
function triage(f, onChanged) {
  const select = h("select", { id: "triage-status", "aria-label": "New status" },
    STATUSES.map((s) => h("option", { value: s }, s.replaceAll("_", " "))));
  select.value = f.status;
  const reason = h("input", { id: "triage-reason", "aria-label": "Reason", placeholder: "reason (needed for false positive / accepted risk)", maxlength: 1000 });
  const message = h("p", { role: "status", class: "small" });
  const save = h("button", { type: "submit" }, "Set status");
  const form = h("form", { class: "actions" }, select, reason, save);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      const updated = await api(`/findings/${f.id}`, { method: "PATCH", body: { status: select.value, reason: reason.value || undefined } });
      message.className = "small";
      message.textContent = `Status is now ${updated.status.replaceAll("_", " ")}.`;
      onChanged?.();
    } catch (error) {
      message.className = "small error";
      message.textContent = describe(error);
    } finally {
      save.disabled = false;
    }
  });
  return [form, message];
}

/** Loads a finding into the drawer. */
export async function openFinding(id, { onChanged } = {}) {
  const body = openDrawer("Finding");
  let f;
  try {
    f = await api(`/findings/${encodeURIComponent(id)}`);
  } catch (error) {
    fill(body, h("p", { class: "error" }, describe(error)));
    return;
  }
  fill($("#drawer-title"), `${f.detector} on ${f.page_title || "page " + f.location?.page_id}`);
  fill(
    body,
    h("div", { class: "preview mono", id: "drawer-preview" }, f.masked),
    h("h3", null, "Finding"),
    kv([
      [
        "Severity",
        f.detected_severity && f.detected_severity !== f.severity
          ? [severity(f.severity), h("span", { class: "small muted" }, ` raised from ${f.detected_severity} by its exposure`)]
          : severity(f.severity),
      ],
      ["Category", f.category],
      ["Confidence", typeof f.confidence === "number" ? f.confidence.toFixed(2) : null],
      ["Status", pill(f.status)],
      ["Exposure", f.exposure ? pill(f.exposure) : "unknown"],
      ["First seen", exact(f.first_seen)],
      ["Last seen", exact(f.last_seen)],
      ["Resolved", f.resolved_at ? exact(f.resolved_at) : null],
      ["Id", h("span", { class: "mono" }, f.id)],
    ]),
    f.in_history_only ? h("p", { class: "small" }, "Only in older versions of the page: only purging its history removes it.") : null,
    h("h3", null, "Location"),
    h("div", { id: "drawer-location" }, location(f)),
    h("p", null, f.web_link ? outLink(f.web_link, "Open the page in Confluence ↗") : h("span", { class: "muted" }, "No link to the page is known.")),
    h("h3", null, "Triage"),
    triage(f, onChanged),
    h("h3", null, "History"),
    historyTable(f.history?.events || []),
    h("h3", null, "Seen by scans"),
    scansTable(f.history?.scans || []),
  );
  const link = body.querySelector("a[href]");
  if (link) link.id = "drawer-link";
}
