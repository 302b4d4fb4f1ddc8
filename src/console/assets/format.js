// How values read on screen: times, severities, locations, labels.

import { h } from "./dom.js";

const SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1 };
export const SEVERITIES = ["critical", "high", "medium", "low"];

/** "3 min ago" with the exact time as a tooltip; a table cell that is read at a glance. */
export function when(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return h("time", { datetime: iso, title: t.toLocaleString() }, ago(t));
}

function ago(t) {
  const s = Math.round((Date.now() - t.getTime()) / 1000);
  if (s < 0) return t.toLocaleString();
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 86400 * 30) return `${Math.floor(s / 86400)} d ago`;
  return t.toISOString().slice(0, 10);
}

/** An exact, sortable time: for the audit trail and histories. */
export function exact(iso) {
  if (!iso) return "—";
  const t = new Date(iso);
  return h("time", { datetime: iso }, Number.isNaN(t.getTime()) ? iso : t.toLocaleString());
}

export function severity(s) {
  return h("span", { class: `sev sev-${s}` }, s || "—");
}

export function bySeverity(a, b) {
  return (SEVERITY_RANK[b] || 0) - (SEVERITY_RANK[a] || 0);
}

/** A word in a coloured pill; the class is the word itself (open, public, failed...). */
export function pill(word) {
  if (word === null || word === undefined || word === "") return h("span", { class: "muted" }, "—");
  const label = String(word).replaceAll("_", " ");
  return h("span", { class: `pill ${String(word).replace(/[^a-z_]/g, "")}` }, label);
}

/** Where a finding is, in one line: the page and the part of it. */
export function where(f) {
  const l = f.location || {};
  const title = f.page_title || `page ${l.page_id}`;
  const part = [];
  if (l.content_type === "comment") part.push(`comment ${l.comment_id ?? ""}`.trim());
  if (l.content_type === "attachment") part.push(l.attachment_title || `attachment ${l.attachment_id ?? ""}`);
  if (l.content_type === "history") part.push(`version ${l.page_version ?? "?"}`);
  if (l.path) part.push(l.path);
  if (l.sheet) part.push(`${l.sheet}${l.cell ? "!" + l.cell : ""}`);
  if (l.pdf_page) part.push(`PDF p. ${l.pdf_page}`);
  return part.length ? `${title} › ${part.join(" › ")}` : title;
}

export function number(n) {
  return typeof n === "number" ? n.toLocaleString() : "—";
}

/** An audit event's detail, short: its keys and values, as text. */
export function detailText(detail) {
  if (detail === null || detail === undefined) return "";
  if (typeof detail !== "object") return String(detail);
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : v}`)
    .join(" · ");
}
