// @ts-check
/**
 * Presence is the agent's, not the tab's: every console page keeps a
 * signaling socket open, so that an agent who went online stays online
 * while any console tab is open (docs/SIGNALING.md, "Presence"). The live
 * queue and the call pages hold their own socket (console.js); the others
 * open a presence-only one, which is never seated in a call.
 */
import { Signal } from './signal.js';

if (!document.getElementById('console')) new Signal('/agent/ws?presence=1');
