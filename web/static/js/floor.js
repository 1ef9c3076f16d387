// @ts-check
/** The live floor: refreshes its figures every few seconds. */

const REFRESH_MS = 5000;

const root = /** @type {HTMLElement | null} */ (document.getElementById('floor'));
if (root) {
  const src = root.dataset.src ?? '/admin/floor.json';
  const refresh = async () => {
    try {
      const res = await fetch(src, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (!res.ok) return; // signed out or a hiccup: keep the last figures
      /** @type {Record<string, string>} */
      const figures = await res.json();
      for (const el of root.querySelectorAll('[data-figure]')) {
        const value = figures[/** @type {HTMLElement} */ (el).dataset.figure ?? ''];
        if (value !== undefined && el.textContent !== value) el.textContent = value;
      }
    } catch {
      // offline for a moment: the next refresh tries again
    }
  };
  setInterval(refresh, REFRESH_MS);
}
