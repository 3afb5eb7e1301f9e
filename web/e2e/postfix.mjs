// A real, throwaway Postfix for browser tests, as tests/common/postfix.rs
// runs it for the Rust tests: its own config directory, queue and Maildir
// in a temp dir, plain SMTP on a free loopback port, every recipient
// delivered into one Maildir that the test reads. Needs root (as the Rust
// harness) and Debian's postfix package.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POSTFIX = '/usr/sbin/postfix';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const MASTER_CF = (port) => `127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`;

/** Starts a Postfix; `{ port, delivered(), waitFor(needle), stop() }`. */
export async function startPostfix() {
  if (!existsSync(POSTFIX)) throw new Error('Postfix is not installed (apt-get install postfix)');
  const root = mkdtempSync(join(tmpdir(), 'zezaro-e2e-postfix-'));
  for (const sub of ['etc', 'spool', 'data', 'mail']) mkdirSync(join(root, sub), { recursive: true });
  const uid = execFileSync('id', ['-u', 'postfix']).toString().trim();
  const gid = execFileSync('id', ['-g', 'postfix']).toString().trim();
  chmodSync(root, 0o755);
  execFileSync('chown', ['-R', `${uid}:${gid}`, join(root, 'data'), join(root, 'mail')]);
  const port = await freePort();
  writeFileSync(
    join(root, 'etc/main.cf'),
    `compatibility_level = 3.6
queue_directory = ${root}/spool
data_directory = ${root}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = smtp.postfix.test
mydomain = postfix.test
myorigin = postfix.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
virtual_mailbox_domains = static:ALL
virtual_mailbox_base = ${root}/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:${uid}
virtual_gid_maps = static:${gid}
virtual_minimum_uid = 1
message_size_limit = 52428800
virtual_mailbox_limit = 0
maillog_file = ${root}/postfix.log
maillog_file_prefixes = ${root}
smtpd_banner = $myhostname ESMTP
smtputf8_enable = no
biff = no
`,
  );
  writeFileSync(join(root, 'etc/master.cf'), MASTER_CF(port));
  execFileSync(POSTFIX, ['-c', join(root, 'etc'), 'start'], { stdio: 'pipe' });
  const deadline = Date.now() + 20_000;
  while (!(await listening(port))) {
    if (Date.now() > deadline) throw new Error(`postfix does not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  const delivered = () => {
    const out = [];
    for (const sub of ['new', 'cur']) {
      const dir = join(root, 'mail/inbox', sub);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        out.push({ at: statSync(path).mtimeMs, mail: parseMail(readFileSync(path, 'latin1')) });
      }
    }
    return out.sort((a, b) => a.at - b.at).map((d) => d.mail);
  };

  return {
    port,
    delivered,
    /** The first mail whose decoded subject contains `needle`. */
    async waitFor(needle, timeout = 20_000) {
      const until = Date.now() + timeout;
      for (;;) {
        const found = delivered().find((m) => m.subject.includes(needle));
        if (found) return found;
        if (Date.now() > until) {
          const log = existsSync(join(root, 'postfix.log')) ? readFileSync(join(root, 'postfix.log'), 'utf8') : '';
          const subjects = delivered().map((m) => m.subject);
          throw new Error(`no mail with subject "${needle}" arrived (delivered: ${JSON.stringify(subjects)}); postfix log:\n${log}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop() {
      try {
        execFileSync(POSTFIX, ['-c', join(root, 'etc'), 'stop'], { stdio: 'pipe' });
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** Decodes RFC 2047 words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`). */
function decodeWords(value) {
  // Space between two encoded words is not part of the text.
  return value.replace(/(\?=)\s+(?==\?)/g, '$1').replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g, (_, _charset, enc, text) => {
    if (enc.toLowerCase() === 'b') return Buffer.from(text, 'base64').toString('utf8');
    const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
}

/** Headers and the decoded text of a single-part text mail. */
function parseMail(raw) {
  const split = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  let text;
  if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    text = Buffer.from(bytes, 'latin1').toString('utf8');
  } else text = Buffer.from(body, 'latin1').toString('utf8');
  return { subject: decodeWords(headers.subject || ''), to: headers.to || '', from: decodeWords(headers.from || ''), text };
}
