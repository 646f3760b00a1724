// The shared resources' page, for a resource's manager: the bookings awaiting approval
// (approved, or refused with a reason), today's bookings to check in, a downtime (from,
// to, why: the bookings it displaced listed) and the quotas; for anyone whose grants
// reach the resource, its month's utilisation against capacity, each partner's booked
// slots against its quota (a bar chart) and the monthly reconciliation per partner.
import { ApiError, enc, getJSON, send } from "./api.js";
import { escapeHtml, num, pct, t } from "./i18n.js";
import { fromLocal, localDay, partnerName, quotaChart, when } from "./sharing_parts.js";

const e = escapeHtml;
let lastDowntime = null; // the downtime just put, with the bookings it displaced

export async function readManaged(page) {
  const id = page.resource.id;
  const [bookings, quotas] = await Promise.all([getJSON(`/api/sharing/resources/${id}/bookings`), getJSON(`/api/sharing/resources/${id}/quotas`)]);
  return { bookings, quotas };
}

/** The month's figures, or null when the reader's grants do not reach the resource. */
export async function readMonth(page, month) {
  const chosen = month || page.week.today.slice(0, 7);
  const id = page.resource.id;
  try {
    const [use, lines] = await Promise.all([
      getJSON(`/api/sharing/resources/${id}/utilisation?month=${enc(chosen)}`),
      getJSON(`/api/sharing/resources/${id}/reconciliation?month=${enc(chosen)}`),
    ]);
    return { month: chosen, use, lines };
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return null;
    throw error;
  }
}

function bookingRow(b, actions) {
  return `<tr data-booking="${b.id}"><th scope="row">${when(b.start)}</th><td data-label="${t("sharing.col.partner")}">${partnerName(b.partner_id)}</td>
    <td data-label="${t("sharing.col.referral")}">${b.referral_id ?? ""}</td><td data-label="${t("sharing.col.note")}"><bdi>${e(b.note ?? "")}</bdi></td><td>${actions}</td></tr>`;
}

function bookingTable(list, cls, actions) {
  if (!list.length) return `<p class="sharing-none">${t("sharing.manage.none")}</p>`;
  const heads = ["when", "partner", "referral", "note", "actions"].map((k) => `<th scope="col">${t(`sharing.col.${k}`)}</th>`).join("");
  return `<div class="table-scroll"><table class="${cls} cards"><thead><tr>${heads}</tr></thead><tbody>${list.map((b) => bookingRow(b, actions(b))).join("")}</tbody></table></div>`;
}

function pending(bookings) {
  const list = bookings.filter((b) => b.status === "requested");
  return bookingTable(
    list,
    "sharing-pending",
    (b) => `<button type="button" data-manage="approve" data-booking="${b.id}">${t("sharing.manage.approve")}</button>
      <label class="inline">${t("sharing.manage.reason")} <input name="reason" maxlength="2000" data-reason="${b.id}"></label>
      <button type="button" data-manage="refuse" data-booking="${b.id}">${t("sharing.manage.refuse")}</button>`,
  );
}

function today(bookings, day) {
  const list = bookings.filter((b) => b.status === "confirmed" && localDay(b.start) === day);
  return bookingTable(list, "sharing-today", (b) => `<button type="button" data-manage="check-in" data-booking="${b.id}">${t("sharing.manage.check_in")}</button>`);
}

function downtimeResult() {
  if (!lastDowntime) return "";
  const d = lastDowntime.made;
  const items = lastDowntime.displaced.map((b) => `<li data-booking="${b.id}">${when(b.start)} · ${partnerName(b.partner_id)}</li>`).join("");
  return `<div class="sharing-downtime-result" role="status"><p>${t("sharing.downtime.done", { closed: num(d.slots_closed), displaced: num(d.bookings_displaced) })}</p>
    ${items ? `<p>${t("sharing.downtime.displaced")}</p><ul class="sharing-displaced">${items}</ul>` : ""}</div>`;
}

