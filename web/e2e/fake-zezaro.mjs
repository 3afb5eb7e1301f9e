#!/usr/bin/env node
// A throw-away stand-in for `zezaro serve --demo`, for working on the UI
// without the Rust backend: serves web/dist with the production CSP and an
// in-memory version of the /api/v1 contract (only what the UI uses).
//
//   npm run build && ZEZARO_BIN=e2e/fake-zezaro.mjs npm run test:e2e
//   node e2e/fake-zezaro.mjs serve --listen 127.0.0.1:8080   # then open it
//
// It is NOT the contract's reference; the Rust server is.

import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const listenArg = process.argv[process.argv.indexOf('--listen') + 1] || '127.0.0.1:0';
const [host, port] = listenArg.split(':');

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const now = () => new Date().toISOString();
let seq = 100;
const id = () => ++seq;

const clients = [
  { id: 1, name: 'Acme Energie GmbH', created_at: now(), updated_at: now() },
  { id: 2, name: 'Nordlicht Versand AG', created_at: now(), updated_at: now() },
];
const teams = [
  { id: 1, name: 'Team Basic', kind: 'provider', client_id: null, created_at: now() },
  { id: 2, name: 'Team Pro', kind: 'provider', client_id: null, created_at: now() },
  { id: 3, name: 'Acme Service', kind: 'client', client_id: 1, created_at: now() },
];
const mkUser = (i, email, name, role, client_id, team_id, tariff) => ({
  id: i, email, name, role, client_id, team_id, tariff, locale: null, active: true, created_at: now(), updated_at: now(), password: 'zezaro-demo',
});
const users = [
  mkUser(1, 'admin@zezaro.example', 'Platform Admin', 'admin', null, null, null),
  mkUser(2, 'basic.agent@zezaro.example', 'Bea Basic', 'agent', null, 1, 'basic'),
  mkUser(3, 'pro.agent@zezaro.example', 'Paul Pro', 'agent', null, 2, 'pro'),
  mkUser(4, 'lead@zezaro.example', 'Lena Lead', 'project-lead', null, 1, null),
  mkUser(5, 'admin@acme.example', 'Anna Acme', 'client-admin', 1, null, null),
];
const projects = [
  { id: 1, client_id: 1, name: 'Kundenservice Strom', key: 'ACME', description: 'Hotline', active: true, created_at: now(), updated_at: now() },
];
const members = [];
const tokens = [];
const audit = [];
const sessions = new Map(); // sid -> { userId, csrf }
let loginFailures = 0;

const clientName = (cid) => clients.find((c) => c.id === cid)?.name ?? null;
const teamOf = (u) => teams.find((t) => t.id === u.team_id);
const userOut = ({ password, ...u }) => ({ ...u, client_name: clientName(u.client_id), team_name: teamOf(u)?.name ?? null });
const projectOut = (p) => ({ ...p, client_name: clientName(p.client_id), member_count: members.filter((m) => m.project_id === p.id).length });
const memberOut = (m) => {
  const u = users.find((x) => x.id === m.user_id);
  return { ...m, user_name: u.name, user_email: u.email, user_role: u.role, team_kind: teamOf(u)?.kind ?? null, tariff: u.tariff };
};
const me = (u, s) => ({
  user: userOut(u),
  client: u.client_id ? { id: u.client_id, name: clientName(u.client_id) } : null,
  projects: projects.map((p) => ({ id: p.id, name: p.name, key: p.key, client_id: p.client_id, client_name: clientName(p.client_id), member_role: null })),
  csrf_token: s.csrf,
  permissions: { manage_clients: true, manage_projects: true, manage_users: true, manage_teams: true, view_audit: true },
});

class Problem extends Error {
  constructor(status, code, detail, field) {
    super(detail);
    Object.assign(this, { status, code, detail, field });
  }
}
const notFound = () => new Problem(404, 'not-found', 'Not found');
const find = (list, i) => list.find((x) => x.id === Number(i)) ?? (() => { throw notFound(); })();
const log = (req, u, action, object_type, object_id, details = {}) =>
  audit.unshift({ id: id(), at: now(), actor_id: u?.id ?? null, actor_email: u?.email ?? null, action, object_type, object_id, client_id: null, ip: req.socket.remoteAddress, details });

