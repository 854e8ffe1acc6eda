// The eden dashboard: lists environments through the REST API and refreshes itself.
// No framework and no build step: the page is small, and everything it shows comes from
// /api/v1 with the key the user pasted (kept in localStorage, sent as x-api-key).
// Text is always set with textContent, never innerHTML: branch names are user input.
"use strict";

const KEY_STORAGE = "eden.apiKey";
const REFRESH_MS = 5000;

const state = { key: localStorage.getItem(KEY_STORAGE) || "", scope: null, envs: [], timer: null };

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

async function api(method, path) {
  const response = await fetch(path, {
    method,
    headers: state.key ? { "x-api-key": state.key } : {},
  });
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (!response.ok) {
    const message = (body && body.message) || `${response.status} ${response.statusText}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

function showMessage(text, kind = "error") {
  const box = $("message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = !text;
}

function duration(s) {
  s = Math.max(0, Math.floor(s));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

function age(seconds) {
  return seconds == null ? "–" : duration(Date.now() / 1000 - seconds);
}

function when(seconds) {
  if (seconds == null) return "–";
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 16) + "Z";
}

// The registry host is the same on every row: show the repository and the tag, which
// are what tell two deploys apart (the full reference is the cell's tooltip).
const REGISTRY = /^(?:[^/]*[.:][^/]*|localhost)\//;

function shortImage(image) {
  return image.replace(REGISTRY, "");
}

function pinCell(env) {
  if (env.pinned) return "pinned";
  if (env.expires_at) return `expires in ${duration(env.expires_at - Date.now() / 1000)}`;
  return "–";
}

async function loadScope() {
  const badge = $("key-state");
  if (!state.key) {
    state.scope = null;
    badge.textContent = "no key";
    badge.className = "badge";
    return;
  }
  try {
    const me = await api("GET", "/api/v1/whoami");
    state.scope = me.scope;
    badge.textContent = `${me.name} · ${me.scope}`;
    badge.className = `badge ${me.scope}`;
  } catch (error) {
    state.scope = null;
    badge.textContent = error.status === 401 ? "key refused" : "key unchecked";
    badge.className = "badge bad";
  }
}

async function refresh() {
  if (!state.key) {
    state.envs = [];
    render();
    showMessage("Paste an API key to see the environments (eden apikey create).", "info");
    return;
  }
  const profile = $("profile").value;
  const query = profile ? `?profile=${encodeURIComponent(profile)}` : "";
  try {
    const data = await api("GET", `/api/v1/environments${query}`);
    state.envs = data.environments;
    fillProfiles(data.profiles);
    showMessage("");
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    showMessage(
      error.status === 401
        ? "The server does not know this key. Keys live in the state store, so after " +
            "`eden sandbox up` (a new sandbox, a new state) create one again: " +
            "eden apikey create --name me --scope write"
        : `Could not list environments: ${error.message}`,
    );
  }
  render();
}

function fillProfiles(profiles) {
  const select = $("profile");
  const known = new Set([...select.options].map((o) => o.value));
  for (const name of profiles) {
    if (!known.has(name)) select.append(el("option", { value: name, textContent: name }));
  }
}

function render() {
  const filter = $("filter").value.trim().toLowerCase();
  const rows = state.envs.filter(
    (e) =>
      !filter ||
      [e.name, e.branch, e.image].some((text) => text.toLowerCase().includes(filter)),
  );
  const body = $("envs").querySelector("tbody");
  body.replaceChildren(...rows.map(row));
  $("empty").hidden = rows.length > 0 || !state.key;
}

function row(env) {
  const link = el("a", { href: env.url, textContent: env.host, target: "_blank", rel: "noopener" });
  const status = el("span", { className: `status ${env.status}`, textContent: env.status });
  const actions = el("td", { className: "actions" });
  if (state.scope === "write") {
    const button = el("button", {
      className: "danger",
      textContent: "Delete",
      title: `Delete ${env.name} and every resource it has`,
    });
    button.dataset.env = env.name;
    button.addEventListener("click", () => remove(env, button));
    const pin = el("button", {
      className: "pin",
      textContent: env.pinned ? "Unpin" : "Pin",
      title: env.pinned
        ? `Let the stale cleaner delete ${env.name} once it is idle`
        : `Keep ${env.name}: the stale cleaner never deletes it`,
    });
    pin.dataset.env = env.name;
    pin.addEventListener("click", () => togglePin(env, pin));
    actions.append(pin, button);
  }
  const tr = el("tr", {}, [
    el("td", { className: "env" }, [
      el("div", { className: "env-name", textContent: env.name }),
      el("div", { className: "branch muted", textContent: env.branch, title: "branch" }),
      el("span", { className: "profile badge", textContent: env.profile }),
    ]),
    el("td", { className: "url" }, [link]),
    el("td", { className: "image", textContent: shortImage(env.image), title: env.image }),
    el("td", {}, [status]),
    el("td", { textContent: age(env.created_at), title: when(env.created_at) }),
    el("td", { textContent: when(env.last_deploy_at) }),
    el("td", { textContent: pinCell(env) }),
    actions,
  ]);
  tr.dataset.env = env.name;
  return tr;
}

async function remove(env, button) {
  const sure = window.confirm(
    `Delete environment ${env.name} (branch ${env.branch})?\n\nIts ECS service, target group, ` +
      "listener rule and DNS record are removed. This cannot be undone.",
  );
  if (!sure) return;
  button.disabled = true;
  button.textContent = "Deleting…";
  const path = `/api/v1/environments/${encodeURIComponent(env.name)}` +
    `?profile=${encodeURIComponent(env.profile)}&wait=false`;
  try {
    await api("DELETE", path);
    showMessage(`Deleting ${env.name}…`, "info");
  } catch (error) {
    showMessage(`Could not delete ${env.name}: ${error.message}`);
    button.disabled = false;
    button.textContent = "Delete";
  }
  setTimeout(refresh, 500);
}

async function togglePin(env, button) {
  const verb = env.pinned ? "Unpin" : "Pin";
  if (!window.confirm(`${verb} environment ${env.name} (branch ${env.branch})?`)) return;
  button.disabled = true;
  const path = `/api/v1/pins/${encodeURIComponent(env.name)}?profile=${encodeURIComponent(env.profile)}`;
  try {
    await api(env.pinned ? "DELETE" : "PUT", path);
    showMessage(`${verb}ned ${env.name}`, "info");
  } catch (error) {
    showMessage(`Could not ${verb.toLowerCase()} ${env.name}: ${error.message}`);
  }
  await refresh();
}

async function useKey(key) {
  state.key = key.trim();
  if (state.key) localStorage.setItem(KEY_STORAGE, state.key);
  else localStorage.removeItem(KEY_STORAGE);
  $("api-key").value = "";
  $("api-key").placeholder = state.key ? "key saved in this browser" : "paste an eden API key";
  await loadScope();
  await refresh();
}

function start() {
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    useKey($("api-key").value);
  });
  $("forget-key").addEventListener("click", () => useKey(""));
  $("profile").addEventListener("change", refresh);
  $("filter").addEventListener("input", render);
  if (state.key) $("api-key").placeholder = "key saved in this browser";
  loadScope().then(refresh);
  state.timer = setInterval(refresh, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", start);
