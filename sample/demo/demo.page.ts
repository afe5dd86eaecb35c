/**
 * The browser demo: one page, no framework. It logs in with cookie mode (the tokens stay in
 * HttpOnly cookies the page cannot read), shows the profile, refreshes silently when the access
 * token expires, lists and revokes sessions, and logs out. Unsafe requests echo the readable
 * CSRF cookie in the X-CSRF-Token header.
 */
export function demoPage(authPrefix: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nest-jwt-security demo</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; color: #222; }
  section { border: 1px solid #ddd; border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
  button { font: inherit; padding: .3rem .8rem; margin-right: .4rem; }
  input { font: inherit; padding: .3rem; margin-right: .4rem; width: 10rem; }
  pre { background: #f6f6f6; padding: .75rem; overflow-x: auto; }
  #status { min-height: 1.5em; color: #555; }
  .current { font-weight: bold; }
  [hidden] { display: none; }
</style>
</head>
<body>
<h1>nest-jwt-security</h1>
<p>Log in as <code>user1</code> / <code>passwd</code> or <code>admin</code> / <code>admin</code>.
Tokens live in HttpOnly cookies; this page never sees them.</p>

<section id="login-box">
  <h2>Log in</h2>
  <form id="login-form">
    <input id="login" name="login" placeholder="login" autocomplete="username">
    <input id="password" name="password" type="password" placeholder="password" autocomplete="current-password">
    <button id="login-button" type="submit">Log in</button>
  </form>
</section>

<section id="app" hidden>
  <h2>Profile</h2>
  <button id="profile-button">Reload profile</button>
  <button id="logout-button">Log out</button>
  <pre id="profile"></pre>
  <h2>Sessions</h2>
  <button id="sessions-button">Reload sessions</button>
  <ul id="sessions"></ul>
</section>

<p id="status" role="status"></p>

<script type="module">
const AUTH = '/${authPrefix}';
const $ = (id) => document.getElementById(id);
const cookie = (name) => document.cookie.split('; ').find((c) => c.startsWith(name + '='))?.slice(name.length + 1);
const say = (text) => { $('status').textContent = text; };
let refreshes = 0;

async function send(path, { method = 'GET', body, csrf } = {}) {
  const headers = {};
  if (body) headers['content-type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = decodeURIComponent(cookie(csrf) ?? '');
  const response = await fetch(path, { method, headers, body: body && JSON.stringify(body), credentials: 'same-origin' });
  const data = response.status === 204 ? null : await response.json();
  return { status: response.status, data };
}

/** Calls an API route; an expired access token is refreshed once, silently, then retried. */
async function api(path, options = {}) {
  const request = { ...options, csrf: options.method && options.method !== 'GET' ? 'csrf_access_token' : undefined };
  let answer = await send(path, request);
  if (answer.status === 401 && answer.data?.code === 'token_expired') {
    const refreshed = await send(AUTH + '/refresh', { method: 'POST', csrf: 'csrf_refresh_token' });
    if (refreshed.status !== 200) return refreshed;
    refreshes += 1;
    $('profile').dataset.refreshes = String(refreshes);
    answer = await send(path, request);
  }
  return answer;
}

function show(loggedIn) {
  $('login-box').hidden = loggedIn;
  $('app').hidden = !loggedIn;
}

async function loadProfile() {
  const { status, data } = await api('/profile');
  if (status !== 200) { show(false); say('Please log in (' + (data?.code ?? status) + ').'); return; }
  $('profile').textContent = JSON.stringify(data, null, 2);
  say('Signed in as ' + data.sub + (refreshes ? ' (token refreshed ' + refreshes + '×)' : ''));
}

async function loadSessions() {
  const { status, data } = await api(AUTH + '/sessions');
  const list = $('sessions');
  list.replaceChildren();
  if (status !== 200) return;
  for (const session of data) {
    const item = document.createElement('li');
    item.dataset.session = session.id;
    item.className = session.current ? 'current' : '';
    item.textContent = (session.current ? 'this browser' : session.userAgent ?? 'unknown') + ' · since ' + new Date(session.createdAt).toLocaleString() + ' ';
    if (!session.current) {
      const revoke = document.createElement('button');
      revoke.textContent = 'Revoke';
      revoke.className = 'revoke';
      revoke.onclick = async () => {
        const answer = await api(AUTH + '/sessions/' + encodeURIComponent(session.id), { method: 'DELETE' });
        say(answer.status === 204 ? 'Session revoked.' : 'Could not revoke: ' + (answer.data?.code ?? answer.status));
        await loadSessions();
      };
      item.append(revoke);
    }
    list.append(item);
  }
}

$('login-form').onsubmit = async (event) => {
  event.preventDefault();
  const answer = await send(AUTH + '/login', { method: 'POST', body: { login: $('login').value, password: $('password').value } });
  if (answer.status !== 200) { say('Login refused: ' + answer.data?.code); return; }
  show(true);
  await loadProfile();
  await loadSessions();
};
$('profile-button').onclick = loadProfile;
$('sessions-button').onclick = loadSessions;
$('logout-button').onclick = async () => {
  const answer = await api(AUTH + '/logout', { method: 'POST' });
  show(false);
  say(answer.status === 200 ? 'Logged out.' : 'Logout failed: ' + answer.data?.code);
};

loadProfile().then(() => { if (!$('app').hidden) return loadSessions(); });
</script>
</body>
</html>
`;
}
