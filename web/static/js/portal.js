// @ts-check
/** The freelancer's portal: device check, live queue, the call. */
import { Signal } from './signal.js';
import { Call, mark } from './call.js';
import { openDevices, openMicrophone, helpFor, setUpDeviceCheck } from './device-check.js';
import { setUpChat, startTimer, describeWait, toggle, putVideoInPlace } from './ui.js';
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
    case 'queue': waitInQueue(base, root.dataset.audioOnly === 'true'); break;
    case 'call': setUpCall(base, root); break;
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

/**
 * @param {string} base
 * @param {boolean} audioOnly
 */
function waitInQueue(base, audioOnly) {
  const signal = new Signal(`${base}/ws`);
  const position = /** @type {HTMLElement} */ (document.getElementById('queue-position'));
  const eta = /** @type {HTMLElement} */ (document.getElementById('queue-eta'));
  const agents = /** @type {HTMLElement} */ (document.getElementById('queue-agents'));
  const ready = readyDevices(audioOnly);
  signal.on('queue', (m) => {
    const q = m.queue;
    position.textContent = q.position === 1 ? t('js.queue.next') : t('js.queue.position', { position: q.position, ahead: q.position - 1 });
    eta.textContent = describeWait(q.eta_seconds);
    agents.textContent = tn('js.queue.agents', q.agents_online);
    // Ready only when a call can come: next, and someone is taking calls
    // (with nobody online the wait has no end in sight; the camera stays off).
    ready.next(q.position === 1 && q.agents_online > 0);
    mark('queue');
  });
  // Taken: the server has already seated this socket in the call, so the
  // page moves into it in place, on the same socket, and the call starts
  // at once (the press on "Join the queue" lets its sound play): it answers
  // the agent's offer while the devices open and the call's view is
  // fetched; what the view shows (chat, challenges) waits for it (hold).
  let moved = false;
  signal.on('call', (m) => {
    mark('call-message');
    if (moved) return;
    moved = true;
    signal.hold(['offer', 'answer', 'candidate', 'peer']);
    const media = ready.take();
    const call = new Call({ signal, role: 'freelancer', iceServers: m.ice_servers, relayOnly: m.relay_only, local: new MediaStream(),
      remoteVideo: document.createElement('video'), sends: audioOnly ? ['audio'] : ['audio', 'video'], shares: canShareScreen() });
    window.attest = { call, signal };
    // Devices made ready go to the call at once, before its view is in
    // place: the answer carries their tracks.
    media.then(({ stream }) => { if (stream && !call.closed) call.setLocal(stream); });
    // The call's view is put in place once the answer is set (or after
    // half a second): parsing and placing a page meanwhile held up the
    // offer's setting and the answer on this page's one thread.
    const answered = new Promise((resolve) => {
      call.addEventListener('answered', resolve, { once: true });
      setTimeout(resolve, 500);
    });
    enterCall(base, { signal, started: m, media, call }, answered).catch(() => location.reload());
  });
  signal.on('welcome', (m) => { if (m.call && !moved) location.reload(); });
  offerNotification(signal);
}

/**
 * The freelancer's devices, made ready on the queue page once they are
 * next and someone is taking calls, so that the call starts at once with them: opening them (for a
 * real camera, up to a second or more) is no longer on the call's path. Only when the browser already holds the
 * permission (the device check's): the queue page never asks for it. A
 * small preview and a sentence say that they are on, that nothing leaves
 * this device before the take, and why; a button turns them off until the
 * call, which then opens them at the take. Nothing is sent before the take:
 * the tracks go to no connection until the call takes them (take). They
 * stop when the freelancer is no longer next, and when the page is left.
 * @param {boolean} audioOnly
 */
