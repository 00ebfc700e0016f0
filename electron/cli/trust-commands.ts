/**
 * `keyturn cluster trust NAME`: the console's "Test connection" for pipelines
 * and hosts without a browser. It reads each node's host key over SSH (no
 * login), shows the fingerprints, and pins only what was confirmed: at a
 * prompt, with `--yes`, with `--expect n1=SHA256:…`, or from a known_hosts
 * file teams already distribute. A key that differs from its pin is refused
 * in every mode; replacing it is a separate action naming both fingerprints.
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { HostKeyScan } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import type { ClusterService } from '../services/cluster-service.ts';
import { lookupKnownHosts } from '../tools/known-hosts.ts';
import type { CliContext } from './context.ts';
import { printJson, table, type Io } from './output.ts';

/** Asks one question and returns the answer; present only where a person can answer. */
export type Ask = (question: string) => Promise<string>;

/** An Io that can ask (tests pass one; a real terminal gets one from readline). */
export interface PromptingIo extends Io {
  ask?: Ask;
}

interface TrustOptions {
  yes?: boolean;
  expect: string[];
  knownHosts?: string;
  replace?: string;
  old?: string;
  new?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The prompt of a real terminal; none when stdin or stdout is not a TTY (a pipeline cannot answer). */
function askerFor(io: PromptingIo): Ask | null {
  if (io.ask) return io.ask;
  if (!process.stdin.isTTY || !process.stdout.isTTY) return null;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}

/** `--expect n1=SHA256:…` values as a map; a malformed one is a usage error. */
function parseExpectations(values: readonly string[], nodes: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const m = /^([^=\s]+)=(SHA256:[A-Za-z0-9+/]{43})=?$/.exec(v.trim());
    if (!m) throw new KeyturnError('invalid-input', `--expect '${v}' is not NODE=SHA256:<fingerprint>.`, 'Give each node as n1=SHA256:… exactly as ssh-keygen -lf prints the fingerprint.');
    if (!nodes.includes(m[1]!)) throw new KeyturnError('invalid-input', `--expect names node '${m[1]}', which this cluster does not have.`, `Its nodes are: ${nodes.join(', ')}.`);
    out.set(m[1]!, m[2]!);
  }
  return out;
}

/** What a known_hosts file says about a node: the fingerprint it vouches for, or why it cannot. */
async function fromKnownHosts(file: string, s: HostKeyScan, nodeName: string): Promise<string | null> {
  const entries = (await lookupKnownHosts(file, s.host, s.port)).filter((e) => e.marker !== 'cert-authority');
  const where = `Node ${nodeName} (${s.host}:${s.port})`;
  if (entries.some((e) => e.marker === 'revoked' && e.fingerprint === s.fingerprint)) {
    throw new KeyturnError('conflict', `${where} presents ${s.fingerprint}, which ${file} marks @revoked. Nothing was pinned.`, 'Ask the host owner why a revoked key is in use.');
  }
  const vouched = entries.filter((e) => e.marker === null);
  if (vouched.length === 0) return null;
  if (vouched.some((e) => e.fingerprint === s.fingerprint)) return s.fingerprint;
  throw new KeyturnError('conflict', `${where} presents ${s.fingerprint} (${s.algorithm}), but ${file} lists ${vouched.map((e) => `${e.fingerprint} (${e.algorithm})`).join(', ')}. Nothing was pinned.`,
    'Either the file is out of date or the host is not the one you expect: compare with the host owner before pinning.');
}

function printScans(io: Io, scans: readonly HostKeyScan[]): void {
  table(io, ['NODE', 'ADDRESS', 'KEY TYPE', 'FINGERPRINT', 'STATUS'], scans.map((s) => [s.node, `${s.host}:${s.port}`, s.algorithm, s.fingerprint ?? s.error, s.status]));
}

