import { describe, expect, it } from 'vitest';
import { createRedactor, redactDeep, redactErrorShape, REDACTED } from './redact.ts';

describe('createRedactor', () => {
  it('replaces every occurrence of every known secret, longest first', () => {
    const redact = createRedactor(['s3cr3t-value', 's3cr3t', '']);
    expect(redact('a s3cr3t-value b s3cr3t c s3cr3t-value')).toBe('a *** b *** c ***');
    expect(redact('nothing to hide')).toBe('nothing to hide');
    expect(redact('')).toBe('');
  });

  it('ignores empty secrets instead of redacting between every character', () => {
    expect(createRedactor(['', ''])('plain text')).toBe('plain text');
  });

  it('finds secrets in their JSON-escaped and URL-encoded forms', () => {
    const redact = createRedactor(['pa"ss\\word&=']);
    expect(redact(JSON.stringify({ note: 'pa"ss\\word&=' }))).toBe('{"note":"***"}');
    expect(redact(`curl -d x=${encodeURIComponent('pa"ss\\word&=')}`)).toBe('curl -d x=***');
  });

  it('hides each line of a multi-line secret when it is streamed line by line', () => {
    const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ', 'AAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIF', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
    const redact = createRedactor([key]);
    expect(redact('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ')).toBe(REDACTED);
    expect(redact(`  AAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIF`)).toBe(`  ${REDACTED}`);
  });

  it('redacts key=value and key: value for secret-looking keys', () => {
    const redact = createRedactor([]);
    expect(redact('kc.sh start --db-password=Xy7!abc --db-username=keycloak')).toBe('kc.sh start --db-password=*** --db-username=keycloak');
    expect(redact('KC_BOOTSTRAP_ADMIN_PASSWORD=changeme ./kc.sh')).toBe('KC_BOOTSTRAP_ADMIN_PASSWORD=*** ./kc.sh');
    expect(redact('password: hunter2')).toBe('password: ***');
    expect(redact("client_secret='abc def' next")).toBe("client_secret='***' next");
    expect(redact('db: { password: "two words" }')).toBe('db: { password: "***" }');
    expect(redact('grant_type=client_credentials&client_secret=q1w2e3&scope=openid')).toBe('grant_type=client_credentials&client_secret=***&scope=openid');
  });

  it('redacts secret fields in JSON, plain and escaped inside another JSON string', () => {
    const redact = createRedactor([]);
    expect(redact('{"client_id":"keyturn","client_secret":"abc\\"123","realm":"lab"}')).toBe('{"client_id":"keyturn","client_secret":"***","realm":"lab"}');
    expect(redact('{"cmd":"{\\"password\\": \\"pw1\\", \\"user\\": \\"admin\\"}"}')).toBe('{"cmd":"{\\"password\\": \\"***\\", \\"user\\": \\"admin\\"}"}');
    expect(JSON.parse(redact('{"access_token":"eyJhbGciOi.x.y","expires_in":300}'))).toEqual({ access_token: '***', expires_in: 300 });
  });

  it('redacts Authorization headers and bearer tokens', () => {
    const redact = createRedactor([]);
    expect(redact('> Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig')).toBe('> Authorization: Bearer ***');
    expect(redact('authorization: Basic YWRtaW46YWRtaW4=')).toBe('authorization: Basic ***');
    expect(redact('sent Bearer abcdefgh12345678 to the server')).toBe('sent Bearer *** to the server');
  });

  it('redacts private key blocks, whole or cut off', () => {
    const redact = createRedactor([]);
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----';
    expect(redact(`key:\n${pem}\ndone`)).toBe('key:\n***\ndone');
    expect(redact(JSON.stringify({ k: pem }))).toBe('{"k":"***"}');
    expect(redact('-----BEGIN PRIVATE KEY-----')).toBe(REDACTED);
    expect(redact('-----BEGIN PUBLIC KEY-----')).toBe('-----BEGIN PUBLIC KEY-----');
  });

  it('redacts credentials embedded in URLs', () => {
    expect(createRedactor([])('jdbc:postgresql://keycloak:dbpass@127.0.10.200:5432/keycloak')).toBe('jdbc:postgresql://keycloak:***@127.0.10.200:5432/keycloak');
  });

  it('masks secrets shorter than 4 characters where they stand as a whole token, and leaves words that contain them', () => {
    const redact = createRedactor(['pw', 'k']);
    expect(redact('login with pw failed')).toBe('login with *** failed');
    expect(redact('{"pass":"pw","n":1}')).toBe('{"pass":"***","n":1}');
    expect(redact('postgres://u:pw@h/db')).toBe('postgres://u:***@h/db');
    expect(redact('PGPASS=pw;')).toBe('PGPASS=***;');
    expect(redact('pwd upward pw2 Spw')).toBe('pwd upward pw2 Spw');
    expect(redact('key k, keys kk')).toBe('key ***, keys kk');
    expect(redact(`x=${encodeURIComponent('pw')}&y`)).toBe('x=***&y');
  });

  it('masks user info in any URL, keeping the user name, also with @ in the password', () => {
    const redact = createRedactor([]);
    expect(redact('db-url=jdbc:postgresql://u:p@h/db')).toBe('db-url=jdbc:postgresql://u:***@h/db');
    expect(redact('postgres://keycloak:p@ss:w0rd@db.example:5432/kc?ssl=1')).toBe('postgres://keycloak:***@db.example:5432/kc?ssl=1');
    expect(redact('git clone https://ghp_abcdef123@github.example/x.git')).toBe('git clone https://***@github.example/x.git');
    expect(redact('see https://www.keycloak.org/server/db and mail ops@acme.example')).toBe('see https://www.keycloak.org/server/db and mail ops@acme.example');
    expect(redact('http://127.0.0.1:8080/realms/lab')).toBe('http://127.0.0.1:8080/realms/lab');
  });

  it('masks TSIG keys in BIND and nsupdate syntax', () => {
    expect(createRedactor([])('key "lab." { algorithm hmac-sha256; secret "aGVsbG8=";};')).toBe('key "lab." { algorithm hmac-sha256; secret "***";};');
  });

  it('is idempotent', () => {
    const redact = createRedactor(['topsecret']);
    const once = redact('password=topsecret "client_secret":"x" Authorization: Bearer abcdefghijk');
    expect(redact(once)).toBe(once);
  });
});

describe('redactDeep', () => {
  it('redacts every string and hides values under secret-looking keys, without touching the input', () => {
    const input = {
      message: 'connecting with hunter2',
      data: { password: 'anything', db_password: 12345, client_secret: 'x', tokens: ['a hunter2 b'], ok: true, count: 3, nothing: null },
    };
    const out = redactDeep(input, createRedactor(['hunter2']));
    expect(out).toEqual({
      message: 'connecting with ***',
      data: { password: '***', db_password: '***', client_secret: '***', tokens: ['a *** b'], ok: true, count: 3, nothing: null },
    });
    expect(input.data.password).toBe('anything');
  });
});

describe('redactErrorShape', () => {
  it('redacts message, hint and every string in details, keeping the code', () => {
    const redact = createRedactor(['hunter2hunter2']);
    const e = { code: 'tool-failed' as const, message: 'psql: hunter2hunter2', hint: 'password=abc', details: { argv: ['--pw', 'hunter2hunter2'], client_secret: 'x', n: 3 } };
    expect(redactErrorShape(e, redact)).toEqual({ code: 'tool-failed', message: 'psql: ***', hint: 'password=***', details: { argv: ['--pw', '***'], client_secret: '***', n: 3 } });
    expect(e.message).toBe('psql: hunter2hunter2');
  });
});
