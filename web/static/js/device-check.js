// @ts-check
/**
 * The device check: a private preview of the camera and a microphone level,
 * with plain help when permission is refused or there is no camera.
 */
import { t } from './text.js';

/**
 * Asks for camera and microphone, falling back to the microphone alone.
 * @returns {Promise<{stream: MediaStream | null, problem: string}>}
 */
export async function openDevices() {
  if (!window.isSecureContext) {
    return { stream: null, problem: 'insecure' };
  }
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, problem: 'unsupported' };
  }
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true, video: true }), problem: '' };
  } catch (e) {
    const name = /** @type {DOMException} */ (e).name;
    if (name === 'NotAllowedError' || name === 'SecurityError') return { stream: null, problem: 'denied' };
    try {
      return { stream: await navigator.mediaDevices.getUserMedia({ audio: true }), problem: 'no-camera' };
    } catch (e2) {
      const n2 = /** @type {DOMException} */ (e2).name;
      return { stream: null, problem: n2 === 'NotAllowedError' ? 'denied' : 'no-devices' };
    }
  }
}

/** The help for each problem openDevices reports, by catalog key. */
const help = {
  denied: 'js.check.help.denied',
  'no-camera': 'js.check.help.no_camera',
  'no-devices': 'js.check.help.no_devices',
  insecure: 'js.check.help.insecure',
  unsupported: 'js.check.help.unsupported',
};

/**
 * Wires the device check section of the portal.
 * @param {HTMLElement} root
 */
export function setUpDeviceCheck(root) {
  const button = /** @type {HTMLButtonElement} */ (root.querySelector('#start-check'));
  const box = /** @type {HTMLElement} */ (root.querySelector('#preview-box'));
  const video = /** @type {HTMLVideoElement} */ (root.querySelector('#preview'));
  const meter = /** @type {HTMLMeterElement} */ (root.querySelector('#mic-level'));
  const status = /** @type {HTMLElement} */ (root.querySelector('#check-status'));
  const helpBox = /** @type {HTMLElement} */ (root.querySelector('#check-help'));
  button.addEventListener('click', async () => {
    status.textContent = t('js.check.asking');
    const { stream, problem } = await openDevices();
    helpBox.hidden = !problem;
    helpBox.textContent = problem ? t(help[/** @type {keyof typeof help} */ (problem)]) : '';
    if (!stream) {
      status.textContent = '';
      return;
    }
    box.hidden = false;
    video.srcObject = stream;
    status.textContent = problem === 'no-camera'
      ? t('js.check.microphone_only')
      : t('js.check.all_set');
    showLevel(stream, meter);
    button.textContent = t('js.check.again');
  });
}

/**
 * Shows the microphone's level on a meter.
 * @param {MediaStream} stream
 * @param {HTMLMeterElement} meter
 */
function showLevel(stream, meter) {
  if (stream.getAudioTracks().length === 0) return;
  const audio = new AudioContext();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 256;
  audio.createMediaStreamSource(stream).connect(analyser);
  const data = new Uint8Array(analyser.fftSize);
  const tick = () => {
    analyser.getByteTimeDomainData(data);
    let peak = 0;
    for (const v of data) peak = Math.max(peak, Math.abs(v - 128) / 128);
    meter.value = peak;
    requestAnimationFrame(tick);
  };
  tick();
}
