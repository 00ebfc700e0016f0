/**
 * Where a plan's "old side" comes from: `kc.sh update-compatibility metadata`
 * of the running deployment, stored in the ledger and as a file.
 *
 * Preferred source: a live node, over SSH with its pinned host key, running
 * its own kc.sh with `--optimized` and the node's complete start options, so
 * the metadata describes what really runs. When no node can be reached, the
 * same metadata is computed locally from the artifact store's distribution of
 * the running version with the cluster's recorded options. A changed host key
 * is never a reason to fall back: it stops the plan.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterDetail, NodeSpec } from '../../shared/contract/index.ts';
import { metadataFingerprintText, optionDrift, parseKeycloakConf, startOptions } from '../../shared/domain/start-options.ts';
import { KeyturnError } from '../../shared/errors.ts';
import type { RunRecorder } from '../runs/run-recorder.ts';
import { insertMetadata, latestMetadata, type StoredMetadata } from '../ledger/metadata-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { localMetadata, remoteMetadata, type MetadataOutcome } from '../tools/kcsh.ts';
import { prepareScratch, withScratchLock } from '../tools/kcsh-scratch.ts';
import { connectSsh } from '../tools/ssh.ts';
import { findJdk } from '../tools/toolchain.ts';
import type { ArtifactService } from './artifact-service.ts';
import { kcshLineSink } from './kcsh-events.ts';

export interface CaptureDeps {
  db: Ledger;
  home: string;
  artifacts: ArtifactService;
}

export interface CaptureContext {
  detail: ClusterDetail;
  /** Secret options as KC_* variables, resolved for this run only. */
  secretEnv: Record<string, string>;
  rec: RunRecorder;
  signal?: AbortSignal;
}

/** Failures that mean "this node cannot be asked", after which the next node (or local) is tried. */
const unreachableCodes = new Set(['ssh-failed', 'host-key-unconfirmed', 'timeout']);

export const scratchRoot = (home: string): string => join(home, 'scratch');

/** sha256 of what the metadata describes: version, cluster-wide options, names of secret options. */
export function optionsFingerprint(detail: ClusterDetail): string {
  const k = detail.spec.keycloak;
  return createHash('sha256').update(metadataFingerprintText(k.version, k.options, Object.keys(k.secretOptions))).digest('hex');
}

/** The JDK for local kc.sh runs, or `tool-missing` naming what to install. */
export async function localJavaHome(): Promise<string> {
  const jdk = await findJdk(21);
  if (!jdk) throw new KeyturnError('tool-missing', 'No JDK 21 or newer was found under /usr/lib/jvm to run kc.sh update-compatibility.', 'Install Temurin 25 (apt-get install temurin-25-jdk) or OpenJDK 21, then plan again.');
  return jdk.home;
}

