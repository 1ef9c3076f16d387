// @ts-check
/**
 * Presence is the agent's, not the tab's: every console page keeps a
 * signaling socket open, so that an agent who went online stays online
 * while any console tab is open (docs/SIGNALING.md, "Presence"). The live
 * queue and the call pages hold their own socket (console.js); the others
 * open a presence-only one, which is never seated in a call.
 *
 * A booked call may start while the agent is on such a page: the page says
 * so at the top, with the way into the call, and leaves whatever the agent
 * was typing where it is.
 */
import { Signal } from './signal.js';
import { t } from './text.js';

if (!document.getElementById('console')) {
  const signal = new Signal('/agent/ws?presence=1');
  // Welcomed: the server counts this page as the agent's (tests wait on it).
  signal.on('welcome', () => { document.documentElement.dataset.presence = 'connected'; });
  signal.on('call', () => {
    if (document.getElementById('call-started')) return;
    const notice = document.createElement('div');
    notice.id = 'call-started';
    notice.className = 'notice warn';
    notice.setAttribute('role', 'alert');
    const p = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = t('js.console.booked_started');
    const link = document.createElement('a');
    link.href = '/agent';
    link.textContent = t('js.console.open_call');
    link.dataset.test = 'open-booked-call';
    p.append(strong, ' ', t('js.console.freelancer_waiting'), ' ', link);
    notice.append(p);
    // Announced, not focused: the agent may be typing a note.
    document.getElementById('main')?.prepend(notice);
  });
}
