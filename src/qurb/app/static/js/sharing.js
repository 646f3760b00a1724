// The shared resources' page (/sharing, /sharing?resource=<id>&day=<YYYY-MM-DD>): the
// shared equipment and visiting specialists (GET /api/sharing/resources), one resource's
// week as a calendar (GET /api/sharing/resources/<id>/week: local time), a free slot
// booked from it and the waiting list joined; "my bookings" (GET /api/sharing/bookings)
// cancelled or moved. The manager's panel and the month's utilisation are
// sharing_manage.js's. A refusal is the server's coded error, in the page's language.
import { ApiError, can, enc, getJSON, send } from "./api.js";
import { escapeHtml, initialLang, lang, named, nameOf, t } from "./i18n.js";
import { problemsHTML, settle } from "./problems.js";
import { languageButtons } from "./shell.js";
import { addDays, dayHead, localDay, localTime, partnerName, rulesLine, when } from "./sharing_parts.js";
import { managePanel, monthPanel, readManaged, readMonth, wireManage } from "./sharing_manage.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
const root = document.getElementById("sharing");
const errorBox = document.querySelector(".sharing-error");
const loading = document.querySelector(".sharing-loading");
const statusLine = document.querySelector(".sharing-status");
const OPEN = ["requested", "confirmed"]; // a booking still cancelled or moved

const page = {
  resources: null, // the shared resources (the list)
  facilities: new Map(), // their facilities' records (GET /api/facilities/<id>), by id
  resource: null, // the one shown (?resource=)
  week: null, // its week
  mine: null, // my bookings (an account holding resources.book)
  chosen: null, // the free slot being booked (its id)
  moving: null, // the booking being moved (its id)
  specialty: config.specialty || "",
  day: config.day,
  managed: null, // the manager's view (sharing_manage.js)
  month: null, // the month's utilisation and reconciliation
};

const kindWord = (r) => t(`sharing.kind.${r.kind}`);
// The specialties' and equipment kinds' names (registry/capacity.toml) and the services'
// (GET /api/services) in each language; a code not found is shown as it is.
const names = { fr: new Map(), ar: new Map(), en: new Map(), services: new Map() };
const codeWord = (code) => {
  const found = names[lang()]?.get(code);
  return found ? `<bdi title="${e(code)}">${e(found)}</bdi>` : `<bdi dir="ltr">${e(code)}</bdi>`;
};
const serviceWord = (code) => {
  const s = names.services.get(code);
  return s ? `<bdi title="${e(code)}">${e(named(s))}</bdi>` : `<bdi dir="ltr">${e(code)}</bdi>`;
};

/** The names of the codes a resource carries, read once; the page works without them. */
async function readNames() {
  const langs = ["fr", "ar", "en"];
  const [services, ...measures] = await Promise.all([
    getJSON("/api/services").catch(() => []),
    ...langs.map((l) => getJSON(`/api/capacity/measures?lang=${l}`).catch(() => ({}))),
  ]);
  for (const s of services) names.services.set(s.code, s);
  langs.forEach((l, i) => {
    for (const list of ["specialties", "equipment_kinds"]) {
      for (const entry of measures[i][list]?.entries ?? []) names[l].set(entry.code, entry.name);
    }
  });
}
const labelOf = (id) => page.resources?.find((r) => r.id === id)?.label ?? `#${id}`;
const here = (extra = {}) => {
  const q = new URLSearchParams({ lang: lang(), ...extra });
  return `/sharing?${q}`;
};

function say(key, vars) {
  statusLine.textContent = key ? t(key, vars) : "";
}

// ------------------------------------------------------------------------- the list

/** A facility's name in the page's language (its id while unknown). */
function facilityName(id) {
  const f = page.facilities.get(id);
  return f ? `<bdi>${e(nameOf({ name_fr: f.name, name_ar: f.name_ar }))}</bdi>` : `<bdi dir="ltr">${e(id)}</bdi>`;
}

/** The listed resources' facilities, each read once (one not found stays named by id). */
async function readFacilities() {
  const ids = [...new Set(page.resources.map((r) => r.facility_id))].filter((id) => !page.facilities.has(id));
  const found = await Promise.all(ids.map((id) => getJSON(`/api/facilities/${enc(id)}`).catch(() => null)));
  for (const f of found) if (f) page.facilities.set(f.id, f);
}

