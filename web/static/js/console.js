// @ts-check
/** The agent's console: the live floor, and the guided call. */
import { Signal } from './signal.js';
import { Call, mark } from './call.js';
import { setUpChat, startTimer, toggle, putVideoInPlace } from './ui.js';
import { t, tn } from './text.js';

/**
 * A live queue page moving into the call it took: the socket it holds and,
 * once the server's "call" message has come on it, the call (already
 * offering) and the devices being opened.
 * moved is set as the call's page takes over.
 * camera is the camera message the freelancer's page sent meanwhile.
 * @typedef {{signal: Signal, call: Call | null, devices: Promise<MediaStream>, moved: boolean, camera?: import('./signal.js').Message}} Joined
 */

const root = /** @type {HTMLElement | null} */ (document.getElementById('console'));
if (root?.dataset.state === 'idle') watchFloor(root);
if (root?.dataset.state === 'call') runCall(root);

/** Opens the agent's microphone, and camera when the call has the agent's video. @param {boolean} video */
function openDevices(video) {
  return navigator.mediaDevices.getUserMedia({ audio: true, video }).catch(() => new MediaStream());
}

/** How often the open verifications are read again when the queue has not changed. */
const OPEN_REFRESH_MS = 20000;
let openRead = Date.now();
let openFigures = '';

/**
 * Keeps the live queue page's open verifications current: read again
 * (GET /agent/open, the list alone, put in place of this one) when the
 * queue's figures change, and at least every OPEN_REFRESH_MS otherwise
 * (a status or a deadline can change without them), while the page is
 * seen. A list the keyboard is in is left as it is until focus leaves it.
 * @param {string} figures the queue's figures from the last "floor" message
 */
