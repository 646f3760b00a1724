// The data licences page: headings and summary in French, Arabic or English; the reference
// text below them (DATA_LICENSES.md, rendered by the server) stays as written.
import { initialLang } from "./i18n.js";
import { languageButtons } from "./shell.js";

const switchLanguage = languageButtons((next) => {
  document.body.dataset.ready = next;
});

switchLanguage(initialLang());
