// @ts-check
/**
 * Marks the console's navigation link of the section the page belongs to
 * (aria-current="page"), so that the staff member, and a screen reader,
 * can tell where they are: the link whose path is the longest that starts
 * the page's, segment by segment. An appeal is read from the reviews list.
 */
const nav = document.querySelector('nav.account');
if (nav) {
  const path = location.pathname.replace(/^\/agent\/appeals(\/|$)/, '/agent/reviews/');
  /** @type {HTMLAnchorElement | null} */
  let best = null;
  for (const a of /** @type {NodeListOf<HTMLAnchorElement>} */ (nav.querySelectorAll('a[href^="/"]'))) {
    const href = a.getAttribute('href') ?? '';
    if ((path === href || path.startsWith(href + '/')) && href.length > (best?.getAttribute('href')?.length ?? 0)) best = a;
  }
  best?.setAttribute('aria-current', 'page');
}