export function registerTrustCommands(cluster: Command, ctx: CliContext): void {
  cluster
    .command('trust')
    .description("read each node's SSH host key, show its fingerprint, and pin it once confirmed")
    .argument('<name>')
    .option('--yes', 'pin the keys the nodes present now without asking (trust on first use)')
    .option('--expect <node=fingerprint>', 'pin only if the node presents this fingerprint (repeat per node), e.g. n1=SHA256:…', collect, [])
    .option('--known-hosts <file>', 'pin only keys this known_hosts file lists for the node (hashed entries too)')
    .option('--replace <node>', 'replace the pinned key of a node whose key changed (needs --old and --new)')
    .option('--old <fingerprint>', 'with --replace: the fingerprint pinned now')
    .option('--new <fingerprint>', 'with --replace: the fingerprint the node presents now')
    .option('--json', 'print JSON')
    .action(async (name: string, o: TrustOptions) => {
      await ctx.run(o.json, async ({ services, io }) => {
        if (o.replace !== undefined || o.old !== undefined || o.new !== undefined) {
          if (!(await replace(name, o, services.clusters, io))) ctx.exitCode = 7;
          return;
        }
        const detail = services.clusters.get(name);
        const expected = parseExpectations(o.expect, detail.nodes.map((n) => n.name));
        const scans = await services.clusters.scanHostKeys(name);
        if (!o.json) printScans(io, scans);

        const down = scans.filter((s) => s.status === 'unreachable');
        if (down.length) {
          throw new KeyturnError('ssh-failed', `Could not read the host key of ${down.map((s) => `${s.node} (${s.host}:${s.port}: ${s.error ?? 'no answer'})`).join(', ')}. Nothing was pinned.`, 'Make every node reachable on its SSH port, then run the trust again.');
        }
        const changed = scans.filter((s) => s.status === 'changed');
        if (changed.length) {
          const pins = new Map(detail.nodes.map((n) => [n.name, n.hostKey?.fingerprint]));
          throw new KeyturnError('conflict', `Host key changed: ${changed.map((s) => `node ${s.node} (${s.host}:${s.port}) pinned ${pins.get(s.node)}, presented ${s.fingerprint}`).join('; ')}. Nothing was pinned.`,
            `Do not trust it blindly. Verify the new fingerprint with the host's owner; if the change is legitimate, replace the pin naming both: keyturn cluster trust ${name} --replace ${changed[0]!.node} --old ${pins.get(changed[0]!.node)} --new ${changed[0]!.fingerprint}`);
        }
        for (const s of scans) {
          const want = expected.get(s.node);
          if (want && want !== s.fingerprint) {
            throw new KeyturnError('conflict', `Node ${s.node} (${s.host}:${s.port}) presents ${s.fingerprint}, not the expected ${want}. Nothing was pinned.`, 'Compare the fingerprint with the host owner; fix --expect if it was mistyped.');
          }
        }
        // Known_hosts decisions first, for every node, so a contradiction anywhere pins nothing.
        const vouched = new Map<string, string | null>();
        if (o.knownHosts) for (const s of scans) vouched.set(s.node, await fromKnownHosts(o.knownHosts, s, s.node));

        const pinned = new Map(detail.nodes.map((n) => [n.name, n.hostKey]));
        // Same fingerprint as pinned but no whole key yet (a pin from an older Keyturn): completing it decides nothing new.
        const complete = scans.filter((s) => s.status === 'match' && !pinned.get(s.node)?.publicKey);
        const fresh = scans.filter((s) => s.status === 'new');
        const unconfirmed = fresh.filter((s) => !o.yes && !expected.has(s.node) && !vouched.get(s.node));
        if (unconfirmed.length && (o.expect.length || o.knownHosts)) {
          throw new KeyturnError('invalid-input', `Nothing confirms the key of ${unconfirmed.map((s) => `${s.node} (${s.fingerprint})`).join(', ')}${o.knownHosts ? ` (not in ${o.knownHosts})` : ''}. Nothing was pinned.`,
            `Add --expect ${unconfirmed[0]!.node}=<fingerprint> for it, or --yes to accept what it presents.`);
        }
        if (unconfirmed.length) {
          const ask = askerFor(io as PromptingIo);
          if (!ask) {
            throw new KeyturnError('invalid-input', `Not pinning ${unconfirmed.length} new host key(s) without confirmation, and there is no terminal to ask.`,
              `Compare the fingerprints above with the host owner, then run: keyturn cluster trust ${name} --expect ${unconfirmed.map((s) => `${s.node}=${s.fingerprint}`).join(' --expect ')} (or --known-hosts FILE, or --yes to trust on first use).`);
          }
          const answer = await ask(`Pin ${unconfirmed.length === 1 ? 'this host key' : `these ${unconfirmed.length} host keys`} for cluster '${name}'? Compare each fingerprint with the host owner first. [y/N] `);
          if (!/^y(es)?$/i.test(answer.trim())) {
            io.out('Nothing was pinned.\n');
            return;
          }
        }
        const confirm = [...fresh, ...complete].map((s) => ({ node: s.node, fingerprint: s.fingerprint! }));
        if (confirm.length === 0) {
          if (o.json) printJson(io, { scans, pinned: [] });
          else io.out(`All ${scans.length} node(s) of '${name}' already have these keys pinned.\n`);
          return;
        }
        const asked = new Set(confirm.map((c) => c.node));
        const results = (await services.clusters.pinHostKeys(name, confirm)).filter((r) => asked.has(r.node));
        if (o.json) printJson(io, { scans, pinned: results });
        else {
          io.out(`\nPinned ${results.length} host key(s):\n`);
          table(io, ['NODE', 'LOGIN TEST', 'DETAIL'], results.map((r) => [r.node, r.ok ? 'ok' : 'FAILED', r.detail]));
        }
        // The keys stay pinned either way; a failed login still fails the command, since an upgrade would stop on it.
        if (results.some((r) => !r.ok)) ctx.exitCode = 7;
      });
    });
}

/** `--replace NODE --old FP --new FP`; resolves whether the login test after it worked. */
async function replace(name: string, o: TrustOptions, clusters: Pick<ClusterService, 'replaceHostKey'>, io: Io): Promise<boolean> {
  if (!o.replace || !o.old || !o.new) {
    throw new KeyturnError('invalid-input', 'Replacing a pinned key needs --replace NODE, --old FINGERPRINT and --new FINGERPRINT together.', `Run: keyturn cluster trust ${name} --replace n1 --old SHA256:<pinned> --new SHA256:<presented>`);
  }
  if (o.yes || o.expect.length || o.knownHosts) {
    throw new KeyturnError('invalid-input', '--replace is its own action and takes no --yes, --expect or --known-hosts.', 'Run the replacement alone, naming the old and new fingerprints.');
  }
  const r = await clusters.replaceHostKey(name, o.replace, o.old, o.new);
  if (o.json) printJson(io, { replaced: { node: r.node, old: o.old, new: o.new }, loginTest: r });
  else io.out(`Replaced the pinned host key of ${r.node}: ${o.old} -> ${o.new}\nLogin test: ${r.ok ? 'ok' : 'FAILED'}: ${r.detail}\n`);
  return r.ok;
}
