// The console: a public OAuth2 client (authorization code + PKCE) of the authorization server behind
// /oauth2, then plain calls to /api/v1 with the access token. The token lives in this tab only.
const CLIENT_ID = 'meridian-console';
const REDIRECT = location.origin + '/console/callback';
const store = sessionStorage;

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function signIn() {
  const verifier = randomString();
  const state = randomString();
  store.setItem('pkce.verifier', verifier);
  store.setItem('pkce.state', state);
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({ response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT, scope: 'openid email',
    state, code_challenge: challenge, code_challenge_method: 'S256' });
  const org = new URLSearchParams(location.search).get('org');
  if (org) query.set('org', org);
  location.assign('/oauth2/authorize?' + query);
}

async function exchange(params) {
  if (params.get('state') !== store.getItem('pkce.state')) throw new Error('the sign-in answer does not match this tab; sign in again');
  const answer = await fetch('/oauth2/token', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, code: params.get('code'), redirect_uri: REDIRECT,
      code_verifier: store.getItem('pkce.verifier') }) });
  if (!answer.ok) throw new Error('sign-in failed (' + answer.status + '); sign in again');
  const token = await answer.json();
  store.setItem('token', token.access_token);
  store.setItem('token.expires', String(Date.now() + token.expires_in * 1000));
  store.removeItem('pkce.verifier');
  store.removeItem('pkce.state');
  history.replaceState(null, '', '/');
}

function claims(token) {
  return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
}

async function api(path, options = {}) {
  const answer = await fetch('/api/v1' + path, { ...options,
    headers: { 'Authorization': 'Bearer ' + store.getItem('token'), 'Content-Type': 'application/json', ...(options.headers || {}) } });
  if (answer.status === 401) { store.removeItem('token'); await signIn(); throw new Error('signing in again'); }
  const body = answer.status === 204 ? null : await answer.json();
  return { status: answer.status, ok: answer.ok, body };
}

function row(table, cells) {
  const tr = document.createElement('tr');
  cells.forEach(text => { const td = document.createElement('td'); td.textContent = text ?? ''; tr.append(td); });
  document.querySelector('#' + table + ' tbody').append(tr);
}

function clear(table) {
  document.querySelector('#' + table + ' tbody').replaceChildren();
}

async function showKeys(org) {
  const keys = await api('/orgs/' + org + '/api-keys');
  clear('key-list');
  (keys.body.items || []).filter(k => !k.revokedAt).forEach(k => row('key-list', [k.name, k.role, k.clientId, k.createdAt]));
}

async function showMembers(org) {
  const members = await api('/orgs/' + org + '/members');
  clear('member-list');
  members.body.items.forEach(m => row('member-list', [m.email, m.role, m.joinedAt]));
  members.body.invitations.forEach(i => row('member-list', [i.email, i.role + ' (invited)', 'until ' + i.expiresAt]));
}

async function home() {
  const me = claims(store.getItem('token'));
  const status = document.getElementById('status');
  if (!me.org) {
    status.textContent = 'Your account belongs to no organisation. Ask an owner for an invitation, or create one at /signup.';
    return;
  }
  document.getElementById('who').textContent = me.email + ' · ' + me.role + ' ';
  const org = await api('/orgs/' + me.org);
  document.getElementById('org-name').textContent = org.body.name + ' (' + me.org + ')';
  const projects = await api('/orgs/' + me.org + '/projects');
  const items = projects.body.items || [];
  items.forEach(p => row('projects', [p.id, p.name, p.description]));
  document.getElementById('no-projects').hidden = items.length > 0;
  const recent = [];
  for (const p of items) {
    for (const domain of ['development', 'staging', 'production']) {
      const list = await api('/orgs/' + me.org + '/projects/' + p.id + '/domains/' + domain + '/executions?limit=10');
      (list.body.items || []).forEach(e => recent.push({ ...e, where: p.id + ' / ' + domain }));
    }
  }
  recent.sort((a, b) => String(b.createdAt || '').localeCompare(String(a.createdAt || '')));
  recent.slice(0, 20).forEach(e => row('executions', [e.id, e.where, e.phase, e.createdAt]));
  document.getElementById('no-executions').hidden = recent.length > 0;
  if (me.role === 'admin' || me.role === 'owner') {
    document.getElementById('keys').hidden = false;
    document.getElementById('members').hidden = false;
    await showKeys(me.org);
    await showMembers(me.org);
  }
  status.hidden = true;
  document.getElementById('home').hidden = false;

  document.getElementById('new-key').addEventListener('submit', async e => {
    e.preventDefault();
    const created = await api('/orgs/' + me.org + '/api-keys', { method: 'POST',
      body: JSON.stringify({ name: document.getElementById('key-name').value, role: document.getElementById('key-role').value }) });
    if (!created.ok) { document.getElementById('key-error').textContent = created.body.detail; return; }
    document.getElementById('new-key-client-id').textContent = created.body.clientId;
    document.getElementById('new-key-secret').textContent = created.body.clientSecret;
    document.getElementById('new-key-shown').hidden = false;
    await showKeys(me.org);
  });
  document.getElementById('invite').addEventListener('submit', async e => {
    e.preventDefault();
    const invited = await api('/orgs/' + me.org + '/members', { method: 'POST',
      body: JSON.stringify({ email: document.getElementById('invite-email').value, role: document.getElementById('invite-role').value }) });
    document.getElementById('invite-error').textContent = invited.ok ? '' : ((invited.body.errors && invited.body.errors[0].message) || invited.body.detail);
    await showMembers(me.org);
  });
}

(async () => {
  const params = new URLSearchParams(location.search);
  try {
    if (location.pathname === '/console/callback' && params.get('code')) await exchange(params);
    const expires = Number(store.getItem('token.expires') || 0);
    if (!store.getItem('token') || expires < Date.now() + 30000) { await signIn(); return; }
    await home();
  } catch (err) {
    document.getElementById('status').textContent = err.message;
  }
})();

document.getElementById('sign-out-form').addEventListener('submit', () => store.clear());
