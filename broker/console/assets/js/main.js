// SpareLink buyer console: signs in with an API key and switches between
// the views, each of which reads and changes the account through the
// broker's REST API only.

import { $, on, setText } from './dom.js';
import { get, keyID, onUnauthorized, savedKey, scope, setKey } from './api.js';
import { clearProblem, showProblem } from './problem.js';
import { go, register } from './nav.js';
import * as supply from './supply.js';
import * as quote from './quote.js';
import * as leases from './leases.js';
import * as usage from './usage.js';
import * as balance from './balance.js';
import * as keys from './keys.js';
import * as webhooks from './webhooks.js';

const views = { supply, quote, leases, usage, balance, keys, webhooks };
let signedIn = false;

function showConsole(on) {
  signedIn = on;
  $('login').hidden = on;
  $('main').hidden = !on;
  $('nav').hidden = !on;
  $('who').hidden = !on;
  $('signout-btn').hidden = !on;
}

async function signIn(candidate) {
  clearProblem('login-error');
  setKey(candidate.trim());
  try {
    await get('/v1/balance'); // any valid key may read its balance
  } catch (err) {
    setKey('');
    showProblem('login-error', err);
    return;
  }
  $('key').value = '';
  setText('who', `${scope() || 'unknown'} key ${keyID()}`);
  showConsole(true);
  go('supply');
}

function signOut(err) {
  setKey('');
  showConsole(false);
  if (err) showProblem('login-error', err);
}

function init() {
  for (const [name, v] of Object.entries(views)) {
    v.init();
    register(name, v.show);
  }
  for (const b of document.querySelectorAll('#nav button')) {
    b.addEventListener('click', () => go(b.dataset.view));
  }
  on('login-form', 'submit', () => signIn($('key').value));
  on('signout-btn', 'click', () => signOut(null));
  onUnauthorized((err) => {
    if (signedIn) signOut(err);
  });
  if (savedKey()) signIn(savedKey());
}

init();