async function refreshOpen(figures) {
  const list = document.getElementById('open-list');
  const changed = figures !== openFigures;
  openFigures = figures;
  if (!list || document.hidden || (!changed && Date.now() - openRead < OPEN_REFRESH_MS)) return;
  if (list.contains(document.activeElement)) return;
  openRead = Date.now();
  try {
    const res = await fetch('/agent/open', { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!res.ok || res.redirected) return; // signed out meanwhile: the sign-in page is no list
    const next = new DOMParser().parseFromString(await res.text(), 'text/html').body;
    if (!list.contains(document.activeElement)) list.replaceChildren(...[...next.childNodes].map((n) => document.adoptNode(n)));
  } catch {
    // the next floor message tries again
  }
}

/**
 * The agent's side of a call. A live queue page makes one ahead (prepare),
 * from its welcome; a call's page from its welcome.
 * @param {Signal} signal
 * @param {import('./signal.js').Message} m a welcome, with its ICE servers
 * @param {boolean} camera whether the agent sends video
 * @param {HTMLVideoElement} remoteVideo
 */
function agentCall(signal, m, camera, remoteVideo) {
  return new Call({ signal, role: 'agent', iceServers: m.ice_servers, relayOnly: m.relay_only, local: new MediaStream(), remoteVideo,
    sends: camera ? ['audio', 'video'] : ['audio'] });
}

/**
 * Whether this page may use the microphone without asking (the agent allowed
 * it for the site): a browser that cannot tell says no.
 * @returns {Promise<boolean>}
 */
async function microphoneAllowed() {
  try {
    const status = await navigator.permissions.query({ name: /** @type {PermissionName} */ ('microphone') });
    return status.state === 'granted';
  } catch {
    return false;
  }
}

/**
 * How long an offer made ahead is used: its TURN allocation was made with
 * the welcome's credential, which the relay accepts for ten minutes
 * (relay.DefaultTTL); the live queue page reconnects this often for a
 * fresh one, and makes its offer anew.
 */
const PREPARED_MS = 4 * 60 * 1000;

/** The live queue page. @param {HTMLElement} root */
function watchFloor(root) {
  const signal = new Signal('/agent/ws');
  /** The take in progress: from the press on. @type {Joined | null} */
  let taking = null;
  // An online agent's page makes the first offer of its next call ahead,
  // so that taking a call does not wait for it (Call.prepare).
  const camera = root.dataset.agentCamera === 'true';
  /** @type {{call: Call, at: number} | null} */
  let ready = null;
  /** @param {import('./signal.js').Message} m */
  const prepare = async (m) => {
    if (root.dataset.agentStatus !== 'online' || taking || !window.RTCPeerConnection) return;
    // Only with the microphone allowed: before that, the browser hides the
    // connection's own addresses behind mDNS names (.local), which the
    // freelancer's browser may not resolve. Without it the offer is made at
    // the take, after the microphone has been asked for.
    if (!(await microphoneAllowed()) || taking) return;
    ready?.call.close();
    ready = { call: agentCall(signal, m, camera, document.createElement('video')), at: Date.now() };
    ready.call.prepare();
  };
  setInterval(() => {
    if (ready && !taking && Date.now() - ready.at > PREPARED_MS) signal.renew(); // its welcome prepares anew
  }, 30 * 1000);
  const set = (/** @type {string} */ id, /** @type {string} */ text) => {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  };
  signal.on('floor', (m) => {
    set('queue-count', String(m.floor.waiting));
    const w = m.floor.longest_wait_seconds;
    set('queue-longest', w < 60 ? t('js.console.under_a_minute') : tn('js.console.minutes', Math.floor(w / 60)));
    set('agents-online', String(m.floor.agents_online));
    refreshOpen(`${m.floor.waiting} ${m.floor.agents_online}`);
  });
  signal.on('welcome', (m) => {
    if (m.call && !taking) location.reload();
    else if (!m.call) prepare(m);
  });
  signal.on('call', (m) => {
    if (!taking) {
      location.reload(); // a booked call has started for this agent
      return;
    }
    if (taking.call || taking.moved) return; // the call's page starts it (runCall)
    // The call taken: this socket is seated in it, and the freelancer's
    // presence comes next. The call starts now, offering while its page is
    // still on the way; its video element goes into that page (runCall).
    mark('call-message');
    taking.devices = openDevices(m.call.agent_camera);
    // The call made ahead goes on if the take carried its offer (the
    // freelancer's page may hold it already), or while it is fresh.
    if (ready && (ready.call.withTake || (Date.now() - ready.at < PREPARED_MS && camera === m.call.agent_camera))) {
      taking.call = ready.call;
      taking.call.useServers(m.ice_servers);
    } else {
      ready?.call.close();
      taking.call = agentCall(signal, m, m.call.agent_camera, document.createElement('video'));
    }
    ready = null;
    taking.call.started = m;
    window.attest = { call: taking.call, signal };
  });
  // The freelancer's page may report its camera before the call's view is in place.
  signal.on('camera', (m) => { if (taking) taking.camera = m; });
  const form = /** @type {HTMLFormElement | null} */ (document.querySelector('form[action="/agent/take"]'));
  form?.addEventListener('submit', (e) => {
    // Without an open socket the form's own request goes, and a new page loads.
    if (taking || signal.ws?.readyState !== WebSocket.OPEN) return;
    e.preventDefault();
    /** @type {Joined} */
    const joined = { signal, call: null, devices: Promise.resolve(new MediaStream()), moved: false };
    taking = joined;
    // The first offer, made ahead, goes with the press (Call.takeOffer).
    const offer = ready && Date.now() - ready.at < PREPARED_MS ? ready.call.takeOffer() : null;
    takeInPlace(form, joined, offer).catch(() => location.assign('/agent'));
  });
}

/**
 * Takes the next freelancer without leaving the page: the server seats this
 * page's socket in the call and sends "call" on it, and the answer is the
 * call's page, which is put in place of this one. Nothing is loaded anew.
 * @param {HTMLFormElement} form
 * @param {Joined} taking
 * @param {string | null} offer the call's first offer, made ahead, for the server to hand the freelancer's page
 */
async function takeInPlace(form, taking, offer) {
  const body = new URLSearchParams({ session: taking.signal.session });
  if (offer) body.set('offer', offer);
  const res = await fetch(form.action, { method: 'POST', body });
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  const next = doc.getElementById('main');
  const root = next?.querySelector('#console');
  const here = document.getElementById('main');
  if (!res.ok || !next || !here || !(root instanceof HTMLElement) || root.dataset.state !== 'call') {
    taking.call?.hangUp();
    taking.devices.then((s) => s.getTracks().forEach((t) => t.stop()));
    location.assign(res.redirected ? res.url : '/agent'); // nobody waiting, or a problem: the page that says so
    return;
  }
  document.title = doc.title;
  const header = doc.querySelector('header.top');
  if (header) document.querySelector('header.top')?.replaceWith(document.adoptNode(header));
  here.replaceWith(document.adoptNode(next));
  taking.moved = true;
  runCall(root, taking);
  // Not seated (another node holds this socket): connect afresh, and the
  // welcome seats the new socket.
  if (new URL(res.url).searchParams.get('seated') !== taking.signal.session) taking.signal.renew();
}

/**
 * The guided call. A page loaded anew connects; a live queue page that
 * took the call (joined) carries on with its socket, its call and devices.
 * @param {HTMLElement} root
 * @param {Joined} [joined]
 */
async function runCall(root, joined) {
  mark('script');
  const id = root.dataset.verification;
  const status = /** @type {HTMLElement} */ (document.getElementById('call-status'));
  const quality = /** @type {HTMLElement} */ (document.getElementById('quality'));
  const remoteVideo = /** @type {HTMLVideoElement} */ (document.getElementById('remote-video'));
  // The agent's own picture, only where agents send video (serve --agent-camera).
  const localVideo = /** @type {HTMLVideoElement | null} */ (document.getElementById('local-video'));
  setUpScript(root, `/agent/calls/${id}`);
  setUpChallenges(root, `/agent/calls/${id}`);
  // The call starts at once; the microphone (and camera) open meanwhile,
  // and their tracks take the places the offer kept for them (setLocal).
  const wantVideo = root.dataset.agentCamera === 'true';
  let local = new MediaStream();
  (joined?.call ? joined.devices : openDevices(wantVideo)).then((stream) => {
    mark('devices-open');
    local = stream;
    if (localVideo) localVideo.srcObject = stream;
    window.attest?.call?.setLocal(stream);
    toggle('mute', () => local.getAudioTracks(), t('js.console.mute'), t('js.console.unmute'));
    toggle('camera', () => local.getVideoTracks(), t('js.console.camera_off'), t('js.console.camera_on'));
  });
  const signal = joined?.signal ?? new Signal('/agent/ws');
  signal.addEventListener('open', () => mark('socket-open'));
  setUpChat(signal, root);
  /** @param {Call} call */
  const wire = (call) => {
    startTimer(/** @type {HTMLElement} */ (document.getElementById('timer')), new Date(call.started.call.started_at));
    const peer = (/** @type {boolean} */ present) => {
      status.textContent = present ? t('js.console.peer_connected') : t('js.console.peer_gone');
    };
    if (call.peerSession) peer(true);
    call.addEventListener('peer', (e) => peer(/** @type {CustomEvent} */ (e).detail));
    call.addEventListener('quality', (e) => { quality.textContent = t(`js.console.quality.${/** @type {CustomEvent} */ (e).detail}`); });
    call.addEventListener('state', (e) => {
      const s = /** @type {CustomEvent} */ (e).detail;
      if (s === 'disconnected' || s === 'failed') quality.textContent = t('js.console.quality.reconnecting');
    });
  };
  /** Starts the call: on the welcome, or on the take's "call" message. @param {import('./signal.js').Message} m */
  const start = (m) => {
    mark('welcome');
    if (!m.call) { location.reload(); return; }
    if (window.attest?.call) return; // a reconnect: the call goes on
    const call = agentCall(signal, m, wantVideo, remoteVideo);
    call.started = m;
    window.attest = { call, signal };
    wire(call);
  };
  if (joined?.call) {
    // The call began on the live queue page: its video takes the place of this page's.
    putVideoInPlace(joined.call.remoteVideo, remoteVideo);
    wire(joined.call);
  }
  const hint = /** @type {HTMLElement} */ (document.getElementById('camera-hint'));
  showCameraHint(hint, joined?.camera?.virtual ?? '', joined?.camera?.injected ?? []);
  signal.on('camera', (m) => showCameraHint(hint, m.virtual ?? '', m.injected ?? []));
  setUpScreen(signal);
  signal.on('welcome', start);
  signal.on('call', start); // the take's, when it comes after the page moved
  signal.on('ended', () => location.reload());
  signal.on('replaced', () => { signal.stop(); status.textContent = t('js.console.replaced'); });
}

/**
 * The freelancer's shared screen, beside their video: shown while they
 * share, with a button to see it full size, and a status line that says
 * when it starts and stops. Nothing of it is recorded.
 * @param {Signal} signal
 */
function setUpScreen(signal) {
  const box = /** @type {HTMLElement} */ (document.getElementById('screen-box'));
  const video = /** @type {HTMLVideoElement} */ (document.getElementById('screen-video'));
  const actions = /** @type {HTMLElement} */ (document.getElementById('screen-actions'));
  const status = /** @type {HTMLElement} */ (document.getElementById('screen-status'));
  /** @param {boolean} sharing @param {string} said */
  const show = (sharing, said) => {
    if (box.hidden === !sharing) return;
    box.hidden = !sharing;
    actions.hidden = !sharing;
    status.textContent = said;
    const track = window.attest?.call?.screenTrack() ?? null;
    if (sharing && track) {
      if (!(video.srcObject instanceof MediaStream) || video.srcObject.getTracks()[0] !== track) video.srcObject = new MediaStream([track]);
      video.play().catch(() => {});
    }
    else if (document.fullscreenElement === video) document.exitFullscreen().catch(() => {});
  };
  signal.on('screen', (m) => show(m.sharing, m.sharing
    ? t('js.console.screen_shared')
    : t('js.console.screen_stopped')));
  signal.on('peer', (m) => { if (!m.present) show(false, t('js.console.screen_stopped')); });
  /** @type {HTMLButtonElement} */ (document.getElementById('screen-full')).addEventListener('click', () => {
    video.requestFullscreen().catch(() => {});
  });
}

/** What the agent reads for each sign that the camera track looks injected (call.InjectedSigns). */
/** @param {string} sign */
const injectedWord = (sign) => {
  const key = `js.console.injected.${sign}`;
  const said = t(key);
  return said === key ? sign : said;
};

/**
 * Points out a virtual camera, or a camera track that looks injected,
 * calmly: it decides nothing, and the live check applies as always. An
 * empty report (another camera, after their page reloaded) takes the hint
 * away.
 * @param {HTMLElement} hint
 * @param {string} virtual the virtual camera the freelancer's camera names, or ''
 * @param {string[]} injected the signs that their camera track looks injected
 */
function showCameraHint(hint, virtual, injected) {
  const said = [];
  if (virtual) said.push(t('js.console.virtual_camera', { camera: virtual }));
  if (injected.length) {
    said.push(t('js.console.injected', { signs: injected.map(injectedWord).join('; ') }));
  }
  hint.hidden = said.length === 0;
  hint.textContent = said.join(' ');
}

/**
 * Wires the script's steps, the claims' outcomes and the decision.
 * @param {HTMLElement} root
 * @param {string} base
 */
function setUpScript(root, base) {
  /** @type {Record<string, string>} */
  const script = JSON.parse(root.dataset.script || '{}');
  const post = (/** @type {string} */ path, /** @type {object} */ body) => fetch(base + path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const mark = (/** @type {string} */ step) => {
    root.querySelectorAll(`[data-script="${step}"]`).forEach((b) => {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-value') === script[step]));
    });
  };
  const missingBox = /** @type {HTMLElement} */ (root.querySelector('#missing'));
  const verified = /** @type {HTMLInputElement | null} */ (root.querySelector('input[name=decision][value=verified]'));
  /**
   * Shows what verified still needs, in the staff's words, and allows it
   * only when nothing is missing.
   * @param {string[]} needed
   */
  const showMissing = (needed) => {
    missingBox.replaceChildren();
    if (verified) verified.disabled = needed.length > 0;
    if (needed.length === 0) return;
    const p = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = needed.join(', ');
    p.append(t('js.console.needed_first'), ' ', strong);
    missingBox.append(p);
  };
  if (verified) verified.disabled = Number(missingBox.dataset.neededCount || '0') > 0;
  root.querySelectorAll('[data-script]').forEach((el) => {
    const b = /** @type {HTMLButtonElement} */ (el);
    const step = b.dataset.script ?? '';
    mark(step);
    b.addEventListener('click', async () => {
      const res = await post('/step', { step, result: b.dataset.value ?? '' });
      const body = await res.json();
      if (!res.ok) return showError(body.error.message);
      script[step] = b.dataset.value ?? '';
      mark(step);
      showMissing(body.needed);
    });
  });
  const claims = [...root.querySelectorAll('fieldset.claim')].map((fs) => setUpClaim(/** @type {HTMLElement} */ (fs), post, showMissing));
  const helper = /** @type {HTMLFormElement | null} */ (root.querySelector('#helper-form'));
  helper?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = /** @type {HTMLInputElement} */ (helper.querySelector('#helper-name')).value.trim();
    if (!name) return;
    script.helper_name = name;
    script.helper_role = /** @type {HTMLSelectElement} */ (helper.querySelector('#helper-role')).value;
    const res = await post('/script', script);
    /** @type {HTMLElement} */ (helper.querySelector('#helper-status')).textContent = res.ok ? t('js.console.helper_noted') : t('js.console.helper_not_saved');
  });
  const form = /** @type {HTMLFormElement} */ (root.querySelector('#decision-form'));
  // The claims to ask documents for matter only for "Needs documents".
  const documentsFor = /** @type {HTMLElement | null} */ (form.querySelector('#documents-for'));
  const showDocumentsFor = () => {
    if (documentsFor) documentsFor.hidden = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=decision]:checked'))?.value !== 'needs_documents';
  };
  form.querySelectorAll('input[name=decision]').forEach((el) => el.addEventListener('change', showDocumentsFor));
  showDocumentsFor();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const decision = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=decision]:checked'))?.value;
    if (!decision) return showError(t('js.console.choose_result'));
    // Every note typed is kept: a note not saved yet goes now, with its
    // claim's outcome, before the decision ends the call.
    for (const claim of claims) {
      const problem = await claim.flush();
      if (problem) return showError(problem);
    }
    showError('');
    const documentsFor = [...form.querySelectorAll('input[name=documents_for]:checked')]
      .map((el) => /** @type {HTMLInputElement} */ (el).value);
    const res = await post('/decision', {
      decision,
      reason_code: /** @type {HTMLSelectElement} */ (form.querySelector('#reason-code')).value,
      note: /** @type {HTMLTextAreaElement} */ (form.querySelector('#decision-note')).value,
      documents_for: decision === 'needs_documents' ? documentsFor : [],
    });
    if (!res.ok) return showError((await res.json()).error.message);
    location.reload();
  });
}

