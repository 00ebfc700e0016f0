/**
 * The Liquibase change sets a Keycloak distribution ships (its
 * keycloak-model-jpa jar's META-INF changelogs), read from the distribution
 * zip. A database whose DATABASECHANGELOG holds a change set the version does
 * not ship was migrated by a newer Keycloak: that version must not start on
 * it. File names alone do not tell (26.5.6 already ships
 * jpa-changelog-26.6.0.xml), so the check is by change set.
 *
 * Python's zipfile reads the jar inside the zip (python3 is on every machine
 * that runs Ansible); the script is fixed text and the zip path an argument.
 */
import { execa } from 'execa';
import { KeyturnError } from '../../shared/errors.ts';

const script = String.raw`
import sys, zipfile, io, re, json
z = zipfile.ZipFile(sys.argv[1])
jars = [n for n in z.namelist() if re.search(r'/lib/lib/main/org\.keycloak\.keycloak-model-jpa-[^/]*\.jar$', n)]
if not jars:
    sys.stderr.write('no keycloak-model-jpa jar in the distribution\n'); sys.exit(3)
j = zipfile.ZipFile(io.BytesIO(z.read(jars[0])))
out = []
for n in j.namelist():
    if not re.match(r'META-INF/[^/]*changelog[^/]*\.xml$', n):
        continue
    text = j.read(n).decode('utf-8', 'replace')
    # Liquibase records logicalFilePath (of the change set, else of the changelog) instead of the file's own name.
    root = re.search(r'<databaseChangeLog\b([^>]*)>', text)
    logical = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', root.group(1))).get('logicalFilePath', n) if root else n
    for m in re.finditer(r'<changeSet\b([^>]*)>', text):
        attrs = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', m.group(1)))
        if 'id' in attrs:
            out.append([attrs.get('logicalFilePath', logical), attrs['id'], attrs.get('author', '')])
json.dump(out, sys.stdout)
`;

/** `filename|id|author`: the identity Liquibase gives a change set. */
export const changeSetKey = (filename: string, id: string, author: string): string => `${filename}|${id}|${author}`;

const cache = new Map<string, Promise<Set<string>>>();

/** Every change set the distribution at `zipPath` ships, as `changeSetKey`s (cached per path for the process). */
export function shippedChangeSets(zipPath: string, opts: { signal?: AbortSignal } = {}): Promise<Set<string>> {
  let p = cache.get(zipPath);
  if (!p) {
    p = execa('python3', ['-c', script, zipPath], { timeout: 120_000, ...(opts.signal ? { cancelSignal: opts.signal } : {}), maxBuffer: 64 * 1024 * 1024 })
      .then((r) => new Set((JSON.parse(r.stdout) as [string, string, string][]).map(([f, i, a]) => changeSetKey(f, i, a))))
      .catch((err: unknown) => {
        cache.delete(zipPath);
        const e = err as { code?: string; stderr?: string; message: string };
        if (e.code === 'ENOENT') throw new KeyturnError('tool-missing', 'Reading a distribution\'s change sets needs the program "python3", which is not installed or not on PATH.', 'Install the Debian package python3 (Ansible needs it too).');
        throw new KeyturnError('artifact-failed', `Could not read the Liquibase change sets of ${zipPath}: ${(e.stderr ?? e.message).trim().slice(0, 300)}`, 'Use an unmodified keycloak-quarkus-dist zip (keyturn artifacts list shows what is stored).');
      });
    cache.set(zipPath, p);
  }
  return p;
}
