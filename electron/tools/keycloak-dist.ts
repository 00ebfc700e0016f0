/**
 * Checks a Keycloak server zip before anything is installed from it.
 *
 * A half-downloaded or wrong file discovered on the third node of a rolling
 * upgrade is far worse than one refused up front, so every distribution is
 * identified (version from its own layout), fingerprinted (sha256, recorded in
 * the ledger so every node gets the same bytes) and structurally checked
 * here. The zip's central directory is read with Node directly: no unzip
 * binary needed, and no extraction.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { inflateRawSync } from 'node:zlib';
import { KeyturnError } from '../../shared/errors.ts';

export interface DistributionInfo {
  /** Keycloak version, from the zip's top directory `keycloak-<version>/`. */
  version: string;
  sha256: string;
  size: number;
}

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

/**
 * Bounds for a zip that may come from anywhere (`keyturn artifacts import`):
 * a server distribution is ~200 MB with a few thousand entries. Past these it
 * is not one, and reading its directory or inflating its version file must
 * not be able to take the machine's memory.
 */
const MAX_ZIP_BYTES = 2 * 1024 ** 3;
const MAX_ENTRIES = 100_000;
const MAX_CENTRAL_DIRECTORY_BYTES = 64 * 1024 ** 2;
const MAX_VERSION_FILE_BYTES = 64 * 1024;
/** What a Keycloak version looks like (26.7.3, 26.0.0-SNAPSHOT): the top directory's name ends up in a file name and the ledger. */
const VERSION_RE = /^\d{1,4}\.\d{1,4}\.\d{1,4}(?:[.-][0-9A-Za-z][0-9A-Za-z.-]{0,40})?$/;

/**
 * Identifies a Keycloak server distribution: it must be a readable zip with
 * `keycloak-<v>/bin/kc.sh` and `keycloak-<v>/lib/...`. When Maven's
 * `<zip>.sha1` sits next to it (the local repository), the content is checked
 * against it too, which catches damage anywhere in the file. Throws
 * `artifact-failed` for a truncated, corrupt or non-Keycloak zip.
 */
export async function inspectDistribution(zipPath: string): Promise<DistributionInfo> {
  const info = await stat(zipPath).catch(() => null);
  if (!info) {
    throw new KeyturnError('artifact-failed', `The Keycloak distribution ${zipPath} does not exist.`, 'Fetch the version again; it downloads into the local Maven repository.');
  }
  if (!info.isFile()) {
    const kind = info.isDirectory() ? 'a directory' : info.isFIFO() ? 'a named pipe (FIFO)' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : 'not a regular file';
    throw new KeyturnError('artifact-failed', `The Keycloak distribution ${zipPath} is ${kind}, not a zip file.`, 'Give the path of the keycloak-quarkus-dist zip itself.');
  }
  if (info.size > MAX_ZIP_BYTES) {
    throw new KeyturnError('artifact-failed', `${zipPath} is ${info.size} bytes; a Keycloak server distribution is about 200 MB, and at most ${MAX_ZIP_BYTES} bytes are accepted.`, 'Use the keycloak-quarkus-dist zip (the server distribution).');
  }
  const entries = await readCentralDirectory(zipPath, info.size);
  const names = new Set(entries.map((e) => e.name));
  const root = [...names].map((n) => /^keycloak-([^/]+)\/bin\/kc\.sh$/.exec(n)).find((m) => m !== null);
  const version = root?.[1];
  if (version !== undefined && !VERSION_RE.test(version)) {
    throw new KeyturnError('artifact-failed', `${zipPath} is not a Keycloak server distribution: its top directory names version "${version.slice(0, 80)}", which is not a version number.`, 'Use an unmodified keycloak-quarkus-dist zip.');
  }
  if (version === undefined || !entries.some((e) => e.name.startsWith(`keycloak-${version}/lib/`) && e.name !== `keycloak-${version}/lib/`)) {
    throw new KeyturnError(
      'artifact-failed',
      `${zipPath} is a zip but not a Keycloak server distribution: it has no keycloak-<version>/bin/kc.sh with a lib/ directory next to it.`,
      'Use the keycloak-quarkus-dist zip (the server distribution), not an adapter, theme or provider archive.',
      { entries: entries.length },
    );
  }
  await checkVersionFile(zipPath, entries, version);

  const { sha256, sha1 } = await digests(zipPath);
  const expectedSha1 = (await readFile(`${zipPath}.sha1`, 'utf8').catch(() => null))?.trim().split(/\s+/)[0]?.toLowerCase();
  if (expectedSha1 && /^[0-9a-f]{40}$/.test(expectedSha1) && expectedSha1 !== sha1) {
    throw new KeyturnError(
      'artifact-failed',
      `${zipPath} is damaged: its SHA-1 is ${sha1} but the repository recorded ${expectedSha1}.`,
      'Delete this version directory from the local Maven repository and fetch the version again.',
      { sha1, expectedSha1 },
    );
  }
  return { version, sha256, size: info.size };
}

