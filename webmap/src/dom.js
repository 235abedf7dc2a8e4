// dom.js builds elements without innerHTML: text always goes in as text
// nodes, so strings from the server can never become markup.

// h creates an element. props: class, testid, dataset, style (object),
// on<event> handlers, the properties value/checked/disabled/hidden/selected,
// and any other attribute. Children may be strings, numbers, nodes, arrays
// or null/false (skipped).
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'open']);

function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

// append adds children (see h) to el.
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// clear removes every child of el.
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// byId returns the element with the id or throws: the page skeleton is ours.
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el;
}

// definitionList builds a <dl> of [term, value] rows, skipping empty values.
export function definitionList(rows, className = 'facts') {
  const dl = h('dl', { class: className });
  for (const [term, value] of rows) {
    if (value === undefined || value === null || value === '') continue;
    append(dl, [h('dt', {}, term), h('dd', {}, value)]);
  }
  return dl;
}

// confirmTwice makes button ask once before it acts: the first click turns
// it into its confirm form (data-confirm="true", testid, text), the second
// disables it and runs action. It returns button.
export function confirmTwice(button, testid, text, action) {
  button.addEventListener('click', async () => {
    if (button.dataset.confirm !== 'true') {
      button.dataset.confirm = 'true';
      button.dataset.testid = testid;
      button.textContent = text;
      return;
    }
    button.disabled = true;
    await action();
  });
  return button;
}