/**
 * Wires the live check's "Show to the freelancer" buttons: the server sends
 * the challenge to the freelancer's page, which holds none until then, and
 * the challenge's result buttons work from then on.
 * @param {HTMLElement} root
 * @param {string} base
 */
function setUpChallenges(root, base) {
  root.querySelectorAll('[data-show-challenge]').forEach((el) => {
    const b = /** @type {HTMLButtonElement} */ (el);
    const key = b.dataset.showChallenge ?? '';
    const status = /** @type {HTMLElement | null} */ (b.parentElement?.querySelector('[role=status]') ?? null);
    b.addEventListener('click', async () => {
      b.disabled = true;
      const res = await fetch(`${base}/challenges/${encodeURIComponent(key)}/show`, { method: 'POST' }).catch(() => null);
      b.disabled = false;
      const body = res ? await res.json().catch(() => ({})) : {};
      if (!res?.ok) {
        if (status) status.textContent = t('js.console.not_shown', { why: body.error?.message ?? t('js.console.connection_failed') });
        return;
      }
      b.setAttribute('aria-pressed', 'true');
      b.textContent = t('js.console.shown');
      // How it went is recorded only once it was on their page.
      b.closest('.challenge')?.querySelectorAll('[data-script]').forEach((s) => { /** @type {HTMLButtonElement} */ (s).disabled = false; });
      if (status) status.textContent = body.delivered ? t('js.console.on_their_page') : t('js.console.page_not_connected');
    });
  });
}

