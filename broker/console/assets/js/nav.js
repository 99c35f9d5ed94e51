// Switching between views. Each view module registers a show function;
// go hides the other views and shows one, passing it an argument (a
// lease ID, for instance).

import { $ } from './dom.js';

const views = new Map();
let current = '';

// register makes the view named name switchable; show(arg) refreshes it.
export function register(name, show) {
  views.set(name, show);
}

// go shows the view named name.
export function go(name, arg) {
  if (!views.has(name)) return;
  current = name;
  for (const v of views.keys()) $('view-' + v).hidden = v !== name;
  for (const b of document.querySelectorAll('#nav button')) {
    b.classList.toggle('active', b.dataset.view === name);
  }
  views.get(name)(arg);
}

// active is the name of the view on screen.
export const active = () => current;
