// @ts-check
/** The freelancer's portal: device check, live queue, the call. */
import { Signal } from './signal.js';
import { Call } from './call.js';
import { openDevices, setUpDeviceCheck } from './device-check.js';
import { setUpChat, startTimer, describeWait, toggle } from './ui.js';

/** How early before a booked call the page connects, so that the server knows the freelancer is there. */
const EARLY_MS = 15 * 60 * 1000;

const root = /** @type {HTMLElement | null} */ (document.getElementById('portal'));
if (root) {
  const base = root.dataset.base ?? '';
  switch (root.dataset.state) {
    case 'start':
      setUpDeviceCheck(root);
      if (root.dataset.bookedAt) awaitBookedCall(base, new Date(root.dataset.bookedAt));
      break;
    case 'queue': waitInQueue(base); break;
    case 'call': joinCall(base, root); break;
  }
}

/**
 * Waits on the page of a booked call: from a little before its time the page
 * connects, and it moves into the call when the call starts.
 * @param {string} base
 * @param {Date} at
 */
function awaitBookedCall(base, at) {
  const status = /** @type {HTMLElement} */ (document.getElementById('booked-status'));
  const connect = () => {
    const signal = new Signal(`${base}/ws`);
    status.textContent = 'You are here: your call starts on this page when it is time.';
    signal.on('call', () => location.reload());
    signal.on('welcome', (m) => { if (m.call) location.reload(); });
  };
  const wait = at.getTime() - EARLY_MS - Date.now();
  if (wait <= 0) connect();
  else if (wait < 24 * 3600 * 1000) setTimeout(connect, wait);
}

/** @param {string} base */
function waitInQueue(base) {
  const signal = new Signal(`${base}/ws`);
  const position = /** @type {HTMLElement} */ (document.getElementById('queue-position'));
  const eta = /** @type {HTMLElement} */ (document.getElementById('queue-eta'));
  const agents = /** @type {HTMLElement} */ (document.getElementById('queue-agents'));
  signal.on('queue', (m) => {
    const q = m.queue;
    position.textContent = q.position === 1 ? 'you are next' : `${q.position} (${q.position - 1} ahead of you)`;
    eta.textContent = describeWait(q.eta_seconds);
    agents.textContent = q.agents_online === 1 ? 'One person is taking calls.' : `${q.agents_online} people are taking calls.`;
  });
  signal.on('call', () => location.reload());
  signal.on('welcome', (m) => { if (m.call) location.reload(); });
  offerNotification(signal);
}

/**
 * Offers a browser notification when the turn is near, for a freelancer who
 * switches to another tab while waiting. Asked for only on a click.
 * @param {import('./signal.js').Signal} signal
 */
function offerNotification(signal) {
  if (!('Notification' in window)) return;
  const button = /** @type {HTMLButtonElement} */ (document.getElementById('notify-me'));
  const status = /** @type {HTMLElement} */ (document.getElementById('notify-status'));
  let wanted = Notification.permission === 'granted';
  button.hidden = wanted || Notification.permission === 'denied';
  button.addEventListener('click', async () => {
    wanted = (await Notification.requestPermission()) === 'granted';
    button.hidden = true;
    status.textContent = wanted ? 'We will let you know.' : 'Notifications are off; keep this page in sight.';
  });
  let told = false;
  signal.on('queue', (m) => {
    if (wanted && !told && document.hidden && m.queue.position <= 2) {
      new Notification('It is almost your turn', { body: 'Come back to your verification page: the call starts there.' });
      told = true;
    }
  });
}

/**
 * @param {string} base
 * @param {HTMLElement} root
 */
async function joinCall(base, root) {
  const status = /** @type {HTMLElement} */ (document.getElementById('call-status'));
  const localVideo = /** @type {HTMLVideoElement} */ (document.getElementById('local-video'));
  const remoteVideo = /** @type {HTMLVideoElement} */ (document.getElementById('remote-video'));
  const audioOnly = root.dataset.audioOnly === 'true';
  const { stream, problem } = audioOnly
    ? await navigator.mediaDevices.getUserMedia({ audio: true }).then((s) => ({ stream: s, problem: '' }), () => ({ stream: null, problem: 'denied' }))
    : await openDevices();
  const local = stream ?? new MediaStream();
  localVideo.srcObject = local;
  if (problem) status.textContent = 'We could not use your camera; the call continues with what works.';
  const signal = new Signal(`${base}/ws`);
  signal.on('welcome', (m) => {
    if (!m.call) { location.reload(); return; }
    if (window.attest?.call) return; // a reconnect: the call goes on
    const call = new Call({ signal, role: 'freelancer', iceServers: m.ice_servers, relayOnly: m.relay_only, local, remoteVideo });
    window.attest = { call, signal };
    /** @type {HTMLElement} */ (document.getElementById('agent-label')).textContent =
      m.call.agent_camera ? m.call.agent_name : `${m.call.agent_name} (audio only)`;
    status.textContent = `You are talking with ${m.call.agent_name}.`;
    startTimer(/** @type {HTMLElement} */ (document.getElementById('timer')), new Date(m.call.started_at));
    wireControls(call, local);
  });
  signal.on('ended', () => location.reload());
  signal.on('replaced', () => {
    local.getTracks().forEach((t) => t.stop());
    window.attest?.call?.hangUp();
    signal.stop();
    status.textContent = 'The call continues on your other device. You can close this page.';
  });
  setUpChat(signal, root);
}

/**
 * @param {Call} call
 * @param {MediaStream} local
 */
function wireControls(call, local) {
  const quality = /** @type {HTMLElement} */ (document.getElementById('quality'));
  call.addEventListener('quality', (e) => { quality.textContent = `Connection: ${/** @type {CustomEvent} */ (e).detail}`; });
  call.addEventListener('state', (e) => {
    const s = /** @type {CustomEvent} */ (e).detail;
    if (s === 'disconnected' || s === 'failed') quality.textContent = 'Connection: reconnecting…';
  });
  const play = /** @type {HTMLButtonElement} */ (document.getElementById('play-audio'));
  call.addEventListener('autoplay-blocked', () => { play.hidden = false; });
  play.addEventListener('click', () => { call.remoteVideo.play(); play.hidden = true; });
  toggle('mute', local.getAudioTracks(), 'Mute microphone', 'Unmute microphone');
  toggle('camera', local.getVideoTracks(), 'Turn camera off', 'Turn camera on');
}
