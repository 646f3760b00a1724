// A refused request as the page shows it: the server's message (in the page's language)
// and each of its problems named by row and field, so that a file with bad rows lists
// every one of them (the siting fold's candidate file, the scenarios' pages).
import { ApiError } from "./api.js";
import { escapeHtml, lang, t } from "./i18n.js";

const e = escapeHtml;

export function problemsHTML(error) {
  const detail = error instanceof ApiError ? error.detail : [];
  const items = detail
    .map((d) => {
      const where = [d.row != null ? t("siting.row", { row: d.row }) : "", d.field ? `<code>${e(d.field)}</code>` : ""]
        .filter(Boolean)
        .join(" · ");
      return `<li data-row="${e(d.row ?? "")}" data-field="${e(d.field ?? "")}">${where}${where ? " : " : ""}${e(d.reason)}</li>`;
    })
    .join("");
  // The server's message lists the problems too, a line each: its first line heads the list.
  const message = items ? String(error.message).split("\n")[0] : error.message;
  return `<div class="errors" role="alert"><p class="message">${e(message)}</p>${items ? `<ul>${items}</ul>` : ""}</div>`;
}

// A page's loading: `work` runs; if it is refused, its problems fill the error box; either
// way the loading line goes and the page says it is ready, in its language (the browser
// tests wait for that).
export async function settle(work, { errorBox, loading }) {
  try {
    await work();
  } catch (error) {
    errorBox.hidden = false;
    errorBox.innerHTML = problemsHTML(error);
  } finally {
    loading.hidden = true;
    document.body.dataset.ready = lang();
  }
}
