// The site's Content-Security-Policy refuses inline style attributes (style-src-attr 'none'): markup
// built in JS or templates carries data-css="width: 40%; height: 120px" instead, and this applies
// it through CSSOM (element.style), which the policy allows. Watches the whole document, so
// nodes added later (innerHTML, insertAdjacentHTML) and changed data-css values are styled too,
// in the same task, before the browser paints.

/** Apply one element's data-css declarations as inline styles. */
export function applyCss(el) {
  for (const declaration of (el.dataset.css || "").split(";")) {
    const colon = declaration.indexOf(":");
    if (colon > 0) el.style.setProperty(declaration.slice(0, colon).trim(), declaration.slice(colon + 1).trim());
  }
}

function applyWithin(node) {
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  if (node.hasAttribute("data-css")) applyCss(node);
  node.querySelectorAll("[data-css]").forEach(applyCss);
}

/** Style what is there now and everything added or changed later. */
export function watchInlineCss(root = document.documentElement) {
  applyWithin(root);
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === "attributes") applyCss(m.target);
      else m.addedNodes.forEach(applyWithin);
    }
  }).observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-css"] });
}