function readyDevices(audioOnly) {
  const box = /** @type {HTMLElement} */ (document.getElementById('ready-box'));
  const preview = /** @type {HTMLVideoElement | null} */ (document.getElementById('ready-preview'));
  const note = /** @type {HTMLElement} */ (document.getElementById('ready-note'));
  const toggle = /** @type {HTMLButtonElement} */ (document.getElementById('ready-toggle'));
  // The sentences for the microphone alone: an audio-only call, or a
  // camera that would not open (openDevices falls back to the microphone).
  let suffix = audioOnly ? '_audio' : '';
  /** @type {Promise<{stream: MediaStream | null, problem: string} | null> | null} */
  let opening = null;
  let isNext = false;
  let off = false; // turned off until the call, even if no longer next meanwhile
  let taken = false;
  /** Whether the browser lets this page use the devices without asking. */
  const granted = async () => {
    try {
      const names = audioOnly ? ['microphone'] : ['camera', 'microphone'];
      const states = await Promise.all(names.map((name) => navigator.permissions.query({ name: /** @type {PermissionName} */ (name) })));
      return states.every((s) => s.state === 'granted');
    } catch {
      return false; // a browser that cannot say: ask at the take, as without this
    }
  };
  const open = () => {
    const mine = (async () => (await granted() ? (audioOnly ? openMicrophone() : openDevices()) : null))();
    opening = mine;
    mine.then((got) => {
      if (opening !== mine) {
        if (!taken) got?.stream?.getTracks().forEach((track) => track.stop()); // stopped while opening
        return;
      }
      if (!got?.stream) {
        opening = null; // not granted (or it failed): the next "queue" message looks again
        return;
      }
      mark('devices-ready');
      const camera = got.stream.getVideoTracks().length > 0;
      suffix = camera ? '' : '_audio';
      if (preview) {
        preview.srcObject = got.stream;
        preview.hidden = !camera;
      }
      note.textContent = t(`js.queue.ready_on${suffix}`);
      toggle.textContent = t('js.queue.ready_turn_off');
      box.hidden = false;
    });
  };
  const stop = () => {
    const was = opening;
    opening = null;
    if (preview) {
      preview.srcObject = null; // the preview shows nothing it does not have
      preview.hidden = true;
    }
    was?.then((got) => { if (!taken) got?.stream?.getTracks().forEach((track) => track.stop()); });
  };
  toggle.addEventListener('click', () => {
    off = !off;
    if (off) {
      stop();
      note.textContent = t(`js.queue.ready_off${suffix}`);
      toggle.textContent = t('js.queue.ready_turn_on');
    } else if (isNext) {
      open();
    }
  });
  // Leaving the page (the "Leave the queue" form, a link, closing the tab)
  // turns them off at once.
  addEventListener('pagehide', () => { if (!taken) stop(); });
  return {
    /** The queue says whether the freelancer is next. @param {boolean} now */
    next(now) {
      isNext = now;
      if (taken) return;
      if (!now) {
        stop();
        box.hidden = true;
      } else if (!off && !opening) {
        open();
      }
    },
    /**
     * The call takes the devices made ready, or opens them now (turned
     * off, or never made ready).
     * @returns {Promise<{stream: MediaStream | null, problem: string}>}
     */
    async take() {
      taken = true;
      const ready = opening;
      opening = null;
      box.hidden = true;
      if (preview) preview.srcObject = null;
      const got = await ready;
      if (got?.stream && got.stream.getTracks().every((track) => track.readyState === 'live')) return got;
      got?.stream?.getTracks().forEach((track) => track.stop());
      return audioOnly ? openMicrophone() : openDevices();
    },
  };
}

/**
 * Replaces the queue page with the call page, fetched from the server that
 * renders it, which carries on with the call the queue page started.
 * @param {string} base
 * @param {Joined} joined
 * @param {Promise<unknown>} [answered] what the view waits for before it is parsed and put in place
 */
