// @ts-check
/**
 * The device check: a private preview of the camera and a microphone level,
 * with plain help when permission is refused or there is no camera.
 */

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

const help = {
  denied: 'Your browser is not letting this page use the camera and microphone. Click the camera icon in the address bar, choose "Allow", then press the button again. On a phone, check the browser\'s permissions in your settings.',
  'no-camera': 'We found a microphone but no camera. That is fine: you can move the call to your phone, or ask for an audio-only call with documents instead.',
  'no-devices': 'We could not find a camera or a microphone. You can move the call to your phone, or ask to verify with documents instead.',
  insecure: 'This page was opened without a secure connection (https), so your browser will not let it use the camera or microphone. Please open the link exactly as we sent it, starting with https://.',
  unsupported: 'This browser cannot make video calls. Please open this link in a recent Chrome, Firefox, Safari or Edge, or on your phone.',
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
    status.textContent = 'Asking your browser…';
    const { stream, problem } = await openDevices();
    helpBox.hidden = !problem;
    helpBox.textContent = problem ? help[/** @type {keyof typeof help} */ (problem)] : '';
    if (!stream) {
      status.textContent = '';
      return;
    }
    box.hidden = false;
    video.srcObject = stream;
    status.textContent = problem === 'no-camera'
      ? 'Your microphone works. Speak and watch the bar move.'
      : 'You should see yourself and the bar should move when you speak. All set.';
    showLevel(stream, meter);
    button.textContent = 'Check again';
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
