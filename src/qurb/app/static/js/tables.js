// The per-commune tables under the map: one tab per kind (needs, gaps, access, referral),
// each a sortable table from /api/territories/{code}/tables/{kind}, with its CSV and XLSX
// downloads and its sources. The access tab picks an offer and a threshold and marks the
// communes beyond it. Labels, units and words come from the server in the page's language.
import { enc, getJSON } from "./api.js";
import { escapeHtml, lang, num, t } from "./i18n.js";

const e = escapeHtml;
export const TABLE_KINDS = ["needs", "gaps", "access", "referral"];
export const TABLE_OFFERS = ["primary", "secondary", "tertiary", "specialty"];
export const TABLE_MINUTES = [30, 60, 120];

const isNumber = (v) => typeof v === "number" && Number.isFinite(v);

/** One cell of a commune table: a number in the page's format (unknown said so, its raw
 * value kept in data-value), or a text isolated; a band (≤30, 60–120), having no letter,
 * reads left to right in Arabic too. Shared with the fact sheet (sheet.js). */
export function cellHTML(column, v) {
  if (column.kind === "number")
    return `<td class="num" data-key="${e(column.key)}" data-value="${isNumber(v) ? v : ""}">${isNumber(v) ? num(v, Number.isInteger(v) ? 0 : 1) : `<span class="unknown">${e(t("unknown"))}</span>`}</td>`;
  if (v === null || v === undefined) return "<td></td>";
  return `<td><bdi${/\p{L}/u.test(String(v)) ? "" : ' dir="ltr"'}>${e(v)}</bdi></td>`;
}

export class CommuneTables {
  /** root: the <section id="tables">; onChange({tab, offer, minutes}): told when the
   * reader picks a tab, an offer or a threshold (the page keeps them in its address). */
  constructor(root, { onChange = () => {} } = {}) {
    this.root = root;
    this.onChange = onChange;
    this.code = null;
    this.kind = "access";
    this.offer = "secondary";
    this.minutes = 60;
    this.beyondOnly = false; // the access tab lists only the communes beyond the threshold
    this.body = null;
    this.sort = null; // {key, dir: 1 | -1}
    this.ticket = 0;
    root.addEventListener("click", (event) => this.#click(event));
    root.addEventListener("keydown", (event) => this.#key(event));
    root.addEventListener("change", (event) => this.#change(event));
  }

  get tab() {
    return this.kind;
  }

  /** What the reader chose: the tab, and the access tab's offer and threshold. */
  get choice() {
    return { tab: this.kind, offer: this.offer, minutes: this.minutes, beyond: this.beyondOnly };
  }

  set tab(kind) {
    if (TABLE_KINDS.includes(kind) && kind !== this.kind) {
      this.kind = kind;
      this.sort = null;
      if (this.code) this.#load();
    }
  }

  /** Show the tables of a territory; offer, minutes and tab kept when not given. */
  show(code, { offer, minutes, tab, beyond } = {}) {
    if (TABLE_OFFERS.includes(offer)) this.offer = offer;
    if (typeof beyond === "boolean") this.beyondOnly = beyond;
    if (TABLE_MINUTES.includes(Number(minutes))) this.minutes = Number(minutes);
    if (TABLE_KINDS.includes(tab)) this.kind = tab;
    if (code !== this.code) this.sort = null;
    this.code = code;
    return this.#load();
  }

  /** Word the tables again (after a change of language). */
  refresh() {
    return this.code ? this.#load() : undefined;
  }

  url(format) {
    const params = new URLSearchParams({ format, lang: lang() });
    if (this.kind === "access") params.set("offer", this.offer);
    if (this.kind === "access" && this.beyondOnly) params.set("beyond", "true");
    if (this.kind === "access" || this.kind === "referral") params.set("minutes", String(this.minutes));
    return `/api/territories/${enc(this.code)}/tables/${this.kind}?${params}`;
  }

  async #load() {
    const ticket = ++this.ticket;
    this.body = null;
    this.#render(`<p class="pending">${e(t("table.loading"))}</p>`);
    try {
      const body = await getJSON(this.url("json"));
      if (ticket !== this.ticket) return;
      this.body = body;
      this.#render(this.#table());
    } catch (error) {
      if (ticket !== this.ticket) return;
      this.#render(`<p class="error" role="alert">${e(t("table.error"))}: ${e(error.message)}</p>`);
    } finally {
      if (ticket === this.ticket) this.root.dataset.ready = `${this.code}:${this.kind}`;
    }
  }

  #render(content) {
    const focused = document.activeElement;
    const refocus = this.root.contains(focused) ? focused.dataset.focusKey : null;
    const tabs = TABLE_KINDS.map((kind) => {
      const selected = kind === this.kind;
      return `<button type="button" role="tab" id="tables-tab-${kind}" data-tab="${kind}"
        aria-selected="${selected}" aria-controls="tables-panel" tabindex="${selected ? 0 : -1}"
        data-focus-key="tab-${kind}">${e(t(`table.tab.${kind}`))}</button>`;
    }).join("");
    this.root.innerHTML = `<h2 id="tables-title">${e(t("table.title"))}</h2>
      <div role="tablist" aria-labelledby="tables-title" class="table-tabs">${tabs}</div>
      <div role="tabpanel" id="tables-panel" aria-labelledby="tables-tab-${this.kind}" tabindex="0">
        ${this.#controls()}${content}</div>`;
    if (refocus) this.root.querySelector(`[data-focus-key="${refocus}"]`)?.focus();
  }

  #controls() {
    const offer =
      this.kind === "access"
        ? `<label><span>${e(t("table.offer"))}</span><select data-control="offer" data-focus-key="offer">${TABLE_OFFERS.map(
            (o) => `<option value="${o}" ${o === this.offer ? "selected" : ""}>${e(t(`table.offer.${o}`))}</option>`,
          ).join("")}</select></label>`
        : "";
    const minutes =
      this.kind === "access" || this.kind === "referral"
        ? `<label><span>${e(t("table.minutes"))}</span><select data-control="minutes" data-focus-key="minutes">${TABLE_MINUTES.map(
            (m) => `<option value="${m}" ${m === this.minutes ? "selected" : ""}>${e(t("unit.minutes", { n: num(m) }))}</option>`,
          ).join("")}</select></label>`
        : "";
    const only =
      this.kind === "access"
        ? `<label class="check"><input type="checkbox" data-control="beyond" data-focus-key="beyond" ${this.beyondOnly ? "checked" : ""}>
            <span>${e(t("table.only_beyond"))}</span></label>`
        : "";
    const links = this.code
      ? `<span class="downloads">${e(t("table.download"))}:
          <a href="${e(this.url("csv"))}" download>CSV</a>
          <a href="${e(this.url("xlsx"))}" download>XLSX</a></span>`
      : "";
    return `<div class="table-controls">${offer}${minutes}${only}${links}</div>`;
  }