async function store(deps: CaptureDeps, ctx: CaptureContext, outcome: MetadataOutcome, source: 'node' | 'local', node: string | null): Promise<StoredMetadata> {
  const { detail } = ctx;
  const dir = join(deps.home, 'metadata', detail.id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${detail.spec.keycloak.version}-${stamp}-${source}.json`);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, outcome.json, { mode: 0o600 });
  await rename(tmp, path);
  const record = insertMetadata(deps.db, {
    clusterId: detail.id, runId: ctx.rec.runId, version: detail.spec.keycloak.version, optionsSha256: optionsFingerprint(detail),
    source, node, path, sha256: createHash('sha256').update(outcome.json).digest('hex'), content: outcome.json, durationMs: outcome.durationMs,
  });
  ctx.rec.event('engine', 'plan.metadata', 'info', { message: `Metadata of Keycloak ${record.version} taken ${source === 'node' ? `on ${node}` : 'locally'} in ${(outcome.durationMs / 1000).toFixed(1)} s`, source, node, path, durationMs: outcome.durationMs }, node);
  return record;
}

/**
 * The record's cluster-wide options are what the node runs (its
 * conf/keycloak.conf), or the capture stops: metadata computed from an edited
 * record would describe a deployment that does not exist, and the check
 * could then answer 0 for a change that is not rolling. A node without a
 * keycloak.conf (options passed another way) is noted, not refused.
 */
async function assertRecordMatchesNode(session: Awaited<ReturnType<typeof connectSsh>>, ctx: CaptureContext, node: NodeSpec): Promise<void> {
  const r = await session.exec(['cat', '--', `${node.keycloakHome}/conf/keycloak.conf`], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) {
    ctx.rec.event('engine', 'plan.options-unverified', 'warn', { message: `${node.name}: no ${node.keycloakHome}/conf/keycloak.conf to compare the recorded options with; the metadata assumes the record is what runs` }, node.name);
    return;
  }
  const drift = optionDrift(ctx.detail.spec.keycloak.options, parseKeycloakConf(r.stdout), Object.keys(ctx.detail.spec.keycloak.secretOptions));
  if (!drift.length) return;
  const list = drift.map((d) => `${d.key}: the record ${d.recorded === null ? 'does not set it' : `says ${d.recorded}`}, ${node.name} runs ${d.running ?? '(not set)'}`).join('; ');
  const first = drift[0]!;
  // The edit that would make the nodes what the record now says, once the record says what runs again.
  const edit = first.recorded === null ? `--unset ${first.key}` : `--set ${first.key}=${first.recorded}`;
  throw new KeyturnError('conflict', `The cluster record of '${ctx.detail.name}' does not describe what ${node.name} runs: ${list}.`,
    `Put the record back to what runs (keyturn cluster edit), then plan the change as an edit, e.g. keyturn plan --cluster ${ctx.detail.name} --to ${ctx.detail.spec.keycloak.version} ${edit}.`);
}

/** Metadata from one live node (its kc.sh, `--optimized`, its complete start options). */
export async function captureFromNode(deps: CaptureDeps, ctx: CaptureContext, node: NodeSpec): Promise<StoredMetadata> {
  const view = ctx.detail.nodes.find((n) => n.name === node.name);
  const session = await connectSsh({
    host: node.host, port: node.port, user: node.user, keyPath: node.keyPath, timeoutMs: 10_000,
    pinnedFingerprint: view?.hostKey?.fingerprint, pinnedAlgorithm: view?.hostKey?.algorithm,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  try {
    await assertRecordMatchesNode(session, ctx, node);
    const outcome = await remoteMetadata(session, node.keycloakHome, ctx.detail.spec.keycloak.version, {
      javaHome: ctx.detail.spec.keycloak.javaHome,
      options: startOptions(ctx.detail.spec.keycloak, node),
      secretEnv: ctx.secretEnv,
      onLine: kcshLineSink(ctx.rec, 'metadata', node.name),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return await store(deps, ctx, outcome, 'node', node.name);
  } finally {
    await session.close();
  }
}

/** Metadata computed from a scratch copy of the running version with the recorded options of the first node. */
export async function captureLocally(deps: CaptureDeps, ctx: CaptureContext): Promise<StoredMetadata> {
  const { spec } = ctx.detail;
  const version = spec.keycloak.version;
  const javaHome = await localJavaHome();
  const artifact = await deps.artifacts.ensure(version, ctx.signal ? { signal: ctx.signal } : {});
  const root = scratchRoot(deps.home);
  const file = join(deps.home, 'metadata', ctx.detail.id, `.local-${process.pid}-${Date.now()}.json`);
  await mkdir(join(deps.home, 'metadata', ctx.detail.id), { recursive: true, mode: 0o700 });
  try {
    const outcome = await withScratchLock(root, version, async () => {
      const copy = await prepareScratch({ root, version, zipPath: artifact.path, sha256: artifact.sha256, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      ctx.rec.event('engine', 'plan.scratch', 'info', { message: `Scratch copy of Keycloak ${version}: ${copy.state} (${copy.home})`, version, state: copy.state, home: copy.home });
      return localMetadata(copy.home, version, file, {
        javaHome, options: startOptions(spec.keycloak, spec.nodes[0]!), secretEnv: ctx.secretEnv,
        onLine: kcshLineSink(ctx.rec, 'metadata', null), ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
    }, ctx.signal ? { signal: ctx.signal } : {});
    return await store(deps, ctx, outcome, 'local', null);
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * Node metadata for the current deployment: the stored one when it describes
 * exactly the recorded version and options (and its file is intact), else
 * fresh from the first node that answers, else computed locally.
 */
export async function obtainMetadata(deps: CaptureDeps, ctx: CaptureContext, opts: { refresh?: boolean; node?: string; local?: boolean } = {}): Promise<{ record: StoredMetadata; reused: boolean }> {
  const { detail } = ctx;
  if (!opts.refresh && !opts.local && !opts.node) {
    const stored = latestMetadata(deps.db, detail.id, detail.spec.keycloak.version, optionsFingerprint(detail), 'node');
    const onDisk = stored ? await readFile(stored.path, 'utf8').catch(() => null) : null;
    if (stored && onDisk !== null && createHash('sha256').update(onDisk).digest('hex') === stored.sha256) {
      ctx.rec.event('engine', 'plan.metadata', 'info', { message: `Using metadata taken on ${stored.node} at ${stored.takenAt}`, source: stored.source, node: stored.node, path: stored.path, reused: true }, stored.node);
      return { record: stored, reused: true };
    }
  }
  if (!opts.local) {
    const nodes = opts.node ? detail.spec.nodes.filter((n) => n.name === opts.node) : detail.spec.nodes;
    if (opts.node && nodes.length === 0) throw new KeyturnError('not-found', `Cluster '${detail.name}' has no node named '${opts.node}'.`, 'Check the node names with `keyturn cluster show`.');
    for (const node of nodes) {
      try {
        return { record: await captureFromNode(deps, ctx, node), reused: false };
      } catch (err) {
        if (!(err instanceof KeyturnError) || !unreachableCodes.has(err.code) || opts.node) throw err;
        ctx.rec.event('engine', 'plan.node-unreachable', 'warn', { message: `${node.name}: ${err.message}`, code: err.code }, node.name);
      }
    }
  }
  return { record: await captureLocally(deps, ctx), reused: false };
}
