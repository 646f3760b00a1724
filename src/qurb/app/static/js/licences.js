// The data licences page: headings and summary in French, Arabic or English; the reference
// text below them (DATA_LICENSES.md, rendered by the server) stays as written.
import { initialLang, setLang } from "./i18n.js";

async function switchLanguage(next) {
  await setLang(next);
  for (const button of document.querySelectorAll("[data-lang]"))
    button.setAttribute("aria-pressed", String(button.dataset.lang === next));
  document.body.dataset.ready = next;
}

for (const button of document.querySelectorAll("[data-lang]")) {
  button.addEventListener("click", () => switchLanguage(button.dataset.lang));
}

switchLanguage(initialLang());
