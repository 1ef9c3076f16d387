// @ts-check
/**
 * The words the page's scripts show, in the page's language. The server
 * writes them into the page as a JSON data block (id "page-text", see
 * layout.html): data, not code, so the Content-Security-Policy allows it.
 */

const block = document.getElementById('page-text');
/** @type {Record<string, string | Record<string, string>>} */
const text = block ? JSON.parse(block.textContent || '{}') : {};
const plural = new Intl.PluralRules(document.documentElement.lang || 'en');

/**
 * A text by key, its {name} placeholders filled from args. A missing key
 * shows as itself, so a gap is visible rather than silent.
 * @param {string} key
 * @param {Record<string, string | number>} [args]
 */
export function t(key, args = {}) {
  const v = text[key];
  return fill(typeof v === 'string' ? v : v?.other ?? key, args);
}

/**
 * A text with plural forms, chosen for count by the page language's rules;
 * {count} is filled too.
 * @param {string} key
 * @param {number} count
 * @param {Record<string, string | number>} [args]
 */
export function tn(key, count, args = {}) {
  const v = text[key];
  const s = typeof v === 'string' ? v : v?.[plural.select(count)] ?? v?.other ?? key;
  return fill(s, { count, ...args });
}

/**
 * @param {string} s
 * @param {Record<string, string | number>} args
 */
function fill(s, args) {
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in args ? String(args[name]) : m));
}
