"use strict";
// The overview's live token form, header builder and try-it box. Calls go to the page's own
// origin, so they reach the mock that served the page.
(() => {
  const form = document.getElementById("token-form");
  const status = document.getElementById("token-status");
  const tokenResponse = document.getElementById("token-response");
  const header = document.getElementById("auth-header");
  const copyButton = document.getElementById("copy-header");
  const copyStatus = document.getElementById("copy-status");
  const tryButton = document.getElementById("try-it");
  const tryStatus = document.getElementById("try-status");
  const tryResponse = document.getElementById("try-response");
  let token = null;

  const say = (element, text, state) => {
    element.textContent = text;
    element.dataset.state = state;
  };
  const showJson = (element, value) => {
    element.textContent = JSON.stringify(value, null, 2);
  };
  const readJson = async (response) => {
    try {
      return await response.json();
    } catch {
      return { error: "unreadable", error_description: "The answer was not JSON." };
    }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = form.elements.username.value;
    const password = form.elements.password.value;
    const encoding = form.querySelector('input[name="encoding"]:checked').value;
    const init = { method: "POST" };
    if (encoding === "json") {
      init.headers = { "Content-Type": "application/json" };
      init.body = JSON.stringify({ username, password });
    } else {
      init.body = new URLSearchParams({ username, password });
    }
    say(status, "Sending a request to /token…", "pending");
    let response;
    try {
      response = await fetch("/token", init);
    } catch (error) {
      showJson(tokenResponse, {});
      say(status, `The mock did not answer (${error.message}). Is it still running?`, "error");
      return;
    }
    const body = await readJson(response);
    showJson(tokenResponse, body);
    if (response.ok && typeof body.access_token === "string") {
      token = body.access_token;
      header.textContent = `Authorization: Bearer ${token}`;
      say(status, `Token received: valid for ${body.expires_in} seconds. The header below is ready.`, "ok");
    } else {
      say(status, `Token request refused: ${response.status} ${body.error}: ${body.error_description}`, "error");
    }
  });

  copyButton.addEventListener("click", async () => {
    const text = header.textContent;
    try {
      await navigator.clipboard.writeText(text);
      say(copyStatus, "Header copied to the clipboard.", "ok");
    } catch {
      // Clipboard access can be refused (no secure context, no permission): select it instead.
      const range = document.createRange();
      range.selectNodeContents(header);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      say(copyStatus, "Header selected: press Ctrl+C (or ⌘C) to copy it.", "pending");
    }
  });

  tryButton.addEventListener("click", async () => {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    say(tryStatus, token ? "Sending GET /users/me…" : "No token yet: sending without one, expect 401…", "pending");
    let response;
    try {
      response = await fetch("/users/me", { headers });
    } catch (error) {
      tryResponse.textContent = "";
      say(tryStatus, `The mock did not answer (${error.message}). Is it still running?`, "error");
      return;
    }
    showJson(tryResponse, await readJson(response));
    say(tryStatus, `${response.status} ${response.statusText}`, response.ok ? "ok" : "error");
  });
})();
