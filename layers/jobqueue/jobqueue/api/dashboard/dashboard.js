/* jobqueue dashboard (docs/dashboard.md): a small client of the JSON API, no build step.
 *
 * - The API key lives in sessionStorage only (this tab); every call sends it as a bearer token.
 * - Everything from the API reaches the page as text (textContent, attributes through
 *   setAttribute): job payloads and results are user data and are never parsed as markup.
 * - One function per view; the view is chosen by the location hash (#jobs, #job/<id>, ...).
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------ constants and state

  const KEY_STORE = "jobqueue.dashboard.key";
  const ROLE_STORE = "jobqueue.dashboard.role";
  const WHO_STORE = "jobqueue.dashboard.who";
  // The API is served next to the dashboard: /dashboard -> "", /prod/dashboard -> "/prod".
  const BASE = location.pathname.replace(/\/dashboard(\/.*)?$/, "");
  const REFRESH_MS = 5000; // views refresh themselves while shown (and the tab is visible)
  const SVG_NS = "http://www.w3.org/2000/svg";
  const STATUSES = ["pending", "queued", "processing", "completed", "failed", "timed_out", "cancelled"];
  const FINAL = new Set(["completed", "failed", "timed_out", "cancelled"]);
  const RETRYABLE = new Set(["failed", "timed_out", "cancelled"]);
  const TYPES = ["immediate", "delayed", "scheduled", "recurring", "notification"];
  const PRIORITIES = ["critical", "urgent", "high", "normal", "low"];
  const ALERT_STATUSES = ["firing", "acknowledged", "resolved"];
  const TREND_PRESETS = [
    { label: "7 days, hourly", period: "P7D", interval: "PT1H" },
    { label: "7 days, daily", period: "P7D", interval: "P1D" },
    { label: "24 hours, hourly", period: "P1D", interval: "PT1H" },
    { label: "31 days, daily", period: "P31D", interval: "P1D" },
  ];

  const session = { key: null, role: null };
  let generation = 0; // bumped on every navigation: late answers of a left view are dropped
  let timer = null;
  let jobsRenderedOnce = false;

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ DOM helpers (text only)

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") {
        node.addEventListener(name.slice(2), value);
      } else if (name === "dataset") {
        Object.assign(node.dataset, value);
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    }
    return node;
  }

  function el(tag, attrs, ...children) {
    return append(setAttrs(document.createElement(tag), attrs), children);
  }

  function svg(tag, attrs, ...children) {
    return append(setAttrs(document.createElementNS(SVG_NS, tag), attrs), children);
  }

  function fmtTime(iso) {
    if (!iso) return "—";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    return date.toLocaleString(undefined, {
      year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
  }

  function fmtShort(iso) {
    const date = new Date(iso);
    return date.toLocaleString(undefined, { month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }

  function time(iso) {
    return iso ? el("time", { datetime: iso, title: iso }, fmtTime(iso)) : "—";
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "—";
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
    if (ms < 3600000) return `${(ms / 60000).toFixed(1)} min`;
    return `${(ms / 3600000).toFixed(1)} h`;
  }

  const fmtRate = (r) => (r === null || r === undefined ? "—" : `${(r * 100).toFixed(1)} %`);
  const fmtNum = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString());
  const pretty = (value) => JSON.stringify(value, null, 2);

  function badge(status) {
    return el("span", { class: `status status-${status}` }, String(status).replace("_", " "));
  }

  function card(label, value, extra) {
    return el("div", { class: `card ${extra || ""}` }, el("span", { class: "card-label" }, label),
      el("span", { class: "card-value" }, value));
  }

  /** A list of [label, value] pairs; a null pair is left out, a null value shows as "—". */
  function dl(pairs) {
    return el("dl", { class: "fields" },
      pairs.filter(Boolean).map(([k, v]) => [el("dt", {}, k), el("dd", {}, v ?? "—")]));
  }

  /** columns: [{label, cell(row) -> node|text, cls}]; rowAttrs(row) -> attributes of its <tr>. */
  function table(columns, rows, { id, rowAttrs, empty } = {}) {
    const head = el("thead", {}, el("tr", {}, columns.map((c) => el("th", { class: c.cls }, c.label))));
    const body = el("tbody", {}, rows.map((row) => el("tr", rowAttrs ? rowAttrs(row) : {},
      columns.map((c) => el("td", { class: c.cls }, c.cell(row))))));
    if (!rows.length) body.appendChild(el("tr", { class: "empty" }, el("td", { colspan: columns.length }, empty || "Nothing here.")));
    return el("table", { id, class: "grid" }, head, body);
  }

  function select(name, options, value, anyLabel) {
    return el("select", { name, id: `filter-${name}` },
      anyLabel ? el("option", { value: "" }, anyLabel) : null,
      options.map((o) => el("option", { value: o, selected: o === value }, o)));
  }

  function section(title, ...children) {
    return el("section", { class: "panel" }, el("h2", {}, title), children);
  }

  // ------------------------------------------------------------------ the API

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details || {};
    }
  }

  async function api(method, path, body, key) {
    const headers = { Authorization: `Bearer ${key || session.key}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(BASE + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
      });
    } catch (error) {
      throw new ApiError(0, "network_error", `The API could not be reached (${error.message}).`);
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (response.ok) return data;
    const error = (data && data.error) || {};
    const failure = new ApiError(response.status, error.code || (response.status === 401 ? "unauthorized" : "http_error"),
      error.message || (data && data.message) || response.statusText || "request failed", error.details);
    if (response.status === 401 && !key) {
      failure.handled = true; // the key stopped working: back to the key form
      signOut(`Your key was not accepted (401 ${failure.message}). Sign in again.`);
    }
    throw failure;
  }

  function errorBox(error) {
    const details = Object.entries(error.details || {});
    return el("div", { class: "error", role: "alert" },
      el("strong", {}, error.status ? `${error.status} ${error.code}` : error.code || "error"),
      ": ", error.message,
      details.length ? el("ul", {}, details.map(([field, msg]) =>
        el("li", {}, el("code", {}, field), " ", typeof msg === "string" ? msg : JSON.stringify(msg)))) : null);
  }

  /** Runs `load()` for the current view; a failure replaces `target`'s content by the error. */
  async function guarded(target, load) {
    const gen = generation;
    try {
      await load(() => gen === generation);
    } catch (error) {
      if (error.handled || gen !== generation) return;
      if (!(error instanceof ApiError)) console.error(error);
      target.replaceChildren(errorBox(error instanceof ApiError ? error : new ApiError(0, "error", String(error))));
    }
  }

  // ------------------------------------------------------------------ session

  async function signIn(key) {
    const box = $("login-error");
    box.hidden = true;
    let role;
    try {
      await api("GET", "/v1/admin/stats", undefined, key);
      role = "admin";
    } catch (error) {
      if (error.status === 403) {
        role = "tenant";
      } else {
        box.replaceChildren(error.status === 401
          ? "This key was not accepted (401 Unauthorized): check it and try again."
          : errorBox(error));
        box.hidden = false;
        return;
      }
    }
    let who = role === "admin" ? "admin key" : "tenant key";
    if (role === "tenant") {
      try {
        const usage = await api("GET", "/v1/usage", undefined, key);
        who = `tenant ${usage.tenant_id} · tier ${usage.tier}`;
      } catch (_) { /* shown by the views */ }
    }
    Object.assign(session, { key, role });
    sessionStorage.setItem(KEY_STORE, key);
    sessionStorage.setItem(ROLE_STORE, role);
    sessionStorage.setItem(WHO_STORE, who);
    showApp();
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY_STORE);
    sessionStorage.removeItem(ROLE_STORE);
    sessionStorage.removeItem(WHO_STORE);
    Object.assign(session, { key: null, role: null });
    stopRefresh();
    generation += 1;
    $("main").hidden = $("nav").hidden = $("who").hidden = $("sign-out").hidden = true;
    $("main").replaceChildren();
    $("login").hidden = false;
    const box = $("login-error");
    box.hidden = !message;
    box.replaceChildren(message || "");
    $("key-input").value = "";
    $("key-input").focus();
  }

  function showApp() {
    $("login").hidden = true;
    const nav = $("nav");
    nav.replaceChildren(...Object.entries(VIEWS)
      .filter(([, v]) => v.nav && v.role === session.role)
      .map(([name, v]) => el("a", { href: `#${name}`, dataset: { view: name } }, v.title)));
    $("who").replaceChildren(sessionStorage.getItem(WHO_STORE) || session.role);
    nav.hidden = $("who").hidden = $("sign-out").hidden = $("main").hidden = false;
    route();
  }

  // ------------------------------------------------------------------ navigation

  function stopRefresh() {
    if (timer) clearInterval(timer);
    timer = null;
  }

  /** Calls `refresh()` every few seconds while the view is shown and the tab visible. */
  function every(refresh) {
    const gen = generation;
    let busy = false;
    stopRefresh();
    timer = setInterval(async () => {
      if (gen !== generation || busy || document.visibilityState !== "visible") return;
      busy = true;
      try { await refresh(); } finally { busy = false; }
    }, REFRESH_MS);
  }

  function go(hash) {
    if (location.hash === hash) route(); else location.hash = hash;
  }

  function route() {
    if (!session.key) return;
    stopRefresh();
    generation += 1;
    const [path, query] = location.hash.replace(/^#/, "").split("?");
    const [name, ...rest] = path.split("/");
    let viewName = name;
    if (!VIEWS[viewName] || VIEWS[viewName].role !== session.role) {
      viewName = session.role === "admin" ? "stats" : "jobs";
      history.replaceState(null, "", `#${viewName}`);
    }
    const view = VIEWS[viewName];
    const main = $("main");
    main.replaceChildren();
    for (const link of $("nav").children) {
      link.classList.toggle("active", link.dataset.view === (view.navAs || viewName));
    }
    document.title = `${view.title} · jobqueue`;
    let arg = rest.join("/");
    try { arg = decodeURIComponent(arg); } catch (_) { /* shown as typed */ }
    view.render(main, arg, new URLSearchParams(query || ""));
  }

  // ------------------------------------------------------------------ tenant views

  function viewJobs(main, _arg, params) {
    const filters = {};
    for (const name of ["status", "type", "handler", "priority", "parent_id"]) {
      if (params.get(name)) filters[name] = params.get(name);
    }
    const handlerSelect = select("handler", filters.handler ? [filters.handler] : [], filters.handler, "any handler");
    const form = el("form", { class: "filters", id: "job-filters" },
      el("label", {}, "Status ", select("status", STATUSES, filters.status, "any status")),
      el("label", {}, "Handler ", handlerSelect),
      el("label", {}, "Type ", select("type", TYPES, filters.type, "any type")),
      el("label", {}, "Priority ", select("priority", PRIORITIES, filters.priority, "any priority")),
      filters.parent_id ? el("span", { class: "chip" }, `runs of ${filters.parent_id}`) : null,
      el("button", { type: "submit" }, "Apply"),
      el("a", { href: "#jobs", class: "link" }, "Clear"),
      el("a", { href: "#submit", class: "button-link" }, "Submit a job"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const query = new URLSearchParams();
      for (const [name, value] of new FormData(form)) if (value) query.set(name, value);
      if (filters.parent_id) query.set("parent_id", filters.parent_id);
      go(`#jobs${query.toString() ? `?${query}` : ""}`);
    });
    const holder = el("div", { id: "jobs-holder" });
    const pager = el("div", { class: "pager" });
    main.append(el("h1", {}, "Jobs"), form, holder, pager);

    api("GET", "/v1/handlers").then((answer) => {
      for (const h of answer.handlers) {
        if (h.name !== filters.handler) handlerSelect.appendChild(el("option", { value: h.name }, h.name));
      }
    }).catch(() => { /* the filter keeps its typed value; the list shows the error if any */ });

    const cursors = [null]; // cursors[i]: the cursor of page i (null: the first page)
    const load = () => guarded(holder, async (alive) => {
      const query = new URLSearchParams({ ...filters, limit: "25" });
      const cursor = cursors[cursors.length - 1];
      if (cursor) query.set("cursor", cursor);
      const page = await api("GET", `/v1/jobs?${query}`);
      if (!alive()) return;
      holder.replaceChildren(jobsTable(page.jobs));
      pager.replaceChildren(
        el("span", {}, `Page ${cursors.length}`),
        el("button", { type: "button", disabled: cursors.length === 1, onclick: () => { cursors.pop(); load(); } }, "← Newer"),
        el("button", { type: "button", id: "jobs-next", disabled: !page.next_cursor,
          onclick: () => { cursors.push(page.next_cursor); load(); } }, "Older →"));
      if (!jobsRenderedOnce) {
        jobsRenderedOnce = true;
        performance.mark("jobs-rendered");
      }
    });
    load();
    every(load);
  }

  function jobsTable(jobs) {
    return table([
      { label: "Job", cell: (j) => el("a", { href: `#job/${encodeURIComponent(j.id)}`, class: "mono" }, j.id) },
      { label: "Handler", cell: (j) => j.handler },
      { label: "Type", cell: (j) => j.type },
      { label: "Priority", cell: (j) => j.priority },
      { label: "Status", cell: (j) => badge(j.status), cls: "status-cell" },
      { label: "Attempts", cell: (j) => String(j.attempts), cls: "num" },
      { label: "Created", cell: (j) => time(j.created_at) },
      { label: "Updated", cell: (j) => time(j.updated_at) },
    ], jobs, { id: "jobs-table", rowAttrs: (j) => ({ dataset: { jobId: j.id, status: j.status } }), empty: "No jobs match." });
  }

  function viewJob(main, id) {
    const holder = el("div", { id: "job-detail" });
    main.append(el("p", {}, el("a", { href: "#jobs", class: "link" }, "← All jobs")), holder);
    const load = () => guarded(holder, async (alive) => {
      const path = encodeURIComponent(id);
      const [job, events] = await Promise.all([
        api("GET", `/v1/jobs/${path}`),
        api("GET", `/v1/events?job_id=${path}&limit=500`),
      ]);
      if (!alive()) return;
      holder.replaceChildren(...jobDetail(job, events.events, load));
      if (FINAL.has(job.status) && job.type !== "recurring") stopRefresh();
      else if (!timer) every(load); // running again (after a retry)
    });
    load();
    every(load);
  }

  function jobDetail(job, events, reload) {
    const act = (label, method, path, body) => el("button", {
      type: "button", class: "action",
      onclick: async (event) => {
        event.target.disabled = true;
        try { await api(method, path, body); } catch (error) {
          if (!error.handled) event.target.replaceWith(errorBox(error));
          return;
        }
        reload();
      },
    }, label);
    const base = `/v1/jobs/${encodeURIComponent(job.id)}`;
    const actions = el("div", { class: "actions" },
      ["pending", "queued"].includes(job.status) ? act("Cancel", "POST", `${base}/cancel`) : null,
      RETRYABLE.has(job.status) && job.type !== "recurring" ? act("Retry", "POST", `${base}/retry`) : null,
      job.type === "recurring" && job.status === "pending"
        ? act(job.enabled === false ? "Resume" : "Pause", "PATCH", base, { enabled: job.enabled === false }) : null,
      job.type === "recurring" ? el("a", { href: `#jobs?parent_id=${encodeURIComponent(job.id)}`, class: "link" }, "Its runs") : null);
    const result = job.last_result;
    return [
      el("h1", {}, "Job ", el("span", { class: "mono" }, job.id), " ", badge(job.status)),
      actions,
      el("div", { class: "columns" },
        section("Job", dl([
          ["Handler", job.handler], ["Category", job.category], ["Type", job.type], ["Priority", job.priority],
          ["Status reason", job.status_reason], ["Attempts", `${job.attempts} (max retries ${job.max_retries})`],
          ["Timeout", `${job.timeout_seconds} s`], ["Created", time(job.created_at)], ["Updated", time(job.updated_at)],
          ["Scheduled for", time(job.scheduled_for)], ["Started", time(job.started_at)], ["Completed", time(job.completed_at)],
          job.cron ? ["Cron", `${job.cron} (${job.timezone || "UTC"})`] : null,
          job.cron ? ["Next run", time(job.next_run_at)] : null,
          job.cron ? ["Runs", `${job.run_count}${job.max_runs ? ` of ${job.max_runs}` : ""}`] : null,
          job.parent_id ? ["Parent", el("a", { href: `#job/${encodeURIComponent(job.parent_id)}`, class: "mono" }, job.parent_id)] : null,
          job.depends_on.length ? ["Depends on", job.depends_on.join(", ")] : null,
          job.callback_url ? ["Callback", `${job.callback_url}${job.callback ? ` (${job.callback.status}, ${job.callback.attempts} attempts)` : ""}`] : null,
        ])),
        section("Result", result ? [
          dl([["Success", result.success ? "yes" : "no"], ["Execution", fmtMs(result.execution_ms)],
            ["Error type", result.error_type], ["Error message", result.error_message]]),
          el("pre", { id: "job-result", class: "json" }, pretty(result.result)),
        ] : el("p", { class: "muted" }, "No attempt has ended yet."))),
      section("Payload", el("pre", { id: "job-payload", class: "json" }, pretty(job.payload))),
      Object.keys(job.metadata || {}).length ? section("Metadata", el("pre", { class: "json" }, pretty(job.metadata))) : null,
      section("Events", table([
        { label: "At", cell: (e) => time(e.at) },
        { label: "From", cell: (e) => (e.previous_status ? badge(e.previous_status) : "—") },
        { label: "To", cell: (e) => badge(e.status) },
        { label: "Attempt", cell: (e) => String(e.attempt), cls: "num" },
      ], events, { id: "job-events", rowAttrs: (e) => ({ dataset: { status: e.status } }), empty: "No events yet." })),
    ].filter(Boolean);
  }

  function viewSubmit(main) {
    const handler = el("select", { name: "handler", id: "submit-handler", required: true });
    const about = el("div", { class: "muted", id: "handler-about" });
    const payload = el("textarea", { name: "payload", id: "submit-payload", rows: 8, spellcheck: "false" }, "{}");
    const priority = select("priority", PRIORITIES, "", "tenant default");
    const delay = el("input", { type: "number", name: "delay_seconds", min: 0, max: 31536000, placeholder: "0" });
    const outcome = el("div", { id: "submit-outcome" });
    const form = el("form", { class: "stack", id: "submit-form" },
      el("label", {}, "Handler ", handler), about,
      el("label", {}, "Payload (JSON object) ", payload),
      el("label", {}, "Priority ", priority),
      el("label", {}, "Delay (seconds) ", delay),
      el("button", { type: "submit" }, "Submit"), outcome);
    main.append(el("h1", {}, "Submit a job"), form);
    let handlers = [];
    const describe = () => {
      const spec = handlers.find((h) => h.name === handler.value);
      about.replaceChildren(...(spec ? [
        el("p", {}, `${spec.description || ""} (category ${spec.category}; default timeout ${spec.default_timeout_seconds} s)`),
        el("details", {}, el("summary", {}, "Payload schema"), el("pre", { class: "json" }, pretty(spec.payload_schema))),
      ] : []));
    };
    handler.addEventListener("change", describe);
    guarded(outcome, async (alive) => {
      handlers = (await api("GET", "/v1/handlers")).handlers;
      if (!alive()) return;
      handler.replaceChildren(...handlers.map((h) => el("option", { value: h.name, selected: h.name === "echo" }, h.name)));
      describe();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      let body;
      try {
        body = { handler: handler.value, payload: JSON.parse(payload.value || "{}") };
      } catch (error) {
        outcome.replaceChildren(errorBox(new ApiError(0, "invalid_json", `The payload is not valid JSON: ${error.message}`)));
        return;
      }
      if (priority.value) body.priority = priority.value;
      if (delay.value) body.delay_seconds = Number(delay.value);
      guarded(outcome, async () => {
        const job = await api("POST", "/v1/jobs", body);
        go(`#job/${encodeURIComponent(job.id)}`);
      });
    });
  }

  /** A labelled bar: `current` against `limit` (or, `plain`, against the largest of a set). */
  function meter(label, current, limit, plain) {
    const share = limit > 0 ? Math.min(1, current / limit) : 1;
    const bar = el("span", { class: "meter-fill" });
    bar.style.width = `${(share * 100).toFixed(1)}%`; // CSSOM, allowed by the style-src policy
    return el("div", { class: `meter ${share >= 0.8 && !plain ? "meter-warn" : ""}` },
      el("span", { class: "meter-label" }, label),
      el("span", { class: "meter-bar" }, bar),
      el("span", { class: "meter-value" }, plain ? fmtNum(current) : `${fmtNum(current)} / ${fmtNum(limit)}`));
  }

  function viewUsage(main) {
    const holder = el("div", { id: "usage" });
    main.append(el("h1", {}, "Usage against limits"), holder);
    const load = () => guarded(holder, async (alive) => {
      const end = new Date();
      const start = new Date(end.getTime() - 24 * 3600 * 1000);
      const query = new URLSearchParams({ start: start.toISOString(), end: end.toISOString() });
      const usage = await api("GET", `/v1/usage?${query}`);
      if (!alive()) return;
      const limits = usage.limits || {};
      const win = usage.window || {};
      const counts = (title, obj) => table([{ label: title, cell: ([k]) => k }, { label: "Jobs", cell: ([, v]) => fmtNum(v), cls: "num" }],
        Object.entries(obj || {}), { empty: "None." });
      holder.replaceChildren(
        el("p", { class: "muted" }, `Tenant ${usage.tenant_id}, tier ${usage.tier}; day ${usage.day} (UTC).`),
        usage.warnings.length ? el("ul", { class: "warnings", id: "usage-warnings" }, usage.warnings.map((w) => el("li", {}, w)))
          : el("p", { class: "ok" }, "No limit is at 80 % or more."),
        section("Now",
          meter("Waiting jobs (pending + queued)", usage.queued, limits.max_queued_jobs),
          meter("Running jobs", usage.running, limits.max_concurrent_jobs),
          meter("Submitted today", usage.daily_count, limits.max_daily_jobs)),
        el("div", { class: "columns" },
          section("Effective limits", dl(Object.entries(limits).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]))),
          section("Last 24 hours",
            el("div", { class: "cards" }, card("Submitted", fmtNum(win.total)), card("Finished", fmtNum(win.finished)),
              card("Success rate", fmtRate(win.success_rate)), card("Failure rate", fmtRate(win.failure_rate)),
              card("Avg execution", fmtMs(win.avg_execution_ms)), card("Retried", fmtNum(win.retried))),
            el("div", { class: "columns" }, counts("Type", win.by_type), counts("Final status", win.by_status)))));
    });
    load();
    every(load);
  }

  function viewHealth(main) {
    const holder = el("div", { id: "health" });
    main.append(el("h1", {}, "Health"), holder);
    const load = () => guarded(holder, async (alive) => {
      const health = await api("GET", "/v1/health");
      if (!alive()) return;
      const value = (name, v) => (v === null || v === undefined ? "no data" : name.endsWith("_ms") ? fmtMs(v) : fmtRate(v));
      holder.replaceChildren(
        el("div", { class: "cards" },
          card("Health score", String(health.health_score), `score score-${health.health_status}`),
          card("Status", badge(health.health_status)),
          card("Success rate (24 h)", fmtRate(health.success_rate)),
          card("Due jobs not started", fmtNum(health.queue_length)),
          card("Oldest due job waiting", fmtMs(health.oldest_queued_age_ms))),
        section("Recommendations", health.recommendations.length
          ? el("ul", { id: "recommendations", class: "recommendations" },
            health.recommendations.map((r) => el("li", {}, el("code", {}, r.signal), " ", r.message)))
          : el("p", { class: "ok", id: "recommendations" }, "No recommendations: every signal is fine.")),
        section("Signals", table([
          { label: "Signal", cell: ([name]) => el("code", {}, name) },
          { label: "Value", cell: ([name, s]) => value(name, s.value), cls: "num" },
          { label: "Weight", cell: ([, s]) => String(s.weight), cls: "num" },
          { label: "Penalty", cell: ([, s]) => s.penalty.toFixed(1), cls: "num" },
        ], Object.entries(health.signals), { id: "health-signals" })),
        el("p", { class: "muted" }, "Score = 100 − Σ weight × severity; healthy from 80, warning from 50, critical below."));
    });
    load();
    every(load);
  }

  function viewTrends(main, _arg, params) {
    const chosen = TREND_PRESETS.find((p) => p.period === params.get("period") && p.interval === params.get("interval")) || TREND_PRESETS[0];
    const picker = el("select", { id: "trends-preset" }, TREND_PRESETS.map((p, i) =>
      el("option", { value: String(i), selected: p === chosen }, p.label)));
    picker.addEventListener("change", () => {
      const p = TREND_PRESETS[Number(picker.value)];
      go(`#trends?period=${p.period}&interval=${p.interval}`);
    });
    const holder = el("div", { id: "trends" });
    main.append(el("h1", {}, "Trends"), el("div", { class: "filters" }, el("label", {}, "Period ", picker)), holder);
    const load = () => guarded(holder, async (alive) => {
      const trends = await api("GET", `/v1/trends?period=${chosen.period}&interval=${chosen.interval}`);
      if (!alive()) return;
      const b = trends.buckets;
      const sum = (k) => b.reduce((n, x) => n + (x[k] || 0), 0);
      holder.replaceChildren(
        el("div", { class: "cards" }, card("Submitted", fmtNum(sum("total"))), card("Completed", fmtNum(sum("completed"))),
          card("Failed", fmtNum(sum("failed"))), card("Timed out", fmtNum(sum("timed_out"))), card("Retried", fmtNum(sum("retried")))),
        section("Jobs submitted", chart(b, [{ key: "total", label: "submitted", cls: "s-total" }], { kind: "bar" })),
        section("Outcomes", chart(b, [
          { key: "completed", label: "completed", cls: "s-ok" },
          { key: "failed", label: "failed", cls: "s-fail" },
          { key: "timed_out", label: "timed out", cls: "s-timeout" },
          { key: "cancelled", label: "cancelled", cls: "s-cancel" },
        ], { kind: "bar", stacked: true })),
        section("Success rate", chart(b, [{ key: "success_rate", label: "success rate", cls: "s-ok" }],
          { kind: "line", max: 1, format: fmtRate })),
        section("Execution time", chart(b, [
          { key: "p95_execution_ms", label: "p95", cls: "s-p95" },
          { key: "avg_execution_ms", label: "average", cls: "s-avg" },
        ], { kind: "line", format: fmtMs })));
    });
    load();
    every(load);
  }

  /** An inline SVG chart of `series` over `buckets`: bars (optionally stacked) or lines; nulls
   * are gaps. Each bucket has a hover title with its values. */
  function chart(buckets, series, { kind, stacked, max, format = fmtNum }) {
    const W = 960, H = 180, L = 64, R = 8, T = 8, B = 22;
    const plotW = W - L - R, plotH = H - T - B;
    const n = Math.max(1, buckets.length);
    const step = plotW / n;
    const values = buckets.map((b) => series.map((s) => b[s.key]));
    const highest = Math.max(1e-9, ...values.map((v) => (stacked ? v.reduce((a, x) => a + (x || 0), 0) : Math.max(0, ...v.map((x) => x || 0)))));
    const top = max || (kind === "bar" ? Math.max(2, Math.ceil(highest / 2) * 2) : highest); // counts: whole ticks
    const y = (v) => T + plotH - (v / top) * plotH;
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": series.map((s) => s.label).join(", ") });
    for (const f of [0, 0.5, 1]) {
      root.appendChild(svg("line", { x1: L, x2: W - R, y1: y(top * f), y2: y(top * f), class: "grid-line" }));
      root.appendChild(svg("text", { x: L - 6, y: y(top * f) + 4, class: "axis", "text-anchor": "end" }, format(top * f)));
    }
    const label = (b) => fmtShort(b.start);
    for (const i of new Set([0, Math.floor((n - 1) / 2), n - 1])) {
      if (!buckets[i]) continue;
      root.appendChild(svg("text", { x: L + i * step + step / 2, y: H - 6, class: "axis", "text-anchor": i === 0 ? "start" : i === n - 1 ? "end" : "middle" }, label(buckets[i])));
    }
    if (kind === "bar") {
      const width = Math.max(1, step * 0.8);
      buckets.forEach((b, i) => {
        let base = 0;
        series.forEach((s, j) => {
          const v = values[i][j] || 0;
          if (!v) return;
          const from = stacked ? base : 0;
          root.appendChild(svg("rect", { x: L + i * step + (step - width) / 2, y: y(from + v), width, height: Math.max(0.5, y(from) - y(from + v)), class: s.cls }));
          base += v;
        });
      });
    } else {
      series.forEach((s, j) => {
        let points = [];
        const flush = () => {
          if (points.length > 1) root.appendChild(svg("polyline", { points: points.join(" "), class: `line ${s.cls}` }));
          if (points.length === 1) { const [cx, cy] = points[0].split(","); root.appendChild(svg("circle", { cx, cy, r: 2.5, class: s.cls })); }
          points = [];
        };
        buckets.forEach((_b, i) => {
          const v = values[i][j];
          if (v === null || v === undefined) flush(); else points.push(`${(L + i * step + step / 2).toFixed(1)},${y(v).toFixed(1)}`);
        });
        flush();
      });
    }
    buckets.forEach((b, i) => { // hover targets
      const text = `${label(b)}\n${series.map((s, j) => `${s.label}: ${values[i][j] === null || values[i][j] === undefined ? "—" : format(values[i][j])}`).join("\n")}`;
      root.appendChild(svg("rect", { x: L + i * step, y: T, width: step, height: plotH, class: "hover" }, svg("title", {}, text)));
    });
    const legend = el("div", { class: "legend" }, series.map((s) => el("span", {}, el("i", { class: s.cls }), s.label)));
    return el("figure", { class: "chart-box" }, root, legend);
  }

  function viewQueue(main) {
    const holder = el("div", { id: "queue" });
    main.append(el("h1", {}, "Queue"), holder);
    const load = () => guarded(holder, async (alive) => {
      const queue = await api("GET", "/v1/queue");
      if (!alive()) return;
      const byPriority = queue.queued_by_priority || {};
      const most = Math.max(1, ...Object.values(byPriority));
      holder.replaceChildren(
        el("div", { class: "cards" },
          card("Queued (due, not started)", fmtNum(queue.queued)), card("Scheduled (pending)", fmtNum(queue.scheduled)),
          card("Recurring schedules", fmtNum(queue.recurring)), card("Processing", fmtNum(queue.processing)),
          card("Oldest due job waiting", fmtMs(queue.oldest_queued_age_ms))),
        section("Queued by priority", PRIORITIES.map((p) => meter(p, byPriority[p] || 0, most, true))));
    });
    load();
    every(load);
  }

  function viewAlerts(main, _arg, params) {
    const status = ALERT_STATUSES.includes(params.get("status")) ? params.get("status") : "";
    const filter = select("status", ALERT_STATUSES, status, "any status");
    filter.addEventListener("change", () => go(filter.value ? `#alerts?status=${filter.value}` : "#alerts"));
    const holder = el("div", { id: "alerts" });
    const rules = el("div", { id: "alert-rules" });
    main.append(el("h1", {}, "Alerts"), el("div", { class: "filters" }, el("label", {}, "Status ", filter)), holder, rules);
    const acknowledge = async (alert, button) => {
      button.disabled = true;
      try {
        await api("POST", `/v1/alerts/${encodeURIComponent(alert.id)}/ack`);
      } catch (error) {
        if (!error.handled) button.replaceWith(errorBox(error));
        return;
      }
      load();
    };
    const load = () => guarded(holder, async (alive) => {
      const answer = await api("GET", `/v1/alerts?limit=100${status ? `&status=${status}` : ""}`);
      if (!alive()) return;
      holder.replaceChildren(table([
        { label: "Status", cell: (a) => badge(a.status), cls: "status-cell" },
        { label: "Rule", cell: (a) => a.rule },
        { label: "Condition", cell: (a) => `${a.metric} ${a.operator} ${a.threshold}` },
        { label: "Value", cell: (a) => fmtNum(a.value), cls: "num" },
        { label: "Message", cell: (a) => a.message },
        { label: "Fired", cell: (a) => time(a.fired_at) },
        { label: "Acknowledged", cell: (a) => time(a.acknowledged_at) },
        { label: "Resolved", cell: (a) => time(a.resolved_at) },
        { label: "", cell: (a) => (a.status === "firing"
          ? el("button", { type: "button", class: "ack", onclick: (e) => acknowledge(a, e.currentTarget) }, "Acknowledge") : "") },
      ], answer.alerts, { id: "alerts-table", rowAttrs: (a) => ({ dataset: { alertId: a.id, status: a.status } }), empty: "No alerts." }));
    });
    guarded(rules, async (alive) => {
      const set = await api("GET", "/v1/alerts/rules");
      if (!alive()) return;
      rules.replaceChildren(section(set.defaults ? "Rules (the defaults)" : "Rules", table([
        { label: "Name", cell: (r) => r.name },
        { label: "Condition", cell: (r) => `${r.metric} ${r.operator} ${r.threshold}` },
        { label: "Window", cell: (r) => `${r.window_minutes} min`, cls: "num" },
        { label: "Min samples", cell: (r) => String(r.min_samples), cls: "num" },
        { label: "Cooldown", cell: (r) => `${r.cooldown_minutes} min`, cls: "num" },
        { label: "Enabled", cell: (r) => (r.enabled ? "yes" : "no") },
      ], set.rules), set.webhook_url ? el("p", { class: "muted" }, `Notifications are also POSTed to ${set.webhook_url}`) : null));
    });
    load();
    every(load);
  }

  // ------------------------------------------------------------------ admin views

  function viewStats(main) {
    const holder = el("div", { id: "admin-stats" });
    main.append(el("h1", {}, "System"), holder);
    const load = () => guarded(holder, async (alive) => {
      const stats = await api("GET", "/v1/admin/stats");
      if (!alive()) return;
      holder.replaceChildren(
        stats.warnings.length ? el("ul", { class: "warnings" }, stats.warnings.map((w) => el("li", {}, w)))
          : el("p", { class: "ok" }, "No warnings."),
        section("Last 24 hours", el("div", { class: "cards" },
          card("Jobs", fmtNum(stats.total_jobs_24h)), card("Completed", fmtNum(stats.completed_24h)),
          card("Failed", fmtNum(stats.failed_24h)), card("Success rate", fmtRate(stats.success_rate_24h)),
          card("Active tenants", fmtNum(stats.active_tenants_24h)))),
        section("Queues now (SQS, approximate)", el("div", { class: "cards" },
          card("Queued", fmtNum(stats.queued)), card("Processing", fmtNum(stats.processing)),
          card("Delayed", fmtNum(stats.delayed)), card("Dead letters", fmtNum(stats.dead_letter_depth), stats.dead_letter_depth ? "bad" : "")),
        table([
          { label: "Queue", cell: (q) => q.name },
          { label: "Visible", cell: (q) => fmtNum(q.visible), cls: "num" },
          { label: "In flight", cell: (q) => fmtNum(q.in_flight), cls: "num" },
          { label: "Delayed", cell: (q) => fmtNum(q.delayed), cls: "num" },
          { label: "Oldest message", cell: (q) => (q.oldest_message_age_seconds === null ? "—" : fmtMs(q.oldest_message_age_seconds * 1000)), cls: "num" },
        ], stats.queues, { id: "queues-table" })),
        section("Top tenants (24 h)", table([
          { label: "Tenant", cell: (t) => t.tenant_id },
          { label: "Jobs", cell: (t) => fmtNum(t.jobs_24h), cls: "num" },
        ], stats.top_tenants, { empty: "No jobs in the last 24 hours." })));
    });
    load();
    every(load);
  }

  function viewTenants(main) {
    const holder = el("div", { id: "tenants" });
    const pager = el("div", { class: "pager" });
    main.append(el("h1", {}, "Tenants"), holder, pager);
    const cursors = [null];
    const load = () => guarded(holder, async (alive) => {
      const cursor = cursors[cursors.length - 1];
      const page = await api("GET", `/v1/admin/tenants?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (!alive()) return;
      const limit = (t, k) => fmtNum(t.limits[k]);
      holder.replaceChildren(table([
        { label: "Tenant", cell: (t) => el("code", {}, t.tenant_id) },
        { label: "Name", cell: (t) => t.name },
        { label: "Tier", cell: (t) => String(t.tier), cls: "num" },
        { label: "Max waiting", cell: (t) => limit(t, "max_queued_jobs"), cls: "num" },
        { label: "Max running", cell: (t) => limit(t, "max_concurrent_jobs"), cls: "num" },
        { label: "Max per day", cell: (t) => limit(t, "max_daily_jobs"), cls: "num" },
        { label: "Job categories", cell: (t) => (t.limits.allowed_job_types || []).join(", ") },
        { label: "Overrides", cell: (t) => (Object.keys(t.overrides).length ? el("code", {}, JSON.stringify(t.overrides)) : "—") },
      ], page.tenants, { id: "tenants-table", rowAttrs: (t) => ({ dataset: { tenantId: t.tenant_id } }), empty: "No tenants." }));
      pager.replaceChildren(
        el("span", {}, `Page ${cursors.length}`),
        el("button", { type: "button", disabled: cursors.length === 1, onclick: () => { cursors.pop(); load(); } }, "← Previous"),
        el("button", { type: "button", disabled: !page.next_cursor, onclick: () => { cursors.push(page.next_cursor); load(); } }, "Next →"));
    });
    load();
  }

  // ------------------------------------------------------------------ start

  const VIEWS = {
    jobs: { title: "Jobs", role: "tenant", nav: true, render: viewJobs },
    job: { title: "Job", role: "tenant", navAs: "jobs", render: viewJob },
    submit: { title: "Submit", role: "tenant", navAs: "jobs", render: viewSubmit },
    usage: { title: "Usage", role: "tenant", nav: true, render: viewUsage },
    health: { title: "Health", role: "tenant", nav: true, render: viewHealth },
    trends: { title: "Trends", role: "tenant", nav: true, render: viewTrends },
    queue: { title: "Queue", role: "tenant", nav: true, render: viewQueue },
    alerts: { title: "Alerts", role: "tenant", nav: true, render: viewAlerts },
    stats: { title: "System", role: "admin", nav: true, render: viewStats },
    tenants: { title: "Tenants", role: "admin", nav: true, render: viewTenants },
  };

  function start() {
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("key-input").value.trim();
      if (key) signIn(key);
    });
    $("sign-out").addEventListener("click", () => signOut(""));
    window.addEventListener("hashchange", route);
    session.key = sessionStorage.getItem(KEY_STORE);
    session.role = sessionStorage.getItem(ROLE_STORE);
    if (session.key && session.role) showApp(); else signOut("");
  }

  start();
})();
