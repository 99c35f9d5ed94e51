// DOM helpers. Everything that comes from the user or the network goes
// into the page as text (textContent, attribute values), never as markup.

export const $ = (id) => document.getElementById(id);

// el builds an element: attrs are set as attributes (or, for "text", as
// its text), children are nodes or strings appended as text.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'text') {
      node.textContent = String(value);
    } else if (value !== undefined && value !== null && value !== false) {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// row builds a table row of text cells; a Node is placed as it is.
export function row(...cells) {
  return el('tr', {}, ...cells.map((c) => el('td', {}, c instanceof Node ? c : String(c))));
}

// fill replaces the children of the element with id.
export function fill(id, nodes) {
  $(id).replaceChildren(...nodes);
}

// setText sets the text of the element with id.
export function setText(id, text) {
  $(id).textContent = String(text);
}

// button makes a button that runs onClick.
export function button(label, onClick, attrs = {}) {
  const b = el('button', { type: 'button', ...attrs, text: label });
  b.addEventListener('click', onClick);
  return b;
}

// on wires an event on the element with id; submit events do not
// navigate.
export function on(id, type, handler) {
  $(id).addEventListener(type, (event) => {
    if (type === 'submit') event.preventDefault();
    handler(event);
  });
}