/** SHA-256 of a file, streamed (distributions are ~170 MB). */
export async function sha256File(path: string): Promise<string> {
  return (await digests(path)).sha256;
}

/**
 * Proves a file is the exact one recorded earlier (e.g. in the ledger when the
 * run was planned). Throws `artifact-failed` naming both digests on mismatch.
 */
export async function verifySha256(path: string, expected: string): Promise<void> {
  const want = expected.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(want)) {
    throw new KeyturnError('invalid-input', `"${expected}" is not a SHA-256 digest (64 hex characters).`, 'Pass the digest recorded when the distribution was inspected.');
  }
  const actual = await sha256File(path).catch((err: unknown) => {
    throw new KeyturnError('artifact-failed', `Cannot read ${path} to verify it: ${err instanceof Error ? err.message : String(err)}.`, 'Fetch the distribution again.');
  });
  if (actual !== want) {
    throw new KeyturnError(
      'artifact-failed',
      `${path} is not the expected file: its SHA-256 is ${actual}, expected ${want}.`,
      'The file changed since it was recorded. Fetch the distribution again, and find out what replaced it before continuing.',
      { actual, expected: want },
    );
  }
}

async function digests(path: string): Promise<{ sha256: string; sha1: string }> {
  const h256 = createHash('sha256');
  const h1 = createHash('sha1');
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), async function (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      h256.update(chunk);
      h1.update(chunk);
    }
  });
  return { sha256: h256.digest('hex'), sha1: h1.digest('hex') };
}

function corrupt(zipPath: string, why: string): KeyturnError {
  return new KeyturnError(
    'artifact-failed',
    `${zipPath} is not a readable zip (${why}); it is probably truncated or corrupt.`,
    'Delete it and fetch the distribution again; if it came from the local Maven repository, remove that version\'s directory first.',
  );
}

/** Reads the list of entries from the end of the file, where a complete zip keeps it. */
async function readCentralDirectory(zipPath: string, size: number): Promise<ZipEntry[]> {
  try {
    return await readCentralDirectoryUnchecked(zipPath, size);
  } catch (err) {
    if (err instanceof KeyturnError) throw err;
    // A field pointing outside its record (Buffer reads throw RangeError): a damaged or crafted zip, not a bug.
    if (err instanceof RangeError) throw corrupt(zipPath, 'a record points outside its bounds');
    throw corrupt(zipPath, (err as Error).message);
  }
}

