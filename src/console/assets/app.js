// The console's entry: sign-in, the views behind the tabs (the URL's hash names the view, so
// a reload or a shared link opens the same one), and returning to the login when the server
// refuses the token.

import { describe, token, whenRefused } from "./api.js";
import { $, $$, fill } from "./dom.js";
import { initLogin, showLogin } from "./login.js";
import { refreshCounts } from "./header.js";
import { initFindings, showFindings } from "./findings.js";
import { closeDrawer, initDrawer } from "./detail.js";
import { hideRemediations, initRemediations, showRemediations } from "./remediations.js";
import { hideScans, initScans, showScans } from "./scans.js";
import { initAudit, showAudit } from "./audit.js";

const VIEWS = {
  findings: showFindings,
  remediations: showRemediations,
  scans: showScans,
  audit: showAudit,
};

function currentView() {
  const name = location.hash.replace(/^#/, "");
  return name in VIEWS ? name : "findings";
}

function route() {
  if ($("#app").hidden) return;
  const name = currentView();
  closeDrawer();
  hideScans();
  hideRemediations();
  for (const section of $$("section.view")) section.hidden = section.dataset.view !== name;
  for (const tab of $$(".tabs a")) {
    if (tab.dataset.view === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  VIEWS[name]();
}

function signedIn() {
  $("#banner").hidden = true;
  refreshCounts();
  route();
}

function signOut(message) {
  token.clear();
  closeDrawer();
  hideScans();
  hideRemediations();
  showLogin(message);
}

function start() {
  initLogin(signedIn);
  initDrawer();
  initFindings();
  initRemediations();
  initScans();
  initAudit();
  whenRefused((error) => signOut(describe(error)));
  window.addEventListener("hashchange", route);
  $("#sign-out").addEventListener("click", () => signOut());
  if (token.get()) {
    $("#login").hidden = true;
    $("#app").hidden = false;
    signedIn();
  } else {
    showLogin();
  }
}

// A failure of the console's own code is shown, not left as a blank page.
window.addEventListener("error", (e) => {
  const banner = $("#banner");
  if (!banner) return;
  fill(banner, `The console failed: ${e.message}`);
  banner.hidden = false;
});

start();
