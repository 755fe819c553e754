/**
 * A deterministic single-file ZIP archive: same bytes in, same archive out (fixed
 * timestamp, no extra fields). Lambda's CodeSha256 is the SHA-256 of the archive, so a
 * reproducible archive makes `source_code_hash` equal what AWS reports, and spares synth
 * the ~270 ms child process cdktf's ARCHIVE assets spawn.
 */
import { crc32, deflateRawSync } from 'zlib';

/** 1980-01-01 00:00, the earliest DOS date: no build time leaks into the archive. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export function zipSingleFile(name: string, content: Buffer): Buffer {
  const fileName = Buffer.from(name, 'utf8');
  const compressed = deflateRawSync(content, { level: 9 });
  const crc = crc32(content);

  /** The fields the local and central headers share, from "version needed" to the name length. */
  const entry = (header: Buffer, at: number) => {
    header.writeUInt16LE(20, at); // version needed: 2.0 (deflate)
    header.writeUInt16LE(0x0800, at + 2); // flags: UTF-8 names
    header.writeUInt16LE(8, at + 4); // method: deflate
    header.writeUInt16LE(DOS_TIME, at + 6);
    header.writeUInt16LE(DOS_DATE, at + 8);
    header.writeUInt32LE(crc, at + 10);
    header.writeUInt32LE(compressed.length, at + 14);
    header.writeUInt32LE(content.length, at + 18);
    header.writeUInt16LE(fileName.length, at + 22);
    return header;
  };

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); // local file header signature
  entry(local, 4); // then extra field length: 0

  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); // central directory header signature
  central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
  entry(central, 6);
  // extra, comment, disk number, internal attributes: 0
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: regular file, rw-r--r--
  central.writeUInt32LE(0, 42); // offset of the local header

  const centralOffset = local.length + fileName.length + compressed.length;
  const centralSize = central.length + fileName.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(1, 8); // entries on this disk
  end.writeUInt16LE(1, 10); // entries in total
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(centralOffset, 16);

  return Buffer.concat([local, fileName, compressed, central, fileName, end]);
}
