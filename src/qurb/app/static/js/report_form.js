// A facility's report for a period on the reports' page: the data set's elements, a row
// each, their cells (sex, age band) as columns; a blank cell is not reported, 0 is a count
// of none, and "zero report" writes 0 in every blank cell (a zero report is a report, not
// silence). A new report is POST /api/reports; a report received shows its values, its
// status and its versions' author, and is corrected (a new version with its reason,
// POST /api/reports/{id}/corrections, If-Match) or confirmed by the province
// (POST /api/reports/{id}/confirm, If-Match: it is then frozen). The server checks every
// count (whole, 0 or more, within the catchment's population) and the grants; its refusal
// names each cell, and the cell is marked. Who wrote each version is in the audit trail.
import { enc, send } from "./api.js";
import { escapeHtml, named, num, t } from "./i18n.js";
import { problemsHTML } from "./problems.js";

const e = escapeHtml;

/** The words of a cell ("f|1-4") from the data set's disaggregations, in the page's language. */
function cellWords(dataset, cell) {
  if (!cell) return t("reports.form.total");
  const options = new Map(dataset.disaggregations.flatMap((d) => d.options.map((o) => [o.code, o])));
  return cell
    .split("|")
    .map((code) => (options.has(code) ? named(options.get(code)) : code))
    .join(", ");
}

/** The columns of a group: every cell one of its elements has, in the data set's order. */
function columns(elements) {
  const seen = [];
  for (const el of elements) for (const cell of el.cells) if (!seen.includes(cell)) seen.push(cell);
  return seen;
}

function marks(el) {
  const out = [];
  if (el.immediate) out.push(`<span class="report-mark immediate" title="${e(t("reports.form.immediate_why"))}">${t("reports.form.immediate")}</span>`);
  if (!el.confirmed) out.push(`<span class="report-mark unconfirmed" title="${e(el.why ?? "")}">${t("reports.form.unconfirmed")}</span>`);
  return out.join(" ");
}

function input(dataset, el, cell, values, readonly) {
  const key = `${el.code}::${cell}`;
  if (!el.cells.includes(cell)) return `<td class="report-none" aria-hidden="true"></td>`;
  const value = values.get(key);
  const name = `${named(el)} — ${cellWords(dataset, cell)}`;
  return `<td><input type="number" inputmode="numeric" min="0" step="1" dir="ltr" name="${e(key)}"
    data-element="${e(el.code)}" data-cell="${e(cell)}" aria-label="${e(name)}" value="${value ?? ""}" ${readonly ? "readonly" : ""}></td>`;
}

