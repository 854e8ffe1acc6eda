// The eden dashboard: lists environments through the REST API and refreshes itself.
// No framework and no build step: the page is small, and everything it shows comes from
// /api/v1 with the key the user pasted (kept in localStorage, sent as x-api-key).
// Text is always set with textContent, never innerHTML: branch names are user input.
"use strict";

const KEY_STORAGE = "eden.apiKey";
const REFRESH_MS = 5000;
const STATUS_MS = 30000; // health and drift read AWS: not on every refresh
const LOG_LINES = 50;
// The lean rows, as many as the API gives in one page: most fleets fit in one request.
const LIST = "/api/v1/environments?view=summary&limit=500";
const MAX_PAGES = 40; // a guard against a server that never ends its pages
const KEPT_PAGES = 64; // answers kept for If-None-Match (one per page and profile asked)

const state = {
  key: localStorage.getItem(KEY_STORAGE) || "",
  scope: null,
  envs: [],
  timer: null,
  statusAt: 0,
  health: {}, // "profile/name" -> {health, drift, status_error} from &health=true
  pages: new Map(), // list URL -> {etag, body}: the last answer, revalidated with its ETag
  open: new Set(), // details rows shown
  details: {}, // "profile/name" -> {health, logs, error}
};

const envKey = (env) => `${env.profile}/${env.name}`;

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

