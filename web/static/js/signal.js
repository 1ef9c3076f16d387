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
      this.dispatchEvent(new CustomEvent(m.type, { detail: m }));
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