async function enterCall(base, joined, answered = Promise.resolve()) {
  const res = await fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  const html = await res.text();
  await answered;
  const doc = new DOMParser().parseFromString(html, 'text/html');
  mark('call-page-fetched');
  const next = doc.getElementById('main');
  const root = next?.querySelector('#portal');
  const here = document.getElementById('main');
  if (!res.ok || !next || !here || !(root instanceof HTMLElement) || root.dataset.state !== 'call') {
    location.reload();
    return;
  }
  document.title = doc.title;
  here.replaceWith(document.adoptNode(next));
  setUpCall(base, root, joined);
  mark('call-view');
  joined.signal.release();
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
 * A queue page moving into its call: the socket, the "call" message, the
 * devices being opened and the call, already answering the agent.
 * @typedef {{signal: Signal, started: import('./signal.js').Message, media: Promise<{stream: MediaStream | null, problem: string}>, call: Call}} Joined
 */

/**
 * The call page. Nothing starts by itself: the freelancer presses "Join the
 * call", which opens the microphone (and the camera, unless the call is
 * audio only) and connects; that press is also what lets the browser play
 * the call's sound. "Leave the call" stops it all, and joining again is a
 * fresh page session, as after a reload. A page that moved here from the
 * queue (joined) is in the call already: it starts on the queue's socket,
 * without the press, and opens the devices while the call connects.
 * @param {string} base
 * @param {HTMLElement} root
 * @param {Joined | null} [joined]
 */
function setUpCall(base, root, joined = /** @type {Joined | null} */ (null)) {
  const el = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const status = el('call-status');
  const joinBox = el('join-box');
  const joinButton = /** @type {HTMLButtonElement} */ (el('join-call'));
  const area = el('call-area');
  const localBox = el('local-box');
  const localVideo = /** @type {HTMLVideoElement} */ (el('local-video'));
  const placeholder = /** @type {HTMLVideoElement} */ (el('remote-video'));
  const remoteVideo = joined ? putVideoInPlace(joined.call.remoteVideo, placeholder) : placeholder;
  const audioOnly = root.dataset.audioOnly === 'true';
  /** @type {MediaStream} */
  let local = new MediaStream();
  /** @type {Signal | null} */
  let signal = null;
  /** @type {Call | null} */
  let call = null;
  let timing = false;
  // A hand-off asked for from this page: when the call moves, it moved to the phone.
  let askedPhone = false;
  const moveForm = /** @type {HTMLFormElement} */ (el('move-form'));
  moveForm.addEventListener('submit', (e) => {
    askedPhone = true;
    e.preventDefault();
    showHandoff(moveForm).catch(() => moveForm.submit()); // the hand-off page in a tab of its own, then
  });

  // Enables the microphone and camera buttons for the tracks there are:
  // wired before the devices open (a call moved into from the queue), they
  // would stay disabled.
  let refreshControls = () => {};
  // The pressed button, or the whole queue page, is gone once the call
  // shows: the keyboard goes on from the call's first control.
  const focusControls = () => /** @type {HTMLElement | null} */ (area.querySelector('.controls :is(button, a):not(:disabled)'))?.focus();

  /**
   * Tells the agent's page the camera's label, from which attest tells the
   * agent, calmly, when it names a virtual camera, and the signs that its
   * track looks injected (injectedSigns). Nothing on this page shows them,
   * and nothing is stored.
   */
  const reportCamera = async () => {
    const track = local.getVideoTracks()[0];
    if (!track) return;
    const label = track.label;
    const injected = await injectedSigns(track);
    if ((label || injected.length) && call?.peerPresent) {
      signal?.send('camera', injected.length ? { label: label.slice(0, 256), injected } : { label: label.slice(0, 256) });
    }
  };

  // Sharing the screen, to show one's work: the track goes to the agent on
  // the call's connection, with no new offer, and a "screen" message tells
  // their page. The browser's own "Stop sharing" ends it as the button does.
  /** @type {MediaStreamTrack | null} */
  let screen = null;
  const shareButton = /** @type {HTMLButtonElement} */ (el('share-screen'));
  const shareStatus = el('share-status');
  if (canShareScreen()) {
    shareButton.hidden = false;
    el('share-note').hidden = false;
  }
  /** @param {boolean} sharing */
  const tellScreen = (sharing) => { if (call?.peerPresent) signal?.send('screen', { sharing }); };
  /** Stops the share; said says so on the page. @param {boolean} said */
  const stopSharing = (said) => {
    if (!screen) return;
    screen.stop();
    screen = null;
    call?.shareScreen(null).catch((e) => call?.fail(e));
    tellScreen(false);
    shareButton.textContent = t('js.call.share');
    if (said) shareStatus.textContent = t('js.call.share_stopped');
  };
  shareButton.addEventListener('click', async () => {
    if (screen) {
      stopSharing(true);
      return;
    }
    shareButton.disabled = true;
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      const track = stream.getVideoTracks()[0];
      if (!track) throw new Error('no video in the shared screen');
      track.contentHint = 'detail'; // text stays sharp rather than the motion smooth
      screen = track;
      track.addEventListener('ended', () => { if (screen === track) stopSharing(true); });
      await call?.shareScreen(track);
      tellScreen(true);
      shareButton.textContent = t('js.call.stop_share');
      shareStatus.textContent = t('js.call.sharing');
    } catch {
      shareStatus.textContent = t('js.call.share_failed');
    } finally {
      shareButton.disabled = false;
    }
  });

  const stopMedia = () => {
    stopSharing(false);
    shareStatus.textContent = '';
    local.getTracks().forEach((track) => track.stop());
    call?.hangUp();
    remoteVideo.srcObject = null;
  };

  /**
   * Opens the microphone (and camera), or takes them as the queue page
   * opened them (opening), and shows what they give.
   * @param {Joined['media']} [opening]
   */
  const openMedia = async (opening) => {
    const { stream, problem } = await (opening ?? (audioOnly ? openMicrophone() : openDevices()));
    mark('devices-open');
    local = stream ?? new MediaStream();
    for (const [id, kind] of /** @type {const} */ ([['mute', 'audio'], ['camera', 'video']])) {
      const off = document.getElementById(id)?.getAttribute('aria-pressed') === 'true';
      local.getTracks().filter((track) => track.kind === kind).forEach((track) => { track.enabled = !off; });
    }
    localVideo.srcObject = local;
    localBox.hidden = local.getVideoTracks().length === 0;
    refreshControls();
    if (problem) status.textContent = problem === 'no-camera' ? t('js.call.no_camera') : helpFor(problem);
    call?.setLocal(local);
    reportCamera();
  };

  joinButton.addEventListener('click', async () => {
    joinButton.disabled = true;
    // Asked within the press, before anything is awaited: the browser then
    // lets this element play the call's sound.
    remoteVideo.play().catch(() => {});
    status.textContent = t('js.call.joining');
    await openMedia();
    joinBox.hidden = true;
    area.hidden = false;
    joinButton.disabled = false;
    focusControls();
    if (signal) {
      signal.renew();
      return;
    }
    signal = connect();
    wireControls();
  });

  /**
   * Opens the signaling connection, or takes the queue's, and wires what
   * comes over it.
   * @param {Signal} [s]
   */
  const connect = (s = new Signal(`${base}/ws`)) => {
    s.on('welcome', (m) => start(s, m));
    s.on('challenge', (m) => showChallenge(m.challenge));
    s.on('ended', () => location.reload());
    s.on('replaced', () => {
      s.stop();
      stopMedia();
      area.hidden = true;
      joinBox.hidden = true;
      moveForm.hidden = true;
      el('handoff-box').hidden = true;
      status.textContent = '';
      const moved = el('call-moved');
      moved.textContent = askedPhone ? t('js.call.moved_phone') : t('js.call.replaced');
      moved.hidden = false;
    });
    setUpChat(s, root);
    return s;
  };

  /**
   * Starts the call (a welcome, or the queue's "call" message) or, on a
   * reconnect, carries on with it.
   * @param {Signal} s
   * @param {import('./signal.js').Message} m
   */
  const start = (s, m) => {
    if (!m.call) { location.reload(); return; }
    const name = m.call.agent_name;
    const label = document.getElementById('agent-name') ?? document.getElementById('agent-label');
    if (label && name) {
      label.textContent = name;
      label.hidden = false;
    }
    status.textContent = t('js.call.talking', { name });
    if (!timing) {
      startTimer(el('timer'), new Date(m.call.started_at));
      timing = true;
    }
    if (call) return; // a reconnect, or joined again: the call goes on
    call = new Call({ signal: s, role: 'freelancer', iceServers: m.ice_servers, relayOnly: m.relay_only, local, remoteVideo,
    sends: audioOnly ? ['audio'] : ['audio', 'video'], shares: canShareScreen() });
    window.attest = { call, signal: s };
    wireCall(call);
    if (screen) call.shareScreen(screen).catch((e) => call?.fail(e));
  };


  const wireControls = () => {
    const mute = toggle('mute', () => local.getAudioTracks(), t('js.call.mute'), t('js.call.unmute'));
    const camera = toggle('camera', () => local.getVideoTracks(), t('js.call.camera_off'), t('js.call.camera_on'));
    refreshControls = () => { mute(); camera(); };
    el('leave-call').addEventListener('click', () => {
      signal?.stop();
      stopMedia();
      area.hidden = true;
      joinBox.hidden = false;
      status.textContent = t('js.call.left');
      joinButton.focus();
    });
    el('to-chat').addEventListener('click', (e) => {
      e.preventDefault();
      el('chat-input').focus();
    });
  };

  /** @param {Call} c */
  const wireCall = (c) => {
    const quality = el('quality');
    c.addEventListener('quality', (e) => {
      quality.textContent = t('js.call.quality', { level: t(`js.quality.${/** @type {CustomEvent} */ (e).detail}`) });
    });
    c.addEventListener('state', (e) => {
      const s = /** @type {CustomEvent} */ (e).detail;
      if (s === 'disconnected' || s === 'failed') quality.textContent = t('js.call.reconnecting');
    });
    c.addEventListener('peer', () => {
      reportCamera();
      if (screen) tellScreen(true); // the agent's page came (back): it learns of the share
    });
    const help = el('sound-help');
    c.addEventListener('autoplay-blocked', () => { help.hidden = false; });
    if (c.autoplayBlocked) help.hidden = false;
    el('play-audio').addEventListener('click', () => { remoteVideo.play(); help.hidden = true; });
  };

  if (joined) {
    joinBox.hidden = true;
    area.hidden = false;
    signal = connect(joined.signal);
    wireControls();
    call = joined.call; // answering the agent's offer already, maybe before the devices are open
    wireCall(call);
    start(joined.signal, joined.started);
    openMedia(joined.media).then(focusControls);
  }
}