function groupTable(dataset, group, elements, values, readonly) {
  const cells = columns(elements);
  const head = cells.map((c) => `<th scope="col"><small>${e(cellWords(dataset, c))}</small></th>`).join("");
  const rows = elements
    .map(
      (el) => `<tr data-element="${e(el.code)}"><th scope="row"><bdi>${e(named(el))}</bdi> ${marks(el)}</th>
        ${cells.map((c) => input(dataset, el, c, values, readonly)).join("")}</tr>`,
    )
    .join("");
  return `<div class="table-scroll"><table class="report-grid" data-group="${e(group)}">
    <caption>${t(`reports.group.${group}`)}</caption>
    <thead><tr><th scope="col">${t("reports.form.element")}</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function grids(dataset, values, readonly) {
  const groups = new Map();
  for (const el of dataset.element_list) {
    if (!groups.has(el.group)) groups.set(el.group, []);
    groups.get(el.group).push(el);
  }
  return [...groups].map(([group, elements]) => groupTable(dataset, group, elements, values, readonly)).join("");
}

function statusLine(report) {
  const when = (iso) => `<bdi dir="ltr">${e(String(iso).slice(0, 16).replace("T", " "))}</bdi>`;
  const parts = [
    t(`reports.status.${report.status}`),
    t("reports.form.revision", { n: num(report.revision) }),
    `${t("reports.form.received")} ${when(report.received_at)}`,
  ];
  if (report.zero) parts.push(t("reports.zero"));
  if (report.confirmed_at) parts.push(`${t("reports.form.confirmed")} ${when(report.confirmed_at)}`);
  if (report.reason) parts.push(`${t("reports.form.reason")} <bdi>${e(report.reason)}</bdi>`);
  return `<p class="report-status" data-status="${e(report.status)}">${parts.join(" · ")}</p>`;
}

/** The values the form holds, as the API takes them: a blank cell is left out. */
function filled(form) {
  const values = [];
  for (const box of form.querySelectorAll("input[data-element]")) {
    if (box.value.trim() === "") continue;
    values.push({ element: box.dataset.element, disaggregation: box.dataset.cell, value: box.value.trim() });
  }
  return values;
}

/** Each refused cell marked: the server names it `values[N].value`, N in the sent list. */
function markRefused(form, error, sent) {
  for (const box of form.querySelectorAll("input[aria-invalid]")) box.removeAttribute("aria-invalid");
  for (const d of error.detail ?? []) {
    const match = /^values\[(\d+)\]/.exec(d.field ?? "");
    const value = match ? sent[Number(match[1])] : null;
    if (!value) continue;
    const box = form.querySelector(`input[name="${CSS.escape(`${value.element}::${value.disaggregation}`)}"]`);
    box?.setAttribute("aria-invalid", "true");
  }
}

export class ReportForm {
  /** root: the form's <section>; onSaved(): told after a report is written. */
  constructor(root, { onSaved = async () => {} } = {}) {
    this.root = root;
    this.onSaved = onSaved;
    this.shown = null; // {dataset, facility, period, report, rights}
    root.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(event.target.closest("form"));
    });
    root.addEventListener("click", (event) => this.click(event));
  }

  /** Shows the form of `facility` (a completeness row) for `period`; `report`: its current
   * version or null; rights: {report, confirm}. */
  open(shown) {
    this.shown = shown;
    this.mode = shown.report ? "view" : "new";
    this.render();
    this.root.hidden = false;
    this.root.scrollIntoView({ block: "start" });
    this.root.querySelector("input:not([readonly]), button")?.focus();
  }

  close() {
    this.shown = null;
    this.root.hidden = true;
    this.root.innerHTML = "";
  }

  render() {
    if (!this.shown) return;
    const { dataset, facility, period, report, rights } = this.shown;
    const values = new Map((report?.values ?? []).map((v) => [`${v.element}::${v.disaggregation}`, v.value]));
    const editing = this.mode !== "view";
    const title = t(this.mode === "new" ? "reports.form.new" : this.mode === "correct" ? "reports.form.correct" : "reports.form.view");
    const actions = [];
    if (editing) {
      actions.push(`<button type="button" data-action="zero">${t("reports.form.zero")}</button>`);
      if (this.mode === "correct")
        actions.push(`<label class="report-reason">${t("reports.form.reason")} <input name="reason" type="text" maxlength="2000" required></label>`);
      actions.push(`<button type="submit" class="primary">${t(this.mode === "new" ? "reports.form.submit" : "reports.form.save")}</button>`);
    } else {
      if (rights.report && !report.frozen) actions.push(`<button type="button" data-action="correct">${t("reports.form.correct")}</button>`);
      if (rights.confirm && !report.frozen) actions.push(`<button type="button" class="primary" data-action="confirm">${t("reports.form.confirm")}</button>`);
      if (report.frozen) actions.push(`<span class="report-frozen">${t("reports.form.frozen")}</span>`);
    }
    actions.push(`<button type="button" data-action="close">${t("reports.form.close")}</button>`);
    const heading = t("reports.form.heading", { title, facility: `<bdi>${e(facility.name)}</bdi>` });
    this.root.innerHTML = `<h3 id="report-form-title">${heading}
        <small class="code" dir="ltr">${e(facility.facility_id)}</small> · <bdi dir="ltr">${e(period)}</bdi></h3>
      ${report ? statusLine(report) : `<p class="source">${t("reports.form.help")}</p>`}
      <form class="report-entry" novalidate>${grids(dataset, values, !editing)}
        <div class="report-problems" role="alert"></div>
        <div class="report-actions">${actions.join("")}</div></form>`;
  }

  click(event) {
    const target = event.target.closest("[data-action]");
    if (!target || !this.shown) return;
    const action = target.dataset.action;
    if (action === "close") this.close();
    else if (action === "correct") {
      this.mode = "correct";
      this.render();
      this.root.querySelector("input[data-element]")?.focus();
    } else if (action === "zero") {
      for (const box of this.root.querySelectorAll("input[data-element]")) if (box.value.trim() === "") box.value = "0";
    } else if (action === "confirm") this.confirm();
  }

  async write(work) {
    const box = this.root.querySelector(".report-problems");
    box.innerHTML = "";
    try {
      const saved = await work();
      this.shown.report = saved;
      this.mode = "view";
      this.render();
      this.root.querySelector(".report-status")?.insertAdjacentHTML("afterend", `<p class="saved" role="status">${t("form.saved")}</p>`);
      await this.onSaved(saved);
    } catch (error) {
      box.innerHTML = problemsHTML(error);
      return error;
    }
    return null;
  }

  async submit(form) {
    const { dataset, facility, period, report } = this.shown;
    const values = filled(form);
    const error = await this.write(() => {
      if (this.mode === "new") return send("POST", "/api/reports", { dataset: dataset.id, facility: facility.facility_id, period, values });
      const reason = form.querySelector('input[name="reason"]').value;
      return send("POST", `/api/reports/${enc(report.id)}/corrections`, { values, reason }, { "If-Match": `"${report.version}"` });
    });
    if (error) markRefused(form, error, values);
  }

  async confirm() {
    const { report } = this.shown;
    await this.write(() => send("POST", `/api/reports/${enc(report.id)}/confirm`, {}, { "If-Match": `"${report.version}"` }));
  }
}
