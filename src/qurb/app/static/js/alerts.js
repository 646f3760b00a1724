// The signed-in reader's alerts in the page shell: what the time-based jobs raised for the
// people concerned (`qurb jobs run`: silent facilities, and what later capabilities add),
// from GET /api/alerts. A button in the header says how many are unread; it opens the
// list (newest first, unread ones marked), each worded in the page's language from its
// catalogue key, with a link to where it can be acted on and a "mark read" button
// (POST /api/alerts/{id}/read: the reader's own mark).
import { enc, getJSON, send } from "./api.js";
import { date, escapeHtml, num, t } from "./i18n.js";

const SHOWN = 30; // the newest alerts listed; the API keeps up to 500

let alerts = [];
let box = null;

/** Where an alert is acted on: a silent province's reports for its data set and period. */
function linkOf(alert) {
  const values = alert.words_values ?? {};
  if (alert.kind === "watch_silent" && values.province) {
    return `/reports?t=${enc(values.province)}&d=${enc(values.dataset)}&p=${enc(values.period)}`;
  }
  if (alert.subject_kind === "convention") return `/conventions?id=${enc(alert.subject_id)}`;
  return null;
}

function words(alert) {
  const said = t(alert.words_key, alert.words_values);
  return said === alert.words_key ? alert.message : said;
}

function itemHTML(alert) {
  const link = linkOf(alert);
  const text = escapeHtml(words(alert));
  const read = alert.read_at
    ? ""
    : `<button type="button" data-read="${alert.id}">${t("alerts.mark_read")}</button>`;
  return `<li data-id="${alert.id}"${alert.read_at ? "" : ' class="unread"'}>
    <span class="alert-words">${link ? `<a href="${escapeHtml(link)}">${text}</a>` : text}</span>
    <time datetime="${escapeHtml(alert.raised_at)}">${date(alert.raised_at)}</time>${read}</li>`;
}

/** The alerts' button and list, drawn again in the page's language. */
export function renderAlerts() {
  if (!box) return;
  const unread = alerts.filter((a) => !a.read_at).length;
  const open = box.open;
  const list = alerts.slice(0, SHOWN).map(itemHTML).join("");
  box.innerHTML = `<summary aria-label="${escapeHtml(t("alerts.unread", { count: num(unread) }))}">${t("alerts.title")}${
    unread ? ` <span class="alerts-count">${num(unread)}</span>` : ""
  }</summary>
    <div class="alerts-list" role="region" aria-label="${escapeHtml(t("alerts.title"))}">${
      list ? `<ul>${list}</ul>` : `<p>${t("alerts.none")}</p>`
    }</div>`;
  box.open = open;
  box.dataset.unread = String(unread);
}

async function markRead(id) {
  const marked = await send("POST", `/api/alerts/${enc(id)}/read`);
  alerts = alerts.map((a) => (a.id === marked.id ? { ...a, read_at: marked.read_at } : a));
  renderAlerts();
}

/** Read the reader's alerts and put their box before `before` (the account's links). */
export async function showAlerts(container, before) {
  try {
    alerts = await getJSON("/api/alerts");
  } catch {
    return; // no alerts to show is no error of the page
  }
  if (!alerts.length) return; // nothing raised for this reader: the header stays as it is
  box = document.createElement("details");
  box.className = "alerts";
  box.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-read]");
    if (button) markRead(button.dataset.read).catch(() => {});
  });
  container.insertBefore(box, before);
  renderAlerts();
}
