// @ts-check
/** Small pieces both the portal and the console use. */

import { t, tn } from './text.js';

/** @typedef {import('./signal.js').Signal} Signal */

/**
 * The chat beside the video: for the hard of hearing, or when audio breaks.
 * Nothing typed here is stored.
 * @param {Signal} signal
 * @param {HTMLElement} root
 */
export function setUpChat(signal, root) {
  const log = /** @type {HTMLElement} */ (root.querySelector('#chat-log'));
  const form = /** @type {HTMLFormElement} */ (root.querySelector('#chat-form'));
  const input = /** @type {HTMLInputElement} */ (root.querySelector('#chat-input'));
  /** @param {string} who @param {string} text */
  const add = (who, text) => {
    const li = document.createElement('li');
    const strong = document.createElement('strong');
    strong.textContent = `${who}: `;
    li.append(strong, text);
    log.append(li);
    log.scrollTop = log.scrollHeight;
  };
  // The server relays only the other side's messages; one's own are shown on sending.
  signal.on('chat', (m) => add(label(m.from), m.text));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (signal.send('chat', { text })) {
      add(t('js.chat.you'), text);
      input.value = '';
    } else {
      add(t('js.chat.note'), t('js.chat.not_sent'));
    }
  });
}

/** @param {string} role */
function label(role) {
  return role === 'agent' ? t('js.chat.verifier') : t('js.chat.freelancer');
}

/**
 * Shows minutes and seconds since a start time.
 * @param {HTMLElement} el
 * @param {Date} start
 */
export function startTimer(el, start) {
  const tick = () => {
    const s = Math.max(0, Math.floor((Date.now() - start.getTime()) / 1000));
    el.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  tick();
  setInterval(tick, 1000);
}

/**
 * An honest wait in words; no number when there is none to give.
 * @param {number | null | undefined} seconds
 */
export function describeWait(seconds) {
  if (seconds == null) return t('js.wait.unknown');
  if (seconds < 60) return t('js.wait.under_a_minute');
  return tn('js.wait.minutes', Math.round(seconds / 60));
}

/**
 * A button that turns tracks off and on. tracks may be a function, read at
 * each press, for a page whose media is opened again (a call rejoined).
 * @param {string} id
 * @param {MediaStreamTrack[] | (() => MediaStreamTrack[])} tracks
 * @param {string} onLabel
 * @param {string} offLabel
 * @returns {() => void} what enables the button again when tracks
 *   come later (media opened after the controls were wired)
 */
export function toggle(id, tracks, onLabel, offLabel) {
  const button = /** @type {HTMLButtonElement} */ (document.getElementById(id));
  if (!button) return () => {};
  const current = typeof tracks === 'function' ? tracks : () => tracks;
  const refresh = () => { button.disabled = current().length === 0; };
  refresh();
  button.addEventListener('click', () => {
    const off = button.getAttribute('aria-pressed') !== 'true';
    current().forEach((t) => { t.enabled = !off; });
    button.setAttribute('aria-pressed', String(off));
    button.textContent = off ? offLabel : onLabel;
  });
  return refresh;
}

/**
 * Puts the video element a call started with, before its page was in place,
 * where the page's own element (placeholder) is, with its attributes.
 * @param {HTMLVideoElement} video
 * @param {HTMLVideoElement} placeholder
 * @returns {HTMLVideoElement} video
 */
export function putVideoInPlace(video, placeholder) {
  for (const a of placeholder.attributes) video.setAttribute(a.name, a.value);
  placeholder.replaceWith(video);
  return video;
}