function quotasTable(quotas) {
  if (!quotas.length) return `<p class="sharing-none">${t("sharing.quotas.none")}</p>`;
  const rows = quotas
    .map(
      (q) => `<tr><th scope="row">${partnerName(q.partner_id)}</th><td data-label="${t("sharing.col.amount")}">${num(q.amount)} ${t(`sharing.unit.${q.unit}`)}</td>
        <td data-label="${t("sharing.col.slots")}">${num(q.slots)}</td><td data-label="${t("sharing.col.release")}">${t("sharing.quotas.release", { days: num(q.release_days) })}</td>
        <td data-label="${t("sharing.col.valid")}" dir="ltr">${e(q.valid_from ?? "…")} – ${e(q.valid_to ?? "…")}</td></tr>`,
    )
    .join("");
  const heads = ["partner", "amount", "slots", "release", "valid"].map((k) => `<th scope="col">${t(`sharing.col.${k}`)}</th>`).join("");
  return `<div class="table-scroll"><table class="sharing-quotas cards"><thead><tr>${heads}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function managePanel(page) {
  const m = page.managed;
  return `<section class="sharing-manage"><h3>${t("sharing.manage.title")}</h3>
    <h4>${t("sharing.manage.pending")}</h4><div class="form-errors manage-errors"></div>${pending(m.bookings)}
    <h4>${t("sharing.manage.today")}</h4>${today(m.bookings, page.week.today)}
    <h4>${t("sharing.downtime.title")}</h4>
    <form class="sharing-downtime" data-manage-form="downtime"><p class="source">${t("sharing.week.local")}</p>
      <label>${t("sharing.downtime.from")} <input name="from" type="datetime-local" required></label>
      <label>${t("sharing.downtime.to")} <input name="to" type="datetime-local"></label>
      <label>${t("sharing.downtime.reason")} <input name="reason" required maxlength="2000"></label>
      <div class="form-errors"></div><p><button type="submit">${t("sharing.downtime.send")}</button></p></form>
    ${downtimeResult()}
    <h4>${t("sharing.quotas.title")}</h4>${quotasTable(m.quotas)}</section>`;
}

function useTable(u) {
  const cells = ["open", "booked", "used", "no_shows", "closed"].map((k) => `<td data-label="${t(`sharing.use.${k}`)}">${num(u[k])}</td>`).join("");
  const heads = ["open", "booked", "used", "no_shows", "closed", "share"].map((k) => `<th scope="col">${t(`sharing.use.${k}`)}</th>`).join("");
  return `<div class="table-scroll"><table class="sharing-use cards"><thead><tr>${heads}</tr></thead>
    <tbody><tr>${cells}<td data-label="${t("sharing.use.share")}">${u.share === null ? t("unknown") : pct(u.share * 100)}</td></tr></tbody></table></div>`;
}

function linesTable(lines) {
  if (!lines.length) return `<p class="sharing-none">${t("sharing.month.none")}</p>`;
  const keys = ["quota", "booked", "used", "no_shows", "cancelled", "released", "from_pool"];
  const rows = lines
    .map(
      (l) => `<tr><th scope="row">${partnerName(l.partner_id)}</th>${keys
        .map((k) => `<td data-label="${t(`sharing.line.${k}`)}">${l[k] === null ? t("sharing.no_quota") : num(l[k])}</td>`)
        .join("")}<td data-label="${t("sharing.line.share")}">${l.share_of_quota === null ? t("unknown") : pct(l.share_of_quota * 100)}</td></tr>`,
    )
    .join("");
  const heads = ["partner", ...keys, "share"].map((k) => `<th scope="col">${t(k === "partner" ? "sharing.col.partner" : `sharing.line.${k}`)}</th>`).join("");
  return `<div class="table-scroll"><table class="sharing-lines cards"><thead><tr>${heads}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function monthPanel(page) {
  const m = page.month;
  return `<section class="sharing-month"><h3>${t("sharing.month.title")}</h3>
    <form class="sharing-filter" data-manage-form="month"><label>${t("sharing.month.choose")} <input name="month" type="month" required value="${e(m.month)}"></label>
      <button type="submit">${t("sharing.month.show")}</button></form>
    <p class="source">${t("sharing.month.intro")}</p>${useTable(m.use)}${quotaChart(m.lines)}
    <h4>${t("sharing.month.reconciliation")}</h4>${linesTable(m.lines)}</section>`;
}

/** The manager's and the month's clicks and forms, on the page's root. `act` is the
 * page's write (its refusal shown, the page read again). */
export function wireManage(root, { act, refreshMonth }) {
  const box = () => root.querySelector(".manage-errors");
  root.addEventListener("click", (event) => {
    const el = event.target.closest("[data-manage]");
    if (!el) return;
    const id = el.dataset.booking;
    const what = el.dataset.manage;
    if (what === "approve") act(() => send("POST", `/api/sharing/bookings/${id}/approve`, {}), box(), "sharing.manage.approved");
    if (what === "check-in") act(() => send("POST", `/api/sharing/bookings/${id}/check-in`, {}), box(), "sharing.manage.checked_in");
    if (what === "refuse") {
      const reason = root.querySelector(`[data-reason="${id}"]`)?.value ?? "";
      act(() => send("POST", `/api/sharing/bookings/${id}/refuse`, { reason }), box(), "sharing.manage.refused");
    }
  });
  root.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-manage-form]");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.manageForm === "month") refreshMonth(form.elements.month.value);
    else downtime(form, act);
  });
}

async function downtime(form, act) {
  const resource = new URLSearchParams(location.search).get("resource");
  const start = fromLocal(form.elements.from.value);
  const end = form.elements.to.value ? fromLocal(form.elements.to.value) : null;
  const body = { start, end, reason: form.elements.reason.value.trim() };
  await act(
    async () => {
      const made = await send("POST", `/api/sharing/resources/${enc(resource)}/downtime`, body);
      const all = await getJSON(`/api/sharing/resources/${enc(resource)}/bookings`);
      const displaced = all.filter((b) => b.status === "displaced" && b.start >= made.start && (!made.end || b.start < made.end));
      lastDowntime = { made, displaced };
    },
    form.querySelector(".form-errors"),
    "sharing.downtime.saved",
  );
}
