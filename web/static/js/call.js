// @ts-check
/**
 * One side of the call: an RTCPeerConnection driven by the signaling
 * connection. The agent always makes the offer; the freelancer answers. A
 * network blip is healed by an ICE restart on the same connection; a
 * reloaded page on the other side (a new session) gets a fresh connection.
 */

/** @typedef {import('./signal.js').Signal} Signal */

/**
 * Marks a moment of the call's setup on the page's performance timeline
 * (attest:NAME), where the browser's tools and BenchmarkTakeToFirstFrame
 * read it. Costs next to nothing; only the first of each name counts.
 * @param {string} name
 */
export function mark(name) {
  if (performance.getEntriesByName(`attest:${name}`, 'mark').length === 0) performance.mark(`attest:${name}`);
}
/** @typedef {'good' | 'fair' | 'poor'} Quality */

export class Call extends EventTarget {
  /**
   * @param {{signal: Signal, role: 'agent' | 'freelancer', iceServers: RTCIceServer[],
   *   relayOnly: boolean, local: MediaStream, remoteVideo: HTMLVideoElement, sends?: string[],
   *   shares?: boolean}} opts
   * sends: the kinds this side will send once its devices are open (default:
   * what local holds), so that the call can start before they are.
   * shares: whether the freelancer's browser can share a screen
   * (getDisplayMedia); its answer then keeps the screen's place sending.
   */
  constructor(opts) {
    super();
    this.sends = opts.sends ?? opts.local.getTracks().map((track) => track.kind);
    this.signal = opts.signal;
    this.role = opts.role;
    this.iceServers = opts.iceServers;
    this.relayOnly = opts.relayOnly;
    this.local = opts.local;
    this.remoteVideo = opts.remoteVideo;
    this.shares = opts.shares ?? false;
    /** The freelancer's shared screen, while it is shared. @type {MediaStreamTrack | null} */
    this.screen = null;
    /**
     * The agent's place for the shared screen: a third m-section, video,
     * receive only, offered from the start so that sharing needs no new
     * offer. @type {RTCRtpTransceiver | null}
     */
    this.screenTransceiver = null;
    /** The freelancer's: the mid of the offer's third m-section. @type {string | null} */
    this.screenMid = null;
    /** @type {RTCPeerConnection | null} */
    this.pc = null;
    /** @type {RTCIceCandidateInit[]} */
    this.pending = [];
    /** @type {string | null} */
    this.peerSession = null;
    /** Whether the other side's page is connected, as the last peer message said. */
    this.peerPresent = false;
    /** The message that started the call (welcome or call), for its page. @type {import('./signal.js').Message | null} */
    this.started = null;
    /** When the first remote video frame was shown (epoch ms), for measuring. @type {number | null} */
    this.firstFrameAt = null;
    /** When the first remote audio was decoded (epoch ms), for measuring. @type {number | null} */
    this.firstAudioAt = null;
    /** The connection whose audio watchAudio watches. @type {RTCPeerConnection | null} */
    this.audioWatched = null;
    this.restarting = 0;
    /** ICE restarts made so far, for the connection indicator and tests. */
    this.iceRestarts = 0;
    /** A connection whose first offer was made ahead (prepare), not yet sent. @type {Promise<RTCPeerConnection> | null} */
    this.prepared = null;
    /** Whether the prepared connection's offer is still unsent: the candidates it gathers meanwhile go in that offer. */
    this.early = false;
    /** The candidates the prepared connection gathered while early, in order. @type {RTCIceCandidate[]} */
    this.earlyCandidates = [];
    /**
     * The prepared offer a take carried (takeOffer): its connection and how
     * many candidates were in it. @type {{pc: RTCPeerConnection, candidates: number} | null}
     */
    this.withTake = null;
    this.closed = false;
    /** Whether the browser refused to play the call's sound without a gesture. */
    this.autoplayBlocked = false;
    // One description at a time: an offer that comes while the last one is
    // still being answered (the answer goes before it is set) waits for it.
    /** @type {Promise<void>} */
    this.negotiating = Promise.resolve();
    const inTurn = (/** @type {() => Promise<void>} */ step) => {
      this.negotiating = this.negotiating.then(() => this.closed ? undefined : step()).catch((e) => this.fail(e));
    };
    this.signal.on('offer', (m) => inTurn(() => this.onOffer(m.sdp)));
    this.signal.on('answer', (m) => inTurn(() => this.onAnswer(m.sdp)));
    this.signal.on('candidate', (m) => this.closed || this.onCandidate(m.candidate));
    this.signal.on('peer', (m) => this.closed || this.onPeer(m));
    this.measuring = setInterval(() => this.measure(), 2000);
  }

