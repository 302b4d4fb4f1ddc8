// Signing in: the person pastes a token; it is checked with one cheap call before the console
// opens, so a wrong token is told at once rather than as empty tables.

import { api, describe, token } from "./api.js";
import { $, fill } from "./dom.js";

/** Shows the login, with `message` (why the person is back here) when there is one. */
export function showLogin(message) {
  $("#app").hidden = true;
  $("#login").hidden = false;
  const error = $("#login-error");
  error.hidden = !message;
  fill(error, message || "");
  $("#token").value = "";
  $("#token").focus();
}

/** Wires the form; `onSignedIn` runs once a token is accepted. */
export function initLogin(onSignedIn) {
  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("#token").value.trim();
    if (!value) return;
    const button = $("#login-form button[type=submit]");
    button.disabled = true;
    token.set(value);
    try {
      await api("/findings/summary", { query: { status: "open" } });
      $("#login").hidden = true;
      $("#app").hidden = false;
      onSignedIn();
    } catch (error) {
      token.clear();
      showLogin(describe(error));
    } finally {
      button.disabled = false;
    }
  });
}
