// Inline SVG charts, drawn with DOM calls: labels are text nodes, so
// nothing from the network is ever parsed as markup.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

// barChart draws one horizontal bar per item ({label, value}), labelled
// with format(value), into the container element.
export function barChart(container, items, format) {
  const rowH = 26;
  const width = 960;
  const labelW = 70;
  const valueW = 110;
  const max = Math.max(1, ...items.map((i) => i.value));
  const root = svg('svg', { viewBox: `0 0 ${width} ${Math.max(rowH, items.length * rowH)}`, role: 'img' });
  root.append(svg('title', {}, 'bar chart'));
  items.forEach((item, i) => {
    const y = i * rowH;
    const w = Math.max(1, (width - labelW - valueW) * item.value / max);
    root.append(
      svg('text', { x: 0, y: y + 17, class: 'label' }, item.label),
      svg('rect', { x: labelW, y: y + 4, width: w.toFixed(1), height: rowH - 8, class: 'bar' }),
      svg('text', { x: labelW + w + 6, y: y + 17, class: 'value' }, format(item.value)),
    );
  });
  container.replaceChildren(root);
  container.dataset.bars = String(items.length);
}

// lineChart draws points ({t: ms, v: number}) as a line over time, with
// the latest value labelled by format(v).
export function lineChart(container, points, format) {
  const width = 960;
  const height = 240;
  const pad = 30;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' });
  root.append(svg('title', {}, 'line chart'));
  root.append(svg('line', { x1: pad, y1: height - pad, x2: width - 10, y2: height - pad, class: 'axis' }));
  if (points.length > 0) {
    const t0 = points[0].t;
    const span = Math.max(1, points[points.length - 1].t - t0);
    const max = Math.max(1, ...points.map((p) => p.v));
    const x = (p) => pad + (width - pad - 10) * (p.t - t0) / span;
    const y = (p) => height - pad - (height - 2 * pad) * p.v / max;
    const d = points.map((p, i) => (i ? 'L' : 'M') + x(p).toFixed(1) + ' ' + y(p).toFixed(1)).join(' ');
    root.append(svg('path', { d, class: 'line' }));
    const last = points[points.length - 1];
    root.append(svg('text', { x: pad, y: 16, class: 'value' }, 'now ' + format(last.v)));
  }
  container.replaceChildren(root);
  container.dataset.samples = String(points.length);
}