/**
 * Wires one claim: its outcome buttons and its note. The note goes with the
 * outcome chosen; a note typed or corrected after it is saved on its own
 * when the agent leaves the field. A note the server refuses (a protected
 * characteristic, say) is explained beside the claim, and the explanation
 * goes once a corrected note is saved.
 * @param {HTMLElement} fs
 * @param {(path: string, body: object) => Promise<Response>} post
 * @param {(needed: string[]) => void} showMissing
 * @returns {{ flush: () => Promise<string> }}
 */
function setUpClaim(fs, post, showMissing) {
  const key = fs.dataset.claim ?? '';
  const label = fs.dataset.label || key;
  const note = /** @type {HTMLInputElement} */ (fs.querySelector('.note'));
  const error = /** @type {HTMLElement} */ (fs.querySelector('.error'));
  const status = /** @type {HTMLElement} */ (fs.querySelector('.note-status'));
  const buttons = /** @type {HTMLButtonElement[]} */ ([...fs.querySelectorAll('button.outcome')]);
  let outcome = buttons.find((b) => b.getAttribute('aria-pressed') === 'true')?.dataset.outcome ?? '';
  let saved = note.value;
  /** Saves one after another, so that a later note never loses to an earlier one. */
  let queue = Promise.resolve(true);

  /** @param {string} text */
  const refuse = (text) => {
    error.textContent = text;
    note.setAttribute('aria-invalid', 'true');
    note.setAttribute('aria-describedby', `${error.id} ${status.id}`);
    status.textContent = '';
  };
  const clear = () => {
    error.textContent = '';
    note.removeAttribute('aria-invalid');
    note.setAttribute('aria-describedby', status.id);
  };
  /**
   * Records an outcome with the note as it reads now, unless both are
   * saved already.
   * @param {string} chosen
   * @returns {Promise<boolean>}
   */
  const save = async (chosen) => {
    const text = note.value;
    if (chosen === outcome && text === saved && !error.textContent) return true;
    const res = await post('/outcome', { claim: key, outcome: chosen, note: text }).catch(() => null);
    const body = res ? await res.json().catch(() => ({})) : {};
    if (!res?.ok) {
      refuse(body.error?.message ?? t('js.console.not_saved'));
      return false;
    }
    outcome = chosen;
    saved = text;
    buttons.forEach((o) => o.setAttribute('aria-pressed', String(o.dataset.outcome === chosen)));
    clear();
    status.textContent = text ? t('js.console.note_saved') : '';
    showMissing(body.needed);
    return true;
  };
  /** @param {string} chosen */
  const run = (chosen) => (queue = queue.then(() => save(chosen)));
  buttons.forEach((b) => b.addEventListener('click', () => run(b.dataset.outcome ?? '')));
  note.addEventListener('input', () => {
    if (note.value !== saved) {
      status.textContent = outcome ? t('js.console.note_pending') : t('js.console.note_with_outcome');
    }
  });
  const saveNote = () => { if (outcome && note.value !== saved) run(outcome); };
  note.addEventListener('change', saveNote);
  note.addEventListener('keydown', (e) => { if (e.key === 'Enter') saveNote(); });
  return {
    /** Saves a note not saved yet; returns what stops the decision, or ''. */
    async flush() {
      await queue;
      if (note.value === saved) return '';
      if (!outcome) {
        if (!error.textContent) refuse(t('js.console.choose_outcome'));
        return t('js.console.claim_choose_outcome', { claim: label });
      }
      if (await run(outcome)) return '';
      return t('js.console.claim_note_not_saved', { claim: label });
    },
  };
}

/** @param {string} text */
function showError(text) {
  const el = document.getElementById('decision-error');
  if (el) el.textContent = text;
}
