// The regional plan's page (/plan?t=<code>): a region's or a province's projects
// (GET /api/plan?territory=) in a table and on a still map of its provinces or communes
// (svgmap.js, markers coloured by status), the totals by status and what the opened
// projects changed in coverage with the method; an account holding projects.manage moves
// a project's status (POST /api/plan/projects/{id}/status, If-Match: its version; the
// server checks the territory).
import { can, enc, getJSON, send } from "./api.js";
import { escapeHtml, initialLang, lang, nameOf, num, pct, t } from "./i18n.js";
import { languageButtons } from "./shell.js";
import { problemsHTML } from "./problems.js";
import { mapSVG } from "./svgmap.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
const FORWARD = ["proposed", "adopted", "funded", "under_construction", "opened"];
const STATUSES = [...FORWARD, "dropped"];
const COLOURS = {
  proposed: "#757575",
  adopted: "#1565c0",
  funded: "#6a1b9a",
  under_construction: "#ef6c00",
  opened: "#2e7d32",
  dropped: "#c62828",
};
const root = document.getElementById("plan");
const errorBox = document.querySelector(".plan-error");
const loading = document.querySelector(".plan-loading");
const picker = document.getElementById("plan-t");

let answer = null;
let layer = null;
let manager = false;
let moving = null; // the project whose move form is open

/** The statuses a project may move to: forward ones, and dropped unless opened. */
function nextStatuses(status) {
  if (status === "opened" || status === "dropped") return [];
  return [...FORWARD.slice(FORWARD.indexOf(status) + 1), "dropped"];
}

const day = (iso) => `<bdi class="plan-date" dir="ltr">${e(iso)}</bdi>`;
const money = (v) => (v == null ? t("unknown") : t("plan.mad", { amount: num(v) }));
const dot = (status) =>
  `<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><circle cx="5" cy="5" r="5" fill="${COLOURS[status]}"/></svg>`;

function subject(p) {
  const parts = [];
  if (p.category) parts.push(p.category);
  if (p.level) parts.push(t(`plan.level.${p.level}`));
  if (p.service) parts.push(p.service);
  if (p.equipment_kind) parts.push(p.equipment_kind);
  if (p.facility_id) parts.push(p.facility_id);
  return parts.map((v) => `<bdi dir="ltr">${e(v)}</bdi>`).join(" · ");
}

function became(p) {
  if (p.opened_facility_id) return `<bdi dir="ltr">${e(p.opened_facility_id)}</bdi>`;
  if (p.opened_equipment_id != null) return t("plan.equipment_item", { id: p.opened_equipment_id });
  if (p.drop_reason) return `<bdi>${e(p.drop_reason)}</bdi>`;
  return "";
}

function moveForm(p) {
  const options = nextStatuses(p.status)
    .map((s) => `<option value="${s}">${t(`plan.status.${s}`)}</option>`)
    .join("");
  const result =
    p.kind === "new_equipment"
      ? `<label>${t("plan.move.equipment")} <input name="equipment_id" type="number" min="1" dir="ltr"></label>`
      : `<label>${t("plan.move.facility")} <input name="facility_id" type="text" maxlength="80" dir="ltr" value="${e(p.facility_id ?? "")}"></label>`;
  return `<tr class="plan-move-row"><td colspan="9">
    <form class="plan-move" data-id="${p.id}" data-version="${p.version}">
      <label>${t("plan.move.status")} <select name="status">${options}</select></label>
      <label>${t("plan.move.on")} <input name="on" type="date" dir="ltr"></label>
      <label>${t("plan.move.note")} <input name="note" type="text" maxlength="500"></label>
      ${result}
      <button type="submit" class="primary">${t("plan.move.save")}</button>
      <button type="button" data-action="cancel">${t("plan.move.cancel")}</button>
    </form></td></tr>`;
}

function row(p) {
  const where = p.territory_name_fr ? nameOf({ name_fr: p.territory_name_fr, name_ar: p.territory_name_ar }) : p.territory_code;
  const action =
    manager && nextStatuses(p.status).length
      ? `<button type="button" data-action="move" data-id="${p.id}">${t("plan.move")}</button>`
      : "";
  const scenario = p.scenario_id ? `<a href="/scenarios?lang=${lang()}" dir="ltr">${e(p.scenario_id)}</a>` : "";
  const line = `<tr data-id="${p.id}" data-status="${p.status}">
    <td class="num">${num(p.priority)}</td>
    <td><bdi>${e(p.title)}</bdi><br><small>${t(`plan.kind.${p.kind}`)} · ${subject(p)}</small></td>
    <td><bdi>${e(where)}</bdi><br><small class="code" dir="ltr">${e(p.territory_code)}</small></td>
    <td class="plan-status">${dot(p.status)} ${t(`plan.status.${p.status}`)}<br><small>${day(p.status_on)}</small></td>
    <td class="num">${money(p.cost_amount_mad)}</td>
    <td>${scenario}</td>
    <td>${became(p)}</td>
    <td><small>${p.events.map((ev) => `${t(`plan.status.${ev.status}`)} ${day(ev.on)}`).join("<br>")}</small></td>
    <td>${action}</td></tr>`;
  return moving === p.id ? line + moveForm(p) : line;
}

/** A status's cost: the sum of the known estimates, and how many are unknown. */
function cost(total) {
  const parts = [];
  if (total.cost_amount_mad != null) parts.push(money(total.cost_amount_mad));
  if (total.cost_unknown) parts.push(t("plan.cost_unknown", { count: num(total.cost_unknown) }));
  return parts.join(" · ");
}