/** Whether this browser can share a screen: not on phones, which have no getDisplayMedia. */
function canShareScreen() {
  return typeof navigator.mediaDevices?.getDisplayMedia === 'function';
}

/**
 * The signs that a camera track looks injected (call.InjectedSigns,
 * docs/SIGNALING.md), reported to the agent's page beside the label. Each
 * is a fact the browser states, and each can have an innocent cause: they
 * make a calm hint for the agent, never a finding.
 * @param {MediaStreamTrack} track
 * @returns {Promise<string[]>}
 */
async function injectedSigns(track) {
  const signs = [];
  const deviceId = track.getSettings().deviceId;
  if (!deviceId) signs.push('no_device');
  else {
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => null);
    const cameras = devices?.filter((d) => d.kind === 'videoinput' && d.deviceId) ?? [];
    // Without any listed camera with an id (no permission yet, or the list
    // refused) nothing is compared.
    if (cameras.length > 0 && !cameras.some((d) => d.deviceId === deviceId)) signs.push('unlisted_device');
  }
  if (typeof CanvasCaptureMediaStreamTrack === 'function' && track instanceof CanvasCaptureMediaStreamTrack) signs.push('canvas');
  return signs;
}

/**
 * Shows the hand-off's QR code and short link on the call page itself, so
 * that the page the freelancer looks at is the one that says when the call
 * has moved to the phone.
 * @param {HTMLFormElement} form
 */
