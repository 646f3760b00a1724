// The saved scenarios' page (/scenarios): those the account may see (its partner's and
// the public ones, GET /api/scenarios), each reopened on the map (/?t=<territory>&
// scenario=<id>), renamed and shared or kept to the partner (PATCH /api/scenarios/{id},
// for an account holding scenarios.write), and two or three ticked for the comparison
// (/scenarios/compare?ids=a,b[,c]).
import { can, enc, getJSON, send, whoAmI } from "./api.js";
import { change } from "./coverage.js";
import { date, escapeHtml, initialLang, lang, nameOf, num, t } from "./i18n.js";
import { languageButtons } from "./shell.js";
import { problemsHTML, settle } from "./problems.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
const KINDS = ["siting", "whatif"];
const MAX_COMPARED = 3;
const form = document.getElementById("scenarios-form");
const body = document.getElementById("scenario-lines");
const compare = document.getElementById("scenarios-compare");
const errorBox = document.querySelector(".scenarios-error");
const loading = document.querySelector(".scenarios-loading");
const none = document.querySelector(".scenarios-none");

let lines = [];
let maySave = false;
let myId = null; // the reader's account id: "you" in the list
const territories = new Map(); // code → {name_fr, name_ar}, asked once per code
const picked = new Set();
let renaming = null; // the id whose name is being edited
// What has been typed in it: kept across a re-render (the territories' names arrive after
// the first render, and may arrive while a name is being typed).
let draft = "";

function visibilityCell(line) {
  if (!maySave) return `<td>${e(t(`siting.visibility.${line.visibility ?? "partner"}`))}</td>`;
  const options = ["partner", "public"]
    .map((v) => `<option value="${v}" ${v === (line.visibility ?? "partner") ? "selected" : ""}>${t(`siting.visibility.${v}`)}</option>`)
    .join("");
  return `<td><select data-visibility="${e(line.id)}" aria-label="${e(t("scenarios.col.visibility"))}">${options}</select></td>`;
}

function nameCell(line) {
  if (renaming === line.id) {
    return `<td><input type="text" data-name="${e(line.id)}" value="${e(draft)}" maxlength="120" aria-label="${e(t("scenarios.col.name"))}">
      <button type="button" data-action="rename-save" data-id="${e(line.id)}">${t("scenarios.rename.save")}</button>
      <button type="button" data-action="rename-cancel">${t("scenarios.rename.cancel")}</button></td>`;
  }
  const rename = maySave ? ` <button type="button" class="link" data-action="rename" data-id="${e(line.id)}">${t("scenarios.rename")}</button>` : "";
  return `<td><bdi class="scenario-name">${e(line.name)}</bdi>${rename}</td>`;
}

/** Who saved it: the reader, or an account by its number (the API names accounts by id). */
function savedBy(line) {
  if (line.created_by == null) return "";
  return line.created_by === myId ? t("scenarios.by_you") : t("scenarios.by_account", { id: line.created_by });
}

function row(line) {
  const kind = KINDS.includes(line.kind) ? t(`scenarios.kind.${line.kind}`) : (line.kind ?? "");
  const map = `/?t=${enc(line.territory)}&scenario=${enc(line.id)}&lang=${lang()}`;
  const tick = picked.has(line.id);
  const full = !tick && picked.size >= MAX_COMPARED;
  return `<tr data-id="${e(line.id)}">
    <td><input type="checkbox" data-pick="${e(line.id)}" ${tick ? "checked" : ""} ${full ? "disabled" : ""} aria-label="${e(t("scenarios.pick", { name: line.name }))}"></td>
    ${nameCell(line)}
    <td>${e(kind)}</td>
    <td>${territories.has(line.territory) ? `<bdi>${e(nameOf(territories.get(line.territory)))}</bdi><br>` : ""}<small class="code" dir="ltr">${e(line.territory)}</small></td>
    <td><bdi>${e(line.offer ?? "")}</bdi> · <bdi>${t("siting.within_short", { minutes: num(line.within_minutes) })}</bdi></td>
    <td class="num" title="${e(line.chosen ?? "")}">${num(line.sites)}</td>
    <td class="change" data-before="${line.covered_before_pct ?? ""}" data-after="${line.covered_after_pct ?? ""}">${change(line.covered_before_pct, line.covered_after_pct)}</td>
    <td class="num" data-value="${line.newly_covered}">${num(line.newly_covered)}</td>
    <td class="num">${line.cost_mad == null ? "" : num(line.cost_mad)}</td>
    ${visibilityCell(line)}
    <td>${e(savedBy(line))}<br><small>${line.created_at ? e(date(line.created_at)) : ""}</small></td>
    <td><a href="${e(map)}" data-open="${e(line.id)}">${t("scenarios.open")}</a></td></tr>`;
}

