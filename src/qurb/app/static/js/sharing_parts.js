// The shared resources' page's parts: moments in the facilities' local time
// (Africa/Casablanca, whose offset changes around Ramadan), a resource's rules in words,
// and the month's bar chart of each partner's booked slots against its quota (SVG).
import { escapeHtml, locale, num, t } from "./i18n.js";

export const ZONE = "Africa/Casablanca";
const e = escapeHtml;
const wall = new Intl.DateTimeFormat("en-CA", {
  timeZone: ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function parts(ms) {
  return Object.fromEntries(wall.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
}

/** The local day (YYYY-MM-DD) and time of day (HH:MM) of a moment. */
export function localDay(iso) {
  const p = parts(Date.parse(iso));
  return `${p.year}-${p.month}-${p.day}`;
}
export function localTime(iso) {
  const p = parts(Date.parse(iso));
  return `${p.hour}:${p.minute}`;
}

/** A local wall-clock time "YYYY-MM-DDTHH:MM" as a UTC moment (ISO 8601): the zone's
 * offset found by formatting a guess back (twice: the second guess is the answer). */
export function fromLocal(text) {
  const [day, time] = text.split("T");
  const [y, m, d] = day.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const naive = Date.UTC(y, m - 1, d, h, mi);
  let guess = naive;
  for (let i = 0; i < 2; i += 1) {
    const p = parts(guess);
    guess -= Date.UTC(+p.year, p.month - 1, +p.day, +p.hour, +p.minute) - naive;
  }
  return new Date(guess).toISOString();
}

/** A day "YYYY-MM-DD" moved by `days`. */
export function addDays(day, days) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** A moment for people, in the page's language and the local time. */
export function when(iso) {
  if (!iso) return t("unknown");
  return new Intl.DateTimeFormat(locale(), { timeZone: ZONE, dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** A day "YYYY-MM-DD" for a column's head: its weekday and date. */
export function dayHead(day, style = { weekday: "short", day: "numeric", month: "short" }) {
  const [y, m, d] = day.split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { timeZone: "UTC", ...style }).format(Date.UTC(y, m - 1, d));
}

/** A resource's booking rules in a line. */
export function rulesLine(r) {
  const line = t("sharing.rules", {
    slot: num(r.slot_minutes),
    buffer: num(r.buffer_minutes),
    min: num(r.min_notice_hours),
    max: num(r.max_notice_days),
  });
  return r.approval_required ? `${line} · ${t("sharing.rules.approval")}` : line;
}

export const partnerName = (id) => (id ? `<bdi dir="ltr">${e(id)}</bdi>` : t("sharing.pool"));

/** Each partner's slots booked this month against its quota, as horizontal bars: the
 * booked slots filled, the quota an outlined box (none: no box). */
export function quotaChart(lines) {
  if (!lines.length) return "";
  const width = 360;
  const rowH = 22;
  const labelW = 120;
  const top = 6;
  const height = top + lines.length * rowH + 4;
  const max = Math.max(...lines.flatMap((l) => [l.booked, l.quota ?? 0]), 1);
  const scale = (v) => (v / max) * (width - labelW - 8);
  const rows = lines
    .map((l, i) => {
      const y = top + i * rowH;
      const name = l.partner_id ?? t("sharing.pool");
      const title = t("sharing.chart.line", { partner: name, booked: num(l.booked), quota: l.quota === null ? t("sharing.no_quota") : num(l.quota) });
      const quota = l.quota === null ? "" : `<rect class="quota" x="${labelW}" y="${y}" width="${scale(l.quota)}" height="${rowH - 6}"/>`;
      return `<g><title>${e(title)}</title><text class="partner" x="${labelW - 6}" y="${y + rowH - 10}" text-anchor="end">${e(name.slice(0, 18))}</text>
        ${quota}<rect class="booked" x="${labelW}" y="${y + 3}" width="${scale(l.booked)}" height="${rowH - 12}"/></g>`;
    })
    .join("");
  return `<svg class="quota-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${e(t("sharing.chart"))}" direction="ltr">${rows}</svg>
    <p class="chart-key"><span class="key booked"></span> ${t("sharing.chart.booked")} <span class="key quota"></span> ${t("sharing.chart.quota")}</p>`;
}