async function readCentralDirectoryUnchecked(zipPath: string, size: number): Promise<ZipEntry[]> {
  const fh = await open(zipPath, 'r');
  try {
    const tailLength = Math.min(size, 65_535 + 22);
    const tail = await readAt(fh, size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw corrupt(zipPath, 'no end-of-central-directory record');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || tail.readUInt32LE(locator) !== ZIP64_LOCATOR_SIG) throw corrupt(zipPath, 'zip64 locator missing');
      const z64 = await readAt(fh, Number(tail.readBigUInt64LE(locator + 8)), 56);
      if (z64.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw corrupt(zipPath, 'zip64 end record missing');
      count = Number(z64.readBigUInt64LE(32));
      cdSize = Number(z64.readBigUInt64LE(40));
      cdOffset = Number(z64.readBigUInt64LE(48));
    }
    if (cdOffset + cdSize > size) throw corrupt(zipPath, 'central directory points past the end of the file');
    if (count > MAX_ENTRIES || cdSize > MAX_CENTRAL_DIRECTORY_BYTES) {
      throw new KeyturnError('artifact-failed', `${zipPath} lists ${count} entries in a ${cdSize}-byte directory; a Keycloak server distribution has a few thousand (at most ${MAX_ENTRIES} entries are read).`, 'Use the keycloak-quarkus-dist zip (the server distribution).');
    }
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    while (entries.length < count) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CDH_SIG) throw corrupt(zipPath, `central directory entry ${entries.length + 1} of ${count} is damaged`);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let compressedSize = cd.readUInt32LE(p + 20);
      let localHeaderOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      if (compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
        ({ compressedSize, localHeaderOffset } = zip64Sizes(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), cd.readUInt32LE(p + 24), compressedSize, localHeaderOffset));
      }
      entries.push({ name, method: cd.readUInt16LE(p + 10), compressedSize, localHeaderOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Sizes and offsets over 4 GiB live in the zip64 extra field, in a fixed order, only for the fields that overflowed. */
function zip64Sizes(extra: Buffer, uncompressed: number, compressedSize: number, localHeaderOffset: number) {
  for (let q = 0; q + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(q);
    const len = extra.readUInt16LE(q + 2);
    if (id === 0x0001) {
      let r = q + 4;
      if (uncompressed === 0xffffffff) r += 8;
      if (compressedSize === 0xffffffff) {
        compressedSize = Number(extra.readBigUInt64LE(r));
        r += 8;
      }
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = Number(extra.readBigUInt64LE(r));
      break;
    }
    q += 4 + len;
  }
  return { compressedSize, localHeaderOffset };
}

/**
 * Reads `keycloak-<v>/version.txt` when present: it proves the entry data
 * (not just the directory at the end) is readable, and that the name of the
 * top directory tells the truth.
 */
async function checkVersionFile(zipPath: string, entries: readonly ZipEntry[], version: string): Promise<void> {
  const entry = entries.find((e) => e.name === `keycloak-${version}/version.txt`);
  if (entry === undefined || entry.compressedSize > MAX_VERSION_FILE_BYTES) return;
  const fh = await open(zipPath, 'r');
  let text: string;
  try {
    const header = await readAt(fh, entry.localHeaderOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_SIG) throw corrupt(zipPath, `entry ${entry.name} is damaged`);
    const dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    const data = await readAt(fh, dataStart, entry.compressedSize);
    // Bounded: 64 KB of deflate can inflate to gigabytes.
    if (entry.method === 8) text = inflateRawSync(data, { maxOutputLength: MAX_VERSION_FILE_BYTES }).toString('utf8');
    else if (entry.method === 0) text = data.toString('utf8');
    else return;
  } catch (err) {
    if (err instanceof KeyturnError) throw err;
    throw corrupt(zipPath, `entry ${entry.name} cannot be decompressed`);
  } finally {
    await fh.close();
  }
  const stated = /(\d+\.\d+\.\d+[\w.-]*)/.exec(text)?.[1];
  if (stated !== undefined && stated !== version) {
    throw new KeyturnError('artifact-failed', `${zipPath} is inconsistent: its directory says Keycloak ${version} but version.txt says ${stated}.`, 'Use an unmodified keycloak-quarkus-dist zip.');
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}