async function api(req, res, path, body) {
  const sid = /zezaro_session=([^;]+)/.exec(req.headers.cookie || '')?.[1];
  const s = sid && sessions.get(sid);
  const u = s && users.find((x) => x.id === s.userId);
  const m = req.method;
  const send = (status, data, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(data === undefined ? '' : JSON.stringify(data));
  };

  if (path === '/auth/login' && m === 'POST') {
    if (loginFailures >= 5) throw new Problem(429, 'too-many-attempts', 'Too many failed logins');
    const user = users.find((x) => x.email === body.email && x.password === body.password && x.active);
    if (!user) {
      loginFailures++;
      throw new Problem(401, 'invalid-credentials', 'Invalid e-mail or password');
    }
    const nsid = randomBytes(16).toString('hex');
    const ns = { userId: user.id, csrf: randomBytes(16).toString('hex') };
    sessions.set(nsid, ns);
    log(req, user, 'login', 'session', user.id);
    return send(200, me(user, ns), { 'Set-Cookie': `zezaro_session=${nsid}; HttpOnly; Path=/; SameSite=Strict` });
  }
  if (!u) throw new Problem(401, 'unauthenticated', 'Not logged in');
  if (m !== 'GET' && req.headers['x-csrf-token'] !== s.csrf) throw new Problem(403, 'csrf', 'Bad CSRF token');

  let r;
  if (path === '/auth/logout' && m === 'POST') {
    sessions.delete(sid);
    return send(204);
  }
  if (path === '/me' && m === 'GET') return send(200, me(u, s));
  if (path === '/me' && m === 'PATCH') {
    u.locale = body.locale;
    return send(200, userOut(u));
  }
  if (path === '/me/tokens' && m === 'GET') return send(200, { items: tokens.filter((t) => t.user_id === u.id) });
  if (path === '/me/tokens' && m === 'POST') {
    const t = { id: id(), name: body.name, created_at: now(), last_used_at: null, user_id: u.id };
    tokens.push(t);
    return send(201, { ...t, token: 'zzt_' + randomBytes(20).toString('hex') });
  }
  if ((r = path.match(/^\/me\/tokens\/(\d+)$/)) && m === 'DELETE') {
    tokens.splice(tokens.indexOf(find(tokens, r[1])), 1);
    return send(204);
  }
  if (path === '/clients' && m === 'GET')
    return send(200, { items: clients.map((c) => ({ ...c, project_count: projects.filter((p) => p.client_id === c.id).length })) });
  if (path === '/clients' && m === 'POST') {
    if (!body.name) throw new Problem(422, 'validation', 'must not be empty', 'name');
    const c = { id: id(), name: body.name, created_at: now(), updated_at: now() };
    clients.push(c);
    return send(201, { ...c, project_count: 0 });
  }
  if ((r = path.match(/^\/clients\/(\d+)$/))) {
    const c = find(clients, r[1]);
    if (m === 'PATCH') Object.assign(c, { name: body.name, updated_at: now() });
    if (m === 'DELETE') {
      if (projects.some((p) => p.client_id === c.id)) throw new Problem(409, 'client-not-empty', 'Client has projects');
      clients.splice(clients.indexOf(c), 1);
      return send(204);
    }
    return send(200, { ...c, project_count: 0 });
  }
  if (path === '/projects' && m === 'GET') return send(200, { items: projects.map(projectOut) });
  if (path === '/projects' && m === 'POST') {
    if (!/^[A-Z0-9]{2,10}$/.test(body.key || '')) throw new Problem(422, 'validation', 'must be 2–10 capital letters or digits', 'key');
    if (projects.some((p) => p.key === body.key)) throw new Problem(409, 'duplicate', 'Key already used', 'key');
    find(clients, body.client_id);
    const p = { id: id(), client_id: body.client_id, name: body.name, key: body.key, description: body.description ?? null, active: true, created_at: now(), updated_at: now() };
    projects.push(p);
    log(req, u, 'create', 'project', p.id, { key: p.key });
    return send(201, projectOut(p));
  }
  if ((r = path.match(/^\/projects\/(\d+)$/))) {
    const p = find(projects, r[1]);
    if (m === 'PATCH') Object.assign(p, body, { updated_at: now() });
    if (m === 'DELETE') {
      projects.splice(projects.indexOf(p), 1);
      return send(204);
    }
    return send(200, projectOut(p));
  }
  if ((r = path.match(/^\/projects\/(\d+)\/members$/)) && m === 'GET') {
    const p = find(projects, r[1]);
    return send(200, { items: members.filter((x) => x.project_id === p.id).map(memberOut) });
  }
  if ((r = path.match(/^\/projects\/(\d+)\/members\/(\d+)$/))) {
    const p = find(projects, r[1]);
    const mu = find(users, r[2]);
    const existing = members.find((x) => x.project_id === p.id && x.user_id === mu.id);
    if (m === 'DELETE') {
      if (!existing) throw notFound();
      members.splice(members.indexOf(existing), 1);
      return send(204);
    }
    if (mu.tariff === 'pro' && members.some((x) => x.user_id === mu.id && find(projects, x.project_id).client_id !== p.client_id))
      throw new Problem(409, 'pro-agent-exclusive', 'Pro agent is bound to another client');
    if (existing) existing.member_role = body.role;
    else members.push({ project_id: p.id, user_id: mu.id, member_role: body.role, created_at: now() });
    log(req, u, 'add-member', 'project', p.id, { user_id: mu.id, role: body.role });
    return send(200, memberOut(members.find((x) => x.project_id === p.id && x.user_id === mu.id)));
  }
  if (path.startsWith('/users') && m === 'GET' && !path.match(/\d/)) return send(200, { items: users.map(userOut) });
  if (path === '/users' && m === 'POST') {
    if (users.some((x) => x.email === body.email)) throw new Problem(409, 'duplicate', 'E-mail already used', 'email');
    const nu = mkUser(id(), body.email, body.name, body.role, body.client_id ?? null, body.team_id ?? null, body.tariff ?? null);
    nu.password = body.password;
    users.push(nu);
    return send(201, userOut(nu));
  }
  if ((r = path.match(/^\/users\/(\d+)$/))) {
    const x = find(users, r[1]);
    if (m === 'PATCH') Object.assign(x, body, { updated_at: now() });
    if (m === 'DELETE') {
      x.active = false;
      return send(204);
    }
    return send(200, userOut(x));
  }
  const teamOut = (t) => ({ ...t, client_name: clientName(t.client_id), member_count: users.filter((x) => x.team_id === t.id).length });
  if (path === '/teams' && m === 'GET') return send(200, { items: teams.map(teamOut) });
  if (path === '/teams' && m === 'POST') {
    const t = { id: id(), name: body.name, kind: body.kind, client_id: body.client_id ?? null, created_at: now() };
    teams.push(t);
    return send(201, teamOut(t));
  }
  if ((r = path.match(/^\/teams\/(\d+)$/))) {
    const t = find(teams, r[1]);
    if (m === 'PATCH') t.name = body.name;
    if (m === 'DELETE') {
      if (users.some((x) => x.team_id === t.id)) throw new Problem(409, 'team-not-empty', 'Team has members');
      teams.splice(teams.indexOf(t), 1);
      return send(204);
    }
    return send(200, teamOut(t));
  }
  if (path === '/audit' && m === 'GET') {
    const q = new URL(req.url, 'http://x').searchParams;
    const limit = Number(q.get('limit') || 50);
    const before = Number(q.get('before_id') || Infinity);
    const ty = q.get('object_type');
    const rows = audit.filter((a) => a.id < before && (!ty || a.object_type === ty));
    const items = rows.slice(0, limit);
    return send(200, { items, next_before_id: rows.length > limit ? items[items.length - 1].id : null });
  }
  throw notFound();
}

const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml' };

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  res.setHeader('Content-Security-Policy', CSP);
  if (url.pathname.startsWith('/api/v1/')) {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      try {
        const body = raw ? JSON.parse(raw) : {};
        await api(req, res, url.pathname.slice('/api/v1'.length), body);
      } catch (e) {
        const status = e instanceof Problem ? e.status : 500;
        res.writeHead(status, { 'Content-Type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Error', status, detail: e.message, code: e.code ?? 'internal', field: e.field }));
      }
    });
    return;
  }
  if (url.pathname.startsWith('/api/docs')) {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    return res.end('API docs would be here');
  }
  const file = join(dist, url.pathname);
  const isFile = url.pathname !== '/' && file.startsWith(dist) && existsSync(file) && extname(file);
  const path = isFile ? file : join(dist, 'index.html');
  res.writeHead(200, { 'Content-Type': types[extname(path)] ?? 'application/octet-stream' });
  res.end(readFileSync(path));
});

server.listen(Number(port), host, () => {
  console.log(`Listening on http://${host}:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