// One page of the list. The last answer for the same URL is sent back as If-None-Match,
// so while nothing changed the server answers 304 with no body and builds nothing.
// cache: "no-store" keeps the browser's own cache out of it: the 304 comes to us.
async function listPage(url) {
  const kept = state.pages.get(url);
  const headers = { "x-api-key": state.key };
  if (kept) headers["if-none-match"] = kept.etag;
  const response = await fetch(url, { headers, cache: "no-store" });
  if (response.status === 304 && kept) return kept.body;
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (!response.ok) {
    const error = new Error((body && body.message) || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  const etag = response.headers.get("etag");
  state.pages.delete(url);
  if (etag) state.pages.set(url, { etag, body });
  if (state.pages.size > KEPT_PAGES) state.pages.delete(state.pages.keys().next().value);
  return body;
}

// Every page of a listing, following next_cursor (not `next`: behind a proxy its host
// may not be the one this page was loaded from).
async function listAll(query) {
  let url = `${LIST}${query}`;
  const envs = [];
  let profiles = [];
  for (let n = 0; url && n < MAX_PAGES; n += 1) {
    const body = await listPage(url);
    envs.push(...body.environments);
    profiles = body.profiles;
    url = body.next_cursor
      ? `${LIST}${query}&cursor=${encodeURIComponent(body.next_cursor)}`
      : null;
  }
  return { envs, profiles };
}

async function refresh() {
  if (!state.key) {
    state.envs = [];
    render();
    showMessage("Paste an API key to see the environments (eden apikey create).", "info");
    return;
  }
  const profile = $("profile").value;
  const query = profile ? `&profile=${encodeURIComponent(profile)}` : "";
  const withStatus = Date.now() - state.statusAt >= STATUS_MS;
  try {
    // Health reads AWS, so it is its own request, every STATUS_MS; the list itself is
    // the same URL every time, which is what lets it be answered 304.
    const [listed, healthy] = await Promise.all([
      listAll(query),
      withStatus ? listAll(`${query}&health=true`) : null,
    ]);
    state.envs = listed.envs;
    if (healthy) {
      state.statusAt = Date.now();
      for (const env of healthy.envs) state.health[envKey(env)] = env;
    }
    fillProfiles(listed.profiles);
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
  body.replaceChildren(...rows.flatMap((env) => {
    const shown = [row(env)];
    if (state.open.has(envKey(env))) shown.push(detailsRow(env));
    return shown;
  }));
  $("empty").hidden = rows.length > 0 || !state.key;
}

function row(env) {
  const link = el("a", { href: env.url, textContent: env.host, target: "_blank", rel: "noopener" });
  const power = env.power || "awake";
  const shown = power === "awake" || env.status !== "ready" ? env.status : power;
  const status = el("span", { className: `status ${env.status} ${power}`, textContent: shown });
  const actions = el("td", { className: "actions" });
  const more = el("button", {
    className: "details-toggle quiet",
    textContent: state.open.has(envKey(env)) ? "Hide" : "Details",
    title: `Health, why tasks stopped, and the last log lines of ${env.name}`,
  });
  more.addEventListener("click", () => toggleDetails(env));
  actions.append(more);
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
    const nap = el("button", {
      className: "power",
      textContent: power === "awake" ? "Sleep" : "Wake",
      disabled: power === "waking" || env.status !== "ready",
      title: power === "awake"
        ? `Stop the tasks of ${env.name}; a request to its URL wakes it`
        : `Start the tasks of ${env.name} again`,
    });
    nap.dataset.env = env.name;
    nap.addEventListener("click", () => togglePower(env, nap));
    actions.append(nap, pin, button);
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
    healthCell(env),
    el("td", { textContent: age(env.created_at), title: when(env.created_at) }),
    el("td", { textContent: when(env.last_deploy_at) }),
    el("td", { textContent: pinCell(env) }),
    actions,
  ]);
  tr.dataset.env = env.name;
  return tr;
}

function stamp(seconds) {
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

function healthCell(env) {
  const known = state.health[envKey(env)];
  const cell = el("td", { className: "health" });
  if (!known) {
    cell.textContent = "…";
    return cell;
  }
  if (!known.health) {
    cell.textContent = "unknown";
    cell.title = known.status_error || "";
    return cell;
  }
  cell.classList.add(known.health.verdict);
  cell.textContent = known.health.summary;
  cell.title = known.health.summary;
  if (known.drift && known.drift.drifted) {
    cell.append(" ", el("span", { className: "drifted", textContent: "· drifted",
                                  title: known.drift.summary }));
  }
  return cell;
}

async function toggleDetails(env) {
  const key = envKey(env);
  if (state.open.has(key)) {
    state.open.delete(key);
    render();
    return;
  }
  state.open.add(key);
  state.details[key] = { loading: true };
  render();
  const path = encodeURIComponent(env.name);
  const query = `?profile=${encodeURIComponent(env.profile)}`;
  try {
    const [health, logs, record] = await Promise.all([
      api("GET", `/api/v1/health/${path}${query}`),
      api("GET", `/api/v1/logs/${path}${query}&since=1h&limit=${LOG_LINES}`).catch(
        (error) => ({ error: error.message }),
      ),
      api("GET", `/api/v1/environments/${path}${query}`).catch(() => null),
    ]);
    state.details[key] = { health, logs, cost: record && record.cost };
  } catch (error) {
    state.details[key] = { error: error.message };
  }
  render();
}

function detailsRow(env) {
  const found = state.details[envKey(env)] || { loading: true };
  const cell = el("td", { colSpan: 9, className: "details" });
  if (found.loading) cell.textContent = "reading AWS…";
  else if (found.error) cell.textContent = `Could not read ${env.name}: ${found.error}`;
  else cell.append(...costParts(found.cost), ...healthParts(found.health), ...logParts(found.logs));
  const tr = el("tr", { className: "details" }, [cell]);
  tr.dataset.details = env.name;
  return tr;
}

function list(title, items) {
  if (!items.length) return [];
  return [el("h3", { textContent: title }),
          el("ul", {}, items.map((text) => el("li", { textContent: text })))];
}

function dollars(value) {
  return `$${value.toFixed(2)}`;
}

// Cost so far, as the server worked it out at `as_of` (an estimate: Fargate vCPU and
// memory only; docs/sleep-wake.md).
function costParts(cost) {
  if (!cost) return [];
  const text = cost.dollars === null
    ? `Cost: unknown (${cost.unknown})`
    : `Cost so far ${dollars(cost.dollars)}, saved by sleeping ${dollars(cost.saved_dollars)}` +
      ` · ${dollars(cost.hourly)}/hour awake (Fargate ${cost.region}, an estimate)`;
  return [el("p", { className: "cost", textContent: text })];
}

function healthParts(health) {
  const rollout = health.rollout ? `, rollout ${health.rollout}` : "";
  const counts = `${health.running} running, ${health.pending} pending, ` +
    `${health.desired} desired${rollout}`;
  return [
    el("h3", { textContent: health.summary }),
    el("p", { className: "muted small", textContent: counts }),
    ...list("Problems", health.problems),
    ...list("Targets", health.targets.map((t) => t.text)),
    ...list("Stopped recently", health.stopped_tasks.map(
      (t) => `${when(t.stopped_at)} ${t.id.slice(0, 8)}: ${t.stop ? t.stop.text : "?"}`)),
  ];
}

function logParts(logs) {
  if (logs.error) return [el("h3", { textContent: "Logs" }), el("p", { textContent: logs.error })];
  const text = logs.lines.map(
    (l) => `${stamp(l.at)} ${l.container}/${l.task.slice(0, 8)} ${l.message}`).join("\n");
  return [
    el("h3", { textContent: `Last log lines (${logs.lines.length}, past hour)` }),
    el("pre", { className: "logs", textContent: text || "no lines in the past hour" }),
    ...list("Not read", logs.notes),
  ];
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

async function togglePower(env, button) {
  const asleep = (env.power || "awake") !== "awake";
  const verb = asleep ? "Wake" : "Sleep";
  button.disabled = true;
  const path = `/api/v1/sleeping/${encodeURIComponent(env.name)}?profile=${encodeURIComponent(env.profile)}`;
  try {
    await api(asleep ? "DELETE" : "PUT", path);
    showMessage(asleep ? `Waking ${env.name}: its tasks are starting` : `${env.name} is asleep`, "info");
  } catch (error) {
    showMessage(`Could not ${verb.toLowerCase()} ${env.name}: ${error.message}`);
  }
  await refresh();
}

async function useKey(key) {
  state.key = key.trim();
  state.pages.clear(); // answers kept for another key are not this key's to reuse
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