async function showHandoff(form) {
  const res = await fetch(form.action, { method: 'POST' });
  if (!res.ok) throw new Error(`hand-off: ${res.status}`);
  const page = new DOMParser().parseFromString(await res.text(), 'text/html');
  const card = page.querySelector('.handoff');
  if (!card) throw new Error('hand-off: no code on the page');
  const box = /** @type {HTMLElement} */ (document.getElementById('handoff-box'));
  const title = /** @type {HTMLElement} */ (box.querySelector('h2'));
  title.textContent = page.querySelector('h1')?.textContent ?? '';
  box.replaceChildren(title, ...Array.from(card.childNodes, (n) => document.importNode(n, true)));
  box.hidden = false;
  box.scrollIntoView({ block: 'nearest' });
}

/**
 * Shows the challenge the agent has just asked for, large, in a live region
 * so that a screen reader says it at once. The page holds no challenge
 * before the agent shows it.
 * @param {{key: string, text: string, phrase?: string, lang: string}} c
 */
function showChallenge(c) {
  const box = /** @type {HTMLElement} */ (document.getElementById('challenge'));
  const card = document.createElement('div');
  card.className = 'card';
  const heading = document.createElement('h2');
  heading.textContent = t('js.call.challenge_title');
  const text = document.createElement('p');
  text.className = 'challenge-text';
  text.lang = c.lang;
  text.dataset.test = `challenge-${c.key}`;
  const at = c.phrase ? c.text.lastIndexOf(c.phrase) : -1;
  if (c.phrase && at >= 0) {
    const phrase = document.createElement('strong');
    phrase.className = 'phrase';
    phrase.textContent = c.phrase;
    text.append(c.text.slice(0, at), phrase, c.text.slice(at + c.phrase.length));
  } else {
    text.textContent = c.text;
  }
  card.append(heading, text);
  if (c.phrase) {
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = t('js.call.words_note');
    card.append(note);
  }
  box.replaceChildren(card);
  box.scrollIntoView({ block: 'nearest' });
}
