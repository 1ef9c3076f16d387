// @ts-check
/** The agent's console: the live floor, and the guided call. */
import { Signal } from './signal.js';
import { Call } from './call.js';
import { setUpChat, startTimer, toggle } from './ui.js';

const root = /** @type {HTMLElement | null} */ (document.getElementById('console'));
if (root?.dataset.state === 'idle') watchFloor();
if (root?.dataset.state === 'call') runCall(root);

function watchFloor() {
  const signal = new Signal('/agent/ws');
  const set = (/** @type {string} */ id, /** @type {string} */ text) => {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  };
  signal.on('floor', (m) => {
    set('queue-count', String(m.floor.waiting));
    const w = m.floor.longest_wait_seconds;
    set('queue-longest', w < 60 ? 'under a minute' : `${Math.floor(w / 60)} min`);
    set('agents-online', String(m.floor.agents_online));
  });
  signal.on('welcome', (m) => { if (m.call) location.reload(); });
  signal.on('call', () => location.reload()); // a booked call has started for this agent
}

/** @param {HTMLElement} root */
async function runCall(root) {
  const id = root.dataset.verification;
  const status = /** @type {HTMLElement} */ (document.getElementById('call-status'));
  const quality = /** @type {HTMLElement} */ (document.getElementById('quality'));
  const remoteVideo = /** @type {HTMLVideoElement} */ (document.getElementById('remote-video'));
  const localVideo = /** @type {HTMLVideoElement} */ (document.getElementById('local-video'));
  setUpScript(root, `/agent/calls/${id}`);
  // Media first, so that no signaling message can arrive before the call exists.
  const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: root.dataset.agentCamera === 'true' })
    .catch(() => new MediaStream());
  localVideo.srcObject = local;
  toggle('mute', local.getAudioTracks(), 'Mute microphone', 'Unmute microphone');
  toggle('camera', local.getVideoTracks(), 'Turn camera off', 'Turn camera on');
  const signal = new Signal('/agent/ws');
  setUpChat(signal, root);
  signal.on('welcome', (m) => {
    if (!m.call) { location.reload(); return; }
    if (window.attest?.call) return; // a reconnect: the call goes on
    startTimer(/** @type {HTMLElement} */ (document.getElementById('timer')), new Date(m.call.started_at));
    const call = new Call({ signal, role: 'agent', iceServers: m.ice_servers, relayOnly: m.relay_only, local, remoteVideo });
    window.attest = { call, signal };
    call.addEventListener('peer', (e) => {
      status.textContent = /** @type {CustomEvent} */ (e).detail ? 'The freelancer is connected.' : 'The freelancer is not connected; waiting for them to come back…';
    });
    call.addEventListener('quality', (e) => { quality.textContent = `Connection: ${/** @type {CustomEvent} */ (e).detail}`; });
    call.addEventListener('state', (e) => {
      const s = /** @type {CustomEvent} */ (e).detail;
      if (s === 'disconnected' || s === 'failed') quality.textContent = 'Connection: reconnecting…';
    });
  });
  signal.on('ended', () => location.reload());
  signal.on('replaced', () => { signal.stop(); status.textContent = 'This call continues in another window.'; });
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
  /** Shows what verified still needs, and allows it only when nothing is missing. @param {string[]} missing */
  const showMissing = (missing) => {
    missingBox.replaceChildren();
    if (verified) verified.disabled = missing.length > 0;
    if (missing.length === 0) return;
    const p = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = missing.join(', ');
    p.append('Verified needs first: ', strong);
    missingBox.append(p);
  };
  showMissing((missingBox.dataset.missing || '').split('|').filter(Boolean));
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
      showMissing(body.missing);
    });
  });
  root.querySelectorAll('fieldset.claim').forEach((fs) => {
    const key = /** @type {HTMLElement} */ (fs).dataset.claim;
    const note = /** @type {HTMLInputElement} */ (fs.querySelector('.note'));
    fs.querySelectorAll('button.outcome').forEach((el) => {
      const b = /** @type {HTMLButtonElement} */ (el);
      b.addEventListener('click', async () => {
        const res = await post('/outcome', { claim: key, outcome: b.dataset.outcome, note: note.value });
        const body = await res.json();
        if (!res.ok) return showError(body.error.message);
        fs.querySelectorAll('button.outcome').forEach((o) => o.setAttribute('aria-pressed', String(o === b)));
        showMissing(body.missing);
      });
    });
  });
  const helper = /** @type {HTMLFormElement | null} */ (root.querySelector('#helper-form'));
  helper?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = /** @type {HTMLInputElement} */ (helper.querySelector('#helper-name')).value.trim();
    if (!name) return;
    script.helper_name = name;
    script.helper_role = /** @type {HTMLSelectElement} */ (helper.querySelector('#helper-role')).value;
    const res = await post('/script', script);
    /** @type {HTMLElement} */ (helper.querySelector('#helper-status')).textContent = res.ok ? 'Noted.' : 'Not saved; try again.';
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
    if (!decision) return showError('Choose a result first.');
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

/** @param {string} text */
function showError(text) {
  const el = document.getElementById('decision-error');
  if (el) el.textContent = text;
}