function listView() {
  if (!page.resources.length) {
    const how = [
      "qurb sharing share --equipment &lt;id&gt; --service &lt;service&gt; --slot-minutes 40",
      'qurb sharing availability &lt;resource&gt; --open "mon 08:00-12:00"',
      "POST /api/sharing/resources · PUT /api/sharing/resources/&lt;id&gt;/availability",
    ];
    return `<div class="sharing-empty"><p>${t("sharing.none")}</p><p>${t("sharing.none.how")}</p>
      <ul class="sharing-how">${how.map((line) => `<li><code dir="ltr">${line}</code></li>`).join("")}</ul></div>`;
  }
  const specialties = [...new Set(page.resources.map((r) => r.specialty))].sort();
  const choices = [`<option value="">${t("sharing.any_specialty")}</option>`]
    .concat(specialties.map((s) => `<option value="${e(s)}" ${s === page.specialty ? "selected" : ""}>${e(names[lang()]?.get(s) ?? s)}</option>`))
    .join("");
  const shown = page.resources.filter((r) => !page.specialty || r.specialty === page.specialty);
  const rows = shown
    .map(
      (r) => `<tr data-id="${r.id}"><th scope="row"><a href="${here({ resource: r.id })}"><bdi>${e(r.label)}</bdi></a></th>
        <td data-label="${t("sharing.col.kind")}">${kindWord(r)}</td><td data-label="${t("sharing.col.specialty")}">${codeWord(r.specialty)}</td>
        <td data-label="${t("sharing.col.facility")}">${facilityName(r.facility_id)}</td><td data-label="${t("sharing.col.service")}">${serviceWord(r.service)}</td>
        <td data-label="${t("sharing.col.rules")}">${rulesLine(r)}</td></tr>`,
    )
    .join("");
  const heads = ["resource", "kind", "specialty", "facility", "service", "rules"].map((k) => `<th scope="col">${t(`sharing.col.${k}`)}</th>`).join("");
  return `<div class="sharing-filter"><label>${t("sharing.col.specialty")} <select data-action="specialty">${choices}</select></label></div>
    <h3>${t("sharing.count", { count: shown.length })}</h3>
    <div class="table-scroll"><table class="sharing-resources cards"><thead><tr>${heads}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

// ------------------------------------------------------------------------- the week

function cell(slot) {
  if (!slot) return `<td class="slot outside"><span>${t("sharing.slot.outside")}</span></td>`;
  const time = `${localTime(slot.start)}–${localTime(slot.end)}`;
  if (slot.state === "down") {
    return `<td class="slot down" data-slot="${slot.id}"><span>${t("sharing.slot.down")}</span> <small><bdi>${e(slot.reason ?? "")}</bdi></small></td>`;
  }
  if (slot.state === "held") return `<td class="slot held" data-slot="${slot.id}"><span>${t("sharing.slot.held")}</span></td>`;
  if (slot.state === "booked") {
    const who = slot.partner_id ? partnerName(slot.partner_id) : "";
    const status = slot.booking_status ? ` <small>${t(`sharing.status.${slot.booking_status}`)}</small>` : "";
    return `<td class="slot booked" data-slot="${slot.id}"><span>${t("sharing.slot.booked")}</span> ${who}${status}</td>`;
  }
  const act = page.moving ? "move-here" : "choose";
  const button = slot.bookable && (page.week.books || page.moving)
    ? `<button type="button" data-action="${act}" data-slot="${slot.id}" aria-label="${e(t(page.moving ? "sharing.move_here_at" : "sharing.book_at", { when: when(slot.start) }))}">${t(page.moving ? "sharing.move_here" : "sharing.book")}</button>`
    : "";
  return `<td class="slot free${slot.id === page.chosen ? " chosen" : ""}" data-slot="${slot.id}" data-start="${e(slot.start)}" title="${time}"><span>${t("sharing.slot.free")}</span> ${button}</td>`;
}

function weekGrid(week) {
  const days = [...Array(7).keys()].map((i) => addDays(week.first, i));
  const byCell = new Map(week.slots.map((s) => [`${localDay(s.start)} ${localTime(s.start)}`, s]));
  const times = [...new Set(week.slots.map((s) => localTime(s.start)))].sort();
  if (!times.length) return `<p class="sharing-none">${t("sharing.week.empty")}</p>`;
  const head = days.map((d) => `<th scope="col">${dayHead(d)}</th>`).join("");
  const rows = times
    .map((time) => `<tr><th scope="row" dir="ltr">${time}</th>${days.map((d) => cell(byCell.get(`${d} ${time}`))).join("")}</tr>`)
    .join("");
  return `<div class="table-scroll"><table class="sharing-week"><caption>${t("sharing.week.caption")}</caption>
    <thead><tr><th scope="col">${t("sharing.col.time")}</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function bookForm() {
  const slot = page.week.slots.find((s) => s.id === page.chosen);
  if (!slot) return "";
  return `<form class="sharing-book" data-form="book"><fieldset><legend>${t("sharing.book.title", { when: when(slot.start) })}</legend>
    <p>${t("sharing.book.partner")} ${partnerName(page.week.partner_id)}</p>
    <label>${t("sharing.book.referral")} <input name="referral" type="number" min="1" max="2147483647" inputmode="numeric"></label>
    <label>${t("sharing.book.note")} <textarea name="note" maxlength="2000" rows="2"></textarea></label>
    <div class="form-errors"></div>
    <p><button type="submit">${t("sharing.book.send")}</button> <button type="button" data-action="unchoose">${t("sharing.cancel_form")}</button></p>
  </fieldset></form>`;
}

function waitingForm() {
  if (!page.week.books) return "";
  const from = page.week.first;
  return `<details class="sharing-waiting"><summary>${t("sharing.waiting.title")}</summary>
    <form data-form="waiting"><p>${t("sharing.waiting.intro")}</p>
    <label>${t("sharing.waiting.from")} <input name="from" type="date" required value="${from}"></label>
    <label>${t("sharing.waiting.to")} <input name="to" type="date" required value="${addDays(from, 6)}"></label>
    <label>${t("sharing.book.referral")} <input name="referral" type="number" min="1" max="2147483647" inputmode="numeric"></label>
    <div class="form-errors"></div><p><button type="submit">${t("sharing.waiting.send")}</button></p></form></details>`;
}

function resourceView() {
  const r = page.resource;
  const w = page.week;
  const facility = nameOf({ name_fr: w.facility_name, name_ar: w.facility_name_ar });
  const moving = page.moving ? `<p class="sharing-moving" role="status">${t("sharing.moving", { id: page.moving })} <button type="button" data-action="unmove">${t("sharing.cancel_form")}</button></p>` : "";
  return `<p><a href="${here()}">${t("sharing.back")}</a></p>
    <h3 class="sharing-resource"><bdi>${e(r.label)}</bdi></h3>
    <dl class="sharing-facts"><dt>${t("sharing.col.kind")}</dt><dd>${kindWord(r)}</dd><dt>${t("sharing.col.specialty")}</dt><dd>${codeWord(r.specialty)}</dd>
      <dt>${t("sharing.col.facility")}</dt><dd><bdi>${e(facility)}</bdi></dd><dt>${t("sharing.col.service")}</dt><dd>${serviceWord(r.service)}</dd>
      <dt>${t("sharing.col.rules")}</dt><dd>${rulesLine(r)}</dd></dl>
    <section class="sharing-calendar"><h3>${t("sharing.week.title", { day: dayHead(w.first, { dateStyle: "long" }) })}</h3>
      <nav class="sharing-weeks" aria-label="${t("sharing.weeks")}"><a data-week="-7" href="${here({ resource: r.id, day: addDays(w.first, -7) })}">${t("sharing.week.previous")}</a>
        <a data-week="7" href="${here({ resource: r.id, day: addDays(w.first, 7) })}">${t("sharing.week.next")}</a></nav>
      <p class="source">${t("sharing.week.local")}</p>${moving}${weekGrid(w)}${bookForm()}${waitingForm()}</section>
    ${page.managed ? managePanel(page) : ""}${page.month ? monthPanel(page) : ""}`;
}

// ------------------------------------------------------------------------- my bookings

function mineView() {
  if (!page.mine) return "";
  const rows = page.mine
    .map((b) => {
      const actions = OPEN.includes(b.status)
        ? `<button type="button" data-action="cancel" data-booking="${b.id}">${t("sharing.mine.cancel")}</button>
           ${page.week ? `<button type="button" data-action="move" data-booking="${b.id}">${t("sharing.mine.move")}</button>` : `<a href="${here({ resource: b.resource_id, day: localDay(b.start) })}">${t("sharing.mine.move")}</a>`}`
        : "";
      return `<tr data-booking="${b.id}" data-status="${e(b.status)}"><th scope="row">${when(b.start)}</th>
        <td data-label="${t("sharing.col.resource")}"><bdi>${e(labelOf(b.resource_id))}</bdi></td>
        <td data-label="${t("sharing.col.partner")}">${partnerName(b.partner_id)}</td>
        <td data-label="${t("sharing.col.status")}">${t(`sharing.status.${b.status}`)}${b.reason ? ` <small><bdi>${e(b.reason)}</bdi></small>` : ""}</td>
        <td data-label="${t("sharing.col.referral")}">${b.referral_id ?? ""}</td><td>${actions}</td></tr>`;
    })
    .join("");
  const heads = ["when", "resource", "partner", "status", "referral", "actions"].map((k) => `<th scope="col">${t(`sharing.col.${k}`)}</th>`).join("");
  const table = page.mine.length
    ? `<div class="table-scroll"><table class="sharing-mine cards"><thead><tr>${heads}</tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="sharing-none">${t("sharing.mine.none")}</p>`;
  return `<section class="sharing-mine-section"><h3>${t("sharing.mine.title")}</h3><div class="form-errors mine-errors"></div>${table}</section>`;
}

function render() {
  const body = page.resource ? resourceView() : page.resources ? listView() : "";
  root.innerHTML = body + mineView();
}

// ------------------------------------------------------------------------- reading

async function readWeek() {
  const day = page.day ? `?day=${enc(page.day)}` : "";
  page.week = await getJSON(`/api/sharing/resources/${page.resource.id}/week${day}`);
}

async function readMine() {
  if (!(await can("resources.book"))) return;
  const only = page.resource ? `?resource_id=${page.resource.id}` : "";
  page.mine = await getJSON(`/api/sharing/bookings${only}`);
}

async function load() {
  [page.resources] = await Promise.all([getJSON("/api/sharing/resources"), readNames()]);
  if (!config.resource) await readFacilities();
  if (config.resource) {
    page.resource = await getJSON(`/api/sharing/resources/${enc(config.resource)}`);
    await readWeek();
    page.managed = page.week.manages ? await readManaged(page) : null;
    page.month = await readMonth(page, config.month);
  }
  await readMine();
  render();
}

/** Reads again what a write changed, then draws. */
async function refresh() {
  if (page.resource) {
    await readWeek();
    if (page.managed) page.managed = await readManaged(page);
    if (page.month) page.month = await readMonth(page, page.month.month);
  }
  await readMine();
  render();
}

/** A write from the page: its refusal shown in the box given (or the page's), its
 * success said and the page read again. */
export async function act(work, box, doneKey, vars) {
  say("");
  try {
    await work();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    (box ?? errorBox).innerHTML = problemsHTML(error);
    if (!box) errorBox.hidden = false;
    return false;
  }
  errorBox.hidden = true;
  await refresh();
  say(doneKey, vars);
  return true;
}

// ------------------------------------------------------------------------- acting

const slotOf = (id) => page.week.slots.find((s) => s.id === Number(id));
const optional = (value) => (value === "" || value === undefined ? null : value);

async function book(form) {
  const slot = slotOf(page.chosen);
  const referral = optional(form.elements.referral.value);
  const note = optional(form.elements.note.value.trim());
  const body = { resource_id: page.resource.id, start: slot.start, referral_id: referral && Number(referral), note };
  await act(
    async () => {
      await send("POST", "/api/sharing/bookings", body);
      page.chosen = null;
    },
    form.querySelector(".form-errors"),
    "sharing.book.done",
    { when: when(slot.start) },
  );
}

async function wait(form) {
  const referral = optional(form.elements.referral.value);
  const body = { wanted_from: form.elements.from.value, wanted_to: form.elements.to.value, referral_id: referral && Number(referral) };
  await act(() => send("POST", `/api/sharing/resources/${page.resource.id}/waiting`, body), form.querySelector(".form-errors"), "sharing.waiting.done");
}

const mineBox = () => root.querySelector(".mine-errors");

const ACTIONS = {
  choose: (el) => {
    page.chosen = Number(el.dataset.slot);
    render();
    root.querySelector(".sharing-book input")?.focus();
  },
  unchoose: () => {
    page.chosen = null;
    render();
  },
  cancel: (el) => act(() => send("POST", `/api/sharing/bookings/${el.dataset.booking}/cancel`, {}), mineBox(), "sharing.mine.cancelled"),
  move: (el) => {
    page.moving = Number(el.dataset.booking);
    page.chosen = null;
    render();
    root.querySelector(".sharing-moving")?.scrollIntoView({ block: "nearest" });
  },
  unmove: () => {
    page.moving = null;
    render();
  },
  "move-here": async (el) => {
    const slot = slotOf(el.dataset.slot);
    const id = page.moving;
    const done = await act(() => send("POST", `/api/sharing/bookings/${id}/reschedule`, { start: slot.start }), mineBox(), "sharing.mine.moved", { when: when(slot.start) });
    if (done) {
      page.moving = null;
      render();
    }
  },
};

root.addEventListener("click", (event) => {
  const el = event.target.closest("[data-action]");
  if (!el || el.tagName === "SELECT") return;
  const run = ACTIONS[el.dataset.action];
  if (run) run(el);
});

root.addEventListener("change", (event) => {
  if (event.target.dataset.action !== "specialty") return;
  page.specialty = event.target.value;
  const url = new URL(location.href);
  if (page.specialty) url.searchParams.set("specialty", page.specialty);
  else url.searchParams.delete("specialty");
  history.replaceState(history.state, "", `${url.pathname}${url.search}`);
  render();
});

root.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-form]");
  if (!form) return;
  event.preventDefault();
  if (form.dataset.form === "book") book(form);
  else if (form.dataset.form === "waiting") wait(form);
});

wireManage(root, { act, refreshMonth: async (month) => {
  page.month = await readMonth(page, month);
  render();
} });

const switchLanguage = languageButtons(() => render());
await switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
loading.hidden = false;
settle(load, { errorBox, loading });