  #rows() {
    const rows = [...this.body.rows];
    if (!this.sort) return rows;
    const { key, dir } = this.sort;
    const column = this.body.columns.find((c) => c.key === key);
    const numeric = column?.kind === "number";
    const unknown = (v) => v === null || v === undefined || v === "" || (numeric && !isNumber(v));
    return rows.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (unknown(x) || unknown(y)) return unknown(x) - unknown(y); // unknown last, either way
      if (numeric) return dir * (x - y);
      return dir * String(x).localeCompare(String(y), lang());
    });
  }

  #beyond(row) {
    if (this.kind !== "access") return false;
    return !isNumber(row.minutes) || row.minutes > this.minutes;
  }

  #table() {
    const body = this.body;
    const head = body.columns
      .map((c) => {
        const sorted = this.sort?.key === c.key;
        const order = sorted ? (this.sort.dir === 1 ? "ascending" : "descending") : "none";
        const unit = c.unit ? ` <span class="unit">(${e(c.unit)})</span>` : "";
        const arrow = sorted ? (this.sort.dir === 1 ? "▲" : "▼") : "";
        return `<th scope="col" aria-sort="${order}" class="${c.kind === "number" ? "num" : ""}"${c.formula ? ` title="${e(c.formula)}"` : ""}>
          <button type="button" data-sort="${e(c.key)}" data-focus-key="sort-${e(c.key)}">${e(c.label)}${unit}<span class="arrow" aria-hidden="true">${arrow}</span></button></th>`;
      })
      .join("");
    const rows = this.#rows()
      .map((row) => {
        const cells = body.columns.map((c) => cellHTML(c, row[c.key])).join("");
        return `<tr${this.#beyond(row) ? ' class="beyond"' : ""} data-code="${e(row.code ?? "")}">${cells}</tr>`;
      })
      .join("");
    const note =
      this.kind === "access" ? `<p class="note">${e(t("table.beyond_note", { minutes: num(this.minutes) }))}</p>` : "";
    return `${note}<div class="table-scroll" tabindex="0"><table class="commune-table" data-kind="${this.kind}">
        <caption>${e(t(`table.tab.${this.kind}`))} · ${e(t("table.rows", { count: body.rows.length }))}</caption>
        <thead><tr>${head}</tr></thead><tbody>${rows || `<tr><td colspan="${body.columns.length}">${e(t("table.empty"))}</td></tr>`}</tbody></table></div>
      <p class="sources">${e(t("table.source"))}: <code>${e(body.query)}</code> · ${e(body.attribution)} (${e(body.license)}) ·
        <a href="${e(body.licences_url)}">${e(body.licences_url)}</a></p>`;
  }

  #select(kind, focus = true) {
    if (!TABLE_KINDS.includes(kind)) return;
    if (kind !== this.kind) {
      this.tab = kind;
      this.onChange(this.choice);
    }
    if (focus) this.root.querySelector(`#tables-tab-${kind}`)?.focus();
  }

  #click(event) {
    const tab = event.target.closest("[data-tab]");
    if (tab) return this.#select(tab.dataset.tab);
    const header = event.target.closest("[data-sort]");
    if (header && this.body) {
      const key = header.dataset.sort;
      const column = this.body.columns.find((c) => c.key === key);
      // A number is first sorted largest first (the farthest communes), a text A to Z.
      const first = column?.kind === "number" ? -1 : 1;
      this.sort = this.sort?.key === key ? { key, dir: -this.sort.dir } : { key, dir: first };
      this.#render(this.#table());
    }
  }

  #key(event) {
    const tab = event.target.closest("[role=tab]");
    if (!tab) return;
    const at = TABLE_KINDS.indexOf(tab.dataset.tab);
    const rtl = document.documentElement.dir === "rtl";
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
    let next = null;
    if (step) next = TABLE_KINDS[(at + step + TABLE_KINDS.length) % TABLE_KINDS.length];
    if (event.key === "Home") next = TABLE_KINDS[0];
    if (event.key === "End") next = TABLE_KINDS[TABLE_KINDS.length - 1];
    if (next) {
      event.preventDefault();
      this.#select(next);
    }
  }

  #change(event) {
    const control = event.target.dataset.control;
    if (control === "offer") this.offer = event.target.value;
    else if (control === "minutes") this.minutes = Number(event.target.value);
    else if (control === "beyond") this.beyondOnly = event.target.checked;
    else return;
    this.onChange(this.choice);
    this.#load();
  }
}
