// @ts-check
/**
 * "Use a digital ID" on the portal: asks the freelancer's wallet for their
 * legal name, on this device through the browser's Digital Credentials API,
 * or on another device through a QR code, and says how it ended. The
 * requests and answers are described in docs/CREDENTIALS.md.
 */
import { t } from './text.js';

/**
 * How an attempt ended, as GET /v/{token}/credential/{attempt} and the
 * answer's POST say it: result is "" while waiting, then verified, mismatch
 * or refused; message is in the freelancer's language.
 * @typedef {{attempt: string, result: string, reason?: string, message?: string, status: string}} Outcome
 */

/** Polling of a request answered on another device: first wait, growth, cap, and when to give up. */
const POLL_FIRST_MS = 1000;
const POLL_GROWTH = 1.5;
const POLL_MAX_MS = 8000;
const POLL_FOR_MS = 10 * 60 * 1000; // a request may be answered for 10 minutes

const box = /** @type {HTMLElement | null} */ (document.getElementById('digital-id'));
if (box && document.getElementById('credential-same')) setUp(box);

/**
 * Whether this browser can ask a wallet on this device: the Digital
 * Credentials API (DigitalCredential, and navigator.credentials.get).
 */
function supported() {
  return 'DigitalCredential' in window && typeof navigator.credentials?.get === 'function';
}

/** @param {HTMLElement} box */
function setUp(box) {
  const base = box.dataset.base ?? '';
  const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const same = /** @type {HTMLButtonElement} */ (el('credential-same'));
  const other = /** @type {HTMLButtonElement} */ (el('credential-other'));
  const again = /** @type {HTMLButtonElement} */ (el('credential-again'));
  const start = el('credential-start');
  const cross = el('credential-cross');
  const qr = /** @type {HTMLImageElement} */ (el('credential-qr'));
  const link = /** @type {HTMLAnchorElement} */ (el('credential-link'));
  const result = el('credential-result');
  const next = el('credential-next');
  const done = el('credential-done');
  /** Each attempt has a number; a later one stops the polling of the earlier. */
  let current = 0;

  /** @param {boolean} busy */
  const busy = (busy) => { same.disabled = busy; other.disabled = busy; };
  /** @param {string} text */
  const say = (text) => { result.textContent = text; };
  /** Shows what to do after a refusal: try again, or use the call. */
  const offerNext = () => { busy(false); next.hidden = false; };

  /** @param {Outcome} o */
  const ended = (o) => {
    cross.hidden = true;
    say(o.message ?? '');
    result.dataset.result = o.result;
    if (o.result === 'verified') {
      // The legal name is confirmed: nothing more to ask of the wallet.
      start.hidden = true;
      next.hidden = true;
      done.hidden = false;
      return;
    }
    offerNext();
  };

  /** @param {unknown} err */
  const failed = (err) => {
    cross.hidden = true;
    say(err instanceof Refused ? err.message : t('js.credential.failed'));
    offerNext();
  };

  same.addEventListener('click', () => {
    const n = ++current;
    reset();
    if (!supported()) {
      say(t('js.credential.unsupported'));
      other.focus();
      return;
    }
    busy(true);
    askHere(base, () => say(t('js.credential.asking')))
      .then((o) => { if (n === current) ended(o); })
      .catch((err) => { if (n === current) failed(err); });
  });

  other.addEventListener('click', () => {
    const n = ++current;
    reset();
    busy(true);
    begin(base, 'cross_device')
      .then((a) => {
        qr.src = a.qr ?? '';
        link.href = a.wallet_link ?? '';
        link.textContent = a.wallet_link ?? '';
        cross.hidden = false;
        busy(false);
        return waitForWallet(base, a.attempt, () => n === current);
      })
      .then((o) => { if (o && n === current) ended(o); })
      .catch((err) => { if (n === current) failed(err); });
  });

  again.addEventListener('click', () => {
    current++;
    reset();
    same.focus();
  });

  function reset() {
    cross.hidden = true;
    next.hidden = true;
    say('');
    delete result.dataset.result;
  }
}

/** A refusal the server worded for the freelancer. */
class Refused extends Error {}

/**
 * Starts an attempt: POST /v/{token}/credential.
 * @param {string} base
 * @param {'dc_api' | 'cross_device'} transport
 * @returns {Promise<{attempt: string, protocol?: string, request?: string, wallet_link?: string, qr?: string}>}
 */
async function begin(base, transport) {
  const res = await fetch(`${base}/credential`, {
    method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' },
    body: new URLSearchParams({ transport }),
  });
  const body = await res.json();
  if (!res.ok) throw new Refused(body?.error?.message || t('js.credential.failed'));
  return body;
}

/**
 * Asks a wallet on this device through the Digital Credentials API, on the
 * press that called it, and posts what the browser returns to attest. A
 * wallet that declines or fails is told to attest too, which records it
 * and words it.
 * @param {string} base
 * @param {() => void} asking called once the request is on its way to the wallet
 * @returns {Promise<Outcome>}
 */
async function askHere(base, asking) {
  const a = await begin(base, 'dc_api');
  const protocol = a.protocol ?? '';
  asking();
  /** @type {{protocol: string, data: unknown}} */
  let answer;
  try {
    const got = /** @type {any} */ (await navigator.credentials.get(/** @type {any} */ ({
      mediation: 'required',
      digital: { requests: [{ protocol, data: { request: a.request } }] },
    })));
    if (!got || got.data == null) throw new DOMException('no credential returned', 'NotAllowedError');
    answer = { protocol: got.protocol || protocol, data: typeof got.data === 'string' ? JSON.parse(got.data) : got.data };
  } catch (err) {
    const name = err instanceof DOMException ? err.name : 'UnknownError';
    answer = { protocol, data: { error: name } };
  }
  const res = await fetch(`${base}/credential/${encodeURIComponent(a.attempt)}/response`, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(answer),
  });
  const body = await res.json();
  if (!res.ok) throw new Refused(body?.error?.message || t('js.credential.failed'));
  return body;
}

/**
 * Waits for the wallet on another device to answer: polls the attempt,
 * less often as time goes by, until it ends, expires, or is no longer the
 * page's (live() false). Resolves with the outcome, or null when dropped.
 * @param {string} base
 * @param {string} attempt
 * @param {() => boolean} live
 * @returns {Promise<Outcome | null>}
 */
async function waitForWallet(base, attempt, live) {
  const until = Date.now() + POLL_FOR_MS;
  let wait = POLL_FIRST_MS;
  while (live()) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    if (!live()) return null;
    if (Date.now() > until) throw new Refused(t('js.credential.expired'));
    wait = Math.min(wait * POLL_GROWTH, POLL_MAX_MS);
    let res;
    try {
      res = await fetch(`${base}/credential/${encodeURIComponent(attempt)}`, {
        credentials: 'same-origin', headers: { Accept: 'application/json' },
      });
    } catch {
      continue; // the network blinked: ask again later
    }
    if (res.status >= 500) continue;
    const o = /** @type {Outcome} */ (await res.json());
    if (!res.ok) throw new Refused(/** @type {any} */ (o)?.error?.message || t('js.credential.failed'));
    if (o.result) return o;
  }
  return null;
}
