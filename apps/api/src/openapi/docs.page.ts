/**
 * A self-contained page (no CDN, no external file: it works offline) that renders the OpenAPI
 * document embedded in it: operations by tag with their parameters, body schema, examples and
 * responses, and a "try it" form that calls the API from the browser with a key you paste.
 */
export function renderDocsPage(document: Record<string, unknown>): string {
  const info = document['info'] as { title: string; version: string };
  // JSON inside <script>: escape '<' so no string in it can close the element.
  const embedded = JSON.stringify(document).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} ${escapeHtml(info.version)} — API</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f6f7f9; }
  header { background: #1d232a; color: #fff; padding: 14px 24px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; } header a { color: #9cd; }
  header input { font: inherit; padding: 4px 8px; width: 320px; }
  main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
  h2 { margin: 28px 0 8px; text-transform: capitalize; }
  details.op { background: #fff; border: 1px solid #d8dde3; border-radius: 6px; margin: 6px 0; }
  details.op > summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 12px; align-items: baseline; }
  .m { font: 600 12px ui-monospace, monospace; text-transform: uppercase; padding: 2px 8px; border-radius: 4px; color: #fff; min-width: 48px; text-align: center; }
  .get { background: #2f7dd1; } .post { background: #2e9d5b; } .put, .patch { background: #c98a12; } .delete { background: #c43c3c; }
  .path { font-family: ui-monospace, monospace; font-weight: 600; } .sum { color: #56606b; } .auth { margin-left: auto; font-size: 12px; color: #56606b; }
  .body { padding: 0 16px 12px; border-top: 1px solid #eef0f3; }
  table { border-collapse: collapse; width: 100%; margin: 6px 0; } td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
  pre { background: #f3f5f8; padding: 8px; overflow: auto; max-height: 360px; border-radius: 4px; font-size: 12px; }
  textarea { width: 100%; min-height: 120px; font: 12px ui-monospace, monospace; } input.p { width: 100%; box-sizing: border-box; }
  button { font: inherit; padding: 4px 14px; cursor: pointer; } h4 { margin: 14px 0 4px; }
</style>
</head>
<body>
<header>
  <h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
  <a href="openapi.json">openapi.json</a>
  <label>API key <input id="key" type="password" autocomplete="off" placeholder="for “try it” (kept in this tab only)"></label>
</header>
<main id="root"><noscript>This page renders with JavaScript; the document itself is <a href="openapi.json">openapi.json</a>.</noscript></main>
<script type="application/json" id="openapi">${embedded}</script>
<script>
(() => {
  const doc = JSON.parse(document.getElementById('openapi').textContent);
  const keyInput = document.getElementById('key');
  keyInput.value = sessionStorage.getItem('pe-key') || '';
  keyInput.addEventListener('input', () => sessionStorage.setItem('pe-key', keyInput.value));
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) k === 'class' ? (node.className = v) : node.setAttribute(k, v);
    for (const child of children) if (child != null) node.append(child instanceof Node ? child : String(child));
    return node;
  };
  const json = (value) => el('pre', {}, JSON.stringify(value, null, 2));
  // Shared schemas (components) are shown in place, each named: a reader sees every field without following references.
  const inline = (schema, seen = []) => {
    if (Array.isArray(schema)) return schema.map((item) => inline(item, seen));
    if (!schema || typeof schema !== 'object') return schema;
    const ref = typeof schema.$ref === 'string' && schema.$ref.startsWith('#/components/schemas/') ? schema.$ref.slice(21) : null;
    if (ref && !seen.includes(ref) && doc.components.schemas[ref]) {
      const { $ref, ...rest } = schema;
      return { title: ref, ...inline(doc.components.schemas[ref], [...seen, ref]), ...rest };
    }
    return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, inline(value, seen)]));
  };
  const root = document.getElementById('root');
  root.textContent = '';
  if (doc.info.description) root.append(el('p', {}, doc.info.description));
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const tag = (op.tags && op.tags[0]) || 'other';
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push({ path, method, op });
  }
  for (const [tag, ops] of byTag) {
    root.append(el('h2', {}, tag));
    for (const { path, method, op } of ops) root.append(operation(path, method, op));
  }
  function operation(path, method, op) {
    const body = el('div', { class: 'body' });
    if (op.description) body.append(el('p', {}, op.description));
    const params = op.parameters || [];
    const inputs = {};
    if (params.length) {
      const table = el('table', {}, el('tr', {}, el('th', {}, 'parameter'), el('th', {}, 'in'), el('th', {}, 'schema'), el('th', {}, 'value')));
      for (const p of params) {
        const input = el('input', { class: 'p', placeholder: p.required ? 'required' : '' });
        inputs[p.name] = { input, where: p.in };
        table.append(el('tr', {}, el('td', {}, p.name + (p.required ? ' *' : '')), el('td', {}, p.in), el('td', {}, el('code', {}, JSON.stringify(p.schema))), el('td', {}, input)));
      }
      body.append(el('h4', {}, 'Parameters'), table);
    }
    let textarea = null;
    const content = op.requestBody && op.requestBody.content['application/json'];
    if (content) {
      const examples = Object.values(content.examples || {}).map((e) => e.value);
      body.append(el('h4', {}, 'Request body (application/json)'), el('details', {}, el('summary', {}, 'schema'), json(inline(content.schema))));
      textarea = el('textarea', {}, examples.length ? JSON.stringify(examples[0], null, 2) : '{}');
      body.append(textarea);
    }
    body.append(el('h4', {}, 'Responses'));
    const responses = el('table', {});
    for (const [status, r] of Object.entries(op.responses || {})) {
      const schema = r.content && Object.values(r.content)[0] && Object.values(r.content)[0].schema;
      responses.append(el('tr', {}, el('td', {}, status), el('td', {}, r.description, schema ? el('details', {}, el('summary', {}, 'schema'), json(inline(schema))) : null)));
    }
    body.append(responses);
    const out = el('pre', {}, '');
    const send = el('button', {}, 'Try it');
    send.addEventListener('click', async () => {
      let url = path;
      const query = new URLSearchParams();
      for (const [name, { input, where }] of Object.entries(inputs)) {
        if (where === 'path') url = url.replace('{' + name + '}', encodeURIComponent(input.value));
        else if (input.value !== '') query.set(name, input.value);
      }
      const headers = {};
      if (keyInput.value) headers['x-api-key'] = keyInput.value;
      if (textarea) headers['content-type'] = 'application/json';
      out.textContent = '…';
      try {
        const res = await fetch(url + (query.size ? '?' + query : ''), { method: method.toUpperCase(), headers, body: textarea ? textarea.value : undefined });
        const text = await res.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
        out.textContent = res.status + ' ' + res.statusText + '\\n' + shown;
      } catch (error) { out.textContent = String(error); }
    });
    body.append(el('h4', {}, 'Try it'), send, out);
    const auth = (op['x-auth'] && op['x-auth'] !== 'none' ? 'auth: ' + op['x-auth'] : 'public') + (op['x-cors'] ? ' · CORS' : '');
    return el('details', { class: 'op' }, el('summary', {}, el('span', { class: 'm ' + method }, method), el('span', { class: 'path' }, path), el('span', { class: 'sum' }, op.summary || ''), el('span', { class: 'auth' }, auth)), body);
  }
})();
</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
