// @ts-check
/** The freelancer's portal: device check, live queue, the call. */
import { Signal } from './signal.js';
import { Call } from './call.js';
import { openDevices, setUpDeviceCheck } from './device-check.js';
import { setUpChat, startTimer, describeWait, toggle } from './ui.js';
import { t, tn } from './text.js';

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
    status.textContent = t('js.booked.here');
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
    position.textContent = q.position === 1 ? t('js.queue.next') : t('js.queue.position', { position: q.position, ahead: q.position - 1 });
    eta.textContent = describeWait(q.eta_seconds);
    agents.textContent = tn('js.queue.agents', q.agents_online);
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
    status.textContent = wanted ? t('js.notify.on') : t('js.notify.off');
  });
  let told = false;
  signal.on('queue', (m) => {
    if (wanted && !told && document.hidden && m.queue.position <= 2) {
      new Notification(t('js.notify.title'), { body: t('js.notify.body') });
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
  if (problem) status.textContent = t('js.call.no_camera');
  const signal = new Signal(`${base}/ws`);
  signal.on('welcome', (m) => {
    if (!m.call) { location.reload(); return; }
    if (window.attest?.call) return; // a reconnect: the call goes on
    const call = new Call({ signal, role: 'freelancer', iceServers: m.ice_servers, relayOnly: m.relay_only, local, remoteVideo });
    window.attest = { call, signal };
    /** @type {HTMLElement} */ (document.getElementById('agent-label')).textContent =
      m.call.agent_camera ? m.call.agent_name : t('js.call.audio_only', { name: m.call.agent_name });
    status.textContent = t('js.call.talking', { name: m.call.agent_name });
    startTimer(/** @type {HTMLElement} */ (document.getElementById('timer')), new Date(m.call.started_at));
    wireControls(call, local);
  });
  signal.on('ended', () => location.reload());
  signal.on('replaced', () => {
    local.getTracks().forEach((t) => t.stop());
    window.attest?.call?.hangUp();
    signal.stop();
    status.textContent = t('js.call.replaced');
  });
  setUpChat(signal, root);
}

/**
 * @param {Call} call
 * @param {MediaStream} local
 */
function wireControls(call, local) {
  const quality = /** @type {HTMLElement} */ (document.getElementById('quality'));
  call.addEventListener('quality', (e) => {
    quality.textContent = t('js.call.quality', { level: t(`js.quality.${/** @type {CustomEvent} */ (e).detail}`) });
  });
  call.addEventListener('state', (e) => {
    const s = /** @type {CustomEvent} */ (e).detail;
    if (s === 'disconnected' || s === 'failed') quality.textContent = t('js.call.reconnecting');
  });
  const play = /** @type {HTMLButtonElement} */ (document.getElementById('play-audio'));
  call.addEventListener('autoplay-blocked', () => { play.hidden = false; });
  play.addEventListener('click', () => { call.remoteVideo.play(); play.hidden = true; });
  toggle('mute', local.getAudioTracks(), t('js.call.mute'), t('js.call.unmute'));
  toggle('camera', local.getVideoTracks(), t('js.call.camera_off'), t('js.call.camera_on'));
}