  /** @param {unknown} e */
  fail(e) {
    console.error(`call: ${e}`);
    this.dispatchEvent(new CustomEvent('problem', { detail: String(e) }));
  }

  newPeer() {
    this.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, iceTransportPolicy: this.relayOnly ? 'relay' : 'all' });
    for (const kind of ['audio', 'video']) {
      const track = this.local.getTracks().find((t) => t.kind === kind);
      if (track) pc.addTrack(track, this.local);
      // The agent offers what it will send before its devices are open
      // (setLocal puts their tracks in place), and receives the rest: video
      // even when sending none (an agent without a camera).
      else if (this.role === 'agent' && this.sends.includes(kind)) pc.addTransceiver(kind, { direction: 'sendrecv', streams: [this.local] });
      else pc.addTransceiver(kind, { direction: 'recvonly' });
    }
    // The agent receives the freelancer's shared screen on a place of its
    // own, the third, negotiated now and filled by the freelancer with
    // replaceTrack when they share: starting or stopping needs no offer.
    this.screenTransceiver = this.role === 'agent' ? pc.addTransceiver('video', { direction: 'recvonly' }) : null;
    pc.onicecandidate = (e) => {
      mark(e.candidate ? 'local-candidate' : 'gathered');
      if (!e.candidate) return;
      if (this.early && pc === this.pc) this.earlyCandidates.push(e.candidate);
      else this.signal.send('candidate', { candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => {
      if (e.transceiver === this.screenTransceiver) return; // the page shows it while shared (screenTrack)
      mark(`track-${e.track.kind}`);
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      if (e.track.kind === 'video' && this.firstFrameAt === null && 'requestVideoFrameCallback' in this.remoteVideo) {
        this.remoteVideo.requestVideoFrameCallback(() => { this.firstFrameAt ??= Date.now(); mark('first-frame'); });
      }
      if (this.remoteVideo.srcObject !== stream) this.remoteVideo.srcObject = stream;
      // Only a refusal means the browser wants a gesture first; an "interrupted"
      // play() just means the second track arrived.
      this.remoteVideo.play().catch((e) => {
        if (e.name !== 'NotAllowedError') return;
        this.autoplayBlocked = true; // for a page that starts listening later
        this.dispatchEvent(new Event('autoplay-blocked'));
      });
    };
    pc.onconnectionstatechange = () => {
      mark(`connection-${pc.connectionState}`);
      this.dispatchEvent(new CustomEvent('state', { detail: pc.connectionState }));
      if (pc.connectionState === 'connected') {
        this.restarting = 0;
        this.watchAudio(pc);
      }
    };
    pc.oniceconnectionstatechange = () => {
      mark(`ice-${pc.iceConnectionState}`);
      this.onIceState(pc);
    };
    this.pc = pc;
    this.pending = [];
    return pc;
  }

  /**
   * Notes when the first remote audio is decoded, for measuring: a call
   * without the agent's camera has no video to time on the freelancer's side.
   * It reads the connection's statistics every 5 ms, so only from the
   * moment the connection is up (no audio comes before): polling from the
   * connection's making on took the page's time while it negotiated.
   * @param {RTCPeerConnection} pc
   */
  watchAudio(pc) {
    if (this.firstAudioAt !== null || this.audioWatched === pc) return;
    this.audioWatched = pc;
    const started = Date.now();
    const timer = setInterval(async () => {
      if (pc !== this.pc || this.firstAudioAt !== null || Date.now() - started > 30000) { clearInterval(timer); return; }
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && (s.totalSamplesReceived ?? 0) > 0 && this.firstAudioAt === null) {
          this.firstAudioAt = Date.now();
          mark('first-audio');
        }
      });
    }, 5);
  }

  /**
   * Gives the call this side's devices, opened after it started: their
   * tracks take the places the answer kept for them, with no new offer.
   * @param {MediaStream} stream
   */
  setLocal(stream) {
    this.local = stream;
    if (!this.pc) return;
    for (const tr of this.pc.getTransceivers()) {
      if (tr.mid !== null && tr.mid === this.screenMid) continue;
      const kind = tr.receiver.track.kind;
      const track = stream.getTracks().find((t) => t.kind === kind);
      if (track && tr.sender.track !== track && (tr.direction === 'sendrecv' || tr.direction === 'sendonly')) {
        tr.sender.replaceTrack(track).catch((e) => this.fail(e));
      }
    }
  }

  /**
   * Makes the agent's first offer ahead, on the live queue page before any
   * call: the connection gathers its candidates while the agent waits, and
   * the first offer sends it at once. An ICE restart later uses the ICE
   * servers given to useServers.
   */
  prepare() {
    const pc = this.newPeer();
    this.early = true;
    this.prepared = pc.createOffer().then((offer) => pc.setLocalDescription(offer)).then(() => pc);
    this.prepared.catch(() => {});
  }

  /**
   * Fresh ICE servers for the connection (TURN credentials expire): they
   * serve its later gathering, an ICE restart.
   * @param {RTCIceServer[]} iceServers
   */
  useServers(iceServers) {
    this.iceServers = iceServers;
    try {
      this.pc?.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * The prepared first offer, for the take to carry: the server hands it to
   * the freelancer's page with the call, and the peer message that follows
   * says so (offered), so that the offer does not wait for this page to
   * hear of the call. Null when there is none to carry (not made yet, or
   * an mDNS name in it): this page offers as usual then.
   * @returns {string | null}
   */
  takeOffer() {
    const pc = this.pc;
    const sdp = pc?.localDescription?.sdp ?? '';
    if (!this.early || !pc || pc.signalingState !== 'have-local-offer' || !sdp || /\.local\s/.test(sdp)) return null;
    this.withTake = { pc, candidates: this.earlyCandidates.length };
    mark('offer-sent');
    return sdp;
  }

  /** The agent offers: afresh, or as an ICE restart on the same connection. */
  async offer(restart = false) {
    if (!restart && this.prepared) {
      const prepared = await this.prepared.catch(() => null);
      this.prepared = null;
      this.early = false;
      this.earlyCandidates = [];
      // Its description carries the candidates gathered so far, in one
      // message: sent one by one, thirty-odd candidates at once could
      // overrun the other side's socket (maxQueued in internal/call/hub.go).
      // Those gathered from now on trickle as usual.
      const sdp = prepared?.localDescription?.sdp ?? '';
      // An mDNS name among them (the permission was withdrawn meanwhile,
      // or a browser hides addresses anyway): offer afresh, now that the
      // microphone has been asked for.
      if (prepared && sdp && !/\.local\s/.test(sdp) && prepared === this.pc && prepared.signalingState === 'have-local-offer') {
        this.signal.send('offer', { sdp: { type: 'offer', sdp } });
        mark('offer-sent');
        return;
      }
    }
    this.early = false;
    const pc = restart && this.pc ? this.pc : this.newPeer();
    if (restart) this.iceRestarts++;
    const offer = await pc.createOffer({ iceRestart: restart });
    await pc.setLocalDescription(offer);
    this.signal.send('offer', { sdp: { type: 'offer', sdp: offer.sdp } });
    mark('offer-sent');
  }

  /** @param {RTCSessionDescriptionInit} sdp */
  async onOffer(sdp) {
    mark('offer-received');
    const pc = this.pc && this.pc.connectionState !== 'closed' ? this.pc : this.newPeer();
    await pc.setRemoteDescription(sdp);
    mark('offer-set');
    // The offer's third m-section is the place of the shared screen
    // (newPeer): this side sends on it when it can share, nothing else.
    this.screenMid = [...(sdp.sdp ?? '').matchAll(/^a=mid:(\S+)/gm)][2]?.[1] ?? null;
    const screen = pc.getTransceivers().find((tr) => tr.mid !== null && tr.mid === this.screenMid);
    if (screen && this.shares && screen.direction === 'recvonly') {
      screen.direction = 'sendonly';
      if (this.screen && screen.sender.track !== this.screen) await screen.sender.replaceTrack(this.screen);
    }
    // Send what this side will send even if its devices are not open yet:
    // setLocal puts their tracks in place later, with no new offer.
    for (const tr of pc.getTransceivers()) {
      const kind = tr.receiver.track.kind;
      if (!tr.mid || tr === screen || !this.sends.includes(kind) || tr.direction !== 'recvonly') continue;
      tr.direction = 'sendrecv';
      if (!tr.sender.track) {
        tr.sender.setStreams?.(this.local);
        const track = this.local.getTracks().find((t) => t.kind === kind);
        if (track) await tr.sender.replaceTrack(track);
      }
    }
    // The answer does not wait for the candidates that came with the offer.
    this.flush();
    mark('answer-making');
    const answer = await pc.createAnswer();
    mark('answer-made');
    // Sent as made: setting it here (60-100 ms, gathering starts) goes on
    // while it travels and the agent sets it. Its candidates follow it.
    this.signal.send('answer', { sdp: { type: 'answer', sdp: answer.sdp } });
    mark('answer-sent');
    await pc.setLocalDescription(answer);
    this.dispatchEvent(new Event('answered'));
  }

  /** @param {RTCSessionDescriptionInit} sdp */
  async onAnswer(sdp) {
    mark('answer-received');
    if (!this.pc || this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription(sdp);
    await this.flush();
  }

  /** @param {RTCIceCandidateInit} c */
  onCandidate(c) {
    mark('remote-candidate');
    if (!c.candidate) return;
    if (!this.pc || !this.pc.remoteDescription) {
      this.pending.push(c);
      return;
    }
    this.pc.addIceCandidate(c).catch((e) => this.fail(e));
  }

  /** Adds the candidates that came before the remote description, in order, without waiting on each. */
  flush() {
    const list = this.pending;
    this.pending = [];
    const pc = this.pc;
    return Promise.all(list.map((c) => pc?.addIceCandidate(c).catch((e) => this.fail(e))));
  }

  /**
   * The other side connected (or reconnected). A new session means a fresh
   * page there: start over. The same session after a blip keeps the media,
   * or restarts ICE if it was lost meanwhile.
   * @param {{present: boolean, session?: string}} m
   */
  onPeer(m) {
    mark(m.present ? 'peer' : 'peer-gone');
    this.peerPresent = m.present;
    this.dispatchEvent(new CustomEvent('peer', { detail: m.present }));
    if (!m.present) return;
    const fresh = m.session !== this.peerSession;
    this.peerSession = m.session ?? null;
    if (this.role === 'freelancer') {
      if (fresh && this.pc) {
        this.pc.close();
        this.pc = null;
      }
      return;
    }
    const taken = this.withTake;
    this.withTake = null;
    if (m.offered && taken && taken.pc === this.pc && this.pc.signalingState === 'have-local-offer') {
      // The take carried the offer, and the server handed it to this peer
      // with the call: the candidates gathered since go after it.
      const later = this.earlyCandidates.slice(taken.candidates);
      this.prepared = null;
      this.early = false;
      this.earlyCandidates = [];
      for (const c of later) this.signal.send('candidate', { candidate: c.toJSON() });
      return;
    }
    const state = this.pc?.iceConnectionState;
    if (fresh || !this.pc || state === 'closed') this.offer().catch((e) => this.fail(e));
    else if (state === 'failed' || state === 'disconnected') this.offer(true).catch((e) => this.fail(e));
    else if (this.pc.signalingState === 'have-local-offer' && this.pc.localDescription) {
      // The same page came back before answering: the offer, and the
      // candidates that followed it, may have gone with its socket. Send
      // the offer again, with every candidate gathered since in it.
      this.signal.send('offer', { sdp: { type: 'offer', sdp: this.pc.localDescription.sdp } });
      mark('offer-sent');
    }
  }

  /** The agent heals a lost path with an ICE restart, retrying while it stays lost. @param {RTCPeerConnection} pc */
  onIceState(pc) {
    if (this.role !== 'agent' || pc !== this.pc) return;
    const state = pc.iceConnectionState;
    if (state !== 'disconnected' && state !== 'failed') return;
    const attempt = ++this.restarting;
    setTimeout(() => {
      if (pc !== this.pc || attempt !== this.restarting) return;
      const now = pc.iceConnectionState;
      if (now === 'disconnected' || now === 'failed') {
        this.offer(true).catch((e) => this.fail(e));
        this.onIceState(pc);
      }
    }, state === 'failed' ? 500 : 2000);
  }

  /** Measures the path every two seconds and shares the result with the other side. */
  async measure() {
    if (!this.pc || this.pc.connectionState !== 'connected') return;
    const stats = await this.pc.getStats();
    let rtt = 0, lost = 0, received = 0;
    stats.forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') rtt = s.currentRoundTripTime ?? 0;
      if (s.type === 'inbound-rtp') { lost += s.packetsLost ?? 0; received += s.packetsReceived ?? 0; }
    });
    const lossDelta = lost - (this.lastLost ?? 0), recvDelta = received - (this.lastReceived ?? 0);
    this.lastLost = lost; this.lastReceived = received;
    const loss = recvDelta + lossDelta > 0 ? lossDelta / (recvDelta + lossDelta) : 0;
    /** @type {Quality} */
    const level = rtt > 0.4 || loss > 0.08 ? 'poor' : rtt > 0.2 || loss > 0.02 ? 'fair' : 'good';
    this.dispatchEvent(new CustomEvent('quality', { detail: level }));
    this.signal.send('quality', { level });
  }

  /** Frames of remote video decoded so far: the proof that media flows. */
  async framesDecoded() {
    if (!this.pc) return 0;
    let frames = 0;
    (await this.pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
    });
    return frames;
  }

  /**
   * The freelancer shares a screen (a track from getDisplayMedia), or stops
   * (null): the track takes the screen's place in the connection, with no
   * new offer; a connection made later (the agent's page reloaded) takes
   * it from its first answer.
   * @param {MediaStreamTrack | null} track
   */
  async shareScreen(track) {
    this.screen = track;
    const tr = this.pc?.getTransceivers().find((t) => t.mid !== null && t.mid === this.screenMid);
    if (tr && (tr.direction === 'sendonly' || tr.direction === 'sendrecv') && tr.sender.track !== track) await tr.sender.replaceTrack(track);
  }

  /** The agent's: the track the freelancer's shared screen arrives on, if negotiated. */
  screenTrack() {
    return this.screenTransceiver?.receiver.track ?? null;
  }

  /** Frames of the shared screen the agent's side decoded so far. */
  async screenFramesDecoded() {
    const mid = this.screenTransceiver?.mid;
    if (!this.pc || !mid) return 0;
    let frames = 0;
    (await this.pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && s.mid === mid) frames += s.framesDecoded ?? 0;
    });
    return frames;
  }

  /** The type of the path in use: host, srflx, prflx or relay. */
  async pathType() {
    if (!this.pc) return '';
    const stats = await this.pc.getStats();
    let type = '';
    stats.forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
        type = stats.get(s.localCandidateId)?.candidateType ?? '';
      }
    });
    return type;
  }

  hangUp() {
    this.pc?.close();
    this.pc = null;
  }

  /** Ends this call object: its connection, and its part in the signaling. */
  close() {
    this.closed = true;
    clearInterval(this.measuring);
    this.hangUp();
  }
}
