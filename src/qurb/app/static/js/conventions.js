// The conventions' page (/conventions, /conventions?id=<id>): the list of partnership
// conventions and one convention's record, with its yearly report's links; a partner's
// and a territory's view (?partner=, ?territory=) are convention_views.js's. An account
// holding conventions.read reads
// those its grants reach in full (GET /api/conventions); anyone else, and anyone for a
// convention outside their grants, reads the published summaries (GET
// /api/conventions/published: no documents, no contacts). A date is shown as far as it is
// known: "1 December (year unknown)" stays so, never completed.
import { ApiError, can, enc, getJSON } from "./api.js";
import { escapeHtml, initialLang, lang, locale, nameOf, num, t } from "./i18n.js";
import { settle } from "./problems.js";
import { languageButtons } from "./shell.js";
import {
  askPlaces,
  followYear,
  mad,
  percentOf,
  reportChoice,
  statusBadge,
  territoryNames,
  title,
  unknown,
} from "./convention_parts.js";
import { partnerView, readPartner, readTerritory, territoryView } from "./convention_views.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
const root = document.getElementById("conventions");
const errorBox = document.querySelector(".conventions-error");
const loading = document.querySelector(".conventions-loading");
const STATUSES = ["draft", "signed", "approved", "in_force", "suspended", "closed", "terminated"];
// The address's partner id and HCP code, checked here as the server checks them.
const PARTNER = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CODE = /^(?:MA|\d{2}(?:\.\d{3}(?:\.\d{2}(?:\.\d{1,2})?)?)?)$/;

let full = false; // the account reads conventions in full
let list = null; // the conventions (full records or summaries)
let one = null; // the convention shown, when ?id= asks for one
let partner = null; // the partner's figures, when ?partner= asks for them
let territory = null; // the territory's figures, when ?territory= asks for them
let reportYear = null; // the year chosen for the yearly report (this year until chosen)
let status = ""; // the list's filter
let deliverables = null; // the convention's deliverables, for a reader in full
let physical = null; // their physical execution this year
let money = null; // the financial execution, for a reader in full
let committee = null; // the steering committee: rule, meetings, actions (committee.sit)

const format = (options, ...parts) => new Intl.DateTimeFormat(locale(), { timeZone: "UTC", ...options }).format(Date.UTC(...parts));

/** A partial date (ISO 8601's reduced forms: 2025, 2025-12, 2025-12-01, --12, --12-01) in
 * the page's language; what is unknown is said, never filled in. */
function partialDate(iso) {
  if (!iso) return unknown();
  const noYear = ` <span class="unknown-part">(${t("conventions.year_unknown")})</span>`;
  let m = /^--(\d{2})-(\d{2})$/.exec(iso);
  if (m) return format({ day: "numeric", month: "long" }, 2000, m[1] - 1, m[2]) + noYear;
  m = /^--(\d{2})$/.exec(iso);
  if (m) return format({ month: "long" }, 2000, m[1] - 1, 1) + noYear;
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (m) return format({ dateStyle: "long" }, m[1], m[2] - 1, m[3]);
  m = /^(\d{4})-(\d{2})$/.exec(iso);
  if (m) return format({ month: "long", year: "numeric" }, m[1], m[2] - 1, 1);
  return e(iso); // a year alone
}

const object = (c) => (lang() === "ar" && c.object_ar ? c.object_ar : c.object_fr);
const partyName = (p) => nameOf(p);

function listView() {
  const shown = list.filter((c) => !status || c.status === status);
  const choices = [`<option value="">${t("conventions.any_status")}</option>`]
    .concat(STATUSES.map((s) => `<option value="${s}" ${s === status ? "selected" : ""}>${t(`conventions.status.${s}`)}</option>`))
    .join("");
  const rows = shown
    .map(
      (c) => `<tr data-id="${c.id}" data-status="${e(c.status)}">
        <td><a href="/conventions?id=${c.id}&lang=${lang()}"><bdi>${e(title(c))}</bdi></a><br><small class="code" dir="ltr">${e(c.reference)}</small></td>
        <td>${t(`conventions.kind.${c.kind}`)}</td><td>${statusBadge(c.status)}</td>
        <td>${partialDate(c.signature_on)}${c.signature_place ? ` · <bdi>${e(c.signature_place)}</bdi>` : ""}</td>
        <td>${c.parties.map((p) => `<bdi>${e(partyName(p))}</bdi>`).join("<br>")}</td>
        <td>${territoryNames(c.territories)}</td></tr>`,
    )
    .join("");
  const table = shown.length
    ? `<div class="table-scroll"><table class="conventions-table"><thead><tr>
        <th scope="col">${t("conventions.col.title")}</th><th scope="col">${t("conventions.col.kind")}</th><th scope="col">${t("conventions.col.status")}</th>
        <th scope="col">${t("conventions.col.signed")}</th><th scope="col">${t("conventions.col.parties")}</th><th scope="col">${t("conventions.col.territories")}</th>
      </tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="conventions-none">${t("conventions.none")}</p>`;
  const scope = full ? t("conventions.scope.full") : t("conventions.scope.published");
  return `<p class="source">${scope}</p>
    <div class="conventions-filter"><label>${t("conventions.col.status")} <select data-action="status">${choices}</select></label></div>
    <h3>${t("conventions.count", { count: shown.length })}</h3>${table}`;
}

