// The Mini App page: reads /app/api/… with the user's signed initData and draws the views.
// No library, no build step; every text comes from /app/strings.json (the bot's catalogs)
// and every value goes in through textContent, never as HTML.
"use strict";

(function () {
  const tg = window.Telegram && window.Telegram.WebApp ? window.Telegram.WebApp : null;
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const initData = (tg && tg.initData) || fragment.get("tgWebAppData") || "";
  let T = {};
  let me = null;

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "class") node.className = value;
      else if (name === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
      else node.setAttribute(name, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function applyTheme() {
    // Telegram's script sets --tg-theme-* itself; without it, the fragment carries them.
    if (tg && tg.themeParams && Object.keys(tg.themeParams).length) return;
    let params = {};
    try { params = JSON.parse(fragment.get("tgWebAppThemeParams") || "{}"); } catch (e) { params = {}; }
    for (const [key, value] of Object.entries(params)) {
      if (/^#[0-9a-fA-F]{3,8}$/.test(String(value))) {
        document.documentElement.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
      }
    }
  }

  function languageOfInitData() {
    try {
      const user = JSON.parse(new URLSearchParams(initData).get("user") || "{}");
      return user.language_code === "en" ? "en" : "vi";
    } catch (e) { return "vi"; }
  }

  class ApiError extends Error {
    constructor(status, code) { super(code); this.status = status; this.code = code; }
  }

  async function api(path, params) {
    const query = params ? "?" + new URLSearchParams(params).toString() : "";
    const response = await fetch("/app/api/" + path + query, {
      headers: { Authorization: "tma " + initData },
      cache: "no-store",
    });
    if (!response.ok) {
      let code = "";
      try { code = (await response.json()).error || ""; } catch (e) { code = ""; }
      throw new ApiError(response.status, code);
    }
    return path.endsWith(".png") ? response.blob() : response.json();
  }

  async function post(path, body) {
    const response = await fetch("/app/api/" + path, {
      method: "POST",
      headers: { Authorization: "tma " + initData, "Content-Type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) throw new ApiError(response.status, data.error || "");
    return data;
  }

  const main = () => document.getElementById("main");

  function show(...nodes) { main().replaceChildren(...nodes.flat().filter(Boolean)); }

  function showError(error) {
    let text = T.error_other || "Error";
    if (error instanceof ApiError) {
      if (error.status === 401) text = T.error_auth;
      else if (error.status === 403) text = error.code === "not_linked" ? T.error_unlinked : T.error_forbidden;
      else if (error.status === 429) text = T.error_busy;
    }
    show(h("p", { class: "error", id: "error", "data-status": error.status || 0 }, text));
  }

  function kind(value) { return T["kind_" + value] || value; }
  function state(value) { return h("span", { class: "chip state-" + value }, T["state_" + value] || value); }
  function pad(n) { return String(n).padStart(2, "0"); }
  function dayText(iso) { const [y, m, d] = iso.slice(0, 10).split("-"); return d + "/" + m + "/" + y; }
  function timeText(iso) { return iso ? iso.slice(11, 16).replace(":", "h") : ""; }

  function occurrenceCard(item, withPeople) {
    const when = dayText(item.starts_at) + " " + timeText(item.starts_at);
    const people = withPeople
      ? h("ul", { class: "people" }, item.delegates.map((d) =>
        h("li", {}, h("span", {}, d.code + " " + d.name), state(d.state))))
      : null;
    const mine = !withPeople && item.delegates.length ? item.delegates[0] : null;
    const card = h("div", { class: "card occurrence", "data-occurrence": item.occurrence_id },
      h("div", { class: "row" },
        h("strong", { class: "grow" }, item.title),
        h("span", { class: "muted" }, kind(item.kind)), mine ? state(mine.state) : null),
      h("div", { class: "muted" }, [when, item.location, item.council].filter(Boolean).join(" · ")),
      people);
    if (mine && mine.releasable) card.append(releaseBox(mine.assignment_id));
    return card;
  }

  // --- the office's calendar --------------------------------------------------------------
  let month = null;

  function monthGrid(first, byDay) {
    const grid = h("div", { class: "month", id: "month-grid" });
    const names = T.lang === "en" ? ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"] : ["T2", "T3", "T4", "T5", "T6", "T7", "CN"];
    names.forEach((n) => grid.append(h("div", { class: "dow" }, n)));
    const lead = (first.getDay() + 6) % 7;
    for (let i = 0; i < lead; i++) grid.append(h("div", { class: "day empty" }));
    const days = new Date(first.getFullYear(), first.getMonth() + 1, 0).getDate();
    for (let d = 1; d <= days; d++) {
      const key = first.getFullYear() + "-" + pad(first.getMonth() + 1) + "-" + pad(d);
      const items = byDay[key] || [];
      const dots = items.flatMap((o) => o.delegates.map((p) => h("span", { class: "dot-" + p.state }, "●")));
      grid.append(h("button", {
        class: "day", type: "button", "data-day": key,
        on: { click: () => { const target = document.getElementById("day-" + key); if (target) target.scrollIntoView({ behavior: "smooth" }); } },
      }, h("span", { class: "n" }, d), h("span", { class: "dots" }, dots.slice(0, 12))));
    }
    return grid;
  }

  async function officeCalendar() {
    // The first time without a month: the server's clock says which month is "this" one.
    const data = await api("office/calendar", month
      ? { month: month.getFullYear() + "-" + pad(month.getMonth() + 1) } : undefined);
    const [year, number] = data.month.split("-").map(Number);
    const first = new Date(year, number - 1, 1);
    month = first;
    const byDay = {};
    data.occurrences.forEach((o) => { (byDay[o.date] = byDay[o.date] || []).push(o); });
    const nav = h("div", { class: "nav" },
      h("button", { type: "button", "aria-label": T.previous_month, on: { click: () => { month = new Date(first.getFullYear(), first.getMonth() - 1, 1); render("calendar"); } } }, "‹"),
      h("h2", { id: "month-title" }, pad(first.getMonth() + 1) + "/" + first.getFullYear()),
      h("button", { type: "button", "aria-label": T.next_month, on: { click: () => { month = new Date(first.getFullYear(), first.getMonth() + 1, 1); render("calendar"); } } }, "›"));
    const list = Object.keys(byDay).sort().map((day) =>
      h("section", { id: "day-" + day }, h("h2", {}, dayText(day)), byDay[day].map((o) => occurrenceCard(o, true))));
    show(nav, monthGrid(first, byDay), list.length ? list : h("p", { class: "muted" }, T.nothing_month));
  }

  // --- missing reports ----------------------------------------------------------------------
  async function officeMissing() {
    const data = await api("office/missing");
    if (!data.units.length) { show(h("p", { class: "muted", id: "missing-empty" }, T.nothing_missing)); return; }
    show(h("p", { class: "muted" }, data.total + " · " + data.overdue + " " + T.overdue),
      data.units.map((unit) => h("section", { class: "unit" },
        h("h2", {}, (unit.unit || "—") + " (" + unit.items.length + ")"),
        unit.items.map((item) => h("div", { class: "card missing-item" },
          h("div", { class: "row" },
            h("strong", { class: "grow" }, item.code + " " + item.name),
            item.overdue ? h("span", { class: "chip overdue" }, T.overdue) : null),
          h("div", { class: "muted" }, [kind(item.kind), item.title, dayText(item.date)].join(" · ")))))));
  }

  // --- broadcasts -----------------------------------------------------------------------------
  async function pending(id, box, button) {
    button.disabled = true;
    const data = await api("office/broadcasts/" + id);
    box.replaceChildren(data.not_acknowledged.length
      ? h("ul", { class: "people" }, data.not_acknowledged.map((p) =>
        h("li", {}, h("span", {}, p.code + " " + p.name), h("span", { class: "muted" }, p.unit))))
      : h("p", { class: "muted" }, T.everyone_acknowledged));
  }

  async function officeBroadcasts() {
    const data = await api("office/broadcasts");
    if (!data.broadcasts.length) { show(h("p", { class: "muted" }, T.nothing_broadcasts)); return; }
    show(data.broadcasts.map((b) => {
      const box = h("div", {});
      const button = h("button", { class: "more", type: "button" }, T.not_acknowledged + " (" + (b.delivered - b.acknowledged) + ")");
      button.addEventListener("click", () => pending(b.id, box, button).catch(showError));
      return h("div", { class: "card broadcast", "data-broadcast": b.id },
        h("div", { class: "row" }, h("strong", { class: "grow" }, "#" + b.id + " " + b.audience),
          h("span", { class: "muted" }, b.confirmed_at ? dayText(b.confirmed_at) + " " + timeText(b.confirmed_at) : "")),
        h("div", { class: "row counts" },
          h("span", {}, b.delivered + "/" + b.total + " " + T.delivered),
          h("span", { class: "overdue" }, b.failed + " " + T.failed),
          h("span", { class: "state-reported" }, b.acknowledged + " " + T.acknowledged)),
        button, box);
    }));
  }

  // --- statistics -----------------------------------------------------------------------------
  let quarter = null;
  let chartUrl = null;

  function shiftQuarter(text, by) {
    const [y, q] = text.split("-").map(Number);
    const index = y * 4 + (q - 1) + by;
    return Math.floor(index / 4) + "-" + ((index % 4) + 1);
  }

  async function officeStats() {
    const data = await api("office/stats", quarter ? { quarter } : undefined);
    quarter = data.quarter;
    const nav = h("div", { class: "nav" },
      h("button", { type: "button", "aria-label": T.previous_quarter, on: { click: () => { quarter = shiftQuarter(data.quarter, -1); render("stats"); } } }, "‹"),
      h("h2", { id: "quarter-title" }, data.title),
      h("button", { type: "button", "aria-label": T.next_quarter, on: { click: () => { quarter = shiftQuarter(data.quarter, 1); render("stats"); } } }, "›"));
    if (data.empty) { show(nav, h("p", { class: "muted" }, T.nothing_stats)); return; }
    const total = data.total;
    const figures = h("div", { class: "figures", id: "figures" },
      [["held", total.held], ["not_held", total.not_held], ["unreported", total.unreported],
        ["citizens", total.citizens], ["petitions", total.petitions]].map(([key, value]) =>
        h("div", { class: "card", "data-figure": key }, h("b", {}, value), T[key])));
    const units = data.units.map((u) => h("div", { class: "card unit-figures" },
      h("strong", {}, u.unit || "—"),
      h("div", { class: "row muted" },
        h("span", {}, u.held + " " + T.held), h("span", {}, u.not_held + " " + T.not_held),
        h("span", {}, u.unreported + " " + T.unreported), h("span", {}, u.citizens + " " + T.citizens))));
    const image = h("img", { class: "chart", id: "chart", alt: T.chart_alt });
    image.addEventListener("load", () => { image.dataset.loaded = "1"; });
    show(nav, figures, h("p", { class: "summary card", id: "summary" }, data.summary), image, units);
    const blob = await api("office/stats/chart.png", { quarter: data.quarter });
    if (chartUrl) URL.revokeObjectURL(chartUrl);
    chartUrl = URL.createObjectURL(blob);
    image.src = chartUrl;
  }

  // --- petitions (Đơn thư): overdue answers, then those due within 3 days -------------------
  function fill(template, values) {
    return Object.entries(values).reduce((text, [k, v]) => text.split("{" + k + "}").join(v), template || "");
  }

  async function officePetitions() {
    const data = await api("office/petitions");
    if (!data.total) { show(h("p", { class: "muted", id: "petitions-empty" }, T.nothing_petitions)); return; }
    show(data.groups.filter((g) => g.items.length).map((group) => h("section", { class: "petitions", "data-group": group.group },
      h("h2", {}, fill(T["petitions_" + group.group], { count: group.items.length })),
      group.items.map((p) => h("div", { class: "card petition", "data-petition": p.id },
        h("div", { class: "row" },
          h("strong", { class: "grow" }, p.ref + " · " + p.type_name),
          h("span", { class: group.group === "overdue" ? "chip overdue" : "chip state-waiting" },
            fill(T.due_on, { day: dayText(p.due_on) }))),
        h("div", { class: "muted" }, [p.agency, p.council,
          p.delegate ? fill(T.received_by, { who: p.delegate.code + " " + p.delegate.name }) : ""].filter(Boolean).join(" · ")),
        p.summary ? h("div", { class: "summary" }, p.summary) : null,
        p.citizen ? h("div", { class: "muted citizen" }, p.citizen) : null)))));
  }

  // --- a delegate's own calendar ----------------------------------------------------------------
  // "Xin vắng": the reasons the bot's button offers, then the same release on the server.
  const RELEASE_ERRORS = { started: "release_started", not_releasable: "release_started",
    already: "release_already", not_found: "release_gone", not_yours: "release_gone" };

  function releaseBox(assignmentId) {
    const box = h("div", { class: "release", "data-assignment": assignmentId });
    const message = h("p", { class: "muted release-message" });
    const note = h("input", { type: "text", maxlength: "500", class: "release-note", placeholder: T.reason_note || "" });
    async function send(reason) {
      for (const b of box.querySelectorAll("button")) b.disabled = true;
      try {
        await post("my/release", { assignment_id: assignmentId, reason, note: reason === "other" ? note.value : "" });
        box.replaceChildren(h("p", { class: "release-done" }, T.released_done + ". " + T.released_seeking));
        const chip = box.parentNode && box.parentNode.querySelector(".chip");
        if (chip) chip.replaceWith(state("released"));
      } catch (error) {
        for (const b of box.querySelectorAll("button")) b.disabled = false;
        message.textContent = error instanceof ApiError && RELEASE_ERRORS[error.code]
          ? T[RELEASE_ERRORS[error.code]] : (T.error_other || "Error");
      }
    }
    function choose() {
      const reasons = ["clash", "personal", "other"].map((reason) => h("button", {
        type: "button", class: "reason", "data-reason": reason, on: { click: () => send(reason) },
      }, T["reason_" + reason]));
      box.replaceChildren(h("strong", {}, T.release_why), h("div", { class: "reasons" }, reasons), note,
        h("button", { type: "button", class: "more", on: { click: () => box.replaceChildren(opener) } }, T.cancel), message);
    }
    const opener = h("button", { type: "button", class: "more release-open", on: { click: choose } }, T.release);
    box.append(opener);
    return box;
  }

  async function myCalendar() {
    const data = await api("my/calendar");
    const now = data.now;
    const upcoming = data.occurrences.filter((o) => (o.ends_at || o.starts_at) > now);
    const past = data.occurrences.filter((o) => (o.ends_at || o.starts_at) <= now).reverse();
    if (!upcoming.length && !past.length) { show(h("p", { class: "muted" }, T.nothing_mine)); return; }
    show(h("h2", {}, T.upcoming), h("div", { id: "upcoming" }, upcoming.map((o) => occurrenceCard(o, false))),
      h("h2", {}, T.past), h("div", { id: "past" }, past.map((o) => occurrenceCard(o, false))));
  }

  const VIEWS = {
    calendar: ["tab_calendar", officeCalendar],
    missing: ["tab_missing", officeMissing],
    broadcasts: ["tab_broadcasts", officeBroadcasts],
    stats: ["tab_stats", officeStats],
    mine: ["tab_mine", myCalendar],
    petitions: ["tab_petitions", officePetitions],
  };

  async function render(name) {
    for (const button of document.querySelectorAll("#tabs button")) {
      button.setAttribute("aria-selected", String(button.dataset.view === name));
    }
    show(h("p", { class: "muted", id: "status" }, T.loading));
    try { await VIEWS[name][1](); } catch (error) { showError(error); }
  }

  function tabs(names) {
    const nav = document.getElementById("tabs");
    nav.replaceChildren(...names.map((name) => h("button", {
      type: "button", role: "tab", "data-view": name, on: { click: () => render(name) },
    }, T[VIEWS[name][0]])));
  }

  async function start() {
    applyTheme();
    if (tg) { try { tg.ready(); tg.expand(); } catch (e) { /* an old client */ } }
    const lang = languageOfInitData();
    document.documentElement.lang = lang;
    try {
      T = await (await fetch("/app/strings.json?lang=" + lang)).json();
    } catch (e) { T = {}; }
    try {
      me = await api("me");
    } catch (error) { showError(error); return; }
    const views = [];
    // Each council comes with the roster's role there: "secretary" (its office, its
    // parent's office, or an admin) or "delegate".
    const secretary = me.councils.some((c) => c.role === "secretary");
    if (secretary) views.push("calendar", "missing", "broadcasts", "stats", "petitions");
    if (me.councils.some((c) => c.role === "delegate")) views.push("mine");
    if (!me.linked && !secretary) { showError(new ApiError(403, "not_linked")); return; }
    document.getElementById("title").textContent = secretary ? T.title_office : T.title_delegate;
    document.title = document.getElementById("title").textContent;
    document.body.dataset.role = secretary ? "secretary" : "delegate";
    tabs(views);
    await render(views[0]);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
