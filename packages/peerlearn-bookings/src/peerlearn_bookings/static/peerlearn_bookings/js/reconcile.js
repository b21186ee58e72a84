// Keyed list rendering for the bookings tabs: make a container's cards match a list of API objects
// in order, keeping every card whose object did not change (its data-sig) and building the rest.

/**
 * `key`: the dataset name holding an item's id on its card ("sessionCard" → data-session-card).
 * `build(item)` makes a card; reconcile stamps its data-sig. Returns {added, replaced} (new cards).
 */
export function reconcile(container, items, { key, build, sig = JSON.stringify }) {
  const attr = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const existing = new Map(
    Array.from(container.querySelectorAll(`:scope > [data-${attr}]`)).map((el) => [Number(el.dataset[key]), el])
  );
  const added = [];
  const replaced = [];
  items.forEach((item, index) => {
    let el = existing.get(item.id);
    existing.delete(item.id);
    const signature = sig(item);
    if (!el || el.dataset.sig !== signature) {
      const fresh = build(item);
      fresh.dataset[key] = String(item.id);
      fresh.dataset.sig = signature;
      if (el) {
        el.replaceWith(fresh);
        replaced.push(fresh);
      } else {
        added.push(fresh);
      }
      el = fresh;
    }
    if (container.children[index] !== el) container.insertBefore(el, container.children[index] || null);
  });
  existing.forEach((el) => el.remove());
  return { added, replaced };
}