function totals(list) {
  const items = list
    .map(
      (s) => `<li data-status="${s.status}">${dot(s.status)} <span>${t(`plan.status.${s.status}`)}</span>
        <strong>${num(s.projects)}</strong> <small>${cost(s)}</small></li>`,
    )
    .join("");
  return `<ul class="plan-totals" aria-label="${e(t("plan.totals"))}">${items}</ul>`;
}

function map(projects) {
  if (!layer) return "";
  const points = projects
    .filter((p) => p.map_point)
    .map((p) => ({ lon: p.map_point[0], lat: p.map_point[1], colour: COLOURS[p.status], id: p.id, label: `${p.title} — ${t(`plan.status.${p.status}`)}` }));
  const svg = mapSVG(layer, { width: 640, title: t("plan.map"), points });
  const legend = STATUSES.map((s) => `<li>${dot(s)} ${t(`plan.status.${s}`)}</li>`).join("");
  return `<section class="plan-map"><h3>${t("plan.map")}</h3>${svg}<ul class="difference-legend">${legend}</ul></section>`;
}

function coverage(changes) {
  if (!changes.length) return `<p>${t("plan.coverage.none")}</p>`;
  const rows = changes
    .map(
      (c) => `<tr><th scope="row"><bdi>${e(c.offer)}</bdi></th><td class="num">${t("siting.within_short", { minutes: num(c.within_minutes) })}</td>
        <td class="num">${num(c.projects.length)}</td><td class="num" data-value="${c.covered_without_pct ?? ""}">${pct(c.covered_without_pct)}</td>
        <td class="num" data-value="${c.covered_with_pct ?? ""}">${pct(c.covered_with_pct)}</td><td class="num">${num(c.newly_covered)}</td></tr>`,
    )
    .join("");
  return `<div class="table-scroll"><table class="plan-coverage"><thead><tr>
    <th scope="col">${t("plan.coverage.offer")}</th><th scope="col">${t("plan.coverage.within")}</th><th scope="col">${t("plan.coverage.projects")}</th>
    <th scope="col">${t("plan.coverage.without")}</th><th scope="col">${t("plan.coverage.with")}</th><th scope="col">${t("plan.coverage.newly")}</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

function render() {
  if (!answer) return;
  const { projects } = answer;
  const table = projects.length
    ? `<div class="table-scroll"><table class="plan-table"><thead><tr>
        <th scope="col">${t("plan.col.priority")}</th><th scope="col">${t("plan.col.project")}</th><th scope="col">${t("plan.col.territory")}</th>
        <th scope="col">${t("plan.col.status")}</th><th scope="col">${t("plan.col.cost")}</th><th scope="col">${t("plan.col.scenario")}</th>
        <th scope="col">${t("plan.col.became")}</th><th scope="col">${t("plan.col.history")}</th><th scope="col"><span class="visually-hidden">${t("plan.move")}</span></th>
      </tr></thead><tbody>${projects.map(row).join("")}</tbody></table></div>`
    : `<p class="plan-none">${t("plan.none")}</p>`;
  root.innerHTML = `<h3><bdi>${e(nameOf(answer))}</bdi> <small class="code" dir="ltr">${e(answer.territory)}</small></h3>
    ${totals(answer.totals)}
    <div class="plan-layout">${map(projects)}<section class="plan-projects"><h3>${t("plan.projects", { count: projects.length })}</h3>${table}</section></div>
    <section class="plan-changes"><h3>${t("plan.coverage")}</h3>${coverage(answer.coverage)}
      <p class="source plan-method">${e(answer.method)}</p>
      <p class="source">${t("plan.sources")} ${answer.sources.map((s) => `<bdi>${e(s)}</bdi>`).join(" · ")}</p></section>`;
}

function layerUrl(code) {
  if (code === "MA") return "/api/layers/regions";
  return code.includes(".") ? `/api/layers/communes?parent=${enc(code)}` : `/api/layers/provinces?parent=${enc(code)}`;
}

async function load() {
  const code = config.territory;
  if (!code) {
    root.innerHTML = `<p>${t("plan.pick")}</p>`;
    document.body.dataset.ready = lang();
    return;
  }
  picker.value = code;
  loading.hidden = false;
  errorBox.hidden = true;
  try {
    [answer, manager] = await Promise.all([getJSON(`/api/plan?territory=${enc(code)}`), can("projects.manage")]);
    layer = await getJSON(layerUrl(answer.territory)).catch(() => null);
    render();
  } catch (error) {
    errorBox.hidden = false;
    errorBox.innerHTML = problemsHTML(error);
  } finally {
    loading.hidden = true;
    document.body.dataset.ready = lang();
  }
}

async function submitMove(form) {
  const data = new FormData(form);
  const body = { status: data.get("status") };
  for (const key of ["on", "note", "facility_id"]) if (data.get(key)) body[key] = data.get(key);
  if (data.get("equipment_id")) body.equipment_id = Number(data.get("equipment_id"));
  if (body.status !== "opened") delete body.facility_id;
  errorBox.hidden = true;
  try {
    await send("POST", `/api/plan/projects/${enc(form.dataset.id)}/status`, body, { "If-Match": `"${form.dataset.version}"` });
    moving = null;
    await load();
  } catch (error) {
    errorBox.hidden = false;
    errorBox.innerHTML = problemsHTML(error);
  }
}

root.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  moving = target.dataset.action === "move" ? Number(target.dataset.id) : null;
  render();
  root.querySelector(".plan-move select")?.focus();
});

root.addEventListener("submit", (event) => {
  const form = event.target.closest(".plan-move");
  if (!form) return;
  event.preventDefault();
  submitMove(form);
});

const switchLanguage = languageButtons(() => render());

await switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
load();
