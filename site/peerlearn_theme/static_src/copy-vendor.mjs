// Copies the browser bundles of npm dependencies the pages load into the theme's static files
// (../static/vendor/, built, not committed): the site serves them itself, never from a CDN.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const FILES = {
  // Chart.js's UMD build: sets window.Chart (also when loaded as a module script). Its source
  // map goes along: collectstatic's manifest storage follows the sourceMappingURL comment.
  "node_modules/chart.js/dist/chart.umd.min.js": "../static/vendor/chart.umd.min.js",
  "node_modules/chart.js/dist/chart.umd.min.js.map": "../static/vendor/chart.umd.min.js.map",
};

for (const [from, to] of Object.entries(FILES)) {
  const target = resolve(here, to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(resolve(here, from), target);
}
