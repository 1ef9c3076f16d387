// @ts-check
/**
 * The device check: a private preview of the camera and a microphone level
 * (the microphone alone for an audio-only call), with plain help when
 * permission is refused or there is no camera.
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

/**
 * Asks for the microphone alone, never the camera: for an audio-only call.
 * @returns {Promise<{stream: MediaStream | null, problem: string}>}
 */
export async function openMicrophone() {
  if (!window.isSecureContext) return { stream: null, problem: 'insecure' };
  if (!navigator.mediaDevices?.getUserMedia) return { stream: null, problem: 'unsupported' };
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true }), problem: '' };
  } catch (e) {
    const name = /** @type {DOMException} */ (e).name;
    return { stream: null, problem: name === 'NotAllowedError' || name === 'SecurityError' ? 'mic-denied' : 'no-microphone' };
  }
}

/** The help for each problem openDevices and openMicrophone report, by catalog key. */
const help = {
  denied: 'js.check.help.denied',
  'mic-denied': 'js.check.help.denied_microphone',
  'no-camera': 'js.check.help.no_camera',
  'no-devices': 'js.check.help.no_devices',
  'no-microphone': 'js.check.help.no_microphone',
  insecure: 'js.check.help.insecure',
  unsupported: 'js.check.help.unsupported',
};

/**
 * The help to show for a problem, in the page's language.
 * @param {string} problem
 */
export function helpFor(problem) {
  return t(help[/** @type {keyof typeof help} */ (problem)] ?? 'js.check.help.unsupported');
}

/**
 * Wires the device check section of the portal. For an audio-only call
 * (data-audio-only on root) it checks the microphone alone.
 * @param {HTMLElement} root
 */
export function setUpDeviceCheck(root) {
  const audioOnly = root.dataset.audioOnly === 'true';
  const button = /** @type {HTMLButtonElement} */ (root.querySelector('#start-check'));
  const box = /** @type {HTMLElement} */ (root.querySelector('#preview-box'));
  const video = /** @type {HTMLVideoElement | null} */ (root.querySelector('#preview'));
  const meter = /** @type {HTMLMeterElement} */ (root.querySelector('#mic-level'));
  const status = /** @type {HTMLElement} */ (root.querySelector('#check-status'));
  const helpBox = /** @type {HTMLElement} */ (root.querySelector('#check-help'));
  button.addEventListener('click', async () => {
    status.textContent = t('js.check.asking');
    const { stream, problem } = audioOnly ? await openMicrophone() : await openDevices();
    helpBox.hidden = !problem;
    helpBox.textContent = problem ? helpFor(problem) : '';
    if (!stream) {
      status.textContent = '';
      return;
    }
    box.hidden = false;
    if (video) video.srcObject = stream;
    status.textContent = audioOnly || problem === 'no-camera'
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
  // A context made outside a press, or in a browser that starts it
  // suspended (Firefox), measures nothing until it is resumed; the press
  // that opened the devices allows it.
  if (audio.state === 'suspended') audio.resume().catch(() => {});
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