function people(list_) {
  return list_.map((p) => `<bdi>${e(p.name)}</bdi>${p.title ? ` <small>(<bdi>${e(p.title)}</bdi>)</small>` : ""}`).join("<br>");
}

function partiesTable(c) {
  if (!c.parties.length) return `<p>${t("conventions.none_listed")}</p>`;
  const rows = c.parties
    .map(
      (p) => `<tr><th scope="row"><a class="partner-link" href="/conventions?partner=${enc(p.partner_id)}&lang=${lang()}"><bdi>${e(partyName(p))}</bdi></a></th><td>${p.role ? t(`conventions.role.${p.role}`) : unknown()}</td>
        <td>${p.signatories?.length ? people(p.signatories) : unknown()}</td>${full ? `<td>${p.contacts?.length ? people(p.contacts) : ""}</td>` : ""}</tr>`,
    )
    .join("");
  return `<div class="table-scroll"><table class="conventions-parties"><thead><tr><th scope="col">${t("conventions.col.party")}</th>
    <th scope="col">${t("conventions.col.role")}</th><th scope="col">${t("conventions.col.signatories")}</th>${full ? `<th scope="col">${t("conventions.col.contacts")}</th>` : ""}</tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

function articles(c) {
  if (!c.articles?.length) return `<p>${unknown()}</p>`;
  return `<ol class="convention-articles">${c.articles
    .map((a) => `<li value="${a.number}">${a.title ? `<strong><bdi>${e(a.title)}</bdi></strong> ` : ""}<bdi>${e((lang() === "ar" && a.text_ar) || a.text_fr || "")}</bdi></li>`)
    .join("")}</ol>`;
}

function amendments(c) {
  if (!c.amendments?.length) return `<p>${t("conventions.none_listed")}</p>`;
  return `<ul class="convention-amendments">${c.amendments
    .map(
      (a) => `<li>${t("conventions.amendment", { number: num(a.number) })} · ${partialDate(a.on)}${
        a.changes_end ? ` · ${t("conventions.amendment.end", { before: partialDate(a.previous_end_on), after: partialDate(a.end_on) })}` : ""
      }${a.note ? ` · <bdi>${e(a.note)}</bdi>` : ""}</li>`,
    )
    .join("")}</ul>`;
}

function documents(c) {
  if (!c.documents?.length) return `<p>${t("conventions.none_listed")}</p>`;
  return `<ul class="convention-documents">${c.documents
    .map(
      (d) => `<li><a href="/api/conventions/${c.id}/documents/${d.id}" download><bdi>${e(d.filename)}</bdi></a>
        <small>${e(d.kind.toUpperCase())} · ${num(Math.ceil(d.size / 1024))} ${t("conventions.kib")} · <span dir="ltr" title="SHA-256">${e(d.sha256.slice(0, 12))}…</span></small></li>`,
    )
    .join("")}</ul>`;
}

/** An indicator's value by its kind: yes/no in words, a number as the page writes it. */
function indicatorValue(kind, v) {
  if (v === null || v === undefined) return unknown();
  if (kind === "yes_no") return t(v ? "conventions.yes" : "conventions.no");
  return num(Number(v), 2);
}

function ownerName(c, id) {
  const party = c.parties.find((p) => p.partner_id === id);
  return party ? partyName(party) : id;
}

function physicalLine(p) {
  if (!p) return "";
  const values = {
    period: p.period,
    percent: p.percent === null ? t("unknown") : num(Number(p.percent), 1),
    measured: num(p.measured),
    unknown: num(p.unknown_actual),
    without_target: num(p.without_target),
  };
  return `<p class="convention-physical">${t("conventions.physical", values)}</p>`;
}

/** What changed in a deliverable after it was added, each change with the value it
 * replaced and the amendment that made it (none: a correction), folded under one line. */
function changesNote(d) {
  if (!d.changes?.length) return "";
  const last = d.changes.at(-1);
  const line = last.amendment_number === null ? t("conventions.deliverable.corrected", { count: num(d.changes.length) }) : t("conventions.deliverable.amended", { count: num(d.changes.length), number: num(last.amendment_number) });
  const items = d.changes
    .map((c) => {
      const by = c.amendment_number === null ? t("conventions.deliverable.correction") : t("conventions.deliverable.by_amendment", { number: num(c.amendment_number) });
      const before = c.previous === null ? unknown() : `<bdi>${e(c.previous)}</bdi>`;
      const after = c.value === null ? unknown() : `<bdi>${e(c.value)}</bdi>`;
      return `<li>${t(`conventions.field.${c.field}`)}: ${before} → ${after} <small>(${by}, <span dir="ltr">${e(c.changed_at.slice(0, 10))}</span>)</small></li>`;
    })
    .join("");
  return `<details class="deliverable-changes"><summary><small>${line}</small></summary><ul>${items}</ul></details>`;
}

/** The deliverables: what, who owns it, by when, its status, target and latest actual
 * (its period said); this year's physical execution above them. */
function deliverablesView(c) {
  if (!deliverables?.length) return `<p>${t("conventions.none_listed")}</p>`;
  const rows = deliverables
    .map((d) => {
      const latest = d.actuals.at(-1);
      const what = (lang() === "ar" && d.what_ar) || d.what_fr;
      const unit = d.indicator.unit ? ` <bdi>${e(d.indicator.unit)}</bdi>` : "";
      const actual = latest ? `${indicatorValue(d.indicator.kind, latest.value)} <small dir="ltr">(${e(latest.period)})</small>` : unknown();
      return `<tr data-id="${d.id}"><th scope="row"><bdi>${e(what)}</bdi>${changesNote(d)}</th><td><bdi>${e(ownerName(c, d.owner))}</bdi></td>
        <td>${partialDate(d.deadline)}</td><td>${t(`conventions.deliverable.status.${d.status}`)}</td>
        <td>${indicatorValue(d.indicator.kind, d.indicator.target)}${unit}</td><td>${actual}</td></tr>`;
    })
    .join("");
  const heads = ["deliverable", "owner", "deadline", "status", "target", "actual"].map((k) => `<th scope="col">${t(`conventions.col.${k}`)}</th>`);
  return `${physicalLine(physical)}<div class="table-scroll"><table class="convention-deliverables"><thead><tr>${heads.join("")}</tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

/** The money: committed and disbursed per party with the financial execution (unknown
 * amounts counted, never 0), in kind apart at its stated valuations. */
function moneyView(c) {
  if (!money) return "";
  const total = money.convention;
  const line = t("conventions.money.line", {
    committed: mad(total.committed_mad),
    disbursed: mad(total.disbursed_mad),
    percent: percentOf(total.percent),
    unknown_commitments: num(total.unknown_commitments),
    unknown_disbursements: num(total.unknown_disbursements),
  });
  const rows = money.by_party
    .map(
      (p) => `<tr><th scope="row"><bdi>${e(ownerName(c, p.partner_id))}</bdi></th><td>${mad(p.committed_mad)}</td>
        <td>${mad(p.disbursed_mad)}</td><td>${percentOf(p.percent)}</td><td>${num(p.unknown_commitments + p.unknown_disbursements)}</td></tr>`,
    )
    .join("");
  const heads = ["party", "committed", "disbursed", "execution", "unknown"].map((k) => `<th scope="col">${t(`conventions.money.col.${k}`)}</th>`);
  const kinds = money.in_kind
    .filter((k) => k.partner_id === null)
    .map((k) => `<li>${t(`conventions.money.kind.${k.kind}`)} : ${mad(k.valued_mad)} (${t("conventions.money.valued", { valued: num(k.valued), unknown: num(k.unknown) })})</li>`)
    .join("");
  const table = rows ? `<div class="table-scroll"><table class="convention-money"><thead><tr>${heads.join("")}</tr></thead><tbody>${rows}</tbody></table></div>` : "";
  return `<p class="convention-money-line">${line}</p>${table}${kinds ? `<h4>${t("conventions.money.in_kind")}</h4><ul class="convention-in-kind">${kinds}</ul>` : ""}`;
}

/** The steering committee: its rule and the next meeting due, the meetings held (quorum
 * reached or not, unknown without a rule) and the actions still open. */
function committeeView(c) {
  if (!committee) return "";
  const rule = committee.committee.rule;
  const every = rule.every_months
    ? t("conventions.committee.every_months", { months: num(rule.every_months) })
    : rule.meetings_per_year
      ? t("conventions.committee.per_year", { count: num(rule.meetings_per_year) })
      : unknown();
  const due = rule.next_due ? partialDate(rule.next_due) : unknown();
  const quorum = (m) => (m.quorum_reached === null ? unknown() : t(m.quorum_reached ? "conventions.yes" : "conventions.no"));
  const meetings = committee.meetings
    .map((m) => `<tr><th scope="row">${num(m.number)}</th><td>${partialDate(m.held_on)}</td><td>${num(m.present)}</td><td>${quorum(m)}</td><td>${num(m.decisions.length)}</td></tr>`)
    .join("");
  const heads = ["number", "held_on", "present", "quorum", "decisions"].map((k) => `<th scope="col">${t(`conventions.committee.col.${k}`)}</th>`);
  const open = committee.actions.filter((a) => a.status === "open");
  const actions = open
    .map((a) => `<li><bdi>${e(a.text)}</bdi> — <bdi>${e(ownerName(c, a.owner_partner_id))}</bdi>, ${a.deadline ? partialDate(a.deadline) : unknown()}</li>`)
    .join("");
  return `<dl class="convention-facts-more">${fact("conventions.committee.rule", every)}${fact("conventions.committee.next_due", due)}</dl>
    ${meetings ? `<div class="table-scroll"><table class="convention-meetings"><thead><tr>${heads.join("")}</tr></thead><tbody>${meetings}</tbody></table></div>` : `<p>${t("conventions.none_listed")}</p>`}
    <h4>${t("conventions.committee.open_actions", { count: num(open.length) })}</h4>${actions ? `<ul class="convention-actions">${actions}</ul>` : ""}`;
}

/** What the published summary says of the execution: committed by kind, the financial
 * execution and this year's physical execution. */
function figuresView(f) {
  if (!f) return "";
  const kinds = f.by_kind
    .map((k) => `<li>${t(`conventions.money.kind.${k.kind}`)} : ${mad(k.known_mad)}${k.unknown ? ` (${t("conventions.money.unknown_count", { count: num(k.unknown) })})` : ""}</li>`)
    .join("");
  const financial = f.financial_ratio === null ? unknown() : percentOf(Number(f.financial_ratio) * 100);
  const physicalNow = f.physical_ratio === null ? unknown() : percentOf(Number(f.physical_ratio) * 100);
  return `${kinds ? `<ul class="convention-in-kind">${kinds}</ul>` : `<p>${t("conventions.none_listed")}</p>`}
    <dl class="convention-facts-more">${fact("conventions.money.financial", financial)}${fact("conventions.money.physical", `${physicalNow} <small dir="ltr">(${e(f.period)})</small>`)}</dl>`;
}

function fact(key, value) {
  return `<dt>${t(key)}</dt><dd>${value}</dd>`;
}

function oneView(c) {
  const facts = [
    fact("conventions.col.kind", t(`conventions.kind.${c.kind}`)),
    fact("conventions.col.status", statusBadge(c.status)),
    fact("conventions.col.signed", `${partialDate(c.signature_on)}${c.signature_place ? ` · <bdi>${e(c.signature_place)}</bdi>` : ""}`),
    fact("conventions.start", partialDate(c.start_on)),
    fact("conventions.end", partialDate(c.end_on)),
    fact("conventions.col.territories", territoryNames(c.territories)),
  ];
  if (full) {
    const deliberation = c.deliberation_number || c.deliberation_on
      ? `${c.deliberation_number ? `<bdi dir="ltr">${e(c.deliberation_number)}</bdi> · ` : ""}${partialDate(c.deliberation_on)}`
      : unknown();
    facts.push(fact("conventions.deliberation", deliberation));
    const approval = c.approval_required ? partialDate(c.approval_on) : t("conventions.approval.not_required");
    facts.push(fact("conventions.approval", approval));
  }
  const sections = [
    `<section><h3>${t("conventions.parties")}</h3>${partiesTable(c)}</section>`,
  ];
  if (full) {
    sections.push(`<section><h3>${t("conventions.articles")}</h3>${articles(c)}</section>`);
    sections.push(`<section><h3>${t("conventions.amendments")}</h3>${amendments(c)}</section>`);
    sections.push(`<section><h3>${t("conventions.documents")}</h3>${documents(c)}</section>`);
    sections.push(`<section><h3>${t("conventions.deliverables")}</h3>${deliverablesView(c)}</section>`);
    sections.push(`<section><h3>${t("conventions.money")}</h3>${moneyView(c)}</section>`);
    if (committee) sections.push(`<section><h3>${t("conventions.committee")}</h3>${committeeView(c)}</section>`);
  } else if (c.figures) {
    sections.push(`<section><h3>${t("conventions.money")}</h3>${figuresView(c.figures)}</section>`);
  }
  const translated = lang() === "ar" && !c.title_ar ? `<p class="source">${t("conventions.french_only")}</p>` : "";
  return `<p><a href="/conventions?lang=${lang()}">${t("conventions.back")}</a></p>
    <h3 class="convention-title"><bdi>${e(title(c))}</bdi> <small class="code" dir="ltr">${e(c.reference)}</small></h3>${translated}
    <dl class="convention-facts">${facts.join("")}</dl>
    <section><h3>${t("conventions.object")}</h3><p class="convention-object" dir="auto">${object(c) ? e(object(c)) : unknown()}</p></section>
    ${sections.join("")}
    <section><h3>${t("conventions.report_choice")}</h3>${reportChoice(`/api/conventions/${c.id}/report`, reportYear)}</section>
    ${full && c.source ? `<section><h3>${t("conventions.source")}</h3><p class="convention-source source" dir="auto">${e(c.source)}</p></section>` : ""}
    ${full ? "" : `<p class="source">${t("conventions.scope.published")}</p>`}`;
}

function render() {
  if (partner) root.innerHTML = partnerView(partner, reportYear);
  else if (territory) root.innerHTML = territoryView(territory);
  else if (one) root.innerHTML = oneView(one);
  else if (list) root.innerHTML = listView();
}

/** One convention: in full where the grants reach it (with its deliverables, this
 * year's physical execution and its money, in one body), else its published summary. */
async function readOne(id) {
  if (full) {
    try {
      const year = new Date().getFullYear();
      const found = await getJSON(`/api/conventions/${enc(id)}/overview?period=${year}`);
      ({ deliverables, physical, financial: money } = found);
      return found.convention;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 403) throw error;
    }
  }
  full = false;
  return getJSON(`/api/conventions/published/${enc(id)}`);
}

