// Operations console: one page, no dependencies, no build step. Every call goes to the operations API with the key
// from sessionStorage in the x-functions-key header. Everything that comes from an event or a row is put on the page
// with textContent (never as markup), and links are only ever built to this page's own #/ routes.
"use strict";

(() => {
  const API = "/api/ops/";
  const KEY = "scalekit-functions.ops-key";
  const STATUSES = ["processing", "processed", "ignored", "stale-skipped", "waiting-for-organization", "no-linked-organization", "failed", "parked"];
  const DEAD_LETTER_STATUSES = ["parked", "replayed", "resolved"];
  const main = document.getElementById("main-content");
  const nav = document.getElementById("nav");
  let sources = null;
  let eventTypes = [];

  // ---- DOM helpers -------------------------------------------------------------------------------------------------

  /** Creates an element; strings and numbers among the children become text nodes, never markup. */
  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else if (name === "class") element.className = value;
      else if (name === "text") element.textContent = value;
      else element.setAttribute(name, value === true ? "" : String(value));
    }
    append(element, children);
    return element;
  }

  function append(parent, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return parent;
  }

  /** Replaces a container's content; null and false children are skipped. */
  function fill(parent, ...children) {
    parent.replaceChildren();
    return append(parent, children);
  }

  function svg(tag, attributes, ...children) {
    const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "text") element.textContent = value;
      else element.setAttribute(name, String(value));
    }
    append(element, children);
    return element;
  }

  /** A link to one of this page's routes; the parts are encoded, so data can never make it leave the page. */
  function route(...parts) {
    return "#/" + parts.map((part) => encodeURIComponent(String(part))).join("/");
  }

  function link(text, ...parts) {
    return h("a", { href: route(...parts) }, text);
  }

  function time(value) {
    if (!value) return "—";
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
  }

  /** A time as an element: the viewer's zone on the page, the same instant in UTC on hover. */
  function when(value) {
    if (!value) return "—";
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return h("time", { datetime: date.toISOString(), title: `${date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "").replace("Z", "")} UTC` }, time(value));
  }

  // Words for the API's field names; anything not listed is spelled out from its name ("last_error" → "Last error").
  const LABELS = {
    event_id: "Event id", source: "Source", event_type: "Type", status: "Status", attempts: "Attempts",
    received_at: "Received", occurred_at: "Occurred", completed_at: "Completed", last_attempt_at: "Last attempt",
    last_failed_at: "Last failure", last_error: "Last error", parked_at: "Parked", first_delivery_id: "First delivery id",
    last_delivery_id: "Last delivery id", delivery_id: "Delivery id", organization_id: "Organization id", customer_id: "Customer id",
    stripe_customer_id: "Stripe customer id", external_id: "External id", display_name: "Name", payload_blob: "Payload blob",
    payload_length: "Payload size (bytes)", replay_count: "Replays", directory_user_id: "Directory user id", user_id: "User id",
    email: "Email", first_name: "First name", last_name: "Last name", metadata: "Metadata", features: "Features",
    updated_at: "Updated", created_at: "Created", started_at: "Started", version: "Version", mode: "Mode",
    successes: "Successes", failures: "Failures", last_success_at: "Last success", last_failure_at: "Last failure",
    average_duration_ms: "Average duration (ms)", region_code: "Region", domains: "Domains", roles: "Roles", role: "Role",
    last_delivery_at: "Last delivery", last_refused_at: "Last refusal", last_error_at: "Last error at", last_error_event_id: "Last error event",
    accepted: "Accepted", employees_synced: "Employees synced",
  };

  function label(name) {
    if (LABELS[name]) return LABELS[name];
    if (/\s/.test(name)) return name; // already words
    const words = String(name).replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").trim().toLowerCase();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function number(value) {
    return value === null || value === undefined ? "—" : Number(value).toLocaleString();
  }

  function ms(value) {
    if (value === null || value === undefined) return "—";
    return value < 1000
      ? `${Number(value).toLocaleString(undefined, { maximumFractionDigits: 1 })} ms`
      : `${(value / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 })} s`;
  }

  function pretty(value) {
    if (typeof value === "string") {
      try {
        return JSON.stringify(JSON.parse(value), null, 2);
      } catch {
        return value;
      }
    }
    return JSON.stringify(value, null, 2);
  }

  function statusBadge(status) {
    const kind = {
      processed: "ok", ok: "ok", completed: "ok", deleted: "idle", queued: "warn", running: "warn", resolved: "ok", active: "ok", trialing: "ok", live: "ok",
      past_due: "warn", incomplete: "warn", unpaid: "bad", canceled: "idle", incomplete_expired: "idle", ignored: "idle", "stale-skipped": "idle", idle: "idle", replayed: "idle",
      processing: "warn", degraded: "warn", "no-linked-organization": "warn", "waiting-for-organization": "warn",
      sent: "ok", "skipped-unchanged": "ok", "dry-run": "idle", refused: "bad",
      failed: "bad", parked: "bad", failing: "bad", off: "bad", "over budget": "bad", done: "ok", skipped: "idle", pending: "warn", retrying: "warn",
    }[status] || "idle";
    return h("span", { class: `status ${kind}` }, status ?? "unknown");
  }

  function announce(text) {
    const region = document.getElementById("announce");
    region.textContent = "";
    window.setTimeout(() => { region.textContent = text; }, 50);
  }

  function message(kind, text) {
    return h("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
  }

  function loading(text) {
    return h("p", { class: "loading", role: "status" }, text || "Loading…");
  }

  function page(title, ...children) {
    fill(main, h("h1", { tabindex: "-1", id: "page-title" }, title), ...children);
    document.title = `${title} · Operations console`;
  }

  function focusTitle() {
    const title = document.getElementById("page-title");
    if (title) title.focus({ preventScroll: false });
  }

  /** A labelled field: the label's for= points at the control's id. */
  function field(labelText, control) {
    return h("div", {}, h("label", { for: control.id }, labelText), control);
  }

  function select(id, name, options, value, anyLabel) {
    const element = h("select", { id, name });
    if (anyLabel) element.append(h("option", { value: "" }, anyLabel));
    for (const option of options) element.append(h("option", { value: option, selected: option === value }, option));
    return element;
  }

  function table(caption, columns, rows, emptyText) {
    if (!rows.length) return h("p", { class: "empty" }, emptyText);
    // Focusable, so a table wider than a phone can be scrolled from the keyboard.
    return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption || "Results table" },
      h("table", {},
        caption ? h("caption", {}, caption) : null,
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : (c.narrow ? "hide-narrow" : null) }, c.label)))),
        h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", { class: c.num ? "num" : (c.narrow ? "hide-narrow" : null) }, c.value(row))))))));
  }

  /** Every field of a row as a definition list; objects and arrays are pretty-printed as text. */
  function fields(row, skip = []) {
    const list = h("dl", { class: "fields" });
    for (const [name, value] of Object.entries(row || {})) {
      if (skip.includes(name)) continue;
      let shown;
      if (value instanceof Node) shown = value;
      else if (value !== null && typeof value === "object") shown = structured(value);
      else if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) shown = when(value);
      else shown = value === null || value === undefined || value === "" ? "—" : String(value);
      list.append(h("dt", {}, label(name)), h("dd", {}, shown));
    }
    return list;
  }

  /** Feature lists as on/off words, flat objects as key: value lines, anything deeper pretty-printed. */
  function structured(value) {
    const scalar = (v) => v === null || typeof v !== "object";
    if (Array.isArray(value) && value.length && value.every((v) => v && typeof v === "object" && "name" in v && "enabled" in v)) {
      return h("ul", { class: "plain" }, value.map((f) => h("li", {}, `${f.enabled ? "✓" : "✕"} ${f.name} (${f.enabled ? "on" : "off"})`)));
    }
    if (Array.isArray(value) && value.every(scalar)) return value.length ? value.map(String).join(", ") : "none";
    if (!Array.isArray(value) && Object.values(value).every(scalar)) {
      const entries = Object.entries(value);
      return entries.length ? h("ul", { class: "plain" }, entries.map(([k, v]) => h("li", {}, h("span", { class: "mono" }, k), `: ${v === null ? "—" : String(v)}`))) : "none";
    }
    return h("pre", { class: "mono" }, pretty(value));
  }

  /** Asks for confirmation in a modal dialog; resolves true only on the confirm button. */
  function confirmAction(title, text, confirmLabel) {
    const dialog = document.getElementById("confirm");
    document.getElementById("confirm-title").textContent = title;
    document.getElementById("confirm-text").textContent = text;
    const ok = document.getElementById("confirm-ok");
    const cancel = document.getElementById("confirm-cancel");
    ok.textContent = confirmLabel;
    const opener = document.activeElement;
    return new Promise((resolve) => {
      const finish = (answer) => {
        ok.removeEventListener("click", onOk);
        cancel.removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        if (opener && opener.isConnected) opener.focus();
        resolve(answer);
      };
      const onOk = () => finish(true);
      const onCancel = (event) => { event.preventDefault(); finish(false); };
      ok.addEventListener("click", onOk);
      cancel.addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
      cancel.focus();
    });
  }

  // ---- API ---------------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(kind, status, text, field, detail) {
      super(text);
      this.kind = kind;
      this.status = status;
      this.field = field || null;
      this.detail = detail || text;
    }
  }

  async function api(path, options = {}) {
    const key = sessionStorage.getItem(KEY);
    if (!key) throw new ApiError("unauthorized", 401, "Sign in with the operations key.");
    let response;
    try {
      response = await fetch(API + path, {
        method: options.method || "GET",
        headers: options.body === undefined
          ? { "x-functions-key": key, accept: "application/json" }
          : { "x-functions-key": key, accept: "application/json", "content-type": "application/json" },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
      });
    } catch {
      throw new ApiError("unreachable", 0, "The operations API cannot be reached. Check that the host is running and the network is up.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (response.status === 401) throw new ApiError("unauthorized", 401, "The operations key was refused (401). Check the function key, or ADMIN_API_KEY locally.");
    if (!response.ok) {
      const detail = body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`;
      throw new ApiError(response.status >= 500 ? "server" : "refused", response.status, `The operations API answered ${response.status}: ${detail}`,
        body && typeof body.field === "string" ? body.field : null, detail);
    }
    return body;
  }

  function query(parameters) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(parameters)) {
      if (value !== null && value !== undefined && value !== "") search.set(name, value);
    }
    const text = search.toString();
    return text ? `?${text}` : "";
  }

  /** Shows an API failure; a refused key sends the person back to sign-in with the reason. */
  function failure(error, container) {
    if (error instanceof ApiError && error.kind === "unauthorized") {
      sessionStorage.removeItem(KEY);
      renderSignIn(error.message);
      return;
    }
    const shown = message("error", error instanceof ApiError ? error.message : `Unexpected problem: ${error.message}`);
    (container || main).append(shown);
    announce(shown.textContent);
  }

  /** Sources and recently seen event types from a stats answer, for the search forms. */
  function remember(stats) {
    sources = (stats.sources || []).map((s) => s.source);
    eventTypes = [...new Set((stats.events || []).map((e) => e.type))].sort();
  }

  async function knownSources() {
    if (sources) return sources;
    remember(await api("stats?window=24h"));
    return sources;
  }

  // ---- Sign in -----------------------------------------------------------------------------------------------------

  function renderSignIn(problem) {
    nav.hidden = true;
    const input = h("input", { id: "ops-key", name: "ops-key", type: "password", autocomplete: "off", required: true, spellcheck: "false", "aria-describedby": "ops-key-help" });
    const outcome = h("div", { id: "signin-outcome" });
    const form = h("form", { class: "panel signin", "aria-labelledby": "page-title", novalidate: true },
      h("h2", { "aria-hidden": "true" }, "Operations console"),
      field("Operations key", input),
      h("p", { id: "ops-key-help", class: "muted" }, "A function key in Azure; ADMIN_API_KEY on the local host. It is kept for this browser tab only and sent as the x-functions-key header."),
      h("div", { class: "actions" }, h("button", { type: "submit", id: "sign-in" }, "Sign in")),
      outcome);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      outcome.replaceChildren();
      const key = input.value.trim();
      if (!key) {
        outcome.append(message("error", "Enter the operations key."));
        input.focus();
        return;
      }
      sessionStorage.setItem(KEY, key);
      outcome.append(loading("Checking the key…"));
      try {
        await api("stats?window=1h");
        input.value = "";
        if (!location.hash.startsWith("#/") || location.hash === "#/signin") location.hash = "#/overview";
        else render();
      } catch (error) {
        sessionStorage.removeItem(KEY);
        fill(outcome, message("error", error.message));
        announce(error.message);
        input.focus();
      }
    });
    page("Sign in to the operations console", form);
    main.querySelector("h1").classList.add("visually-hidden");
    if (problem) {
      outcome.append(message("error", problem));
      announce(problem);
    }
    input.focus();
  }

  // ---- Overview ----------------------------------------------------------------------------------------------------

  const WINDOWS = [["1h", "Last hour"], ["24h", "Last 24 hours"], ["7d", "Last 7 days"]];

  async function renderOverview(params) {
    const span = WINDOWS.some(([value]) => value === params.get("window")) ? params.get("window") : "1h";
    const picker = h("select", { id: "window", name: "window" }, WINDOWS.map(([value, text]) => h("option", { value, selected: value === span }, text)));
    picker.addEventListener("change", () => { location.hash = `#/overview?window=${picker.value}`; });
    const body = h("div", { "aria-busy": "true" }, loading("Loading statistics…"));
    page("Overview", h("form", { class: "inline", onsubmit: (e) => e.preventDefault() }, field("Window", picker),
      h("button", { type: "button", class: "secondary", onclick: () => renderOverview(params) }, "Refresh")), body);
    focusTitle();
    let stats;
    try {
      stats = await api(`stats${query({ window: span })}`);
    } catch (error) {
      body.replaceChildren();
      body.removeAttribute("aria-busy");
      failure(error, body);
      return;
    }
    remember(stats);
    body.removeAttribute("aria-busy");
    const series = stats.series || {};
    const sum = (values) => (values || []).reduce((a, b) => a + b, 0);
    const latency = stats.processing_latency_ms || {};
    fill(body, 
      h("div", { class: "cards", id: "totals" },
        card("Ingested", number(sum(series.ingested))),
        card("Processed", number(sum(series.processed))),
        card("Failed", number(sum(series.failed))),
        card("Parked now", number(stats.parked)),
        card("Latency p50", ms(latency.p50)),
        card("Latency p95", ms(latency.p95))),
      stats.truncated ? message("error", `Only the first ${number(stats.events_total)} events of the window were counted.`) : null,
      h("h2", {}, "Per ", bucketName(series.bucket_seconds)),
      h("div", { class: "charts", id: "charts" },
        countChart("chart-ingested", "Ingested", series, series.ingested),
        countChart("chart-processed", "Processed", series, series.processed),
        countChart("chart-failed", "Failed", series, series.failed),
        countChart("chart-parked", "Parked", series, series.parked),
        latencyChart(series)),
      h("h2", {}, "Sources"),
      table("Queue depths and counts per source", [
        { label: "Source", value: (s) => s.source },
        { label: "Queue", value: (s) => h("span", { class: "mono" }, s.queue), narrow: true },
        { label: "Queue depth", value: (s) => number(s.queue_depth), num: true },
        { label: "Poison depth", value: (s) => number(s.poison_depth), num: true },
        { label: "Ingested", value: (s) => number(s.ingested), num: true },
        { label: "Processed", value: (s) => number(s.processed), num: true },
        { label: "Failing", value: (s) => s.failed ? h("a", { href: `#/events?${new URLSearchParams({ source: s.source, status: "failed" })}` }, number(s.failed)) : "0", num: true },
        { label: "Parked", value: (s) => s.parked ? h("a", { href: `#/dead-letters?${new URLSearchParams({ source: s.source })}` }, number(s.parked)) : "0", num: true },
      ], stats.sources || [], "No sources reported: the host registers none. Check the start-up report for disabled sources."),
      h("h2", {}, "Integrations"),
      integrations(stats.integrations || []));
    announce(`Overview loaded for ${WINDOWS.find(([v]) => v === span)[1].toLowerCase()}.`);
  }

  function card(label, value) {
    return h("div", { class: "card" }, h("span", { class: "value" }, value), h("span", { class: "label" }, label));
  }

  function bucketName(seconds) {
    if (!seconds || seconds === 60) return "minute";
    return seconds % 3600 === 0 ? `${seconds / 3600} hours`.replace(/^1 hours$/, "hour") : `${seconds / 60} minutes`;
  }

  function integrations(list) {
    if (!list.length) return h("p", { class: "empty" }, "No integrations report health yet: they appear here once configured (see the start-up report).");
    return h("div", { class: "cards", id: "integrations" }, list.map((item) => {
      const details = Object.fromEntries(Object.entries(item).filter(([name]) => name !== "name" && name !== "status"));
      return h("section", { class: "card", "aria-label": `${item.name} integration` },
        h("h3", {}, item.name, " ", statusBadge(item.status)), fields(details));
    }));
  }

  const W = 420, H = 150, PAD = { left: 50, right: 8, top: 10, bottom: 24 };

  function axes(root, series, max, format) {
    const bottom = H - PAD.bottom;
    for (const fraction of [0, 0.5, 1]) {
      const y = bottom - fraction * (bottom - PAD.top);
      root.append(svg("line", { class: fraction === 0 ? "axis" : "grid", x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }));
      root.append(svg("text", { class: "tick", x: PAD.left - 6, y: y + 4, "text-anchor": "end", text: format(max * fraction) }));
    }
    const count = (series.ingested || []).length;
    const start = new Date(series.start);
    const end = new Date(start.getTime() + count * (series.bucket_seconds || 60) * 1000);
    const label = (date) => date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    root.append(svg("text", { class: "tick", x: PAD.left, y: H - 6, text: label(start) }));
    root.append(svg("text", { class: "tick", x: W - PAD.right, y: H - 6, "text-anchor": "end", text: label(end) }));
  }

  function marker(kind, [x, y]) {
    return kind === "p50"
      ? svg("circle", { class: "marker p50", cx: x.toFixed(1), cy: y.toFixed(1), r: 3 })
      : svg("rect", { class: "marker p95", x: (x - 3).toFixed(1), y: (y - 3).toFixed(1), width: 6, height: 6 });
  }

  function formatTick(value) {
    return value >= 100 || Number.isInteger(value) ? Math.round(value).toLocaleString() : value.toFixed(1);
  }

  function points(values, max) {
    const n = Math.max(values.length, 1);
    const width = W - PAD.left - PAD.right, height = H - PAD.top - PAD.bottom;
    return values.map((value, i) => value === null || value === undefined ? null
      : [PAD.left + (n === 1 ? width / 2 : (i / (n - 1)) * width), H - PAD.bottom - (max === 0 ? 0 : (value / max) * height)]);
  }

  function path(pts) {
    let d = "", pen = false;
    for (const p of pts) {
      if (!p) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${p[0].toFixed(1)},${p[1].toFixed(1)}`;
      pen = true;
    }
    return d;
  }

  function countChart(id, title, series, values) {
    values = values || [];
    const max = Math.max(1, ...values);
    const total = values.reduce((a, b) => a + b, 0);
    const peak = values.indexOf(Math.max(...values, 0));
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-title ${id}-summary`, "data-points": values.length });
    axes(root, series, max, formatTick);
    const pts = points(values, max);
    if (pts.length) {
      const baseline = H - PAD.bottom;
      const area = `${path(pts)}L${pts[pts.length - 1][0].toFixed(1)},${baseline}L${pts[0][0].toFixed(1)},${baseline}Z`;
      root.append(svg("path", { class: "area", d: area }), svg("path", { class: "line", d: path(pts) }));
    }
    const summary = total === 0 ? "None in this window."
      : `${number(total)} in total; the busiest ${bucketName(series.bucket_seconds)} had ${number(values[peak])}, at ${time(new Date(new Date(series.start).getTime() + peak * series.bucket_seconds * 1000))}.`;
    return h("figure", { class: "chart", id },
      h("figcaption", { id: `${id}-title` }, `${title} per ${bucketName(series.bucket_seconds)}`), root,
      h("p", { class: "summary", id: `${id}-summary` }, summary));
  }

  function latencyChart(series) {
    const p50 = series.latency_p50_ms || [], p95 = series.latency_p95_ms || [];
    const known = [...p50, ...p95].filter((v) => v !== null && v !== undefined);
    const max = Math.max(1, ...known);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-latency-title chart-latency-summary" });
    axes(root, series, max, ms);
    const p50Points = points(p50, max), p95Points = points(p95, max);
    root.append(svg("path", { class: "line p50", d: path(p50Points) }), svg("path", { class: "line p95", d: path(p95Points) }));
    // Markers as well as dash patterns, so the two lines differ without colour and a lone bucket still shows.
    for (const p of p50Points) if (p) root.append(marker("p50", p));
    for (const p of p95Points) if (p) root.append(marker("p95", p));
    const sample = (kind) => svg("svg", { viewBox: "0 0 28 10", "aria-hidden": "true" }, svg("line", { class: `line ${kind}`, x1: 0, x2: 28, y1: 5, y2: 5 }), marker(kind, [14, 5]));
    return h("figure", { class: "chart", id: "chart-latency" },
      h("figcaption", { id: "chart-latency-title" }, "Processing latency (received → completed)"), root,
      h("div", { class: "legend" }, h("span", {}, sample("p50"), "p50 (solid line, circles)"), h("span", {}, sample("p95"), "p95 (dashed line, squares)")),
      h("p", { class: "summary", id: "chart-latency-summary" }, known.length ? `Highest p95 in a ${bucketName(series.bucket_seconds)}: ${ms(Math.max(...p95.filter((v) => v !== null)))}.` : "No completed events in this window."));
  }

  // ---- Events ------------------------------------------------------------------------------------------------------

  async function renderEvents(params) {
    let known = [];
    try {
      known = await knownSources();
    } catch (error) {
      page("Events");
      failure(error);
      return;
    }
    const controls = {
      source: select("f-source", "source", known, params.get("source"), "Any source"),
      type: h("input", { id: "f-type", name: "type", value: params.get("type") || "", placeholder: "e.g. organization.created", list: "known-types", autocomplete: "off" }),
      status: select("f-status", "status", STATUSES, params.get("status"), "Any status"),
      from: h("input", { id: "f-from", name: "from", type: "datetime-local", value: params.get("from") || "" }),
      to: h("input", { id: "f-to", name: "to", type: "datetime-local", value: params.get("to") || "" }),
      organizationId: h("input", { id: "f-org", name: "organizationId", value: params.get("organizationId") || "", placeholder: "org_…" }),
      customerId: h("input", { id: "f-customer", name: "customerId", value: params.get("customerId") || "", placeholder: "cus_…" }),
    };
    const form = h("form", { class: "panel filters", role: "search", "aria-label": "Search events" },
      field("Source", controls.source), field("Type", controls.type), field("Status", controls.status),
      field("Received from", controls.from), field("Received before", controls.to),
      field("Organization id", controls.organizationId), field("Customer id", controls.customerId),
      h("div", {}, h("button", { type: "submit", id: "search" }, "Search")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const [name, control] of Object.entries(controls)) if (control.value.trim()) next.set(name, control.value.trim());
      const target = `#/events?${next.toString()}`;
      if (location.hash === target) renderEvents(next); else location.hash = target;
    });
    const results = h("div", { id: "results", "aria-live": "polite" });
    const types = h("datalist", { id: "known-types" }, eventTypes.map((type) => h("option", { value: type })));
    page("Events", form, types, results);
    focusTitle();
    const filter = {};
    for (const name of Object.keys(controls)) if (params.get(name)) filter[name] = params.get(name);
    for (const name of ["from", "to"]) {
      if (!filter[name]) continue;
      const at = new Date(filter[name]);
      if (Number.isNaN(at.getTime())) delete filter[name]; else filter[name] = at.toISOString();
    }
    await loadEventPage(results, filter, null, []);
  }

  async function loadEventPage(results, filter, token, shown) {
    results.setAttribute("aria-busy", "true");
    if (!shown.length) fill(results, loading("Searching…"));
    let pageResult;
    try {
      pageResult = await api(`events${query({ ...filter, pageSize: 50, continuationToken: token })}`);
    } catch (error) {
      results.replaceChildren();
      results.removeAttribute("aria-busy");
      failure(error, results);
      return;
    }
    const rows = shown.concat(pageResult.items || []);
    results.removeAttribute("aria-busy");
    fill(results, 
      h("p", { class: "muted" }, rows.length === 1 ? "1 event" : `${number(rows.length)} events`, pageResult.continuation_token ? " (more available)" : ""),
      table(null, [
        { label: "Received", value: (r) => when(r.received_at) },
        { label: "Source", value: (r) => r.source },
        { label: "Type", value: (r) => r.event_type },
        { label: "Event id", value: (r) => h("a", { href: route("events", r.source, r.event_id), class: "mono" }, r.event_id) },
        { label: "Status", value: (r) => statusBadge(r.status) },
        { label: "Attempts", value: (r) => number(r.attempts), num: true, narrow: true },
      ], rows, "No events match these filters. Widen the time range, clear a filter, or check the source's queue depth on the overview (events still queued are not listed yet)."),
      pageResult.continuation_token
        ? h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => loadEventPage(results, filter, pageResult.continuation_token, rows) }, "Load more"))
        : null);
    announce(rows.length ? `${rows.length} events found.` : "No events match these filters.");
  }

  async function renderEvent(source, eventId) {
    page(`Event ${eventId}`, loading());
    focusTitle();
    let row;
    try {
      row = await api(`events/${encodeURIComponent(source)}/${encodeURIComponent(eventId)}`);
    } catch (error) {
      page(`Event ${eventId}`, h("p", {}, link("← Events", "events")));
      failure(error);
      return;
    }
    const outcome = h("div", { id: "replay-outcome" });
    const replay = h("button", { type: "button", id: "replay-event" }, "Replay this event");
    replay.addEventListener("click", async () => {
      const ok = await confirmAction(`Replay ${source} event ${eventId}?`,
        `Its stored payload is queued again and applied even though the ledger may say it is done. State only changes where this event is still the newest; its attempts count goes up by one.`,
        "Replay event");
      if (!ok) return;
      replay.disabled = true;
      fill(outcome, loading("Queuing the replay…"));
      try {
        await api(`events/${encodeURIComponent(source)}/${encodeURIComponent(eventId)}/replay`, { method: "POST" });
        fill(outcome, message("ok", `Event ${eventId} was queued for replay. Reload this page to see the new attempt.`));
        announce(`Event ${eventId} was queued for replay.`);
      } catch (error) {
        outcome.replaceChildren();
        failure(error, outcome);
      } finally {
        replay.disabled = false;
      }
    });
    const ledger = Object.fromEntries(Object.entries(row).filter(([name]) => !["payload", "source"].includes(name)));
    const related = [];
    if (row.organization_id) related.push(h("li", {}, "Organization ", link(row.organization_id, "organizations", row.organization_id)));
    if (row.customer_id) related.push(h("li", {}, "Customer ", link(row.customer_id, "customers", row.customer_id)));
    page(`Event ${eventId}`,
      h("p", {}, link("← Events", "events")),
      h("section", { class: "panel", "aria-labelledby": "ledger-title" },
        h("h2", { id: "ledger-title" }, "Ledger entry ", statusBadge(row.status)),
        fields({ source, ...ledger }),
        related.length ? h("ul", {}, related) : null,
        h("div", { class: "actions" }, replay), outcome),
      h("section", { class: "panel", "aria-labelledby": "payload-title" },
        h("h2", { id: "payload-title" }, "Payload"),
        row.payload !== undefined && row.payload !== null
          ? h("pre", { class: "payload", id: "payload", tabindex: "0", "aria-label": "Event payload" }, pretty(row.payload))
          : h("p", { class: "empty" }, row.payload_blob ? `Stored as blob ${row.payload_blob} (${number(row.payload_length)} bytes).` : "No payload stored: the event was recorded without one, so it cannot be replayed from here.")));
    focusTitle();
  }

  // ---- Dead letters ------------------------------------------------------------------------------------------------

  async function renderDeadLetters(params) {
    let known = [];
    try {
      known = await knownSources();
    } catch (error) {
      page("Dead letters");
      failure(error);
      return;
    }
    const controls = {
      source: select("d-source", "source", known, params.get("source"), "Any source"),
      type: h("input", { id: "d-type", name: "type", value: params.get("type") || "" }),
      status: select("d-status", "status", DEAD_LETTER_STATUSES, params.get("status") || "parked", "Any status"),
      reason: h("input", { id: "d-reason", name: "reason", value: params.get("reason") || "", placeholder: "text in the reason" }),
    };
    const form = h("form", { class: "panel filters", role: "search", "aria-label": "Filter dead letters" },
      field("Source", controls.source), field("Type", controls.type), field("Status", controls.status), field("Reason contains", controls.reason),
      h("div", {}, h("button", { type: "submit", id: "filter-dead-letters" }, "Filter")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const [name, control] of Object.entries(controls)) if (control.value.trim()) next.set(name, control.value.trim());
      location.hash = `#/dead-letters?${next.toString()}`;
    });
    const outcome = h("div", { id: "dead-letter-outcome" });
    const bulk = h("button", { type: "button", id: "replay-all", class: "secondary" }, "Replay all matching…");
    const results = h("div", { id: "dead-letters" });
    page("Dead letters", form, h("div", { class: "actions" }, bulk), outcome, results);
    focusTitle();
    const filter = { source: params.get("source"), type: params.get("type"), status: params.get("status") ?? "parked" };
    const reason = (params.get("reason") || "").toLowerCase();
    const reload = () => loadDeadLetters(results, outcome, filter, reason);

    bulk.addEventListener("click", async () => {
      fill(outcome, loading("Counting what would be replayed (dry run)…"));
      try {
        const dry = await api(`dead-letters/replay${query({ source: filter.source, type: filter.type, dryRun: "true" })}`, { method: "POST" });
        outcome.replaceChildren();
        const scope = [filter.source ? `source ${filter.source}` : "every source", filter.type ? `type ${filter.type}` : "every type"].join(", ");
        if (!dry.would_replay) {
          outcome.append(message("ok", `Nothing to replay: no parked dead letters for ${scope}.`));
          return;
        }
        const ok = await confirmAction(`Replay ${dry.would_replay} dead letters?`,
          `Dry run: ${dry.would_replay} parked dead letters match ${scope}. Each is queued again and marked replayed; any that fail again are parked again.`,
          `Replay ${dry.would_replay}`);
        if (!ok) return;
        fill(outcome, loading("Replaying…"));
        const done = await api(`dead-letters/replay${query({ source: filter.source, type: filter.type, dryRun: "false" })}`, { method: "POST" });
        fill(outcome, message("ok", `Replayed ${done.replayed} of ${dry.would_replay} dead letters.`));
        announce(`Replayed ${done.replayed} dead letters.`);
        await reload();
      } catch (error) {
        outcome.replaceChildren();
        failure(error, outcome);
      }
    });
    await reload();
  }

  async function loadDeadLetters(results, outcome, filter, reason) {
    results.setAttribute("aria-busy", "true");
    fill(results, loading("Loading dead letters…"));
    let rows = [];
    try {
      let token = null;
      do {
        const pageResult = await api(`dead-letters${query({ ...filter, pageSize: 200, continuationToken: token })}`);
        rows = rows.concat(pageResult.items || []);
        token = pageResult.continuation_token;
      } while (token && rows.length < 1000);
    } catch (error) {
      results.replaceChildren();
      results.removeAttribute("aria-busy");
      failure(error, results);
      return;
    }
    if (reason) rows = rows.filter((r) => String(r.reason || "").toLowerCase().includes(reason));
    results.removeAttribute("aria-busy");
    fill(results, table(`${number(rows.length)} dead letters`, [
      { label: "Event id", value: (r) => h("a", { href: route("events", r.source, r.event_id), class: "mono" }, r.event_id) },
      { label: "Source", value: (r) => r.source },
      { label: "Type", value: (r) => r.event_type },
      { label: "Reason", value: (r) => r.reason },
      { label: "Status", value: (r) => statusBadge(r.status) },
      { label: "Attempts", value: (r) => number(r.attempts), num: true, narrow: true },
      { label: "Parked", value: (r) => time(r.parked_at), narrow: true },
      { label: "Action", value: (r) => r.status === "parked" ? replayButton(r, results, outcome, filter, reason) : "—" },
    ], rows, "No dead letters match: nothing is waiting for a person. Choose \"Any status\" to see replayed and resolved ones."));
  }

  function replayButton(row, results, outcome, filter, reason) {
    const eventId = row.event_id;
    const button = h("button", { type: "button", class: "secondary", "aria-label": `Replay ${row.source} ${eventId}` }, "Replay");
    button.addEventListener("click", async () => {
      const ok = await confirmAction(`Replay ${eventId}?`,
        `The parked ${row.source} event ${eventId} (${row.event_type}) is queued again and marked replayed. If it fails again it is parked again with the new reason.`,
        "Replay");
      if (!ok) return;
      button.disabled = true;
      try {
        await api(`dead-letters/${encodeURIComponent(row.source)}/${encodeURIComponent(eventId)}/replay`, { method: "POST" });
        fill(outcome, message("ok", `${eventId} was queued for replay.`));
        announce(`${eventId} was queued for replay.`);
        await loadDeadLetters(results, outcome, filter, reason);
      } catch (error) {
        button.disabled = false;
        outcome.replaceChildren();
        failure(error, outcome);
      }
    });
    return button;
  }

  // ---- Organizations and customers ---------------------------------------------------------------------------------

  async function renderLookup(params) {
    const search = h("input", { id: "org-search", name: "q", type: "search", value: params.get("q") || "", placeholder: "Name, org_…, external id or domain", autocomplete: "off" });
    const searchForm = h("form", { class: "panel inline", role: "search", "aria-label": "Organization search" },
      field("Find organizations", search), h("button", { type: "submit", id: "search-organizations" }, "Search"));
    searchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = search.value.trim();
      const target = text ? `#/organizations?${new URLSearchParams({ q: text })}` : "#/organizations";
      if (location.hash === target) renderLookup(new URLSearchParams(text ? { q: text } : {})); else location.hash = target;
    });
    const results = h("div", { id: "organizations", "aria-live": "polite" });
    page("Organizations", searchForm, results);
    focusTitle();
    await loadOrganizationPage(results, params.get("q") || "");
  }

  async function renderCustomers(params) {
    const search = h("input", { id: "customer-search", name: "q", type: "search", value: params.get("q") || "", placeholder: "cus_…, org_… or part of an email", autocomplete: "off" });
    const searchForm = h("form", { class: "panel inline", role: "search", "aria-label": "Customer search" },
      field("Find customers", search), h("button", { type: "submit", id: "search-customers" }, "Search"));
    searchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = search.value.trim();
      const target = text ? `#/customers?${new URLSearchParams({ q: text })}` : "#/customers";
      if (location.hash === target) renderCustomers(new URLSearchParams(text ? { q: text } : {})); else location.hash = target;
    });
    const results = h("div", { id: "customers", "aria-live": "polite" });
    page("Customers", searchForm, results);
    focusTitle();
    await loadCustomerPage(results, params.get("q") || "");
  }

  /**
   * One page after another of a paged list route into results: a table of every row read so far,
   * and "Load more" (or "Search further" while a search has matched nothing yet) while the route has more.
   */
  async function loadList(results, list, token = null, shown = []) {
    results.setAttribute("aria-busy", "true");
    if (!shown.length) fill(results, loading(list.loadingText));
    let pageResult;
    try {
      pageResult = await api(`${list.path}${query({ ...list.params, pageSize: 50, continuationToken: token })}`);
    } catch (error) {
      results.replaceChildren();
      results.removeAttribute("aria-busy");
      failure(error, results);
      return;
    }
    const rows = shown.concat(pageResult.items || []);
    results.removeAttribute("aria-busy");
    const more = pageResult.continuation_token;
    fill(results,
      table(`${number(rows.length)} ${list.noun}${more ? " (more available)" : ""}`, list.columns, rows, list.empty(more)),
      more
        ? h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", id: list.moreId, onclick: () => loadList(results, list, more, rows) }, rows.length ? "Load more" : "Search further"))
        : null);
    announce(rows.length ? `${rows.length} ${list.noun} shown.` : `No ${list.noun} match.`);
  }

  function loadCustomerPage(results, text) {
    return loadList(results, {
      path: "customers", params: { q: text }, noun: "customers", moreId: "more-customers",
      loadingText: text ? "Searching customers…" : "Loading customers…",
      columns: [
        { label: "Customer", value: (c) => link(c.customer_id, "customers", c.customer_id) },
        { label: "Organization", value: (c) => c.organization_id ? link(c.organization_id, "organizations", c.organization_id) : "—" },
        { label: "Email", value: (c) => c.email || "—", narrow: true },
        { label: "Subscription", value: (c) => c.deleted_at ? statusBadge("deleted") : c.subscription_status ? statusBadge(c.subscription_status) : "—" },
        { label: "Plan", value: (c) => c.plan || "—" },
        { label: "Last sync", value: (c) => c.last_sync_result ? statusBadge(c.last_sync_result) : "—" },
        { label: "Synced", value: (c) => when(c.last_sync_at), narrow: true },
      ],
      empty: (more) => text
        ? (more ? `None of the customers read so far match "${text}". Choose "Search further" to read more.` : `No customer matches "${text}". Try part of the cus_ id, the org_ id of its organization, or part of an email.`)
        : "No customers yet: they appear when Stripe sends a subscription or customer event (check the events page for stripe).",
    });
  }

  function loadOrganizationPage(results, text) {
    return loadList(results, {
      path: "organizations", params: { q: text }, noun: "organizations", moreId: "more-organizations",
      loadingText: text ? "Searching organizations…" : "Loading organizations…",
      columns: [
        { label: "Name", value: (o) => link(o.display_name || o.id, "organizations", o.id) },
        { label: "Organization id", value: (o) => h("span", { class: "mono" }, o.id) },
        { label: "External id", value: (o) => o.external_id ? link(o.external_id, "customers", o.external_id) : "—" },
        { label: "Region", value: (o) => o.region_code || "—", narrow: true },
        { label: "Updated", value: (o) => when(o.update_time), narrow: true },
        { label: "State", value: (o) => o.deleted_at ? statusBadge("deleted") : statusBadge("active") },
      ],
      empty: (more) => text
        ? (more ? `None of the organizations read so far match "${text}". Choose "Search further" to read more.` : `No organization matches "${text}". Try part of the name, the org_ id, the Stripe customer id or a domain such as acme.com.`)
        : "No organizations yet: they appear when Scalekit sends an organization event (check the events page for scalekit).",
    });
  }

  async function renderOrganization(orgId) {
    page(`Organization ${orgId}`, loading());
    focusTitle();
    let org;
    try {
      org = await api(`organizations/${encodeURIComponent(orgId)}`);
    } catch (error) {
      page(`Organization ${orgId}`, h("p", {}, link("← Organizations", "organizations")));
      failure(error);
      return;
    }
    const users = h("div", { id: "directory-users" });
    const members = h("div", { id: "members" });
    const employees = h("div", { id: "employees" });
    page(org.display_name ? `${org.display_name} (${orgId})` : `Organization ${orgId}`,
      h("p", {}, link("← Organizations", "organizations"), " · ", link("Events of this organization", "events") ),
      h("div", { class: "two" },
      h("section", { class: "panel", "aria-labelledby": "org-state" },
        h("h2", { id: "org-state" }, "State"),
        fields(org, ["billing", "metadata", "features", "metadata_pairs", "feature_owners"]),
        org.stripe_customer_id ? h("p", {}, "Linked customer: ", link(org.stripe_customer_id, "customers", org.stripe_customer_id)) : h("p", { class: "empty" }, "No linked Stripe customer: set the organization's external id to its Stripe customer id in Scalekit, or start an onboarding.")),
      h("section", { class: "panel", "aria-labelledby": "org-billing" },
        h("h2", { id: "org-billing" }, "Billing"),
        org.billing ? customerDetails(org.billing) : h("p", { class: "empty" }, "No billing state: it appears after the linked customer's first Stripe event, or after a re-sync."))),
      ownershipPanel(org),
      h("section", { class: "panel", "aria-labelledby": "org-users" }, h("h2", { id: "org-users" }, "Directory users"), users),
      h("section", { class: "panel", "aria-labelledby": "org-members" }, h("h2", { id: "org-members" }, "Members"), members),
      h("section", { class: "panel", "aria-labelledby": "org-employees" }, h("h2", { id: "org-employees" }, "Employees (HR)"), employees));
    // The events link carries the organization filter.
    main.querySelector("p a[href='#/events']").setAttribute("href", `#/events?${new URLSearchParams({ organizationId: orgId })}`);
    focusTitle();
    await Promise.all([
      pagedTable(users, `organizations/${encodeURIComponent(orgId)}/directory-users`, "No directory users: connect a directory for this organization in Scalekit; its users arrive as directory events."),
      pagedTable(members, `organizations/${encodeURIComponent(orgId)}/members`, "No members yet: members appear when users join the organization in Scalekit."),
      pagedTable(employees, `organizations/${encodeURIComponent(orgId)}/employees`, "No employees: connect this organization's HR system (docs/hr.md); its employees appear with their first event."),
    ]);
  }

  const WRITER_NAMES = { billing: "Billing", crm: "CRM sync", onboarding: "Onboarding", hr: "HR", customer: "The customer's own" };

  /** The organization's metadata pairs by writer (of Scalekit's limit) and its features with who owns each. */
  function ownershipPanel(org) {
    const pairs = org.metadata_pairs;
    const metadata = org.metadata && typeof org.metadata === "object" ? org.metadata : {};
    const owners = org.feature_owners || {};
    const features = Array.isArray(org.features) ? org.features.filter((f) => f && typeof f === "object" && "name" in f) : [];
    return h("section", { class: "panel", "aria-labelledby": "org-ownership", id: "ownership" },
      h("h2", { id: "org-ownership" }, "Metadata and features"),
      pairs
        ? h("p", {}, `${number(pairs.in_use)} of ${number(pairs.limit)} metadata pairs in use `, pairs.over_budget ? statusBadge("over budget") : null)
        : null,
      table("Metadata pairs by writer", [
        { label: "Writer", value: (r) => WRITER_NAMES[r.writer] || label(r.writer) },
        { label: "Keys", value: (r) => h("ul", { class: "plain" }, r.keys.map((key) => h("li", {}, h("span", { class: "mono" }, key), `: ${metadata[key] ?? "—"}`))) },
      ], Object.entries(pairs ? pairs.by_writer || {} : {}).filter(([, keys]) => keys.length).map(([writer, keys]) => ({ writer, keys })),
      "No metadata pairs: billing, the CRM sync and onboarding write theirs on their next sync."),
      table("Features and who owns each", [
        { label: "Feature", value: (f) => h("span", { class: "mono" }, f.name) },
        { label: "State", value: (f) => f.enabled ? "on" : "off" },
        { label: "Owner", value: (f) => WRITER_NAMES[owners[f.name]] || owners[f.name] || "—" },
      ], features, "No features listed: they appear with the organization's next event."));
  }

  /** A table of rows from a paged route, one page at a time, with Next and First buttons. */
  async function pagedTable(container, path, emptyText, token = null, pageNumber = 1) {
    container.setAttribute("aria-busy", "true");
    fill(container, loading());
    let result;
    try {
      result = await api(`${path}${query({ pageSize: 25, continuationToken: token })}`);
    } catch (error) {
      container.replaceChildren();
      container.removeAttribute("aria-busy");
      failure(error, container);
      return;
    }
    container.removeAttribute("aria-busy");
    const items = result.items || [];
    const columns = [...new Set(items.flatMap((item) => Object.keys(item)))].filter((name) => name !== "organization_id").slice(0, 8);
    fill(container, 
      table(`Page ${pageNumber}`, columns.map((name) => ({ label: label(name), value: (row) => cell(row[name]) })), items, emptyText),
      h("div", { class: "actions" },
        pageNumber > 1 ? h("button", { type: "button", class: "secondary", onclick: () => pagedTable(container, path, emptyText) }, "First page") : null,
        result.continuation_token ? h("button", { type: "button", class: "secondary", onclick: () => pagedTable(container, path, emptyText, result.continuation_token, pageNumber + 1) }, "Next page") : null));
  }

  function cell(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "object") return h("span", { class: "mono" }, JSON.stringify(value));
    if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) return when(value);
    return String(value);
  }

  function customerDetails(customer) {
    const sync = customer.sync || {};
    const last = sync.last_attempt || {};
    return h("div", {},
      fields({
        "Customer": customer.customer_id,
        "Linked organization": customer.organization_id ? link(customer.organization_id, "organizations", customer.organization_id) : null,
        "Last sync": last.at,
        "Last sync result": last.result ? statusBadge(last.result) : null,
        "Last sync reason": last.reason,
        "Metadata sent": last.metadata,
        "Features sent": last.features,
        "Waiting for its organization since": sync.waiting_since,
        "Entitlements": customer.entitlements,
        "Last seat sync": customer.seats ? `${customer.seats.outcome}: ${customer.seats.detail}` : null,
        "Seat sync at": customer.seats ? customer.seats.at : null,
      }),
      h("h3", { class: "spaced" }, "Subscriptions"),
      table(null, [
        { label: "Subscription", value: (s) => h("span", { class: "mono" }, s.subscription_id) },
        { label: "Status", value: (s) => statusBadge(s.status) },
        { label: "Plan", value: (s) => cell(s.price_lookup_key ?? s.plan) },
        { label: "Period ends", value: (s) => cell(s.current_period_end) },
        { label: "Items (price × quantity)", value: (s) => (s.items || []).length
          ? h("ul", { class: "plain" }, s.items.map((item) => h("li", {}, h("span", { class: "mono" }, item.price_lookup_key || item.id), ` × ${item.quantity ?? "—"}`)))
          : "—" },
        { label: "All fields", value: (s) => h("details", {}, h("summary", {}, "Show"), fields(s)) },
      ], customer.subscriptions || [], "No subscriptions: the customer has none in Stripe, or none has arrived yet (re-sync to check)."));
  }

  async function renderCustomer(customerId) {
    page(`Customer ${customerId}`, loading());
    focusTitle();
    let customer;
    try {
      customer = await api(`customers/${encodeURIComponent(customerId)}`);
    } catch (error) {
      page(`Customer ${customerId}`, h("p", {}, link("← Customers", "customers")));
      failure(error);
      return;
    }
    const outcome = h("div", { id: "resync-outcome" });
    const resync = h("button", { type: "button", id: "resync" }, "Re-sync billing to the organization");
    resync.addEventListener("click", async () => {
      resync.disabled = true;
      fill(outcome, loading("Writing the customer's billing state to its organization…"));
      try {
        const result = await api(`customers/${encodeURIComponent(customerId)}/sync`, { method: "POST" });
        fill(outcome, message("ok", `Re-sync ${result.result}: ${result.detail}`));
        announce(`Re-sync ${result.result}.`);
      } catch (error) {
        outcome.replaceChildren();
        failure(error, outcome);
      } finally {
        resync.disabled = false;
      }
    });
    page(`Customer ${customerId}`,
      h("p", {}, link("← Customers", "customers"),
        customer.organization_id ? [" · Organization ", link(customer.organization_id, "organizations", customer.organization_id)] : null),
      h("section", { class: "panel", "aria-label": "Re-sync" },
        h("p", { class: "muted" }, "Writes this customer's subscriptions and entitlements to its organization's metadata and features now, or looks for the organization again."),
        h("div", { class: "actions" }, resync), outcome),
      h("section", { class: "panel" }, customerDetails(customer)));
    focusTitle();
  }

  /** Calls load() every second while the page still shows this route and until done(result) says so. */
  function follow(load, show, done) {
    const shownAt = location.hash;
    const tick = async () => {
      if (location.hash !== shownAt) return;
      let result;
      try {
        result = await load();
      } catch (error) {
        failure(error);
        return;
      }
      if (location.hash !== shownAt) return;
      show(result);
      if (!done(result)) window.setTimeout(tick, 1000);
    };
    return tick();
  }

  /** A form field's error, shown under the field and tied to it for screen readers. */
  function fieldError(control, text) {
    const id = `${control.id}-error`;
    document.getElementById(id)?.remove();
    control.removeAttribute("aria-invalid");
    if (!text) return;
    control.setAttribute("aria-invalid", "true");
    control.setAttribute("aria-describedby", id);
    control.parentElement.append(h("p", { id, class: "field-error" }, text));
  }

  // ---- Erasure -----------------------------------------------------------------------------------------------------

  const SUBJECTS = [["email", "Email address"], ["user_id", "Scalekit user id"], ["directory_user_id", "Directory user id"]];
  const CONFIRM_WORD = "ERASE";

  function renderErasure() {
    const kind = h("select", { id: "erase-kind", name: "kind" }, SUBJECTS.map(([value, text]) => h("option", { value }, text)));
    const subject = h("input", { id: "erase-subject", name: "subject", autocomplete: "off", spellcheck: "false", required: true });
    const confirmation = h("input", { id: "erase-confirm", name: "confirm", autocomplete: "off", spellcheck: "false", required: true, "aria-describedby": "erase-confirm-help" });
    const outcome = h("div", { id: "erasure-outcome" });
    const form = h("form", { class: "panel", "aria-label": "Erase one person's data", novalidate: true },
      h("p", {}, "Removes one person's data from every store this app keeps (events, directory users, members, employees) as a job. It cannot be undone."),
      h("div", { class: "filters" }, field("Find the person by", kind), field("Value", subject)),
      field(`Type ${CONFIRM_WORD} to confirm`, confirmation),
      h("p", { id: "erase-confirm-help", class: "muted" }, `The job starts only when this field says ${CONFIRM_WORD}.`),
      h("div", { class: "actions" }, h("button", { type: "submit", id: "start-erasure", class: "danger" }, "Erase this person's data")),
      outcome);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      fieldError(subject, null);
      fieldError(confirmation, null);
      outcome.replaceChildren();
      if (!subject.value.trim()) {
        fieldError(subject, "Enter who to erase.");
        subject.focus();
        return;
      }
      if (confirmation.value.trim() !== CONFIRM_WORD) {
        fieldError(confirmation, `Type ${CONFIRM_WORD} (in capitals) to confirm the erasure.`);
        confirmation.focus();
        return;
      }
      const button = form.querySelector("#start-erasure");
      button.disabled = true;
      try {
        const job = await api("erasure", { method: "POST", body: { [kind.value]: subject.value.trim() } });
        subject.value = "";
        confirmation.value = "";
        announce("Erasure started.");
        location.hash = route("erasure", job.job_id);
      } catch (error) {
        button.disabled = false;
        failure(error, outcome);
      }
    });
    page("Erase a person's data", form,
      h("p", { class: "muted" }, "Every erasure is in the ", link("audit trail", "audit"), " (the job, never the person)."));
    focusTitle();
  }

  function renderErasureJob(jobId) {
    const body = h("div", { id: "erasure-job", "aria-live": "polite" }, loading("Loading the job…"));
    page(`Erasure ${jobId}`, h("p", {}, link("← Erase another person", "erasure")), body);
    focusTitle();
    return follow(() => api(`erasure/${encodeURIComponent(jobId)}`), (job) => {
      const erased = Object.entries(job.erased || {}).map(([store, count]) => ({ store, count }));
      fill(body,
        h("section", { class: "panel", "aria-labelledby": "erasure-state" },
          h("h2", { id: "erasure-state" }, "State ", statusBadge(job.state)),
          fields({ "Found by": label(job.subject_kind), "Started": job.started_at, "Completed": job.completed_at, "Steps done": job.done_steps, "Attempts": job.attempts, "Last error": job.last_error })),
        h("section", { class: "panel", "aria-labelledby": "erasure-counts" },
          h("h2", { id: "erasure-counts" }, "Erased per store"),
          table("Erased per store", [
            { label: "Store", value: (r) => label(r.store) },
            { label: "Erased", value: (r) => number(r.count), num: true },
          ], erased, job.state === "completed" ? "Nothing was found to erase in any store." : "Nothing erased yet: the job is still searching."),
          (job.not_searched || []).length
            ? h("div", {}, h("h3", { class: "spaced" }, "Not searched"), h("ul", {}, job.not_searched.map((gap) => h("li", {}, `${label(gap.store)}: ${gap.reason}`))))
            : null));
      if (job.state === "completed") announce(`Erasure completed: ${erased.reduce((a, r) => a + r.count, 0)} items erased.`);
    }, (job) => job.state === "completed");
  }

  // ---- Audit trail -------------------------------------------------------------------------------------------------

  const AUDIT_ACTIONS = ["replay", "forced-replay", "bulk-replay", "re-sync", "erasure", "erasure-started", "erasure-finished", "onboarding", "reconcile", "hr-connection-create", "hr-connection-rotate", "hr-connection-delete", "seat-sync"];

  function localInputToIso(value) {
    if (!value) return null;
    const at = new Date(value);
    return Number.isNaN(at.getTime()) ? null : at.toISOString();
  }

  async function renderAudit(params) {
    const controls = {
      action: select("a-action", "action", AUDIT_ACTIONS, params.get("action"), "Any action"),
      from: h("input", { id: "a-from", name: "from", type: "datetime-local", value: params.get("from") || "" }),
      to: h("input", { id: "a-to", name: "to", type: "datetime-local", value: params.get("to") || "" }),
    };
    const form = h("form", { class: "panel filters", role: "search", "aria-label": "Filter the audit trail" },
      field("Action", controls.action), field("From", controls.from), field("Before", controls.to),
      h("div", {}, h("button", { type: "submit", id: "filter-audit" }, "Filter")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const [name, control] of Object.entries(controls)) if (control.value.trim()) next.set(name, control.value.trim());
      const target = `#/audit?${next.toString()}`;
      if (location.hash === target) renderAudit(next); else location.hash = target;
    });
    const results = h("div", { id: "audit", "aria-live": "polite" });
    page("Audit trail", form, results);
    focusTitle();
    const filter = { action: params.get("action"), from: localInputToIso(params.get("from")), to: localInputToIso(params.get("to")) };
    await loadAuditPage(results, filter);
  }

  function loadAuditPage(results, filter) {
    return loadList(results, {
      path: "audit", params: filter, noun: "changes", moreId: "more-audit", loadingText: "Loading the audit trail…",
      columns: [
        { label: "When", value: (r) => when(r.at) },
        { label: "Action", value: (r) => r.action },
        { label: "What", value: (r) => r.target },
        { label: "Outcome", value: (r) => r.outcome },
        { label: "From address", value: (r) => h("span", { class: "mono" }, r.caller_address), narrow: true },
        { label: "Key", value: (r) => h("span", { class: "mono" }, r.key_fingerprint), narrow: true },
      ],
      empty: () => "No changes match. Choose \"Any action\" or widen the time range; replays, re-syncs, erasures, onboardings, recoveries, seat syncs and HR connection changes are recorded here.",
    });
  }

  // ---- Stripe recovery ---------------------------------------------------------------------------------------------

  function renderRecovery() {
    const since = h("input", { id: "recovery-since", name: "since", type: "datetime-local", required: true, "aria-describedby": "recovery-since-help" });
    const outcome = h("div", { id: "recovery-outcome" });
    const form = h("form", { class: "panel", "aria-label": "Recover missed Stripe events", novalidate: true },
      h("p", {}, "Lists the Stripe events created since a time (at most 30 days back), skips those already in the event log, and queues the rest marked recovered. Running it twice queues nothing new."),
      field("Recover events created since", since),
      h("p", { id: "recovery-since-help", class: "muted" }, "In your time zone; sent to the server in UTC."),
      h("div", { class: "actions" }, h("button", { type: "submit", id: "start-recovery" }, "Start recovery")),
      outcome);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      fieldError(since, null);
      outcome.replaceChildren();
      const iso = localInputToIso(since.value);
      if (!iso) {
        fieldError(since, "Choose the date and time to recover from.");
        since.focus();
        return;
      }
      const button = form.querySelector("#start-recovery");
      button.disabled = true;
      try {
        const run = await api("reconcile/stripe", { method: "POST", body: { since: iso } });
        announce("Recovery started.");
        location.hash = route("recovery", run.id);
      } catch (error) {
        button.disabled = false;
        if (error instanceof ApiError && error.field === "since") {
          fieldError(since, error.detail);
          since.focus();
        } else {
          failure(error, outcome);
        }
      }
    });
    page("Stripe recovery", form,
      h("p", { class: "muted" }, "Every run is in the ", link("audit trail", "audit?action=reconcile"), "; the CLI's reconcile command starts the same run."));
    focusTitle();
  }

  function renderRecoveryRun(id) {
    const body = h("div", { id: "recovery-run", "aria-live": "polite" }, loading("Loading the run…"));
    page(`Recovery ${id}`, h("p", {}, link("← Start another recovery", "recovery")), body);
    focusTitle();
    const finished = (run) => run.state !== "queued" && run.state !== "running";
    return follow(() => api(`reconcile/${encodeURIComponent(id)}`), (run) => {
      fill(body,
        h("section", { class: "panel", "aria-labelledby": "recovery-state" },
          h("h2", { id: "recovery-state" }, "State ", statusBadge(run.state)),
          h("div", { class: "cards", id: "recovery-counts" },
            card("Listed", number(run.listed)), card("Already known", number(run.already_known)),
            card("Queued", number(run.queued)), card("Failed", number(run.failed)), card("Pages read", number(run.pages))),
          fields({ "Since": run.since, "Started by": run.trigger, "Started": run.started_at, "Updated": run.updated_at, "Completed": run.completed_at, "Last error": run.last_error })),
        finished(run) && run.queued
          ? h("p", {}, link("See the recovered events", "events"), " (source stripe).")
          : null);
      if (finished(run)) announce(`Recovery ${run.state}: ${run.queued} events queued.`);
    }, finished);
  }

  // ---- Integrations ------------------------------------------------------------------------------------------------

  const INTEGRATION_NAMES = { billing: "Billing (Stripe → Scalekit)", "billing-seats": "Seats (Stripe quantities)", crm: "CRM (Salesforce)", hr: "HR connections", onboarding: "Onboarding", "stripe-recovery": "Stripe recovery" };

  async function renderIntegrations(params) {
    const span = WINDOWS.some(([value]) => value === params.get("window")) ? params.get("window") : "24h";
    const body = h("div", { id: "integration-cards", "aria-live": "polite" }, loading("Loading integration health…"));
    page("Integrations", h("p", { class: "muted" }, `Each integration's runs in the ${WINDOWS.find(([v]) => v === span)[1].toLowerCase()}.`), body);
    focusTitle();
    let stats;
    try {
      stats = await api(`stats${query({ window: span })}`);
    } catch (error) {
      body.replaceChildren();
      failure(error, body);
      return;
    }
    const list = stats.integrations || [];
    fill(body, list.length
      ? h("div", { class: "integration-grid" }, list.map(integrationCard))
      : h("p", { class: "empty" }, "No integrations report health: the host registers none. Check the start-up report."));
    announce(`${list.length} integrations shown.`);
  }

  function integrationCard(item) {
    const title = INTEGRATION_NAMES[item.name] || label(item.name);
    const on = item.mode !== "off";
    const counts = item.counts || {};
    const usage = item.api_usage;
    return h("section", { class: "panel integration", "aria-label": `${title} integration`, "data-integration": item.name },
      h("h2", {}, title, " ", statusBadge(on ? item.status : "off")),
      on
        ? h("p", { class: "muted" }, item.mode === "dry-run" ? "On, as a dry run (dry-run): it logs what it would write and writes nothing, since its API credentials are not set." : `On (${item.mode}).`)
        : h("div", { class: "message off", role: "note" }, h("strong", {}, "Off: "), item.off_reason || "its settings are missing (see the start-up report)."),
      (item.configuration_problems || []).length
        ? h("div", { class: "message warn", role: "note" }, h("strong", {}, "Configuration problems: "), h("ul", { class: "plain" }, item.configuration_problems.map((p) => h("li", {}, p))))
        : null,
      fields({
        "Last run": item.last_run_at,
        "Successes": number(item.successes),
        "Failures": number(item.failures),
        "Average duration": ms(item.average_duration_ms),
        "API usage": usage ? `${number(usage.used)} of ${number(usage.allocated)} (${usage.percent}%)` : "not reported",
        ...Object.fromEntries(Object.entries(counts).map(([name, value]) => [label(name), number(value)])),
        "Last success": item.last_success_at,
        "Last failure": item.last_failure_at,
        "Last error": on ? item.last_error : null,
      }),
      item.source
        ? h("p", {}, h("a", { href: `#/events?${new URLSearchParams({ source: item.source })}` }, `Events (${item.source})`), " · ",
          h("a", { href: `#/dead-letters?${new URLSearchParams({ source: item.source })}` }, "Dead letters"))
        : item.name === "onboarding" ? h("p", {}, link("Onboardings", "onboarding")) : null);
  }

  // ---- Onboarding --------------------------------------------------------------------------------------------------

  const ONBOARDING_FIELDS = [
    ["company_name", "Company name", "text", true, "Acme Corp"],
    ["admin_email", "Admin email", "email", true, "admin@acme.example"],
    ["plan_type", "Plan", "text", true, "enterprise"],
    ["stripe_customer_id", "Stripe customer id", "text", true, "cus_…"],
    ["salesforce_account_id", "Salesforce Account id (optional)", "text", false, "001…"],
  ];
  const ONBOARDING_STATUSES = ["running", "completed", "failed"];

  async function renderOnboarding(params) {
    const controls = Object.fromEntries(ONBOARDING_FIELDS.map(([name, , type, required, placeholder]) =>
      [name, h("input", { id: `onb-${name}`, name, type, required, placeholder, autocomplete: "off", spellcheck: "false" })]));
    const outcome = h("div", { id: "onboarding-outcome" });
    const form = h("form", { class: "panel", "aria-label": "Start an onboarding", novalidate: true },
      h("p", {}, "Creates the customer's Scalekit organization and admin, links the Stripe customer (and the Salesforce Account), then marks it onboarded. An existing organization is never taken over."),
      h("div", { class: "filters" }, ONBOARDING_FIELDS.map(([name, text]) => field(text, controls[name]))),
      h("div", { class: "actions" }, h("button", { type: "submit", id: "start-onboarding" }, "Start onboarding")),
      outcome);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      outcome.replaceChildren();
      for (const control of Object.values(controls)) fieldError(control, null);
      const missing = ONBOARDING_FIELDS.find(([name, , , required]) => required && !controls[name].value.trim());
      if (missing) {
        fieldError(controls[missing[0]], `Enter the ${missing[1].toLowerCase()}.`);
        controls[missing[0]].focus();
        return;
      }
      const body = Object.fromEntries(ONBOARDING_FIELDS.map(([name]) => [name, controls[name].value.trim()]).filter(([, value]) => value));
      const button = form.querySelector("#start-onboarding");
      button.disabled = true;
      try {
        const started = await api("onboarding", { method: "POST", body });
        announce(started.created ? "Onboarding started." : `This onboarding was started before: ${started.status}.`);
        location.hash = route("onboarding", started.onboarding_id);
      } catch (error) {
        button.disabled = false;
        if (error instanceof ApiError && error.field && controls[error.field]) {
          fieldError(controls[error.field], error.detail);
          controls[error.field].focus();
          announce(error.detail);
        } else {
          failure(error, outcome);
        }
      }
    });
    const status = select("onb-status", "status", ONBOARDING_STATUSES, params.get("status"), "Any status");
    const filter = h("form", { class: "panel inline", role: "search", "aria-label": "Filter onboardings" },
      field("Status", status), h("button", { type: "submit", id: "filter-onboardings", class: "secondary" }, "Filter"));
    filter.addEventListener("submit", (event) => {
      event.preventDefault();
      const target = status.value ? `#/onboarding?${new URLSearchParams({ status: status.value })}` : "#/onboarding";
      if (location.hash === target) renderOnboarding(new URLSearchParams(status.value ? { status: status.value } : {})); else location.hash = target;
    });
    const results = h("div", { id: "onboardings", "aria-live": "polite" });
    page("Onboarding", form, h("h2", {}, "Onboardings"), filter, results);
    focusTitle();
    await loadOnboardingPage(results, params.get("status"));
  }

  function loadOnboardingPage(results, status) {
    return loadList(results, {
      path: "onboarding", params: { status }, noun: "onboardings", moreId: "more-onboardings", loadingText: "Loading onboardings…",
      columns: [
        { label: "Company", value: (o) => link(o.company_name || o.onboarding_id, "onboarding", o.onboarding_id) },
        { label: "Stripe customer", value: (o) => link(o.stripe_customer_id, "customers", o.stripe_customer_id) },
        { label: "Status", value: (o) => statusBadge(o.status) },
        { label: "Organization", value: (o) => o.organization_id ? link(o.organization_id, "organizations", o.organization_id) : "—" },
        { label: "Started", value: (o) => when(o.started_at), narrow: true },
        { label: "Reason", value: (o) => o.reason || "—", narrow: true },
      ],
      empty: () => status ? `No onboarding is ${status}. Choose "Any status".` : "No onboardings yet: start one with the form above, or let a Stripe Checkout start it (ONBOARDING_FROM_CHECKOUT).",
    });
  }

  const STEP_NAMES = { organization: "Scalekit organization", admin_user: "Admin user", salesforce_account: "Salesforce Account", stripe_customer: "Stripe customer", completion: "Completion" };

  function renderOnboardingProgress(id) {
    const body = h("div", { id: "onboarding-progress", "aria-live": "polite" }, loading("Loading the onboarding…"));
    page(`Onboarding ${id}`, h("p", {}, link("← Onboardings", "onboarding")), body);
    focusTitle();
    const finished = (record) => record.status !== "running";
    return follow(() => api(`onboarding/${encodeURIComponent(id)}`), (record) => {
      fill(body,
        h("section", { class: "panel", "aria-labelledby": "onboarding-state" },
          h("h2", { id: "onboarding-state" }, record.company_name || id, " ", statusBadge(record.status)),
          record.reason ? message(record.status === "failed" ? "error" : "warn", record.reason) : null,
          fields({
            "Stripe customer": record.stripe_customer_id ? link(record.stripe_customer_id, "customers", record.stripe_customer_id) : null,
            "Organization": record.organization_id ? link(record.organization_id, "organizations", record.organization_id) : null,
            "Admin user id": record.admin_user_id,
            "Plan": record.plan_type,
            "Salesforce Account": record.salesforce_account_id,
            "Started": record.started_at,
            "Completed": record.completed_at,
          })),
        h("section", { class: "panel", "aria-labelledby": "onboarding-steps" },
          h("h2", { id: "onboarding-steps" }, "Steps"),
          h("ol", { class: "steps" }, (record.steps || []).map((step) => h("li", { "data-step": step.name, "data-status": step.status },
            h("span", { class: "step-name" }, STEP_NAMES[step.name] || label(step.name)), " ", statusBadge(stepWord(step)),
            step.detail ? h("p", { class: "muted" }, step.detail) : null,
            step.last_error ? h("p", { class: "field-error" }, `Attempt ${step.attempts}: ${step.last_error}`) : null)))));
      if (finished(record)) announce(`Onboarding ${record.status}.`);
    }, finished);
  }

  /** A step's status in words: a pending step that has failed before is retrying. */
  function stepWord(step) {
    if (step.status === "pending" && step.attempts > 0 && step.last_error) return "retrying";
    return step.status;
  }

  // ---- HR connections ----------------------------------------------------------------------------------------------

  // The HR systems and their fields come from the server (GET hr/providers), so a new provider needs no change here.
  // Each field: [name, label, secret?, required?]. Secrets are password inputs, sent once, never shown again.
  let hrProviders = null;
  async function loadHrProviders() {
    if (!hrProviders) {
      const result = await api("hr/providers");
      hrProviders = Object.fromEntries(result.items.map((p) => [p.name, {
        label: p.label,
        generates: p.generates_signing_secret,
        fields: p.fields.map((f) => [f.name, f.label, f.secret, f.required]),
        rotate: p.fields.filter((f) => f.secret).map((f) => [f.name, `New ${f.label.charAt(0).toLowerCase()}${f.label.slice(1)}`, true, false]),
      }]));
    }
    return hrProviders;
  }

  function copyButton(id, text, what) {
    return h("button", { type: "button", class: "secondary", id, onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
        announce(`${what} copied.`);
      } catch {
        announce(`Copy failed: select the ${what.toLowerCase()} and copy it by hand.`);
      }
    } }, `Copy ${what.toLowerCase()}`);
  }

  /** A secret in the one answer that made it: shown here once, with a copy button; nothing keeps it. */
  function secretOnce(secret) {
    return h("section", { class: "panel secret-once", "aria-labelledby": "secret-once-title", id: "secret-once" },
      h("h2", { id: "secret-once-title" }, "Signing secret (shown once)"),
      h("p", {}, "Give it to the HR system now: it is not stored anywhere you can read it again. Rotate the connection for a new one."),
      h("p", {}, h("code", { class: "mono", id: "signing-secret" }, secret)),
      h("div", { class: "actions" }, copyButton("copy-secret", secret, "Secret")));
  }

  async function renderHrConnections() {
    let providers;
    try {
      providers = await loadHrProviders();
    } catch (error) {
      page("HR connections", h("div", {}));
      failure(error);
      return;
    }
    const organization = h("input", { id: "hr-organization", name: "organization_id", placeholder: "org_…", autocomplete: "off", spellcheck: "false", required: true });
    const provider = h("select", { id: "hr-provider", name: "provider" }, Object.entries(providers).map(([value, p]) => h("option", { value }, p.label)));
    const providerFields = h("div", { class: "filters", id: "hr-provider-fields" });
    let controls = {};
    const showFields = () => {
      controls = Object.fromEntries(providers[provider.value].fields.map(([name, , secret, required]) =>
        [name, h("input", { id: `hr-${name}`, name, type: secret ? "password" : "text", autocomplete: secret ? "new-password" : "off", spellcheck: "false", required })]));
      fill(providerFields, providers[provider.value].fields.map(([name, text]) => field(text, controls[name])));
    };
    provider.addEventListener("change", showFields);
    showFields();
    const created = h("div", { id: "hr-created", "aria-live": "polite" });
    const form = h("form", { class: "panel", "aria-label": "Connect an HR system", novalidate: true },
      h("p", {}, "Binds one customer organization to its HR system: every event of the connection acts on that organization only."),
      h("div", { class: "filters" }, field("Organization id", organization), field("HR system", provider)),
      providerFields,
      h("div", { class: "actions" }, h("button", { type: "submit", id: "create-hr-connection" }, "Create connection")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      created.replaceChildren();
      const all = { organization_id: organization, ...controls };
      for (const control of Object.values(all)) fieldError(control, null);
      const missing = Object.entries(all).find(([, control]) => control.required && !control.value.trim());
      if (missing) {
        fieldError(missing[1], "Enter this field.");
        missing[1].focus();
        return;
      }
      const body = { provider: provider.value, ...Object.fromEntries(Object.entries(all).map(([name, control]) => [name, control.value.trim()]).filter(([, value]) => value)) };
      const button = form.querySelector("#create-hr-connection");
      button.disabled = true;
      try {
        const connection = await api("hr/connections", { method: "POST", body });
        for (const control of Object.values(controls)) control.value = "";
        fill(created,
          message("ok", `Connection ${connection.id} created for ${connection.organization_id}.`),
          h("p", {}, "Its webhook URL, to paste into the HR system: ", h("code", { class: "mono", id: "created-webhook-url" }, connection.webhook_url), " ", copyButton("copy-url", connection.webhook_url, "URL")),
          connection.signing_secret ? secretOnce(connection.signing_secret) : null,
          h("p", {}, link("Open the connection", "hr", connection.id)));
        announce(`Connection ${connection.id} created.`);
        await loadHrConnections(results, providers);
      } catch (error) {
        if (error instanceof ApiError && error.field && all[error.field]) {
          fieldError(all[error.field], error.detail);
          all[error.field].focus();
          announce(error.detail);
        } else {
          failure(error, created);
        }
      } finally {
        button.disabled = false;
      }
    });
    const results = h("div", { id: "hr-connections", "aria-live": "polite" });
    page("HR connections", form, created, h("h2", {}, "Connections"), results);
    focusTitle();
    await loadHrConnections(results, providers);
  }

  function loadHrConnections(results, providers) {
    return loadList(results, {
      path: "hr/connections", params: {}, noun: "connections", moreId: "more-hr-connections", loadingText: "Loading connections…",
      columns: [
        { label: "Connection", value: (c) => link(c.id, "hr", c.id) },
        { label: "Organization", value: (c) => c.organization_id ? link(c.organization_id, "organizations", c.organization_id) : "—" },
        { label: "HR system", value: (c) => (providers[c.provider] || {}).label || c.provider },
        { label: "State", value: (c) => c.problem ? statusBadge("off") : statusBadge("live") },
        { label: "Defined in", value: (c) => c.defined_in, narrow: true },
        { label: "Webhook URL", value: (c) => h("span", { class: "mono" }, c.webhook_url), narrow: true },
      ],
      empty: () => "No HR connections yet: create one above for a customer's organization, then paste its webhook URL into that HR system.",
    });
  }

  async function renderHrConnection(id) {
    page(`HR connection ${id}`, loading());
    focusTitle();
    let connection;
    let providers;
    try {
      providers = await loadHrProviders();
      connection = await api(`hr/connections/${encodeURIComponent(id)}`);
    } catch (error) {
      page(`HR connection ${id}`, h("p", {}, link("← HR connections", "hr")));
      failure(error);
      return;
    }
    const outcome = h("div", { id: "hr-outcome", "aria-live": "polite" });
    const stored = connection.defined_in !== "settings";
    const rotateFields = Object.fromEntries((providers[connection.provider] || { rotate: [] }).rotate.map(([name, , secret]) =>
      [name, h("input", { id: `rotate-${name}`, name, type: secret ? "password" : "text", autocomplete: "new-password", spellcheck: "false" })]));
    const generates = (providers[connection.provider] || {}).generates;
    const rotate = h("button", { type: "button", id: "rotate-hr-connection" }, generates ? "Rotate the signing secret" : "Rotate");
    rotate.addEventListener("click", async () => {
      const body = Object.fromEntries(Object.entries(rotateFields).map(([name, control]) => [name, control.value.trim()]).filter(([, value]) => value));
      const ok = await confirmAction("Rotate this connection?",
        generates
          ? "A new signing secret is made and shown once; the old one is still accepted during the rotation grace, then refused."
          : "The new secrets you entered replace the current ones; the old webhook key is still accepted during the rotation grace.",
        "Rotate");
      if (!ok) return;
      outcome.replaceChildren();
      rotate.disabled = true;
      try {
        const rotated = await api(`hr/connections/${encodeURIComponent(id)}/rotate`, { method: "POST", body });
        for (const control of Object.values(rotateFields)) control.value = "";
        fill(outcome, message("ok", `Connection ${id} rotated.`), rotated.signing_secret ? secretOnce(rotated.signing_secret) : null);
        announce(`Connection ${id} rotated.`);
      } catch (error) {
        if (error instanceof ApiError && error.field && rotateFields[error.field]) fieldError(rotateFields[error.field], error.detail);
        else failure(error, outcome);
      } finally {
        rotate.disabled = false;
      }
    });
    const remove = h("button", { type: "button", class: "danger", id: "delete-hr-connection" }, "Delete connection");
    remove.addEventListener("click", async () => {
      const ok = await confirmAction(`Delete ${id}?`, "Its deliveries are refused from now on (404) and its secrets are deleted. Employees already synced stay in Scalekit.", "Delete");
      if (!ok) return;
      remove.disabled = true;
      try {
        await api(`hr/connections/${encodeURIComponent(id)}`, { method: "DELETE" });
        announce(`Connection ${id} deleted.`);
        location.hash = "#/hr";
      } catch (error) {
        remove.disabled = false;
        failure(error, outcome);
      }
    });
    page(`HR connection ${id}`,
      h("p", {}, link("← HR connections", "hr"), connection.organization_id ? [" · Organization ", link(connection.organization_id, "organizations", connection.organization_id)] : null),
      connection.problem ? h("div", { class: "message off", role: "note" }, h("strong", {}, "Off: "), connection.problem) : null,
      h("section", { class: "panel", "aria-labelledby": "hr-connection-state" },
        h("h2", { id: "hr-connection-state" }, (providers[connection.provider] || {}).label || connection.provider),
        h("p", {}, "Webhook URL, to paste into the HR system: ", h("code", { class: "mono", id: "webhook-url" }, connection.webhook_url), " ", copyButton("copy-url", connection.webhook_url, "URL")),
        fields(connection, ["webhook_url", "webhook_path", "problem", "id", "provider", "deliveries"])),
      connection.deliveries ? hrDeliveries(connection.deliveries) : null,
      stored
        ? h("section", { class: "panel", "aria-labelledby": "hr-connection-actions" },
          h("h2", { id: "hr-connection-actions" }, "Rotate or delete"),
          Object.keys(rotateFields).length ? h("div", { class: "filters" }, Object.entries(rotateFields).map(([name, control]) =>
            field((providers[connection.provider].rotate.find(([n]) => n === name) || [name, label(name)])[1], control))) : null,
          h("div", { class: "actions" }, providers[connection.provider] && (generates || Object.keys(rotateFields).length) ? rotate : null, remove),
          outcome)
        : h("p", { class: "muted" }, "Defined in app settings (HR_CONNECTIONS__…): change or remove it there."));
    focusTitle();
  }

  /** A connection's delivery figures: counts as fields (the last error links to its event), refusals as a table by reason. */
  function hrDeliveries(deliveries) {
    const shown = {
      ...deliveries,
      last_error_event_id: deliveries.last_error_event_id ? link(deliveries.last_error_event_id, "events", "hr", deliveries.last_error_event_id) : null,
    };
    return h("section", { class: "panel", "aria-labelledby": "hr-connection-deliveries" },
      h("h2", { id: "hr-connection-deliveries" }, "Deliveries"),
      h("p", { class: "muted" }, `Events received since ${time(deliveries.since)}${deliveries.truncated ? " (more than were counted: the counts are a lower bound)" : ""}; refusals since the connection was made.`),
      fields(shown, ["since", "truncated", "refused_by_reason"]),
      h("h3", { id: "hr-refused-by-reason" }, "Refused by reason"),
      table("Refused by reason", [
        { label: "Reason", value: ([reason]) => h("span", { class: "mono" }, reason) },
        { label: "Refused", num: true, value: ([, count]) => number(count) },
      ], Object.entries(deliveries.refused_by_reason || {}), "No refused deliveries."));
  }

  // ---- Routing -----------------------------------------------------------------------------------------------------

  function render() {
    const hash = location.hash.startsWith("#/") ? location.hash.slice(2) : "overview";
    const [pathPart, search] = hash.split("?");
    const parts = pathPart.split("/").map((part) => { try { return decodeURIComponent(part); } catch { return part; } });
    const params = new URLSearchParams(search || "");
    if (!sessionStorage.getItem(KEY)) {
      renderSignIn();
      return;
    }
    nav.hidden = false;
    for (const a of nav.querySelectorAll("a")) {
      if (a.dataset.section === parts[0]) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    switch (parts[0]) {
      case "events": return parts.length >= 3 ? renderEvent(parts[1], parts.slice(2).join("/")) : renderEvents(params);
      case "dead-letters": return renderDeadLetters(params);
      case "organizations": return parts[1] ? renderOrganization(parts[1]) : renderLookup(params);
      case "customers": return parts[1] ? renderCustomer(parts[1]) : renderCustomers(params);
      case "integrations": return renderIntegrations(params);
      case "hr": return parts[1] ? renderHrConnection(parts[1]) : renderHrConnections();
      case "onboarding": return parts[1] ? renderOnboardingProgress(parts[1]) : renderOnboarding(params);
      case "erasure": return parts[1] ? renderErasureJob(parts[1]) : renderErasure();
      case "audit": return renderAudit(params);
      case "recovery": return parts[1] ? renderRecoveryRun(parts[1]) : renderRecovery();
      default: return renderOverview(params);
    }
  }

  document.getElementById("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    sources = null;
    location.hash = "#/overview";
    renderSignIn();
    announce("Signed out.");
  });
  document.getElementById("skip").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  window.addEventListener("hashchange", () => { if (location.hash.startsWith("#/")) render(); });
  render();
})();