function render() {
  const typing = renaming !== null && document.activeElement?.dataset?.name === renaming;
  body.innerHTML = lines.map(row).join("");
  const input = typing ? body.querySelector(`input[data-name="${CSS.escape(renaming)}"]`) : null;
  input?.focus();
  input?.setSelectionRange(draft.length, draft.length);
  none.hidden = lines.length > 0;
  compare.disabled = picked.size < 2 || picked.size > MAX_COMPARED;
}

function load() {
  loading.hidden = false;
  errorBox.hidden = true;
  return settle(
    async () => {
      let me;
      [lines, maySave, me] = await Promise.all([getJSON("/api/scenarios"), can("scenarios.write"), whoAmI()]);
      myId = me.account ? String(me.account.id) : null;
      render();
      // The territories' names, in the page's language (the lines carry their codes).
      const codes = [...new Set(lines.map((l) => l.territory))].filter((c) => !territories.has(c));
      const found = await Promise.all(codes.map((c) => getJSON(`/api/territories/${enc(c)}`).catch(() => null)));
      for (const detail of found) if (detail) territories.set(detail.territory.code, detail.territory);
      render();
    },
    { errorBox, loading },
  );
}

async function patch(id, change_) {
  errorBox.hidden = true;
  try {
    const saved = await send("PATCH", `/api/scenarios/${enc(id)}`, change_);
    const line = lines.find((l) => l.id === id);
    if (line) Object.assign(line, change_, saved?.id === id ? pickLine(saved) : {});
    renaming = null;
    render();
  } catch (error) {
    errorBox.hidden = false;
    errorBox.innerHTML = problemsHTML(error);
  }
}

// A PATCH answers the scenario as read: its name and visibility are what the list shows.
function pickLine(saved) {
  const out = {};
  for (const key of ["name", "visibility"]) if (saved[key] !== undefined) out[key] = saved[key];
  return out;
}

body.addEventListener("change", (event) => {
  const el = event.target;
  if (el.dataset.pick) {
    if (el.checked) picked.add(el.dataset.pick);
    else picked.delete(el.dataset.pick);
    render();
  }
  if (el.dataset.visibility) patch(el.dataset.visibility, { visibility: el.value });
});

body.addEventListener("input", (event) => {
  if (event.target.dataset.name === renaming) draft = event.target.value;
});

body.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  const action = target.dataset.action;
  if (action === "rename") {
    renaming = target.dataset.id;
    draft = lines.find((l) => l.id === renaming)?.name ?? "";
    render();
    body.querySelector(`input[data-name="${CSS.escape(renaming)}"]`)?.focus();
  }
  if (action === "rename-cancel") {
    renaming = null;
    render();
  }
  if (action === "rename-save") {
    const id = target.dataset.id;
    const name = body.querySelector(`input[data-name="${CSS.escape(id)}"]`).value.trim();
    patch(id, { name });
  }
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (picked.size < 2) return;
  // In the order of the list (newest first).
  const ids = lines.filter((l) => picked.has(l.id)).map((l) => l.id);
  location.assign(`/scenarios/compare?ids=${ids.map(enc).join(",")}&lang=${lang()}`);
});

const switchLanguage = languageButtons(() => render());

await switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
load();