/** The committee, for one who sits on it (its routes ask committee.sit). */
async function readCommittee(id) {
  if (!(await can("committee.sit"))) return;
  try {
    const [found, meetings, actions] = await Promise.all([
      getJSON(`/api/conventions/${enc(id)}/committee`),
      getJSON(`/api/conventions/${enc(id)}/meetings`),
      getJSON(`/api/conventions/${enc(id)}/actions`),
    ]);
    committee = { committee: found, meetings, actions };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
  }
}

/** The address's partner or territory, as the server checked it (a value the page would
 * not ask for is an error, never sent on). */
function asked(value, pattern) {
  if (value === null || value === undefined) return null;
  if (typeof value !== "string" || !pattern.test(value)) throw new Error(t("conventions.figures.bad_address"));
  return value;
}

async function load() {
  const partnerId = asked(config.partner, PARTNER);
  const code = asked(config.territory, CODE);
  if (partnerId) {
    partner = await readPartner(partnerId);
  } else if (code) {
    territory = await readTerritory(code);
  } else {
    await loadConventions();
  }
  render();
}

async function loadConventions() {
  full = await can("conventions.read");
  if (config.id) {
    one = await readOne(config.id);
    if (full) await readCommittee(one.id);
    await askPlaces(one.territories);
  } else {
    list = await getJSON(full ? "/api/conventions" : "/api/conventions/published");
    await askPlaces(list.flatMap((c) => c.territories));
  }
}

root.addEventListener("change", (event) => {
  const action = event.target.dataset.action;
  if (action === "report-year") reportYear = followYear(event.target);
  if (action !== "status") return;
  status = event.target.value;
  render();
});

// The spread rule's words come from the server in the page's language: asked again.
const switchLanguage = languageButtons(async () => {
  if (territory) territory = await readTerritory(territory.territory_code).catch(() => territory);
  render();
});
await switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
loading.hidden = false;
settle(load, { errorBox, loading });
