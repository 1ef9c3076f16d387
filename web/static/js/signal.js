// @ts-check
/**
 * The signaling connection: a WebSocket to attest that reconnects by itself
 * with back-off, and re-announces the same page session so that a blip (or
 * a server restart) does not end a call whose media is flowing.
 * Messages are documented in docs/SIGNALING.md.
 */

/** @typedef {{v: number, type: string, [key: string]: any}} Message */

/** A random id for this page load. */
function newSession() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Signal extends EventTarget {
  /** @param {string} path the WebSocket path, e.g. /v/TOKEN/ws or /agent/ws?presence=1 */
  constructor(path) {
    super();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = `${scheme}//${location.host}${path}`;
    this.session = newSession();
    this.backoff = 250;
    this.stopped = false;
    /** @type {WebSocket | null} */
    this.ws = null;
    /** Messages held back while the page moves (hold). @type {Message[] | null} */
    this.held = null;
    /** The types hold lets through. @type {string[]} */
    this.passing = [];
    this.connect();
  }

  connect() {
    const ws = new WebSocket(`${this.url}${this.url.includes('?') ? '&' : '?'}session=${this.session}`);
    ws.onopen = () => {
      this.backoff = 250;
      this.dispatchEvent(new Event('open'));
    };
    // The server closes a socket that says nothing for minutes: a page
    // left open pings it now and then (docs/SIGNALING.md).
    const ping = setInterval(() => this.send('ping'), 25000);
    ws.addEventListener('close', () => clearInterval(ping));
    ws.onmessage = (e) => {
      /** @type {Message} */
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      if (this.held && !this.passing.includes(m.type)) this.held.push(m);
      else this.dispatchEvent(new CustomEvent(m.type, { detail: m }));
    };
    ws.onclose = () => {
      if (ws !== this.ws) return; // a socket given up by renew
      this.dispatchEvent(new Event('close'));
      if (this.stopped) return;
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 4000);
    };
    this.ws = ws;
  }

  /**
   * Sends a message; false when not connected right now.
   * @param {string} type
   * @param {object} [fields]
   */
  send(type, fields = {}) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ v: 1, type, ...fields }));
    return true;
  }

  /**
   * Listens for one message type.
   * @param {string} type
   * @param {(m: Message) => void} fn
   */
  on(type, fn) {
    this.addEventListener(type, (e) => fn(/** @type {CustomEvent} */ (e).detail));
  }

  /**
   * Holds back the messages that arrive from now on, but those of the types
   * passing, until release: a page moving into the call keeps its socket
   * while the call's view is put in place, and what the view shows (chat,
   * a challenge) waits for it to listen.
   * @param {string[]} [passing]
   */
  hold(passing = []) {
    this.held ??= [];
    this.passing = passing;
  }

  /** Hands on the messages held since hold, in order, and stops holding. */
  release() {
    const list = this.held ?? [];
    this.held = null;
    for (const m of list) this.dispatchEvent(new CustomEvent(m.type, { detail: m }));
  }

  stop() {
    this.stopped = true;
    this.ws?.close();
  }

  /**
   * Connects again as a new page session, after stop: the server and the
   * other side treat it as a page that joins afresh, with a new peer
   * connection. Listeners stay.
   */
  renew() {
    this.stop();
    this.stopped = false;
    this.session = newSession();
    this.backoff = 250;
    this.connect();
  }
}
