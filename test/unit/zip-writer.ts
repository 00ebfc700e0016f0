/**
 * Writes small zip files for tests of the zip reader's refusals: crafted
 * entries (a version name that is not a version, a version.txt that inflates
 * to megabytes) that no real distribution has. Stored or deflated entries,
 * no zip64; enough for keycloak-dist.ts's central-directory reader.
 */
import { deflateRawSync, crc32 } from 'node:zlib';

export interface ZipEntryInput {
  name: string;
  data?: Buffer | string;
  deflate?: boolean;
}

/** The bytes of a zip holding `entries` in order. */
export function buildZip(entries: readonly ZipEntryInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '');
    const body = e.deflate ? deflateRawSync(raw, { level: 9 }) : raw;
    const name = Buffer.from(e.name);
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** The entries of a minimal Keycloak-shaped distribution of `version` (directory name as given). */
export function keycloakShaped(dirVersion: string, versionTxt?: ZipEntryInput['data'], deflate = false): ZipEntryInput[] {
  return [
    { name: `keycloak-${dirVersion}/bin/kc.sh`, data: '#!/bin/sh\n' },
    { name: `keycloak-${dirVersion}/lib/quarkus-run.jar`, data: 'jar' },
    ...(versionTxt !== undefined ? [{ name: `keycloak-${dirVersion}/version.txt`, data: versionTxt, deflate }] : []),
  ];
}
