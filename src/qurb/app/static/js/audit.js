// The audit trail page (/audit): the filters live in the page's address (the same names as
// /api/audit's, with days for since and until), the entries come from /api/audit a page at
// a time, and the CSV link carries the same filter. The server words its refusals (a date
// it cannot read) in the page's language; a switch of language asks it again.
import { getJSON } from "./api.js";
import { languageButtons } from "./shell.js";
import { initialLang, lang, locale, t } from "./i18n.js";

const config = JSON.parse(document.getElementById("qurb-config").textContent);
const FILTERS = ["entity_kind", "entity_id", "actor", "partner", "territory", "since", "until"];
const PAGE = 100; // entries per request
const form = document.getElementById("audit-filters");
const rows = document.getElementById("audit-entries");
const more = document.getElementById("audit-more");
const csv = document.getElementById("audit-csv");
const errorBox = document.querySelector(".audit-error");
const loadingNote = document.querySelector(".audit-loading");
const none = document.querySelector(".audit-none");
const tableBox = document.querySelector(".audit-page .table-scroll");

let entries = [];
let nextAfter = null;
let failed = null; // the request the server refused, asked again in a new language
let loading = Promise.resolve();

/** The filters the page's address holds, the empty ones left out. */
function asked() {
  const params = new URLSearchParams(location.search);
  const found = {};
  for (const name of FILTERS) {
    const value = (params.get(name) || "").trim();
    if (value) found[name] = value;
  }
  return found;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A day of the date inputs as the moment it begins where the reader is (`until`: the
 * moment the next day begins, since the day itself is included); any other text goes as
 * it is, for the server to say what is wrong with it. */
function moment(text, nextDay) {
  const day = DAY.exec(text);
  if (!day) return text;
  const [year, month, date] = day.slice(1).map(Number);
  return new Date(year, month - 1, date + (nextDay ? 1 : 0)).toISOString();
}

function apiParams() {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(asked()))
    params.set(name, name === "since" || name === "until" ? moment(value, name === "until") : value);
  return params;
}

async function load(after) {
  const params = apiParams();
  csv.href = `/api/audit.csv?${params}`;
  params.set("limit", String(PAGE));
  if (after !== null) params.set("after", String(after));
  const url = `/api/audit?${params}`;
  if (after === null) {
    entries = [];
    nextAfter = null;
    loadingNote.hidden = false;
  }
  try {
    const page = await getJSON(url);
    failed = null;
    entries = entries.concat(page.entries);
    nextAfter = page.next_after;
  } catch (error) {
    failed = url;
    showError(error);
  }
  loadingNote.hidden = true;
  render();
}

function showError(error) {
  errorBox.textContent = error?.message || String(error);
}

/** Ask the refused request again: the server words its refusal in the new language. */
async function reword() {
  try {
    await getJSON(failed);
  } catch (error) {
    showError(error);
  }
}

function render() {
  errorBox.hidden = failed === null;
  tableBox.hidden = failed !== null;
  none.hidden = failed !== null || entries.length > 0 || !loadingNote.hidden;
  more.hidden = failed !== null || nextAfter === null;
  rows.replaceChildren(...entries.map(row));
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

/** An identifier or a code: left to right inside Arabic text too. */
function code(text) {
  const node = el("code", text ?? "—");
  node.dir = "ltr";
  return node;
}

function cell(...children) {
  const td = document.createElement("td");
  td.append(...children);
  return td;
}

const when = (iso) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "medium" }).format(
    new Date(iso),
  );

function actorKind(kind) {
  const key = `audit.actor_kind.${kind}`;
  const word = t(key);
  return word === key ? kind : word;
}

function shown(value) {
  if (value === undefined || value === null) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The fields an entry changed, before and after, folded under their names. */
function changes(entry) {
  if (!entry.before && !entry.after) return el("span", "—");
  const before = entry.before ?? {};
  const after = entry.after ?? {};
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]),
  );
  if (names.length === 0) return el("span", t("audit.unchanged"), "muted");
  const details = document.createElement("details");
  const head = names.slice(0, 3).join(", ") + (names.length > 3 ? ", …" : "");
  const summary = el("summary");
  summary.append(code(head));
  const table = el("table", null, "audit-changes");
  const heading = el("tr");
  for (const key of ["audit.field", "audit.before", "audit.after"]) heading.append(el("th", t(key)));
  table.append(heading);
  for (const name of names) {
    const line = el("tr");
    line.append(cell(code(name)), cell(code(shown(before[name]))), cell(code(shown(after[name]))));
    table.append(line);
  }
  details.append(summary, table);
  return details;
}

function row(entry) {
  const tr = document.createElement("tr");
  tr.dataset.seq = String(entry.seq);
  const time = el("time", when(entry.time));
  time.dateTime = entry.time;
  // An account by its username as it is now, with its id (the trail names the id alone).
  const who = entry.actor_username ? `${entry.actor_username} (${entry.actor})` : entry.actor;
  const actor = cell(code(who), el("small", actorKind(entry.actor_kind), "muted"));
  actor.className = "audit-actor";
  const entity = cell(el("small", entry.entity_kind, "muted"), code(entry.entity_id));
  entity.className = "audit-entity";
  const reason = cell(entry.reason ?? "—");
  reason.dir = "auto"; // the writer's words, in whatever language they wrote
  const request = cell(code(entry.request_id));
  request.className = "audit-request";
  tr.append(
    cell(String(entry.seq)),
    cell(time),
    actor,
    cell(code(entry.action)),
    entity,
    cell(code(entry.territory_code)),
    cell(changes(entry)),
    reason,
    cell(code(entry.partner_id)),
    cell(code(entry.grant_id)),
    request,
  );
  return tr;
}

/** Fill the form from the page's address. */
function fill() {
  const found = asked();
  for (const name of FILTERS) form.elements[name].value = found[name] ?? "";
}

/** The page's address for the filters `values` (and the page's language). */
function address(values) {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = String(values[name] ?? "").trim();
    if (value) params.set(name, value);
  }
  params.set("lang", lang());
  return `/audit?${params}`;
}

async function show(after = null) {
  delete document.body.dataset.ready;
  loading = load(after);
  await loading;
  document.body.dataset.ready = lang();
}

const switchLanguage = languageButtons(async (next) => {
  delete document.body.dataset.ready;
  history.replaceState(null, "", address(asked()));
  await loading;
  render(); // the times and words in the new language
  if (failed !== null) await reword();
  document.body.dataset.ready = next;
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(form);
  history.pushState(null, "", address(Object.fromEntries(FILTERS.map((n) => [n, data.get(n)]))));
  show();
});

document.getElementById("audit-clear").addEventListener("click", () => {
  history.pushState(null, "", address({}));
  fill();
  show();
});

more.addEventListener("click", () => show(nextAfter));

window.addEventListener("popstate", () => {
  fill();
  show();
});

fill();
loading = load(null);
switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
